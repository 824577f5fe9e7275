// Package staticjs reads JavaScript/TypeScript literal expressions and JSON
// as facts.Value without running any JavaScript: object and array literals,
// strings (template strings without substitutions included), numbers,
// booleans, null/undefined, `process.env.X || 'default'` (the default, with
// the variable recorded), and the TypeScript wrappers `as const`,
// `satisfies T` and parentheses. Anything else becomes a Value of Kind
// Unknown carrying its source text, and a warning diagnostic (code "config")
// at that expression, so callers fall back to their defaults visibly.
package staticjs

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	sitter "github.com/smacker/go-tree-sitter"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/analysis/parse"
)

// envPrefix starts the Source of a value that came from an environment
// variable's static default.
const envPrefix = "process.env."

// EnvVar returns the environment variable a value defaults for
// (`process.env.DATABASE_URL || '...'` gives "DATABASE_URL"), or "" when the
// value did not come from such an expression. The Value itself holds the
// default; the engine may read the variable and prefer it.
func EnvVar(v *facts.Value) string {
	if v == nil || v.Kind == facts.ValueUnknown || !strings.HasPrefix(v.Source, envPrefix) {
		return ""
	}
	return strings.TrimPrefix(v.Source, envPrefix)
}

// maxDepth bounds nesting (and identifier resolution chains) so that
// adversarial input cannot exhaust the stack.
const maxDepth = 200

// Eval statically evaluates the expression n of doc. Identifiers bound by a
// top-level `const NAME = <expr>` of the same document are resolved.
// Diagnostics carry no Path; callers that know it set it.
func Eval(doc *parse.Doc, n *sitter.Node) (*facts.Value, []facts.Diagnostic) {
	e := newEvaluator(doc)
	v := e.eval(n, 0)
	return v, e.diags
}

type evaluator struct {
	doc      *parse.Doc
	consts   map[string]*sitter.Node // top-level const NAME = value
	resolved map[string]bool         // names being resolved (cycle guard)
	diags    []facts.Diagnostic
}

func newEvaluator(doc *parse.Doc) *evaluator {
	e := &evaluator{doc: doc, consts: map[string]*sitter.Node{}, resolved: map[string]bool{}}
	root := doc.Root()
	for _, st := range parse.Children(root) {
		decl := st
		if st.Type() == "export_statement" {
			decl = st.ChildByFieldName("declaration")
		}
		if decl == nil || decl.Type() != "lexical_declaration" {
			continue
		}
		if k := decl.ChildByFieldName("kind"); k == nil || doc.Text(k) != "const" {
			continue
		}
		for _, d := range parse.Children(decl) {
			if d.Type() != "variable_declarator" {
				continue
			}
			name, val := d.ChildByFieldName("name"), d.ChildByFieldName("value")
			if name != nil && val != nil && name.Type() == "identifier" {
				e.consts[doc.Text(name)] = val
			}
		}
	}
	return e
}

func (e *evaluator) unknown(n *sitter.Node, why string) *facts.Value {
	src := e.doc.Text(n)
	v := &facts.Value{Kind: facts.ValueUnknown, Source: src, Range: e.doc.Range(n)}
	short := parse.Normalize(src)
	if utf8.RuneCountInString(short) > 60 {
		short = string([]rune(short)[:60]) + "…"
	}
	e.diags = append(e.diags, facts.Diagnostic{
		Range:    v.Range,
		Severity: facts.SeverityWarning,
		Code:     facts.CodeConfig,
		Message:  fmt.Sprintf("cannot read `%s` statically (%s); the default is used", short, why),
	})
	return v
}

