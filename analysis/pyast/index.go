package pyast

import (
	"sort"
	"sync"

	sitter "github.com/smacker/go-tree-sitter"

	"github.com/farm-stack/farm-lsp/analysis/facts"
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

// pnode is a tree node mirrored in Go: the walk copies every node once
// (symbol, span, field name, links), so extraction navigates without cgo.
// Its methods mirror sitter.Node's.
type pnode struct {
	x                   *index
	sym                 sitter.Symbol
	start, end          uint32
	field               string
	first, next, parent int32 // indices into index.nodes, -1 for none
	count, named        int32 // children, named children
}

func (n *pnode) at(i int32) *pnode {
	if i < 0 {
		return nil
	}
	return &n.x.nodes[i]
}

// Type is the node's grammar type name.
func (n *pnode) Type() string { return n.x.syms.name(n.sym) }

// IsNamed reports a named (non-punctuation) node.
func (n *pnode) IsNamed() bool { return n.x.syms.isNamed(n.sym) }

// StartByte is the node's start offset.
func (n *pnode) StartByte() uint32 { return n.start }

// EndByte is the node's end offset.
func (n *pnode) EndByte() uint32 { return n.end }

// ChildCount counts all children.
func (n *pnode) ChildCount() uint32 { return uint32(n.count) }

// NamedChildCount counts named children (comments included).
func (n *pnode) NamedChildCount() uint32 { return uint32(n.named) }

// Child returns the i-th child or nil.
func (n *pnode) Child(i int) *pnode {
	c := n.at(n.first)
	for ; c != nil && i > 0; i-- {
		c = c.at(c.next)
	}
	return c
}

// NamedChild returns the i-th named child or nil.
func (n *pnode) NamedChild(i int) *pnode {
	for c := n.at(n.first); c != nil; c = c.at(c.next) {
		if c.IsNamed() {
			if i == 0 {
				return c
			}
			i--
		}
	}
	return nil
}

// ChildByFieldName returns the first child in the named field, or nil.
func (n *pnode) ChildByFieldName(name string) *pnode {
	if n == nil {
		return nil
	}
	for c := n.at(n.first); c != nil; c = c.at(c.next) {
		if c.field == name {
			return c
		}
	}
	return nil
}

// FieldNameForChild is the field name of the i-th child ("" for none).
func (n *pnode) FieldNameForChild(i int) string {
	if c := n.Child(i); c != nil {
		return c.field
	}
	return ""
}

// children returns the named children of n (comments included), like
// parse.Children.
func children(n *pnode) []*pnode {
	if n == nil {
		return nil
	}
	out := make([]*pnode, 0, n.named)
	for c := n.at(n.first); c != nil; c = c.at(c.next) {
		if c.IsNamed() {
			out = append(out, c)
		}
	}
	return out
}

// Text is the source text of n.
func (x *index) Text(n *pnode) string {
	if n == nil {
		return ""
	}
	return string(x.Src[n.start:n.end])
}

// Range is the LSP range of n.
func (x *index) Range(n *pnode) facts.Range {
	if n == nil {
		return facts.Range{}
	}
	return x.Lines.Range(int(n.start), int(n.end))
}

// root is the mirrored root node.
func (x *index) root() *pnode {
	if len(x.nodes) == 0 {
		return nil
	}
	return &x.nodes[0]
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
	nodes  []pnode
	leaves []leaf
}

// maxWalk bounds the nodes visited, so a pathological file cannot stall
// the server (300-line files have a few thousand nodes).
const maxWalk = 4_000_000

func newIndex(doc *parse.Doc) *index {
	x := &index{Doc: doc, syms: pythonSymbols()}
	if doc == nil || doc.Tree == nil {
		return x
	}
	root := doc.Root()
	x.nodes = make([]pnode, 0, len(doc.Src)/3+8)
	x.leaves = make([]leaf, 0, len(doc.Src)/4+1)
	type frame struct {
		idx      int32
		last     int32 // last child added, -1 for none
		docFirst bool  // the next named child may be a docstring
		oneTuple bool
		quiet    bool // inside a docstring: no leaves
		fields   bool // children may have field names
	}
	x.nodes = append(x.nodes, pnode{x: x, sym: root.Symbol(), start: root.StartByte(), end: root.EndByte(), first: -1, next: -1, parent: -1})
	stack := []frame{{idx: 0, last: -1, docFirst: x.syms.name(root.Symbol()) == "module", fields: true}}
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
		idx := int32(len(x.nodes))
		field := ""
		if top.fields {
			field = c.CurrentFieldName()
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
			if typ == "expression_statement" && isStringStatement(n) {
				quiet = true // a docstring: no tokens
			}
		}
		// Strings are single tokens and are not descended into.
		if typ != "string" && c.GoToFirstChild() {
			stack = append(stack, frame{
				idx:      idx,
				last:     -1,
				docFirst: typ == "block" || typ == "module",
				oneTuple: typ == "tuple" && n.NamedChildCount() == 1,
				quiet:    quiet,
				fields:   !fieldless[typ],
			})
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
	return x
}

// fieldless are node types whose children never have field names, so the
// walk skips asking (one cgo call per node saved).
var fieldless = map[string]bool{
	"module": true, "block": true, "expression_statement": true, "argument_list": true,
	"list": true, "tuple": true, "set": true, "dictionary": true, "parenthesized_expression": true,
	"type": true, "type_parameter": true, "generic_type": true, "union_type": true, "parameters": true,
	"dotted_name": true, "import_prefix": true, "decorator": true, "concatenated_string": true,
	"expression_list": true, "pattern_list": true, "return_statement": true, "ERROR": true,
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
