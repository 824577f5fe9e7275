package pyast

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"hash"
	"regexp"

	sitter "github.com/smacker/go-tree-sitter"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/analysis/parse"
)

// rangeJSON matches any range member in the JSON form of facts.
var rangeJSON = regexp.MustCompile(`"[A-Za-z]*[rR]ange":\{"start":\{"line":\d+,"character":\d+\},"end":\{"line":\d+,"character":\d+\}\},?`)

// semanticHash hashes the facts without ranges, content hash or
// diagnostics, together with the file's token hash, so that two versions
// differing only cosmetically hash the same.
func semanticHash(f *facts.File, tokens string) string {
	c := *f
	c.Hash, c.SemanticHash, c.Diagnostics, c.Path = "", "", nil, ""
	b, err := json.Marshal(&c)
	if err != nil {
		return parse.Hash(tokens)
	}
	return parse.Hash(rangeJSON.ReplaceAllString(string(b), ""), tokens)
}

// tokenHasher hashes token streams like parse.Doc.TokenHash (leaf texts
// with their types; comments and docstrings skipped; Python strings whole)
// and additionally skips trailing commas, which formatters such as black
// add or remove when they explode or join a bracketed list.
type tokenHasher struct {
	d *parse.Doc
	h hash.Hash
}

// tokenHash is the cosmetic-insensitive hash of n's tokens.
func tokenHash(d *parse.Doc, n *sitter.Node) string {
	t := &tokenHasher{d: d, h: sha256.New()}
	if n != nil {
		t.walk(n)
	}
	return hex.EncodeToString(t.h.Sum(nil)[:12])
}

func (t *tokenHasher) sum() string { return hex.EncodeToString(t.h.Sum(nil)[:12]) }

// mark separates parts of the rest stream so that moving a token from
// one part to another changes the hash.
func (t *tokenHasher) mark(s string) {
	t.h.Write([]byte{2})
	t.h.Write([]byte(s))
	t.h.Write([]byte{0})
}

func (t *tokenHasher) walk(n *sitter.Node) {
	typ := n.Type()
	if typ == "comment" || isDocstring(n) {
		return
	}
	if n.ChildCount() == 0 || typ == "string" {
		if typ == "," && isTrailingComma(n) {
			return
		}
		t.h.Write([]byte(typ))
		t.h.Write([]byte{1})
		t.h.Write(t.d.Src[n.StartByte():n.EndByte()])
		t.h.Write([]byte{0})
		return
	}
	for i := 0; i < int(n.ChildCount()); i++ {
		t.walk(n.Child(i))
	}
}

// isDocstring reports a string statement first in a module or block.
func isDocstring(n *sitter.Node) bool {
	if n.Type() != "expression_statement" || n.NamedChildCount() != 1 || n.NamedChild(0).Type() != "string" {
		return false
	}
	p := n.Parent()
	if p == nil || p.Type() != "block" && p.Type() != "module" {
		return false
	}
	first := p.NamedChild(0)
	for i := 1; first != nil && first.Type() == "comment"; i++ {
		first = p.NamedChild(i)
	}
	return first != nil && first.Equal(n)
}

// isTrailingComma reports a "," directly before a closing bracket, except
// the one that makes a one-element tuple.
func isTrailingComma(n *sitter.Node) bool {
	next := n.NextSibling()
	for next != nil && next.Type() == "comment" {
		next = next.NextSibling()
	}
	if next == nil || !isCloser(next.Type()) {
		return false
	}
	p := n.Parent()
	return p == nil || !(p.Type() == "tuple" && p.NamedChildCount() == 1)
}

// moduleSymbol names the Functions entry that carries the hash of the
// module's unmodelled code.
const moduleSymbol = "<module>"

// restHash hashes everything in the module that no fact models: module
// statements other than classes, functions, imports, routers and includes;
// in classes, the statements that are not fields, methods, enum members or
// Settings.name/indexes (model_config, class Config, private attributes,
// class decorators and keywords); import aliases; router and include
// arguments other than the modelled ones. A change there is source-changed.
func (x *extractor) restHash(root *sitter.Node) string {
	t := &tokenHasher{d: x.d, h: sha256.New()}
	for _, st := range parse.Children(root) {
		x.restStatement(t, st)
	}
	return t.sum()
}

func (x *extractor) restStatement(t *tokenHasher, st *sitter.Node) {
	d := x.d
	if isDocstring(st) {
		return
	}
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
		for _, c := range parse.Children(st) {
			if c.Type() == "aliased_import" {
				t.mark("alias")
				t.walk(c)
			}
		}
		return
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

func (x *extractor) restClass(t *tokenHasher, def *sitter.Node) {
	d := x.d
	t.mark("class")
	if sc := def.ChildByFieldName("superclasses"); sc != nil {
		for _, c := range parse.Children(sc) {
			if c.Type() == "keyword_argument" || c.Type() == "list_splat" || c.Type() == "dictionary_splat" {
				t.walk(c)
			}
		}
	}
	body := def.ChildByFieldName("body")
	for _, st := range parse.Children(body) {
		if x.modelled[st.StartByte()] || st.Type() == "comment" || isDocstring(st) {
			continue
		}
		if st.Type() == "class_definition" {
			if n := st.ChildByFieldName("name"); n != nil && (d.Text(n) == "Settings" || d.Text(n) == "Collection") {
				t.mark("settings")
				for _, s := range parse.Children(st.ChildByFieldName("body")) {
					if !x.modelled[s.StartByte()] && s.Type() != "comment" && !isDocstring(s) {
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