func (e *evaluator) eval(n *sitter.Node, depth int) *facts.Value {
	if n == nil {
		return &facts.Value{Kind: facts.ValueUnknown}
	}
	if depth > maxDepth {
		return e.unknown(n, "nested too deeply")
	}
	d := e.doc
	switch n.Type() {
	case "object":
		return e.object(n, depth)
	case "array":
		return e.array(n, depth)
	case "string":
		s, ok := unquote(d.Text(n))
		if !ok {
			return e.unknown(n, "malformed string")
		}
		return &facts.Value{Kind: facts.ValueString, Str: s, Range: d.Range(n)}
	case "template_string":
		for _, c := range parse.Children(n) {
			if c.Type() == "template_substitution" {
				return e.unknown(n, "template with substitutions")
			}
		}
		t := d.Text(n)
		if len(t) < 2 {
			return e.unknown(n, "malformed template")
		}
		s, ok := unescape(t[1:len(t)-1], true)
		if !ok {
			return e.unknown(n, "malformed template")
		}
		return &facts.Value{Kind: facts.ValueString, Str: s, Range: d.Range(n)}
	case "number":
		f, ok := parseNumber(d.Text(n))
		if !ok {
			return e.unknown(n, "number out of range")
		}
		return &facts.Value{Kind: facts.ValueNumber, Num: f, Range: d.Range(n)}
	case "true", "false":
		return &facts.Value{Kind: facts.ValueBool, Bool: n.Type() == "true", Range: d.Range(n)}
	case "null", "undefined":
		return &facts.Value{Kind: facts.ValueNull, Range: d.Range(n)}
	case "unary_expression":
		op, arg := n.ChildByFieldName("operator"), n.ChildByFieldName("argument")
		if op != nil && arg != nil && (op.Type() == "-" || op.Type() == "+") {
			v := e.evalQuiet(arg, depth+1)
			if v != nil && v.Kind == facts.ValueNumber {
				if op.Type() == "-" {
					v.Num = -v.Num
				}
				v.Range = d.Range(n)
				return v
			}
		}
		return e.unknown(n, "not a literal")
	case "parenthesized_expression", "as_expression", "satisfies_expression", "non_null_expression":
		inner := n.NamedChild(0)
		if inner == nil {
			return e.unknown(n, "empty expression")
		}
		v := e.eval(inner, depth+1)
		v.Range = d.Range(n)
		return v
	case "type_assertion": // <T>expr
		if c := int(n.NamedChildCount()); c > 0 {
			v := e.eval(n.NamedChild(c-1), depth+1)
			v.Range = d.Range(n)
			return v
		}
		return e.unknown(n, "empty expression")
	case "binary_expression":
		return e.binary(n, depth)
	case "identifier":
		name := d.Text(n)
		if name == "undefined" {
			return &facts.Value{Kind: facts.ValueNull, Range: d.Range(n)}
		}
		return e.ident(n, name, depth)
	case "member_expression", "subscript_expression":
		if env := envName(d, n); env != "" {
			return e.unknown(n, "environment variable without a default")
		}
		return e.unknown(n, "not a literal")
	case "call_expression":
		return e.unknown(n, "function call")
	}
	return e.unknown(n, "not a literal")
}

// evalQuiet evaluates without keeping diagnostics (used where the caller
// reports its own).
func (e *evaluator) evalQuiet(n *sitter.Node, depth int) *facts.Value {
	saved := len(e.diags)
	v := e.eval(n, depth)
	e.diags = e.diags[:saved]
	return v
}

func (e *evaluator) ident(n *sitter.Node, name string, depth int) *facts.Value {
	val, ok := e.consts[name]
	if !ok {
		return e.unknown(n, "identifier not bound to a literal in this file")
	}
	if e.resolved[name] {
		return e.unknown(n, "circular reference")
	}
	e.resolved[name] = true
	v := e.eval(val, depth+1)
	delete(e.resolved, name)
	return v
}

func (e *evaluator) binary(n *sitter.Node, depth int) *facts.Value {
	op := n.ChildByFieldName("operator")
	left, right := n.ChildByFieldName("left"), n.ChildByFieldName("right")
	if op == nil || left == nil || right == nil || (op.Type() != "||" && op.Type() != "??") {
		return e.unknown(n, "not a literal")
	}
	env := envName(e.doc, left)
	if env == "" {
		return e.unknown(n, "not a literal")
	}
	v := e.eval(right, depth+1)
	if v.Kind == facts.ValueUnknown {
		return v
	}
	v.Range = e.doc.Range(n)
	v.Source = envPrefix + env
	return v
}

