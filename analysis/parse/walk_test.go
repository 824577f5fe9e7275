package parse

import (
	"context"
	"strings"
	"testing"

	sitter "github.com/smacker/go-tree-sitter"

	"github.com/farm-stack/farm-lsp/analysis/facts"
)

// walkSources are small trees of every grammar, broken ones included.
func walkSources() []struct {
	name string
	lang Lang
	src  string
} {
	return []struct {
		name string
		lang Lang
		src  string
	}{
		{"empty", Python, ""},
		{"class", Python, "from a import (b, c as d)\nimport x.y as z\n\nclass A(B):\n    \"\"\"Doc.\"\"\"\n    x: Dict[str, int] = 1  # c\n"},
		{"py errors", Python, "import a\nx = 1\ndef f(:\n    return (1, [2,\nclass X(\n"},
		{"py unclosed", Python, "x = " + strings.Repeat("[{", 50)},
		{"py deep", Python, "x = " + strings.Repeat("[{1:", 50) + "1" + strings.Repeat("}]", 50)},
		{"tsx", TSX, "import type { A } from './a';\nexport default function App({ m }: P) {\n  const [x] = useState(0);\n  return <div onClick={() => f(x)}>{m.f1}</div>;\n}\n"},
		{"tsx unclosed", TSX, "const x = " + strings.Repeat("[{a:", 50)},
		{"tsx errors", TSX, "export function A() {\n  return <div>{(1, [2</div>;\n"},
		{"ts", TypeScript, "export default " + strings.Repeat("[{a:", 30) + "1" + strings.Repeat("}]", 30)},
	}
}

// indexed walks through Child(i), the quadratic way, as reference.
func indexed(n *sitter.Node, out *[]*sitter.Node) {
	*out = append(*out, n)
	for i := 0; i < int(n.ChildCount()); i++ {
		indexed(n.Child(i), out)
	}
}

// TestWalkHelpersMatchIndexing checks the cursor helpers node for node
// against tree-sitter's indexed accessors.
func TestWalkHelpersMatchIndexing(t *testing.T) {
	t.Parallel()
	for _, c := range walkSources() {
		t.Run(c.name, func(t *testing.T) {
			d, err := Parse(context.Background(), c.lang, []byte(c.src), nil)
			if err != nil {
				t.Fatal(err)
			}
			var want []*sitter.Node
			indexed(d.Root(), &want)
			var got []*sitter.Node
			Walk(d.Root(), func(n *sitter.Node) bool { got = append(got, n); return true })
			if len(got) != len(want) {
				t.Fatalf("Walk visited %d nodes, indexing %d", len(got), len(want))
			}
			maxDepth, depth := 0, map[*sitter.Node]int{}
			for i := range want {
				if !got[i].Equal(want[i]) {
					t.Fatalf("node %d: Walk %s, indexing %s", i, got[i], want[i])
				}
				n := want[i]
				for j := 0; j < int(n.ChildCount()); j++ {
					depth[n.Child(j)] = depth[n] + 1
					maxDepth = max(maxDepth, depth[n]+1)
				}
				all, named := AllChildren(n), Children(n)
				if len(all) != int(n.ChildCount()) || len(named) != int(n.NamedChildCount()) {
					t.Fatalf("%s: %d/%d children, want %d/%d", n.Type(), len(all), len(named), n.ChildCount(), n.NamedChildCount())
				}
				for j := range all {
					if !all[j].Equal(n.Child(j)) {
						t.Fatalf("%s child %d: %s, want %s", n.Type(), j, all[j], n.Child(j))
					}
					if typ := n.Child(j).Type(); !ChildOfType(n, typ).Equal(firstOfType(n, typ)) {
						t.Fatalf("%s: ChildOfType(%q) differs", n.Type(), typ)
					}
				}
				for j := range named {
					if !named[j].Equal(n.NamedChild(j)) {
						t.Fatalf("%s named child %d: %s, want %s", n.Type(), j, named[j], n.NamedChild(j))
					}
				}
			}
			if ChildOfType(d.Root(), "no such type") != nil {
				t.Fatal("ChildOfType found a type that is not there")
			}
			nodes, dep := d.Shape(0, 0)
			if nodes != len(want) || dep != maxDepth {
				t.Fatalf("Shape = %d nodes, depth %d; want %d, %d", nodes, dep, len(want), maxDepth)
			}
			if maxDepth > 2 {
				if _, dep := d.Shape(0, 2); dep != 3 {
					t.Fatalf("Shape with depth limit 2 stopped at depth %d, want 3", dep)
				}
			}
			if len(want) > 5 {
				if n, _ := d.Shape(5, 0); n != 6 {
					t.Fatalf("Shape with node limit 5 stopped at %d nodes, want 6", n)
				}
			}
		})
	}
}

func firstOfType(n *sitter.Node, typ string) *sitter.Node {
	for i := 0; i < int(n.ChildCount()); i++ {
		if c := n.Child(i); c.Type() == typ {
			return c
		}
	}
	return nil
}

