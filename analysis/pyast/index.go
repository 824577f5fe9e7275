package pyast

import (
	"sort"
	"sync"

	sitter "github.com/smacker/go-tree-sitter"

	"github.com/farm-stack/farm-lsp/analysis/parse"
)

// symbols caches the Python grammar's node type names and whether each is
// named, so the walk reads a node's Symbol (one cgo call, no allocation)
// instead of its Type string.
type symbols struct {
	names []string
	named []bool
}

var (
	symbolsOnce sync.Once
	pySymbols   *symbols
)

func pythonSymbols() *symbols {
	symbolsOnce.Do(func() {
		lang := parse.Python.Language()
		n := lang.SymbolCount()
		s := &symbols{names: make([]string, n), named: make([]bool, n)}
		for j := uint32(0); j < n; j++ {
			sym := sitter.Symbol(j)
			s.names[j] = lang.SymbolName(sym)
			s.named[j] = lang.SymbolType(sym) == sitter.SymbolTypeRegular
		}
		pySymbols = s
	})
	return pySymbols
}

func (s *symbols) name(sym sitter.Symbol) string {
	if int(sym) < len(s.names) {
		return s.names[sym]
	}
	return ""
}

func (s *symbols) isNamed(sym sitter.Symbol) bool {
	return int(sym) >= len(s.named) || s.named[sym]
}

// leaf is one token: a childless node or a whole Python string, with what
// canon and the hashes need to know about its parent. Comments and
// docstrings are not leaves.
type leaf struct {
	start, end uint32
	sym        sitter.Symbol
	parent     sitter.Symbol
	oneTuple   bool // the parent is a one-element tuple: its comma counts
}

// index is a parsed document plus its tokens, read in one cursor walk so
// that hashing and rendering any node afterwards costs no cgo calls.
type index struct {
	*parse.Doc
	syms   *symbols
	leaves []leaf
}

// maxWalk bounds the nodes visited, so a pathological file cannot stall
// the server (300-line files have a few thousand nodes).
const maxWalk = 4_000_000

func newIndex(doc *parse.Doc) *index {
	x := &index{Doc: doc, syms: pythonSymbols()}
	root := doc.Root()
	if root == nil {
		return x
	}
	x.leaves = make([]leaf, 0, len(doc.Src)/4+1)
	type frame struct {
		sym      sitter.Symbol
		docFirst bool // the next named child may be a docstring
		oneTuple bool
	}
	stack := []frame{{sym: root.Symbol(), docFirst: x.syms.name(root.Symbol()) == "module"}}
	c := sitter.NewTreeCursor(root)
	defer c.Close()
	if !c.GoToFirstChild() {
		return x
	}
	for visited := 0; visited < maxWalk; visited++ {
		n := c.CurrentNode()
		sym := n.Symbol()
		typ := x.syms.name(sym)
		top := &stack[len(stack)-1]
		descend := true
		switch {
		case typ == "comment":
			descend = false
		case top.docFirst && x.syms.isNamed(sym):
			top.docFirst = false
			if typ == "expression_statement" && isStringStatement(n) {
				descend = false // a docstring: not a token
			}
		}
		if descend {
			if typ != "string" && c.GoToFirstChild() {
				stack = append(stack, frame{
					sym:      sym,
					docFirst: typ == "block" || typ == "module",
					oneTuple: typ == "tuple" && n.NamedChildCount() == 1,
				})
				continue
			}
			x.leaves = append(x.leaves, leaf{start: n.StartByte(), end: n.EndByte(), sym: sym, parent: top.sym, oneTuple: top.oneTuple})
		}
		for !c.GoToNextSibling() {
			if !c.GoToParent() || len(stack) <= 1 {
				return x
			}
			stack = stack[:len(stack)-1]
		}
	}
	return x
}

func isStringStatement(n *sitter.Node) bool {
	if n.NamedChildCount() != 1 {
		return false
	}
	c := n.NamedChild(0)
	return c != nil && c.Type() == "string"
}

// leavesOf returns the tokens inside [start, end).
func (x *index) leavesOf(start, end uint32) []leaf {
	i := sort.Search(len(x.leaves), func(i int) bool { return x.leaves[i].start >= start })
	j := i
	for j < len(x.leaves) && x.leaves[j].end <= end {
		j++
	}
	return x.leaves[i:j]
}

func (x *index) text(l leaf) string { return string(x.Src[l.start:l.end]) }