// envName finds the variable of process.env.NAME / process.env['NAME']
// anywhere inside n (so Number(process.env.PORT) counts too).
func envName(d *parse.Doc, n *sitter.Node) string {
	var found string
	var walk func(n *sitter.Node, depth int)
	walk = func(n *sitter.Node, depth int) {
		if found != "" || depth > 50 {
			return
		}
		switch n.Type() {
		case "member_expression":
			obj, prop := n.ChildByFieldName("object"), n.ChildByFieldName("property")
			if obj != nil && prop != nil && isProcessEnv(d, obj) {
				found = d.Text(prop)
				return
			}
		case "subscript_expression":
			obj, idx := n.ChildByFieldName("object"), n.ChildByFieldName("index")
			if obj != nil && idx != nil && isProcessEnv(d, obj) && idx.Type() == "string" {
				if s, ok := unquote(d.Text(idx)); ok {
					found = s
					return
				}
			}
		}
		for _, c := range parse.Children(n) {
			walk(c, depth+1)
		}
	}
	walk(n, 0)
	return found
}

func isProcessEnv(d *parse.Doc, n *sitter.Node) bool {
	if n.Type() != "member_expression" {
		return false
	}
	obj, prop := n.ChildByFieldName("object"), n.ChildByFieldName("property")
	return obj != nil && prop != nil && d.Text(obj) == "process" && d.Text(prop) == "env"
}

func (e *evaluator) object(n *sitter.Node, depth int) *facts.Value {
	d := e.doc
	v := &facts.Value{Kind: facts.ValueObject, Fields: map[string]*facts.Value{}, Range: d.Range(n)}
	set := func(key string, keyRange facts.Range, val *facts.Value) {
		val.KeyRange = keyRange
		if _, dup := v.Fields[key]; !dup {
			v.Keys = append(v.Keys, key)
		}
		v.Fields[key] = val
	}
	for _, c := range parse.Children(n) {
		switch c.Type() {
		case "pair":
			kn, vn := c.ChildByFieldName("key"), c.ChildByFieldName("value")
			if kn == nil || vn == nil {
				continue
			}
			key, ok := e.key(kn, depth)
			if !ok {
				e.unknown(kn, "computed key")
				continue
			}
			set(key, d.Range(kn), e.eval(vn, depth+1))
		case "shorthand_property_identifier":
			name := d.Text(c)
			set(name, d.Range(c), e.ident(c, name, depth+1))
		case "spread_element":
			inner := c.NamedChild(0)
			if inner == nil {
				continue
			}
			sv := e.eval(inner, depth+1)
			if sv.Kind != facts.ValueObject {
				if sv.Kind != facts.ValueUnknown {
					e.unknown(c, "spread of a non-object")
				}
				continue
			}
			for _, k := range sv.Keys {
				set(k, sv.Fields[k].KeyRange, sv.Fields[k])
			}
		case "method_definition":
			name := c.ChildByFieldName("name")
			if name == nil {
				continue
			}
			key, ok := e.key(name, depth)
			if !ok {
				key = d.Text(name)
			}
			set(key, d.Range(name), e.unknown(c, "function"))
		case "comment":
		default:
			e.unknown(c, "unsupported object member")
		}
	}
	return v
}

// key reads a property key: identifier, string, number or a computed key
// whose expression is a string literal.
func (e *evaluator) key(n *sitter.Node, depth int) (string, bool) {
	d := e.doc
	switch n.Type() {
	case "property_identifier", "identifier", "private_property_identifier":
		return d.Text(n), true
	case "string":
		return unquote(d.Text(n))
	case "number":
		f, ok := parseNumber(d.Text(n))
		if !ok {
			return "", false
		}
		return strconv.FormatFloat(f, 'g', -1, 64), true
	case "computed_property_name":
		inner := n.NamedChild(0)
		if inner == nil {
			return "", false
		}
		v := e.evalQuiet(inner, depth+1)
		switch v.Kind {
		case facts.ValueString:
			return v.Str, true
		case facts.ValueNumber:
			return strconv.FormatFloat(v.Num, 'g', -1, 64), true
		}
	}
	return "", false
}

