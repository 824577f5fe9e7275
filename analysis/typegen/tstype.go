package typegen

import (
	"encoding/json"
	"sort"
	"strings"
	"unicode"

	"github.com/farm-stack/farm-lsp/analysis/openapi"
)

// refPrefix is the prefix of component references.
const refPrefix = "#/components/schemas/"

// typeWriter renders JSON Schemas as TypeScript types, the way
// openapi-typescript does (with the property-optionality rule of
// shared/TYPEMAP.md), and records which named types it used.
type typeWriter struct {
	n *naming
	// used lists the model identifiers referenced, without repeats, when
	// record is set (types/api.ts imports them).
	used   []string
	record bool
	// inline, when set, renders these component names inline instead of by
	// reference (Body_* schemas in types/api.ts).
	inline map[string]*openapi.Schema
	// input renders the validation-mode shape: a property with a default
	// is optional, references go to input variants.
	input bool
	// imported renders references by their import name in types/api.ts.
	imported bool
	// upload renders binary strings as Blob (a File is one): the parts of
	// a multipart/form-data body, which the client appends to FormData
	// as they are.
	upload bool
}

func newTypeWriter(n *naming) *typeWriter {
	return &typeWriter{n: n}
}

// tsIdent turns a schema name into a TypeScript identifier: characters that
// cannot appear are dropped and the next letter is upper-cased
// ("User-Input" → "UserInput"); "Page_Item_" stays as it is.
func tsIdent(name string) string {
	if isPlainIdent(name) {
		return name
	}
	var b strings.Builder
	upper := false
	for _, r := range name {
		if r == '_' || r == '$' || unicode.IsLetter(r) || unicode.IsDigit(r) {
			if upper {
				r = unicode.ToUpper(r)
				upper = false
			}
			b.WriteRune(r)
			continue
		}
		upper = true
	}
	s := b.String()
	if s == "" || unicode.IsDigit([]rune(s)[0]) {
		s = "_" + s
	}
	return s
}

