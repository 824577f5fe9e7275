package parse

import (
	"context"
	"fmt"
	"strings"
	"testing"

	sitter "github.com/smacker/go-tree-sitter"
)

// TestFlattenMatchesCursor checks the one-call C walk node for node
// against smacker's TreeCursor (what would break if smacker's Node layout
// or tree-sitter's cursor ABI changed under the declarations in flat.go).
func TestFlattenMatchesCursor(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var big strings.Builder
	for i := 0; i < 200; i++ {
		fmt.Fprintf(&big, "class M%d(Document):\n    a: Optional[int] = Field(None, ge=%d)  # c\n    b: str = \"x\"\n\n", i, i)
	}
	cases := []struct {
		name string
		lang Lang
		src  string
	}{
		{"empty", Python, ""},
		{"one", Python, "x"},
		{"class", Python, "class A(B):\n    \"\"\"Doc.\"\"\"\n    x: int = 1\n    y: list[str] = Field(default_factory=list)\n"},
		{"errors", Python, "def f(:\n    return (1,\nclass X(\n"},
		{"unicode", Python, "s = 'é😀'\nt = f\"{s!r:>10}\"\n"},
		{"big", Python, big.String()},
		{"tsx", TSX, "export function A({ m }: P) {\n  const [x] = useState(0);\n  return <div onClick={() => f(x)}>{m.f1}</div>;\n}\n"},
		{"ts", TypeScript, "type T = { a: number; b?: string };\nexport const x: T = { a: 1 };\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := Parse(ctx, c.lang, []byte(c.src), nil)
			if err != nil {
				t.Fatal(err)
			}
			want := flattenCursor(c.lang.Language(), d.Root(), nil)
			if n := nodeCount(d.Root()); n != len(want) {
				t.Fatalf("tree-sitter's descendant count is %d, the cursor walk visits %d", n, len(want))
			}
			for _, buf := range [][]FlatNode{nil, make([]FlatNode, 1), make([]FlatNode, 0, 100000)} {
				got := d.Flatten(buf)
				if len(got) != len(want) {
					t.Fatalf("Flatten gave %d nodes, cursor walk %d", len(got), len(want))
				}
				for i := range want {
					if got[i] != want[i] {
						t.Fatalf("node %d: Flatten %+v, cursor walk %+v", i, got[i], want[i])
					}
				}
			}
			if len(want) == 0 || want[0].Parent != -1 {
				t.Fatalf("root missing: %+v", want)
			}
		})
	}
	var nilDoc *Doc
	if got := nilDoc.Flatten(nil); len(got) != 0 {
		t.Fatalf("nil doc: %v", got)
	}
}

// TestShapeThenFlatten: the flattening Shape leaves for the next Flatten
// is the tree's (once; later calls walk again), also for code dense in
// nodes (Shape once sized its buffer by the source's length and, for
// most files, kept nothing), and none is left when the walk stopped at a
// limit.
func TestShapeThenFlatten(t *testing.T) {
	t.Parallel()
	var src strings.Builder
	for i := 0; i < 50; i++ {
		fmt.Fprintf(&src, "class M%d(Document):\n    a: Optional[int] = Field(None, ge=%d)\n", i, i)
		fmt.Fprintf(&src, "x=a+b*c-d[e](f,g)\n")
	}
	for _, lang := range []Lang{Python, TSX} {
		d, err := Parse(context.Background(), lang, []byte(src.String()), nil)
		if err != nil {
			t.Fatal(err)
		}
		want := flattenCursor(lang.Language(), d.Root(), nil)
		for round := 0; round < 3; round++ {
			if n, _ := d.Shape(0, 0); n != len(want) {
				t.Fatalf("%s: Shape counted %d nodes, want %d", lang, n, len(want))
			}
			if lang == Python && d.flat.Load() == nil {
				t.Fatalf("round %d: Shape left no flattening for the next Flatten (%d nodes, %d bytes)", round, len(want), src.Len())
			}
			for k := 0; k < 2; k++ {
				got := d.Flatten(nil)
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Fatalf("%s round %d call %d: Flatten after Shape differs from the cursor walk", lang, round, k)
				}
			}
		}
		d.Shape(10, 0) // stops: nothing to hand over
		if d.flat.Load() != nil {
			t.Fatalf("%s: a partial flattening was kept", lang)
		}
		if got := d.Flatten(make([]FlatNode, 3)); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("%s: Flatten after a stopped Shape differs", lang)
		}
	}
}

