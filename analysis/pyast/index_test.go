package pyast

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	sitter "github.com/smacker/go-tree-sitter"

	"github.com/farm-stack/farm-lsp/analysis/parse"
)

// cursorIndex is the mirror built the way newIndex did before it read the
// flattened tree: a smacker TreeCursor walk with a cgo call per node
// property. It is the reference newIndex is checked against.
func cursorIndex(doc *parse.Doc) *index {
	x := &index{Doc: doc, syms: pythonSymbols()}
	root := doc.Root()
	type frame struct {
		idx      int32
		last     int32
		docFirst bool
		oneTuple bool
		quiet    bool
		fields   bool
	}
	x.nodes = append(x.nodes, pnode{x: x, sym: root.Symbol(), start: root.StartByte(), end: root.EndByte(), first: -1, next: -1, parent: -1})
	stack := []frame{{idx: 0, last: -1, docFirst: x.syms.name(root.Symbol()) == "module", fields: true}}
	c := sitter.NewTreeCursor(root)
	defer c.Close()
	if !c.GoToFirstChild() {
		return x
	}
	for {
		n := c.CurrentNode()
		sym := n.Symbol()
		typ := x.syms.name(sym)
		top := &stack[len(stack)-1]
		idx := int32(len(x.nodes))
		var field uint16
		if top.fields {
			field = x.syms.ids[c.CurrentFieldName()]
		}
		x.nodes = append(x.nodes, pnode{x: x, sym: sym, start: n.StartByte(), end: n.EndByte(), field: field,
			first: -1, next: -1, parent: top.idx})
		p := &x.nodes[top.idx]
		if top.last < 0 {
			p.first = idx
		} else {
			x.nodes[top.last].next = idx
		}
		top.last = idx
		p.count++
		named := x.syms.isNamed(sym)
		if named {
			p.named++
		}
		quiet := top.quiet || typ == "comment"
		if top.docFirst && named && typ != "comment" {
			top.docFirst = false
			if typ == "expression_statement" && n.NamedChildCount() == 1 && n.NamedChild(0).Type() == "string" {
				quiet = true
			}
		}
		if typ != "string" && c.GoToFirstChild() {
			stack = append(stack, frame{idx: idx, last: -1, docFirst: typ == "block" || typ == "module",
				oneTuple: typ == "tuple" && n.NamedChildCount() == 1, quiet: quiet, fields: !fieldless[typ]})
			continue
		}
		if !quiet {
			x.leaves = append(x.leaves, leaf{start: x.nodes[idx].start, end: x.nodes[idx].end, sym: sym, parent: p.sym, oneTuple: top.oneTuple})
		}
		for !c.GoToNextSibling() {
			if !c.GoToParent() || len(stack) <= 1 {
				return x
			}
			stack = stack[:len(stack)-1]
		}
	}
}

// TestIndexMatchesCursorWalk checks that the mirror built from the
// flattened tree equals the cursor walk's, node for node and token for
// token, on the golden inputs, the fuzz seeds and odd sources.
func TestIndexMatchesCursorWalk(t *testing.T) {
	t.Parallel()
	srcs := map[string]string{
		"empty":     "",
		"docstring": "\"\"\"Module doc.\"\"\"\n# c\nx = (1,)\ny = (1, 2,)\nclass A:\n    'doc'\n    z = f'{x}' 'y'\n",
		"broken":    "def f(:\n    return (1,\nclass X(\n    a: int = \n",
		"bom-crlf":  "\ufeffclass A(BaseModel):\r\n    x: int\r\n",
		"binary":    "x = '\xff\xfe'\n\x00\x01\x02binary\xff",
		"models":    modelFile(300),
	}
	files, _ := filepath.Glob("testdata/extract/*.py")
	fuzz, _ := filepath.Glob("testdata/fuzz/FuzzExtractDiff/*")
	for _, f := range append(files, fuzz...) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		srcs[f] = string(b)
	}
	for name, src := range srcs {
		t.Run(name, func(t *testing.T) {
			d := mustParse(t, src)
			got, want := newIndex(d), cursorIndex(d)
			if len(got.nodes) != len(want.nodes) || len(got.leaves) != len(want.leaves) {
				t.Fatalf("%d nodes %d leaves, want %d and %d", len(got.nodes), len(got.leaves), len(want.nodes), len(want.leaves))
			}
			for i := range want.nodes {
				g, w := got.nodes[i], want.nodes[i]
				g.x, w.x = nil, nil
				if g != w {
					t.Fatalf("node %d (%s): got %+v, want %+v", i, want.syms.name(w.sym), g, w)
				}
			}
			for i := range want.leaves {
				if got.leaves[i] != want.leaves[i] {
					t.Fatalf("leaf %d: got %+v, want %+v", i, got.leaves[i], want.leaves[i])
				}
			}
		})
	}
}

// TestIndexIncremental checks the mirror of incrementally reparsed trees,
// edit after edit, against fresh cursor walks.
func TestIndexIncremental(t *testing.T) {
	t.Parallel()
	src := modelFile(120)
	d := mustParse(t, src)
	for i, edit := range []func(string) string{
		func(s string) string { return strings.Replace(s, "age: Optional[int]", "age: Optional[float]", 1) },
		func(s string) string { return strings.Replace(s, "class Model1(", "class Renamed(", 1) },
		func(s string) string { return "\"\"\"Doc.\"\"\"\n" + s },
		func(s string) string { return s[:len(s)/2] + "\n    def broken(:\n" + s[len(s)/2:] },
		func(s string) string { return strings.Replace(s, "\n    def broken(:\n", "", 1) },
	} {
		src = edit(src)
		nd, err := parse.Parse(context.Background(), parse.Python, []byte(src), d)
		if err != nil {
			t.Fatal(err)
		}
		got, want := newIndex(nd), cursorIndex(nd)
		if fmt.Sprint(stripX(got.nodes), got.leaves) != fmt.Sprint(stripX(want.nodes), want.leaves) {
			t.Fatalf("edit %d: mirrors differ", i)
		}
		d = nd
	}
}

func stripX(ns []pnode) []pnode {
	out := append([]pnode(nil), ns...)
	for i := range out {
		out[i].x = nil
	}
	return out
}
