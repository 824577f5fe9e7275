package tsxast

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"sync"

	sitter "github.com/smacker/go-tree-sitter"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/analysis/parse"
)

// Query patterns, compiled once per grammar. One query run visits the
// tree in C and hands back only the nodes extraction needs, which costs a
// fraction of walking every node through cgo.
//
//	@skip @raw @code @jsx   regions for token hashing: comments, literals
//	                        whose white space counts, code inside template
//	                        substitutions, JSX text
//	@call @fn               calls (hooks)
//	@member @obj @prop      property reads
//	@destructure            const { a, b: c } = obj
//	@comp                   capitalised function/class declarations and
//	                        const initialisers (nested components)
const queryCommon = `
(comment) @skip
(string) @raw
(template_string) @raw
(template_substitution) @code
(regex) @raw
(call_expression function: [(identifier) (member_expression)] @fn) @call
(member_expression object: (_) @obj property: (property_identifier) @prop) @member
(variable_declarator name: (object_pattern) value: (_)) @destructure
(variable_declarator name: (identifier) value: [(arrow_function) (function_expression) (call_expression) (parenthesized_expression)]) @comp
(function_declaration name: (identifier)) @comp
(class_declaration name: (type_identifier)) @comp
`

// queryJSX adds what only the TSX grammar has.
const queryJSX = `
(jsx_text) @jsx
`

type compiled struct {
	q     *sitter.Query
	names []string // capture id → name
	err   error
}

var (
	queryOnce [3]sync.Once
	queries   [3]compiled
)

// queryFor compiles the extraction query of a grammar once.
func queryFor(l parse.Lang) (*compiled, error) {
	i := int(l)
	if i < 0 || i >= len(queries) || l == parse.Python {
		return nil, fmt.Errorf("tsxast: no query for %s", l)
	}
	queryOnce[i].Do(func() {
		src := queryCommon
		if l == parse.TSX {
			src += queryJSX
		}
		q, err := sitter.NewQuery([]byte(src), l.Language())
		if err != nil {
			queries[i].err = fmt.Errorf("tsxast: compile %s query: %w", l, err)
			return
		}
		c := compiled{q: q}
		for id := uint32(0); id < q.CaptureCount(); id++ {
			c.names = append(c.names, q.CaptureNameForId(id))
		}
		queries[i] = c
	})
	if queries[i].err != nil {
		return nil, queries[i].err
	}
	return &queries[i], nil
}

// Region modes for token hashing.
const (
	modeCode byte = iota // white space and comments are insignificant
	modeSkip             // a comment: counts as white space
	modeRaw              // a literal: hashed byte for byte
	modeJSX              // JSX text: white space normalised, empty dropped
)

// region is a byte range with a hashing mode.
type region struct {
	start, end uint32
	mode       byte
}

// span is a byte range.
type span struct{ start, end uint32 }

// hookCall is a call to a hook at a byte offset.
type hookCall struct {
	at   uint32
	name string
}

// index is what one query run over the tree collects: hashing regions
// (so any node's tokens can be hashed from the source), hook calls,
// capitalised declarations (to leave out nested components' hooks) and
// property reads.
type index struct {
	doc     *parse.Doc
	regions []region // flattened, sorted, non-overlapping; gaps are code
	calls   []hookCall
	comps   []span
	reads   []facts.PropertyRead
}

// maxCaptures bounds the work on a pathological file.
const maxCaptures = 1_000_000

func newIndex(doc *parse.Doc) *index {
	x := &index{doc: doc}
	cq, err := queryFor(doc.Lang)
	if err != nil {
		// The queries are constants and a test compiles them; hash the
		// whole text as code rather than fail.
		x.regions = []region{{0, uint32(len(doc.Src)), modeCode}}
		return x
	}
	qc := sitter.NewQueryCursor()
	defer qc.Close()
	qc.Exec(cq.q, doc.Root())
	var raw []region
	for n := 0; n < maxCaptures; n++ {
		m, ok := qc.NextMatch()
		if !ok {
			break
		}
		var main, fn, obj, prop *sitter.Node
		var name string
		for _, c := range m.Captures {
			switch cname := cq.names[c.Index]; cname {
			case "fn":
				fn = c.Node
			case "obj":
				obj = c.Node
			case "prop":
				prop = c.Node
			default:
				main, name = c.Node, cname
			}
		}
		if main == nil {
			continue
		}
		switch name {
		case "skip":
			raw = append(raw, region{main.StartByte(), main.EndByte(), modeSkip})
		case "raw":
			raw = append(raw, region{main.StartByte(), main.EndByte(), modeRaw})
		case "code":
			raw = append(raw, region{main.StartByte(), main.EndByte(), modeCode})
		case "jsx":
			raw = append(raw, region{main.StartByte(), main.EndByte(), modeJSX})
		case "call":
			x.call(main, fn)
		case "member":
			x.member(obj, prop)
		case "destructure":
			x.declarator(main)
		case "comp":
			if nm := main.ChildByFieldName("name"); nm != nil && isCapitalised(doc.Text(nm)) {
				if main.Type() != "variable_declarator" || componentValue(doc, main.ChildByFieldName("value")) != nil {
					x.comps = append(x.comps, span{main.StartByte(), main.EndByte()})
				}
			}
		}
	}
	sort.Slice(x.calls, func(i, j int) bool { return x.calls[i].at < x.calls[j].at })
	sort.SliceStable(x.reads, func(i, j int) bool { return before(x.reads[i].Range.Start, x.reads[j].Range.Start) })
	x.regions = flatten(raw, uint32(len(doc.Src)))
	return x
}