// TestFlattenIncremental checks the walk of an incrementally reparsed tree.
func TestFlattenIncremental(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	old, err := Parse(ctx, Python, []byte("class A(B):\n    x: int\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	old.Flatten(nil)
	inc, err := Parse(ctx, Python, []byte("class A(B):\n    x: int\n    y: str = 'é'\n"), old)
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := Parse(ctx, Python, inc.Src, nil)
	if err != nil {
		t.Fatal(err)
	}
	a, b := inc.Flatten(nil), fresh.Flatten(nil)
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatalf("incremental %v\nfresh %v", a, b)
	}
}

func benchSource() []byte {
	var b strings.Builder
	for i := 0; i < 60; i++ {
		fmt.Fprintf(&b, "class M%d(Document):\n    a: Optional[int] = Field(None, ge=1)\n    b: str\n\n", i)
	}
	return []byte(b.String())
}

// BenchmarkFlatten is the one-call C walk of a ~300-line file.
func BenchmarkFlatten(b *testing.B) {
	d, err := Parse(context.Background(), Python, benchSource(), nil)
	if err != nil {
		b.Fatal(err)
	}
	var buf []FlatNode
	b.ReportAllocs()
	for b.Loop() {
		buf = d.Flatten(buf)
	}
	b.ReportMetric(float64(len(buf)), "nodes")
}

// BenchmarkFlattenCursor is the same walk through smacker's TreeCursor.
func BenchmarkFlattenCursor(b *testing.B) {
	src := benchSource()
	var n int
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		d, err := Parse(context.Background(), Python, src, nil) // a fresh tree: an empty node cache
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		n = len(flattenCursor(Python.Language(), d.Root(), nil))
	}
	b.ReportMetric(float64(n), "nodes")
}

// flattenCursor is Flatten through smacker's TreeCursor: the reference
// the C walk is tested against.
func flattenCursor(lang *sitter.Language, root *sitter.Node, out []FlatNode) []FlatNode {
	fields := map[string]uint16{}
	for id := 1; ; id++ { // field ids are 1..count; past the end the name is ""
		name := lang.FieldName(id)
		if name == "" {
			break
		}
		fields[name] = uint16(id)
	}
	c := sitter.NewTreeCursor(root)
	defer c.Close()
	parent := int32(-1)
	for {
		n := c.CurrentNode()
		f := FlatNode{Start: n.StartByte(), End: n.EndByte(), Parent: parent, Symbol: n.Symbol()}
		if name := c.CurrentFieldName(); name != "" {
			f.Field = fields[name]
		}
		out = append(out, f)
		if c.GoToFirstChild() {
			parent = int32(len(out) - 1)
			continue
		}
		for !c.GoToNextSibling() {
			if !c.GoToParent() {
				return out
			}
			parent = out[parent].Parent
		}
	}
}

// FuzzFlatten checks the C walk against the cursor walk on arbitrary
// input in every grammar, including through an incremental reparse.
func FuzzFlatten(f *testing.F) {
	f.Add([]byte("class A(B):\n    x: int = 1\n"), []byte("class A(B):\n    x: int = (1,\n"), uint8(0))
	f.Add([]byte("export const A = () => <div>{x}</div>;\n"), []byte("export const A = () => <div>{x</div>;\n"), uint8(1))
	f.Add([]byte("type T = { a: number };\n"), []byte("\x00\xff"), uint8(2))
	f.Fuzz(func(t *testing.T, a, b []byte, l uint8) {
		lang := Lang(int(l) % 3)
		ctx := context.Background()
		old, err := Parse(ctx, lang, a, nil)
		if err != nil {
			t.Skip("parser refused input:", err)
		}
		d, err := Parse(ctx, lang, b, old)
		if err != nil {
			t.Skip("parser refused input:", err)
		}
		for _, doc := range []*Doc{old, d} {
			got, want := doc.Flatten(nil), flattenCursor(lang.Language(), doc.Root(), nil)
			if len(got) != len(want) {
				t.Fatalf("Flatten gave %d nodes, cursor walk %d", len(got), len(want))
			}
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("node %d: Flatten %+v, cursor walk %+v", i, got[i], want[i])
				}
			}
		}
	})
}

// TestFlattenHandsBufferToShape: the buffer passed to a Flatten that
// returns Shape's flattening serves a later Shape, and no flattening
// handed out is overwritten by it.
func TestFlattenHandsBufferToShape(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srcs := []string{"class A(B):\n    x: int = 1\n", "def f(a, b=2):\n    return [a, b, {'k': (a,)}]\n", "import os\n"}
	var docs []*Doc
	var want [][]FlatNode
	for _, src := range srcs {
		d, err := Parse(ctx, Python, []byte(src), nil)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, d)
		want = append(want, flattenCursor(Python.Language(), d.Root(), nil))
	}
	var got [][]FlatNode
	buf := make([]FlatNode, 0, 4096)
	for round := 0; round < 3; round++ {
		for i, d := range docs {
			d.Shape(0, 0)
			buf = d.Flatten(buf) // hands the old buf over
			got = append(got, append([]FlatNode(nil), buf...))
			if fmt.Sprint(buf) != fmt.Sprint(want[i]) {
				t.Fatalf("round %d doc %d: Flatten after Shape differs from the cursor walk", round, i)
			}
		}
	}
	held := docs[0].Flatten(nil) // a fresh walk, kept by the caller
	docs[1].Shape(0, 0)
	docs[2].Shape(0, 0)
	if fmt.Sprint(held) != fmt.Sprint(want[0]) {
		t.Fatal("a flattening handed out was overwritten by a later Shape")
	}
	for k, g := range got {
		if fmt.Sprint(g) != fmt.Sprint(want[k%len(docs)]) {
			t.Fatalf("copy %d differs", k)
		}
	}
}
