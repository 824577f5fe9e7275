package tsxast

import (
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"sync"

	sitter "github.com/smacker/go-tree-sitter"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/analysis/parse"
)

// symbols caches a grammar's node type names and whether each is named,
// so the walk reads a node's Symbol (one cgo call, no allocation) instead
// of its Type string.
type symbols struct {
	names []string
	named []bool
}

var (
	symbolsOnce [3]sync.Once
	symbolTabs  [3]*symbols
)

func symbolsFor(l parse.Lang) *symbols {
	i := int(l)
	if i < 0 || i >= len(symbolTabs) {
		i = int(parse.TSX)
	}
	symbolsOnce[i].Do(func() {
		lang := parse.Lang(i).Language()
		n := lang.SymbolCount()
		s := &symbols{names: make([]string, n), named: make([]bool, n)}
		for j := uint32(0); j < n; j++ {
			sym := sitter.Symbol(j)
			s.names[j] = lang.SymbolName(sym)
			s.named[j] = lang.SymbolType(sym) == sitter.SymbolTypeRegular
		}
		symbolTabs[i] = s
	})
	return symbolTabs[i]
}

func (s *symbols) name(sym sitter.Symbol) string {
	if int(sym) < len(s.names) {
		return s.names[sym]
	}
	return ""
}

// leaf is one token of the tree (comments excluded).
type leaf struct {
	start, end uint32
	sym        sitter.Symbol
}

// span is a byte range.
type span struct{ start, end uint32 }

// hookCall is a call to a hook at a byte offset.
type hookCall struct {
	at   uint32
	name string
}

// index is what one walk over the tree collects: the tokens (for hashing
// any node), hook calls, capitalised function declarations (to leave out
// nested components' hooks) and property reads.
type index struct {
	doc    *parse.Doc
	syms   *symbols
	leaves []leaf
	calls  []hookCall
	comps  []span
	reads  []facts.PropertyRead
}

// maxWalk bounds the nodes visited, so a pathological file cannot stall
// the server (300-line files have a few thousand nodes).
const maxWalk = 2_000_000

func newIndex(doc *parse.Doc) *index {
	x := &index{doc: doc, syms: symbolsFor(doc.Lang)}
	root := doc.Root()
	c := sitter.NewTreeCursor(root)
	defer c.Close()
	for visited := 0; visited < maxWalk; visited++ {
		n := c.CurrentNode()
		sym := n.Symbol()
		typ := x.syms.name(sym)
		descend := true
		switch typ {
		case "comment":
			descend = false
		case "call_expression":
			x.call(n)
		case "member_expression":
			x.member(n)
		case "variable_declarator":
			x.declarator(n)
		case "function_declaration", "class_declaration":
			if name := n.ChildByFieldName("name"); name != nil && isCapitalised(doc.Text(name)) {
				x.comps = append(x.comps, span{n.StartByte(), n.EndByte()})
			}
		}
		if descend && c.GoToFirstChild() {
			continue
		}
		if descend { // a leaf
			x.leaves = append(x.leaves, leaf{n.StartByte(), n.EndByte(), sym})
		}
		for !c.GoToNextSibling() {
			if !c.GoToParent() {
				return x
			}
		}
	}
	return x
}

func (x *index) call(n *sitter.Node) {
	fn := n.ChildByFieldName("function")
	if fn == nil {
		return
	}
	d := x.doc
	name := ""
	switch fn.Type() {
	case "identifier":
		name = d.Text(fn)
	case "member_expression":
		if obj := fn.ChildByFieldName("object"); obj != nil && d.Text(obj) == "React" {
			name = d.Text(fn.ChildByFieldName("property"))
		}
	}
	if hookName.MatchString(name) {
		x.calls = append(x.calls, hookCall{n.StartByte(), name})
	}
}

func (x *index) member(n *sitter.Node) {
	d := x.doc
	obj, prop := n.ChildByFieldName("object"), n.ChildByFieldName("property")
	if obj == nil || prop == nil || prop.Type() != "property_identifier" {
		return
	}
	if o, ok := chainText(d, obj); ok {
		x.reads = append(x.reads, facts.PropertyRead{Object: o, Property: d.Text(prop), Range: d.Range(prop)})
	}
}

func (x *index) declarator(n *sitter.Node) {
	d := x.doc
	name, val := n.ChildByFieldName("name"), n.ChildByFieldName("value")
	if name == nil || val == nil {
		return
	}
	switch name.Type() {
	case "identifier":
		if isCapitalised(d.Text(name)) && componentValue(d, val) != nil {
			x.comps = append(x.comps, span{n.StartByte(), n.EndByte()})
		}
	case "object_pattern": // const { a, b: c } = obj
		o, ok := chainText(d, val)
		if !ok {
			return
		}
		for _, p := range parse.Children(name) {
			var key *sitter.Node
			switch p.Type() {
			case "shorthand_property_identifier_pattern":
				key = p
			case "pair_pattern":
				key = p.ChildByFieldName("key")
			case "object_assignment_pattern":
				key = p.ChildByFieldName("left")
			}
			if key != nil && (key.Type() == "property_identifier" || key.Type() == "shorthand_property_identifier_pattern") {
				x.reads = append(x.reads, facts.PropertyRead{Object: o, Property: d.Text(key), Range: d.Range(key)})
			}
		}
	}
}

// hooks lists the hook calls inside body in source order, leaving out
// those of nested components (capitalised functions declared inside).
func (x *index) hooks(body *sitter.Node) []string {
	if body == nil {
		return nil
	}
	b := span{body.StartByte(), body.EndByte()}
	var nested []span
	for _, s := range x.comps {
		if s.start >= b.start && s.end <= b.end {
			nested = append(nested, s)
		}
	}
	i := sort.Search(len(x.calls), func(i int) bool { return x.calls[i].at >= b.start })
	var out []string
outer:
	for ; i < len(x.calls) && x.calls[i].at < b.end; i++ {
		for _, s := range nested {
			if x.calls[i].at >= s.start && x.calls[i].at < s.end {
				continue outer
			}
		}
		out = append(out, x.calls[i].name)
	}
	return out
}

// hash hashes the tokens of n, skipping comments. Anonymous tokens are
// hashed by their kind: the TSX grammar folds the white space before `<`
// and `</` of JSX tags into those tokens, so a JSX reflow would otherwise
// look like a code change (parse.Doc.TokenHash has that flaw). jsx_text is
// white-space normalised and dropped when only white space.
func (x *index) hash(n *sitter.Node) string {
	if n == nil {
		return ""
	}
	return x.hashSpan(n.StartByte(), n.EndByte())
}

func (x *index) hashSpan(start, end uint32) string {
	h := sha256.New()
	i := sort.Search(len(x.leaves), func(i int) bool { return x.leaves[i].start >= start })
	var buf []byte
	for ; i < len(x.leaves) && x.leaves[i].end <= end; i++ {
		l := x.leaves[i]
		typ := x.syms.name(l.sym)
		text := typ
		if int(l.sym) >= len(x.syms.named) || x.syms.named[l.sym] {
			text = string(x.doc.Src[l.start:l.end])
			if typ == "jsx_text" {
				if text = parse.Normalize(text); text == "" {
					continue
				}
			}
		}
		buf = append(buf[:0], typ...)
		buf = append(buf, 1)
		buf = append(buf, text...)
		buf = append(buf, 0)
		h.Write(buf)
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
}
