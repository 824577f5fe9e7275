package pyast

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/analysis/parse"
)

// stripRanges removes every range member ("range", "annRange",
// "nameRange", "decoRange", "keyRange") from the JSON form of facts.
func stripRanges(b []byte) []byte {
	marker := []byte(`ange":{"start":{"line":`)
	out := make([]byte, 0, len(b))
	for {
		i := bytes.Index(b, marker)
		if i < 0 {
			return append(out, b...)
		}
		q := bytes.LastIndexByte(b[:i], '"') // the key's opening quote
		if q < 0 {
			return append(out, b...)
		}
		out = append(out, b[:q]...)
		j := i + len(`ange":`)
		depth := 0
		for ; j < len(b); j++ {
			if b[j] == '{' {
				depth++
			} else if b[j] == '}' {
				depth--
				if depth == 0 {
					j++
					break
				}
			}
		}
		if j < len(b) && b[j] == ',' {
			j++
		}
		b = b[j:]
	}
}

// semanticHash hashes the facts without ranges, content hash or
// diagnostics. The facts already carry a token hash of everything they do
// not model (the "<module>" entry of Functions, see restHash) and of every
// body (Method.BodyHash, Route.BodyHash, Symbol.Hash), so two versions hash
// the same exactly when they differ only cosmetically — and the file's
// tokens are walked once, not twice.
func semanticHash(f *facts.File) string {
	c := *f
	c.Hash, c.SemanticHash, c.Diagnostics, c.Path = "", "", nil, ""
	b, err := json.Marshal(&c)
	if err != nil { // cannot happen for these plain types
		return parse.Hash(fmt.Sprint(err))
	}
	return parse.Hash(string(stripRanges(b)))
}

// tokenHasher hashes token streams like parse.Doc.TokenHash (leaf texts
// with their types; comments and docstrings skipped; Python strings whole)
// and additionally skips trailing commas, which formatters such as black
// add or remove when they explode or join a bracketed list. It reads the
// index, not the tree.
type tokenHasher struct {
	d   *index
	h   hash.Hash
	buf []byte
}

func newHasher(d *index) *tokenHasher { return &tokenHasher{d: d, h: sha256.New()} }

// tokenHash is the cosmetic-insensitive hash of n's tokens.
func tokenHash(d *index, n *pnode) string {
	t := newHasher(d)
	t.walk(n)
	return t.sum()
}

func (t *tokenHasher) sum() string { return hex.EncodeToString(t.h.Sum(nil)[:12]) }

// mark separates parts of the rest stream so that moving a token from
// one part to another changes the hash.
func (t *tokenHasher) mark(s string) {
	t.h.Write([]byte{2})
	t.h.Write([]byte(s))
	t.h.Write([]byte{0})
}

// walk hashes the tokens of n.
func (t *tokenHasher) walk(n *pnode) {
	if n == nil {
		return
	}
	ls := t.d.leavesOf(n.StartByte(), n.EndByte())
	for i, l := range ls {
		if t.isSingle(l, ',') && !l.oneTuple && i+1 < len(ls) && (t.isSingle(ls[i+1], ')') || t.isSingle(ls[i+1], ']') || t.isSingle(ls[i+1], '}')) {
			continue // trailing comma
		}
		t.buf = append(t.buf[:0], t.d.syms.name(l.sym)...)
		t.buf = append(t.buf, 1)
		t.buf = append(t.buf, t.d.Src[l.start:l.end]...)
		t.buf = append(t.buf, 0)
		t.h.Write(t.buf)
	}
}

// isSingle reports a one-byte token c (zero-length MISSING tokens exist).
func (t *tokenHasher) isSingle(l leaf, c byte) bool {
	return l.end == l.start+1 && int(l.start) < len(t.d.Src) && t.d.Src[l.start] == c
}

// leadingDocstring returns the docstring statement of a module or block
// body (the first non-comment statement when it is a string), or nil.
func leadingDocstring(stmts []*pnode) *pnode {
	for _, st := range stmts {
		if st.Type() == "comment" {
			continue
		}
		if st.Type() == "expression_statement" && st.NamedChildCount() == 1 && st.NamedChild(0).Type() == "string" {
			return st
		}
		return nil
	}
	return nil
}