// TestWalkSkipsSubtrees: returning false from visit skips the node's
// subtree and nothing else, and the walk never leaves the start node.
func TestWalkSkipsSubtrees(t *testing.T) {
	t.Parallel()
	d, err := Parse(context.Background(), Python, []byte("def f(a):\n    return [a, (a, a)]\n\nx = f(1)\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	Walk(d.Root(), func(n *sitter.Node) bool {
		types = append(types, n.Type())
		return n.Type() != "function_definition"
	})
	got := strings.Join(types, " ")
	if strings.Contains(got, "return") || !strings.Contains(got, "function_definition expression_statement assignment") {
		t.Fatalf("walk with a skipped function: %s", got)
	}
	fn := d.Root().NamedChild(0)
	var inside []string
	Walk(fn.ChildByFieldName("body"), func(n *sitter.Node) bool { inside = append(inside, n.Type()); return true })
	if s := strings.Join(inside, " "); strings.Contains(s, "assignment") || !strings.HasPrefix(s, "block return_statement") {
		t.Fatalf("walk from the body left it: %s", s)
	}
	Walk(nil, func(*sitter.Node) bool { t.Fatal("visited under nil"); return true })
}

// oldUnclosed is the former unclosedBracket (indexed children, explicit
// stack), kept as the reference for the flattened one.
func oldUnclosed(n *sitter.Node, first int) *sitter.Node {
	var open, todo []*sitter.Node
	for i := int(n.ChildCount()) - 1; i >= first; i-- {
		todo = append(todo, n.Child(i))
	}
	for len(todo) > 0 {
		cur := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		if c := int(cur.ChildCount()); c > 0 {
			for i := c - 1; i >= 0; i-- {
				todo = append(todo, cur.Child(i))
			}
			continue
		}
		if cur.IsMissing() {
			continue
		}
		t := cur.Type()
		if _, ok := closerOf[t]; ok {
			open = append(open, cur)
		} else if len(open) > 0 && closerOf[open[len(open)-1].Type()] == t {
			open = open[:len(open)-1]
		}
	}
	if len(open) == 0 {
		return nil
	}
	return open[len(open)-1]
}

func TestUnclosedBracketMatchesReference(t *testing.T) {
	t.Parallel()
	srcs := []struct {
		lang Lang
		src  string
	}{
		{Python, "x = " + strings.Repeat("[{", 300)},
		{Python, "import a\n\nclass C(D):\n    name: str = (\n"},
		{Python, "x = [1, (2, {3: 4}\ny = 1\n"},
		{Python, "x = [1, (2, {3: 4})]]\n"},
		{TSX, "const x = " + strings.Repeat("[{a:", 300)},
		{TSX, "export function A() {\n  return <div>{(1, [2</div>;\n"},
		{TypeScript, "export default { a: [1, { b: (2 }"},
	}
	for i, s := range srcs {
		d, err := Parse(context.Background(), s.lang, []byte(s.src), nil)
		if err != nil {
			t.Fatal(err)
		}
		checked := 0
		Walk(d.Root(), func(n *sitter.Node) bool {
			if !n.IsError() {
				return true
			}
			for first := 0; first <= int(n.ChildCount()) && first < 4; first++ {
				checked++
				want := oldUnclosed(n, first)
				start, end, typ, ok := d.unclosedBracket(n, first)
				if ok != (want != nil) || ok && (start != want.StartByte() || end != want.EndByte() || typ != want.Type()) {
					t.Fatalf("source %d, first %d: got %v %d-%d %q, want %v", i, first, ok, start, end, typ, want)
				}
			}
			return true
		})
		if checked == 0 {
			t.Fatalf("source %d: no ERROR node", i)
		}
	}
}

// TestErrorsOnWideAndDeepTrees: the unclosed-bracket report on the shapes
// that made the old walks quadratic (benchmarked at scale in
// analysis/workspace BenchmarkNesting).
func TestErrorsOnWideAndDeepTrees(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		lang Lang
		src  string
		at   int // byte offset of the innermost unclosed bracket
	}{
		{Python, "x = " + strings.Repeat("[{", 3000), 4 + 2*3000 - 1},
		{TSX, "const x = " + strings.Repeat("[{a:", 3000), 10 + 4*3000 - 3},
	} {
		d, err := Parse(context.Background(), c.lang, []byte(c.src), nil)
		if err != nil {
			t.Fatal(err)
		}
		errs := d.Errors("f")
		want := d.Lines.Range(c.at, c.at+1)
		if len(errs) == 0 || errs[0].Range != want || !strings.Contains(errs[0].Message, "'{' was never closed") {
			t.Fatalf("%s: %v, want '{' never closed at %v", c.lang, errs, want)
		}
		if errs[0].Code != facts.CodeSyntaxError {
			t.Fatalf("code %q", errs[0].Code)
		}
	}
}