// isPlainIdent reports whether name is already an identifier tsIdent keeps
// as it is (ASCII letters, digits, _ and $, not starting with a digit).
func isPlainIdent(name string) bool {
	if name == "" || name[0] >= '0' && name[0] <= '9' {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c == '_' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

func (w *typeWriter) refName(ref string) string {
	name := strings.TrimPrefix(ref, refPrefix)
	id, ok := w.n.input[name]
	if !ok || !w.input {
		if id, ok = w.n.ids[name]; !ok {
			id = tsIdent(name)
		}
	}
	if w.record {
		w.use(id)
	}
	if local, ok := w.n.imports[id]; ok && w.imported {
		return local
	}
	return id
}

// use records that the type refers to id (an operation's types refer to
// a handful of models: a list is cheaper than a map).
func (w *typeWriter) use(id string) {
	for _, u := range w.used {
		if u == id {
			return
		}
	}
	w.used = append(w.used, id)
}

// ts renders a schema as a TypeScript type. indent is the indentation of
// the line the type starts on (for multi-line object literals).
func (w *typeWriter) ts(s *openapi.Schema, indent string) string {
	if s == nil {
		return "unknown"
	}
	if s.Ref != "" {
		if in, ok := w.inline[strings.TrimPrefix(s.Ref, refPrefix)]; ok {
			return w.ts(in, indent)
		}
		return w.refName(s.Ref)
	}
	if len(s.AllOf) > 0 && len(s.Properties) == 0 {
		parts := make([]string, len(s.AllOf))
		for i, p := range s.AllOf {
			parts[i] = w.ts(p, indent)
		}
		return join(parts, " & ")
	}
	if len(s.AnyOf) > 0 {
		parts := make([]string, 0, len(s.AnyOf))
		for _, p := range s.AnyOf {
			parts = append(parts, w.ts(p, indent))
		}
		return join(parts, " | ")
	}
	if s.HasConst {
		return literal(s.Const)
	}
	if s.Enum != nil {
		if len(s.Enum) == 0 {
			return "never"
		}
		parts := make([]string, len(s.Enum))
		for i, v := range s.Enum {
			parts[i] = literal(v)
		}
		return join(parts, " | ")
	}
	switch s.Type {
	case "string":
		if w.upload && s.Format == "binary" {
			return "Blob"
		}
		return "string"
	case "integer", "number":
		return "number"
	case "boolean":
		return "boolean"
	case "null":
		return "null"
	case "array":
		tuple := s.PrefixItems
		if tuple == nil {
			tuple = s.ItemsList
		}
		if tuple != nil {
			parts := make([]string, len(tuple))
			for i, p := range tuple {
				parts[i] = w.ts(p, indent)
			}
			return "[" + strings.Join(parts, ", ") + "]"
		}
		if s.MaxItems != nil && *s.MaxItems == 0 {
			return "[]"
		}
		if s.Items == nil {
			return "unknown[]"
		}
		elem := w.ts(s.Items, indent)
		if needsParens(elem) {
			elem = "(" + elem + ")"
		}
		return elem + "[]"
	case "object", "":
		if s.Type == "" && len(s.Properties) == 0 && s.AdditionalProperties == nil && !s.AdditionalTrue {
			return "unknown"
		}
		return w.object(s, indent)
	}
	return "unknown"
}

// object renders an object schema as a type literal.
func (w *typeWriter) object(s *openapi.Schema, indent string) string {
	if len(s.Properties) == 0 {
		val := "unknown"
		if s.AdditionalProperties != nil {
			val = w.ts(s.AdditionalProperties, indent)
		}
		return "{ [key: string]: " + val + " }"
	}
	parts := make([]string, 0, len(s.Properties)+1)
	for _, p := range s.Properties {
		m := ""
		if p.Schema != nil && p.Schema.ReadOnly {
			m = "readonly "
		}
		m += propName(p.Name)
		if w.optional(s, p) {
			m += "?"
		}
		parts = append(parts, m+": "+w.ts(p.Schema, indent))
	}
	if s.AdditionalProperties != nil || s.AdditionalTrue {
		parts = append(parts, "[key: string]: unknown")
	}
	return "{ " + strings.Join(parts, "; ") + " }"
}

// members writes one line per property: name, `?` when it is not required
// and has no default other than null, readonly for output-only fields.
func (w *typeWriter) members(t *text, s *openapi.Schema, indent string) {
	for _, p := range s.Properties {
		t.s(indent)
		if p.Schema != nil && p.Schema.ReadOnly {
			t.s("readonly ")
		}
		t.s(propName(p.Name))
		if w.optional(s, p) {
			t.s("?")
		}
		t.s(": ", w.ts(p.Schema, indent), ";\n")
	}
	if s.AdditionalProperties != nil || s.AdditionalTrue {
		t.s(indent, "[key: string]: unknown;\n")
	}
}

// optional is TYPEMAP.md's rule: `?` iff the property is not required and
// its default is absent or null; in input mode (what a request sends)
// every property that is not required is optional.
func (w *typeWriter) optional(s *openapi.Schema, p openapi.Property) bool {
	if s.IsRequired(p.Name) {
		return false
	}
	return w.input || p.Schema == nil || !p.Schema.HasDefault || p.Schema.Default == nil
}

// join joins union/intersection members, dropping duplicates.
func join(parts []string, sep string) string {
	out := make([]string, 0, len(parts))
	if len(parts) > 8 {
		seen := make(map[string]bool, len(parts))
		for _, p := range parts {
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	} else {
	next:
		for _, p := range parts {
			for _, q := range out {
				if p == q {
					continue next
				}
			}
			out = append(out, p)
		}
	}
	if len(out) == 1 {
		return out[0]
	}
	for i, p := range out {
		if strings.Contains(p, "\n") && sep == " & " {
			continue
		}
		if sep == " & " && needsParens(p) {
			out[i] = "(" + p + ")"
		}
	}
	return strings.Join(out, sep)
}

// needsParens reports whether a type has a top-level | or & (so it needs
// parentheses before [] or inside &).
func needsParens(t string) bool {
	depth := 0
	inStr := false
	for i := 0; i < len(t); i++ {
		c := t[i]
		switch {
		case inStr:
			if c == '\\' {
				i++
			} else if c == '"' {
				inStr = false
			}
		case c == '"':
			inStr = true
		case c == '{' || c == '[' || c == '(' || c == '<':
			depth++
		case c == '}' || c == ']' || c == ')' || c == '>':
			depth--
		case depth == 0 && (c == '|' || c == '&'):
			return true
		}
	}
	return false
}

// literal renders a JSON value as a TypeScript literal type.
func literal(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		b, _ := json.Marshal(x)
		return string(b)
	case bool:
		if x {
			return "true"
		}
		return "false"
	case json.Number:
		return string(x)
	case float64:
		b, _ := json.Marshal(x)
		return string(b)
	}
	return "unknown"
}

var reserved = map[string]bool{
	"break": true, "case": true, "catch": true, "class": true, "const": true, "continue": true, "debugger": true,
	"default": true, "delete": true, "do": true, "else": true, "enum": true, "export": true, "extends": true,
	"false": true, "finally": true, "for": true, "function": true, "if": true, "import": true, "in": true,
	"instanceof": true, "new": true, "null": true, "return": true, "super": true, "switch": true, "this": true,
	"throw": true, "true": true, "try": true, "typeof": true, "var": true, "void": true, "while": true, "with": true,
	"yield": true, "let": true, "static": true, "implements": true, "interface": true, "package": true,
	"private": true, "protected": true, "public": true, "await": true,
}

func isIdent(s string) bool {
	if isPlainIdent(s) {
		return true // the usual case, without decoding runes
	}
	if s == "" {
		return false
	}
	for i, r := range s {
		if !(r == '_' || r == '$' || unicode.IsLetter(r) || (i > 0 && unicode.IsDigit(r))) {
			return false
		}
	}
	return true
}

// propName renders a property key, quoted when it is not an identifier.
func propName(name string) string {
	if isIdent(name) {
		return name
	}
	b, _ := json.Marshal(name)
	return string(b)
}

// access renders `obj.name` or `obj["name"]`.
func access(obj, name string) string {
	if isIdent(name) {
		return obj + "." + name
	}
	b, _ := json.Marshal(name)
	return obj + "[" + string(b) + "]"
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