// moduleSymbol names the Functions entry that carries the hash of the
// module's unmodelled code.
const moduleSymbol = "<module>"

// restHash hashes everything in the module that no fact models: module
// statements other than classes, functions, imports, routers and includes;
// in classes, the statements that are not fields, methods, enum members or
// Settings.name/indexes (model_config, class Config, private attributes,
// class decorators and keywords); router and include arguments other than
// the modelled ones. A change there is source-changed.
func (x *extractor) restHash(root *pnode) string {
	t := newHasher(x.d)
	stmts := children(root)
	doc := leadingDocstring(stmts)
	for _, st := range stmts {
		if st != doc {
			x.restStatement(t, st)
		}
	}
	return t.sum()
}

func (x *extractor) restStatement(t *tokenHasher, st *pnode) {
	d := x.d
	switch st.Type() {
	case "comment", "function_definition":
		return
	case "class_definition":
		x.restClass(t, st)
		return
	case "decorated_definition":
		def := st.ChildByFieldName("definition")
		if def != nil && def.Type() == "class_definition" {
			t.mark("decorators")
			for _, dn := range decorators(st) {
				t.walk(dn)
			}
			x.restClass(t, def)
		}
		return
	case "import_statement", "import_from_statement", "future_import_statement":
		return // modelled, aliases included (Import.Aliases)
	case "expression_statement":
		if e := st.NamedChild(0); e != nil && st.NamedChildCount() == 1 {
			if e.Type() == "assignment" {
				if call := parseCall(d, e.ChildByFieldName("right")); call != nil {
					switch lastName(call.callee) {
					case "APIRouter", "FastAPI":
						t.mark("router " + call.callee)
						restArgs(t, call, "prefix")
						return
					}
				}
			}
			if e.Type() == "call" {
				if fn := e.ChildByFieldName("function"); fn != nil && fn.Type() == "attribute" && d.Text(fn.ChildByFieldName("attribute")) == "include_router" {
					call := parseCall(d, e)
					t.mark("include")
					if len(call.pos) > 0 {
						call.pos = call.pos[1:]
					}
					restArgs(t, call, "prefix", "router")
					return
				}
			}
		}
	}
	t.mark("stmt")
	t.walk(st)
}

// restArgs walks a call's arguments except the named keywords.
func restArgs(t *tokenHasher, call *callArgs, skip ...string) {
	for _, p := range call.pos {
		t.mark("arg")
		t.walk(p)
	}
next:
	for i, k := range call.kwName {
		for _, s := range skip {
			if k == s {
				continue next
			}
		}
		t.mark("kw " + k)
		t.walk(call.kwVal[i])
	}
}

func (x *extractor) restClass(t *tokenHasher, def *pnode) {
	d := x.d
	t.mark("class")
	if sc := def.ChildByFieldName("superclasses"); sc != nil {
		for _, c := range children(sc) {
			if c.Type() == "keyword_argument" || c.Type() == "list_splat" || c.Type() == "dictionary_splat" {
				t.walk(c)
			}
		}
	}
	stmts := children(def.ChildByFieldName("body"))
	doc := leadingDocstring(stmts)
	for _, st := range stmts {
		if x.modelled[st.StartByte()] || st.Type() == "comment" || st == doc {
			continue
		}
		if st.Type() == "class_definition" {
			if n := st.ChildByFieldName("name"); n != nil && (d.Text(n) == "Settings" || d.Text(n) == "Collection") {
				t.mark("settings")
				inner := children(st.ChildByFieldName("body"))
				innerDoc := leadingDocstring(inner)
				for _, s := range inner {
					if !x.modelled[s.StartByte()] && s.Type() != "comment" && s != innerDoc {
						t.mark("setting")
						t.walk(s)
					}
				}
				continue
			}
		}
		t.mark("member")
		t.walk(st)
	}
}
