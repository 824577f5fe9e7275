package pyast

import (
	"sort"
	"sync"

	sitter "github.com/smacker/go-tree-sitter"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/analysis/parse"
)

// symbols caches the Python grammar's node type names, whether each is
// named, and its field names, so the mirror holds small numbers (symbol,
// field id) and names cost a slice index.
type symbols struct {
	names  []string
	named  []bool
	fields []string          // by field id
	ids    map[string]uint16 // field id by name
	flags  []symFlags        // what newIndex asks of a symbol, by symbol
}

// symFlags are the node types newIndex tells apart, by symbol (a name
// compare or map lookup per node was a tenth of its time).
type symFlags uint8

const (
	symComment   symFlags = 1 << iota // comment
	symString                         // string
	symHolder                         // block, module: may open with a docstring
	symTuple                          // tuple
	symExprStmt                       // expression_statement
	symFieldless                      // see fieldless
)

var (
	symbolsOnce sync.Once
	pySymbols   *symbols
)

func pythonSymbols() *symbols {
	symbolsOnce.Do(func() {
		lang := parse.Python.Language()
		n := lang.SymbolCount()
		s := &symbols{names: make([]string, n), named: make([]bool, n), flags: make([]symFlags, n)}
		for j := uint32(0); j < n; j++ {
			sym := sitter.Symbol(j)
			s.names[j] = lang.SymbolName(sym)
			s.named[j] = lang.SymbolType(sym) == sitter.SymbolTypeRegular
			switch s.names[j] {
			case "comment":
				s.flags[j] |= symComment
			case "string":
				s.flags[j] |= symString
			case "block", "module":
				s.flags[j] |= symHolder
			case "tuple":
				s.flags[j] |= symTuple
			case "expression_statement":
				s.flags[j] |= symExprStmt
			}
			if fieldless[s.names[j]] {
				s.flags[j] |= symFieldless
			}
		}
		s.fields, s.ids = []string{""}, map[string]uint16{}
		for id := 1; ; id++ { // field ids are 1..count; past the end the name is ""
			name := lang.FieldName(id)
			if name == "" {
				break
			}
			s.fields = append(s.fields, name)
			s.ids[name] = uint16(id)
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

func (s *symbols) field(id uint16) string {
	if int(id) < len(s.fields) {
		return s.fields[id]
	}
	return ""
}

func (s *symbols) isNamed(sym sitter.Symbol) bool {
	return int(sym) >= len(s.named) || s.named[sym]
}

// is reports whether sym has one of the flags (false for a symbol the
// grammar does not list).
func (s *symbols) is(sym sitter.Symbol, f symFlags) bool {
	return int(sym) < len(s.flags) && s.flags[sym]&f != 0
}

// pnode is a tree node mirrored in Go: the walk copies every node once
// (symbol, span, field id, links), so extraction navigates without cgo.
// Its methods mirror sitter.Node's.
type pnode struct {
	x                   *index
	sym                 sitter.Symbol
	start, end          uint32
	field               uint16 // field id in the parent, 0 for none
	first, next, parent int32  // indices into index.nodes, -1 for none
	count, named        int32  // children, named children
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
	id, ok := n.x.syms.ids[name]
	if !ok {
		return nil
	}
	for c := n.at(n.first); c != nil; c = c.at(c.next) {
		if c.field == id {
			return c
		}
	}
	return nil
}

// FieldName is n's field name in its parent ("" for none). Loops over
// children follow next links and ask each child this; indexing with
// Child(i) costs i steps per call.
func (n *pnode) FieldName() string { return n.x.syms.field(n.field) }

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

// index is a parsed document plus its tokens, read from one flattening of
// the tree so that hashing and rendering any node afterwards costs no cgo
// calls.
type index struct {
	*parse.Doc
	syms   *symbols
	nodes  []pnode
	leaves []leaf
}

// maxWalk bounds the nodes mirrored, so a pathological file cannot stall
// the server (300-line files have a few thousand nodes).
const maxWalk = 4_000_000

// scratch is newIndex's working memory, recycled between calls (only the
// mirror and the tokens outlive the walk).
type scratch struct {
	flat   []parse.FlatNode
	side   []side
	frames []frame
}

// side is what the walk keeps per flattened node.
type side struct {
	namedCount int32 // named children
	firstNamed int32 // first named child, -1 for none
	mirror     int32 // index in index.nodes, -1 when not mirrored (inside a string)
	frameOf    int32 // index in frames for mirrored nodes with children, else -1
}

var scratches = sync.Pool{New: func() any { return new(scratch) }}

// frame is the walk state of a mirrored node whose children follow.
type frame struct {
	last     int32 // last child added, -1 for none
	docFirst bool  // the next named child may be a docstring
	oneTuple bool  // a one-element tuple: its comma counts
	quiet    bool  // a comment or docstring, or inside one: no leaves
	fields   bool  // children may have field names
	leafOnly bool  // a string: its children are not mirrored
}

// mirrorMem is memory for an index's mirror and tokens, handed from one
// extraction to the next (mirrors): they are the bulk of what extracting
// a file allocates, and none of it outlives the extraction.
type mirrorMem struct {
	nodes  []pnode
	leaves []leaf
}

var mirrors = sync.Pool{New: func() any { return new(mirrorMem) }}

// reclaim takes back the memory of x, which must not be used afterwards,
// and returns m to the pool.
func (m *mirrorMem) reclaim(x *index) {
	if x != nil && x.nodes != nil {
		clear(x.nodes) // no pointer to x (and its document) stays behind
		m.nodes, m.leaves = x.nodes[:0], x.leaves[:0]
		x.nodes, x.leaves = nil, nil
	}
	mirrors.Put(m)
}

// newIndex mirrors the document's tree: one call into C flattens it
// (parse.Doc.Flatten), and the mirror and the token list are built from
// that in Go.
func newIndex(doc *parse.Doc) *index { return newIndexIn(doc, nil) }

// newIndexIn is newIndex building the mirror and the tokens in mem's
// memory when it is big enough (nil: new memory).
func newIndexIn(doc *parse.Doc, mem *mirrorMem) *index {
	x := &index{Doc: doc, syms: pythonSymbols()}
	if doc == nil || doc.Tree == nil {
		return x
	}
	sc := scratches.Get().(*scratch)
	defer scratches.Put(sc)
	sc.flat = doc.Flatten(sc.flat)
	flat := sc.flat
	if len(flat) == 0 {
		return x
	}
	if cap(sc.side) < len(flat) {
		sc.side = make([]side, len(flat))
	}
	sd := sc.side[:len(flat)]
	for i := range sd {
		sd[i] = side{firstNamed: -1}
	}
	// Named children of every node, and the first of them, for the
	// one-element tuple and docstring tests below; and how many nodes have
	// no children (at most that many tokens).
	leaves := 1
	for i := 1; i < len(flat); i++ {
		if i+1 == len(flat) || flat[i+1].Parent != int32(i) {
			leaves++
		}
		if p := flat[i].Parent; p >= 0 && x.syms.isNamed(flat[i].Symbol) {
			if sd[p].namedCount == 0 {
				sd[p].firstNamed = int32(i)
			}
			sd[p].namedCount++
		}
	}
	frames := sc.frames[:0]
	defer func() { sc.frames = frames[:0] }()
	if mem != nil && cap(mem.nodes) >= len(flat) {
		x.nodes = mem.nodes[:0]
	} else {
		x.nodes = make([]pnode, 0, len(flat))
	}
	if mem != nil && cap(mem.leaves) >= leaves {
		x.leaves = mem.leaves[:0]
	} else {
		x.leaves = make([]leaf, 0, leaves)
	}
	root := flat[0]
	x.nodes = append(x.nodes, pnode{x: x, sym: root.Symbol, start: root.Start, end: root.End, first: -1, next: -1, parent: -1})
	frames = append(frames, frame{last: -1, docFirst: x.syms.name(root.Symbol) == "module", fields: true})
	sd[0].mirror, sd[0].frameOf = 0, 0
	for i := 1; i < len(flat) && len(x.nodes) <= maxWalk; i++ {
		n := flat[i]
		fp := n.Parent
		if fp < 0 || sd[fp].mirror < 0 || frames[sd[fp].frameOf].leafOnly {
			sd[i].mirror, sd[i].frameOf = -1, -1
			continue
		}
		top := &frames[sd[fp].frameOf]
		pidx := sd[fp].mirror
		sym := n.Symbol
		idx := int32(len(x.nodes))
		var field uint16
		if top.fields {
			field = n.Field
		}
		x.nodes = append(x.nodes, pnode{x: x, sym: sym, start: n.Start, end: n.End, field: field,
			first: -1, next: -1, parent: pidx})
		sd[i].mirror = idx
		p := &x.nodes[pidx]
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
		comment := x.syms.is(sym, symComment)
		quiet := top.quiet || comment
		if top.docFirst && named && !comment {
			top.docFirst = false
			if x.syms.is(sym, symExprStmt) && sd[i].namedCount == 1 && x.syms.is(flat[sd[i].firstNamed].Symbol, symString) {
				quiet = true // a docstring: no tokens
			}
		}
		hasChildren := i+1 < len(flat) && flat[i+1].Parent == int32(i)
		if !x.syms.is(sym, symString) && hasChildren {
			sd[i].frameOf = int32(len(frames))
			frames = append(frames, frame{
				last:     -1,
				docFirst: x.syms.is(sym, symHolder),
				oneTuple: x.syms.is(sym, symTuple) && sd[i].namedCount == 1,
				quiet:    quiet,
				fields:   !x.syms.is(sym, symFieldless),
			})
			continue
		}
		// Strings are single tokens and are not descended into.
		sd[i].frameOf = -1
		if hasChildren {
			sd[i].frameOf = int32(len(frames))
			frames = append(frames, frame{last: -1, leafOnly: true})
		}
		if !quiet {
			x.leaves = append(x.leaves, leaf{start: n.Start, end: n.End, sym: sym, parent: p.sym, oneTuple: top.oneTuple})
		}
	}
	return x
}

// fieldless are node types whose children never have field names; their
// children's field ids are ignored, as the cursor walk this replaced never
// asked for them.
var fieldless = map[string]bool{
	"module": true, "block": true, "expression_statement": true, "argument_list": true,
	"list": true, "tuple": true, "set": true, "dictionary": true, "parenthesized_expression": true,
	"type": true, "type_parameter": true, "generic_type": true, "union_type": true, "parameters": true,
	"dotted_name": true, "import_prefix": true, "decorator": true, "concatenated_string": true,
	"expression_list": true, "pattern_list": true, "return_statement": true, "ERROR": true,
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