func (e *evaluator) array(n *sitter.Node, depth int) *facts.Value {
	v := &facts.Value{Kind: facts.ValueArray, Range: e.doc.Range(n)}
	for _, c := range parse.Children(n) {
		switch c.Type() {
		case "comment":
		case "spread_element":
			inner := c.NamedChild(0)
			if inner == nil {
				continue
			}
			sv := e.eval(inner, depth+1)
			switch sv.Kind {
			case facts.ValueArray:
				v.Items = append(v.Items, sv.Items...)
			case facts.ValueUnknown:
				v.Items = append(v.Items, sv)
			default:
				v.Items = append(v.Items, e.unknown(c, "spread of a non-array"))
			}
		default:
			v.Items = append(v.Items, e.eval(c, depth+1))
		}
	}
	return v
}

// parseNumber reads a JS numeric literal: decimal, exponent, hex/octal/
// binary, `_` separators, and BigInt's `n` suffix.
func parseNumber(s string) (float64, bool) {
	s = strings.ReplaceAll(strings.TrimSuffix(s, "n"), "_", "")
	if len(s) > 1 && s[0] == '0' {
		switch s[1] {
		case 'x', 'X', 'o', 'O', 'b', 'B':
			u, err := strconv.ParseUint(s, 0, 64)
			if err != nil {
				return 0, false
			}
			return float64(u), true
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, false
	}
	return f, true
}

// unquote decodes a '…' or "…" JS string literal.
func unquote(lit string) (string, bool) {
	if len(lit) < 2 || (lit[0] != '\'' && lit[0] != '"') || lit[len(lit)-1] != lit[0] {
		return "", false
	}
	return unescape(lit[1:len(lit)-1], false)
}

// unescape decodes JS escape sequences. In templates, a raw CRLF counts as LF.
func unescape(s string, template bool) (string, bool) {
	if !strings.ContainsRune(s, '\\') && !(template && strings.Contains(s, "\r")) {
		return s, true
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\r' && template {
			if i+1 < len(s) && s[i+1] == '\n' {
				i++
			}
			b.WriteByte('\n')
			continue
		}
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		i++
		if i >= len(s) {
			return "", false
		}
		switch c = s[i]; c {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'v':
			b.WriteByte('\v')
		case '0':
			b.WriteByte(0)
		case '\r': // line continuation
			if i+1 < len(s) && s[i+1] == '\n' {
				i++
			}
		case '\n':
		case 'x':
			if i+3 > len(s) {
				return "", false
			}
			r, err := strconv.ParseUint(s[i+1:i+3], 16, 32)
			if err != nil {
				return "", false
			}
			b.WriteRune(rune(r))
			i += 2
		case 'u':
			var hex string
			if i+1 < len(s) && s[i+1] == '{' {
				end := strings.IndexByte(s[i:], '}')
				if end < 0 {
					return "", false
				}
				hex = s[i+2 : i+end]
				i += end
			} else {
				if i+5 > len(s) {
					return "", false
				}
				hex = s[i+1 : i+5]
				i += 4
			}
			r, err := strconv.ParseUint(hex, 16, 32)
			if err != nil || r > utf8.MaxRune {
				return "", false
			}
			// Surrogate pair \uD83D\uDE00.
			if r >= 0xD800 && r < 0xDC00 && i+6 < len(s) && s[i+1] == '\\' && s[i+2] == 'u' {
				if lo, err := strconv.ParseUint(s[i+3:i+7], 16, 32); err == nil && lo >= 0xDC00 && lo < 0xE000 {
					r = 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00)
					i += 6
				}
			}
			b.WriteRune(rune(r))
		default:
			if c >= 0x80 { // escaped multi-byte rune (or U+2028/2029 continuation)
				_, size := utf8.DecodeRuneInString(s[i:])
				r, _ := utf8.DecodeRuneInString(s[i:])
				if r != '\u2028' && r != '\u2029' {
					b.WriteString(s[i : i+size])
				}
				i += size - 1
				continue
			}
			b.WriteByte(c)
		}
	}
	return b.String(), true
}