// flatten turns nested regions (a string inside a template substitution
// inside a template) into non-overlapping ones where the innermost mode
// wins; the uncovered gaps are code.
func flatten(rs []region, n uint32) []region {
	sort.Slice(rs, func(i, j int) bool {
		if rs[i].start != rs[j].start {
			return rs[i].start < rs[j].start
		}
		return rs[i].end > rs[j].end
	})
	out := make([]region, 0, 2*len(rs)+1)
	var rec func(i int, start, end uint32, mode byte, depth int) int
	rec = func(i int, start, end uint32, mode byte, depth int) int {
		pos := start
		for i < len(rs) && rs[i].start < end {
			r := rs[i]
			if r.start < pos {
				r.start = pos
			}
			if r.end > end {
				r.end = end
			}
			if r.start >= r.end || depth > 200 {
				i++
				continue
			}
			if r.start > pos {
				out = append(out, region{pos, r.start, mode})
			}
			i = rec(i+1, r.start, r.end, r.mode, depth+1)
			pos = r.end
		}
		if pos < end {
			out = append(out, region{pos, end, mode})
		}
		return i
	}
	rec(0, 0, n, modeCode, 0)
	return out
}

func (x *index) call(n, fn *sitter.Node) {
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

// member records obj.prop when obj is an identifier or a plain chain.
func (x *index) member(obj, prop *sitter.Node) {
	if obj == nil || prop == nil {
		return
	}
	if o, ok := chainText(x.doc, obj); ok {
		x.reads = append(x.reads, facts.PropertyRead{Object: o, Property: x.doc.Text(prop), Range: x.doc.Range(prop)})
	}
}

// declarator records `const { a, b: c } = obj` as reads of obj.a, obj.b.
func (x *index) declarator(n *sitter.Node) {
	d := x.doc
	name, val := n.ChildByFieldName("name"), n.ChildByFieldName("value")
	if name == nil || val == nil {
		return
	}
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

// hash hashes the tokens of n from the source: comments are dropped,
// white space between tokens is dropped (a separator is kept where
// dropping it could fuse two tokens: between word characters, or between
// operator characters), literals are hashed as written and JSX text is
// white-space normalised. Unlike parse.Doc.TokenHash this is blind to the
// TSX grammar folding the white space before `<` and `</` into those
// tokens, so a JSX reflow stays cosmetic.
func (x *index) hash(n *sitter.Node) string {
	if n == nil {
		return ""
	}
	return x.hashSpan(n.StartByte(), n.EndByte())
}

// Markers around literal and JSX text runs, and the fusion separator.
const (
	markRaw = 0x02
	markJSX = 0x04
	markEnd = 0x03
	markSep = 0x1f
)

func (x *index) hashSpan(start, end uint32) string {
	src := x.doc.Src
	if end > uint32(len(src)) {
		end = uint32(len(src))
	}
	buf := make([]byte, 0, end-start+16)
	var last byte // last code byte written; 0 after a literal
	gap := false  // white space or a comment since last
	i := sort.Search(len(x.regions), func(i int) bool { return x.regions[i].end > start })
	for ; i < len(x.regions) && x.regions[i].start < end; i++ {
		r := x.regions[i]
		s, e := r.start, r.end
		if s < start {
			s = start
		}
		if e > end {
			e = end
		}
		switch r.mode {
		case modeSkip:
			gap = true
		case modeRaw:
			buf = append(buf, markRaw)
			buf = append(buf, src[s:e]...)
			buf = append(buf, markEnd)
			last, gap = 0, false
		case modeJSX:
			t := parse.Normalize(string(src[s:e]))
			if t == "" {
				gap = true
				continue
			}
			buf = append(buf, markJSX)
			buf = append(buf, t...)
			buf = append(buf, markEnd)
			last, gap = 0, false
		default:
			for _, b := range src[s:e] {
				switch b {
				case ' ', '\t', '\n', '\r', '\f', '\v':
					gap = true
					continue
				}
				if gap && fuses(last, b) {
					buf = append(buf, markSep)
				}
				buf = append(buf, b)
				last, gap = b, false
			}
		}
	}
	sum := sha256.Sum256(buf)
	return hex.EncodeToString(sum[:12])
}

// fuses reports whether a and b, written without the white space between
// them, could read as one token: two word characters (`return x`), or two
// operator characters (`a - -b`, `x ? .5 : 1`).
func fuses(a, b byte) bool {
	if a == 0 {
		return false
	}
	return isWord(a) && isWord(b) || isOp(a) && isOp(b)
}

func isWord(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '$' ||
		c == '#' || c == '@' || c >= 0x80 || c == '\'' || c == '"' || c == '`'
}

func isOp(c byte) bool {
	switch c {
	case '+', '-', '*', '/', '%', '=', '!', '&', '|', '^', '~', '?', '.', ':':
		return true
	}
	return false
}

func before(a, b facts.Pos) bool {
	return a.Line < b.Line || a.Line == b.Line && a.Char < b.Char
}
