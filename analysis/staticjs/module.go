package staticjs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	sitter "github.com/smacker/go-tree-sitter"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/analysis/parse"
	"github.com/farm-stack/farm-lsp/analysis/textpos"
)

// ReadModule finds the configuration object a module exports and evaluates
// it. Recognised forms, first match wins:
//
//	export default defineConfig({...})   // any call: definePlugin, defineConfig<T>, x.defineConfig
//	export default {...}                 // with as const / satisfies T / parentheses
//	const config = {...}; export default config
//	module.exports = {...}
//	export default defineConfig(() => ({...}))   // arrow returning a literal
//
// It returns nil and a warning when no such export exists. Every diagnostic
// has Path set to path.
func ReadModule(doc *parse.Doc, path string) (*facts.Value, []facts.Diagnostic) {
	e := newEvaluator(doc)
	var target *sitter.Node
	for _, st := range parse.Children(doc.Root()) {
		switch st.Type() {
		case "export_statement":
			if !hasChild(st, "default") {
				continue
			}
			if v := st.ChildByFieldName("value"); v != nil {
				target = v
			} else if d := st.ChildByFieldName("declaration"); d != nil {
				target = d
			}
		case "expression_statement":
			a := st.NamedChild(0)
			if a == nil || a.Type() != "assignment_expression" {
				continue
			}
			if l := a.ChildByFieldName("left"); l != nil && doc.Text(l) == "module.exports" {
				target = a.ChildByFieldName("right")
			}
		}
		if target != nil {
			break
		}
	}
	if target == nil {
		return nil, []facts.Diagnostic{{
			Path: path, Range: doc.Lines.LineRange(0), Severity: facts.SeverityWarning, Code: facts.CodeConfig,
			Message: "no `export default` or `module.exports` configuration found; defaults are used",
		}}
	}
	// `const config = defineConfig({...}); export default config`
	if target.Type() == "identifier" {
		if val, ok := e.consts[doc.Text(target)]; ok {
			target = val
		}
	}
	v := e.eval(unwrapCall(doc, target), 0)
	for i := range e.diags {
		e.diags[i].Path = path
	}
	return v, e.diags
}

// unwrapCall peels defineConfig(x) / definePlugin(x) / (() => x) down to
// the expression that holds the literal.
func unwrapCall(doc *parse.Doc, n *sitter.Node) *sitter.Node {
	for i := 0; i < 8 && n != nil; i++ {
		switch n.Type() {
		case "call_expression":
			args := n.ChildByFieldName("arguments")
			if args == nil || args.NamedChildCount() == 0 {
				return n
			}
			n = args.NamedChild(0)
		case "arrow_function":
			body := n.ChildByFieldName("body")
			if body == nil {
				return n
			}
			if body.Type() != "statement_block" {
				n = body
				continue
			}
			ret := lastReturn(body)
			if ret == nil {
				return n
			}
			n = ret
		case "parenthesized_expression", "as_expression", "satisfies_expression":
			inner := n.NamedChild(0)
			if inner == nil || (inner.Type() != "call_expression" && inner.Type() != "arrow_function") {
				return n
			}
			n = inner
		default:
			return n
		}
	}
	return n
}

// lastReturn is the expression of a block's top-level return statement.
func lastReturn(block *sitter.Node) *sitter.Node {
	var ret *sitter.Node
	for _, st := range parse.Children(block) {
		if st.Type() == "return_statement" && st.NamedChildCount() > 0 {
			ret = st.NamedChild(0)
		}
	}
	return ret
}

func hasChild(n *sitter.Node, typ string) bool { return parse.ChildOfType(n, typ) != nil }

// ParseJSON reads a JSON document (plugin.json, migration files) as a Value
// with ranges. Validity is decided by encoding/json (so JSON-only rules hold:
// no comments, no trailing commas, quoted keys); a syntax error yields nil
// and one error diagnostic (code syntax-error) at the offending character.
// Ranges come from the TypeScript grammar parsing the text as a
// parenthesised expression, mapped back to the original bytes.
func ParseJSON(src []byte, path string) (*facts.Value, []facts.Diagnostic) {
	lines := textpos.New(src)
	bom := 0
	if bytes.HasPrefix(src, []byte("\xef\xbb\xbf")) {
		bom = 3
	}
	var raw json.RawMessage
	if err := json.Unmarshal(src[bom:], &raw); err != nil {
		off := len(src)
		var se *json.SyntaxError
		if errors.As(err, &se) && se.Error() != "unexpected end of JSON input" {
			off = bom + int(se.Offset) - 1
			if off < bom {
				off = bom
			}
		}
		end := off
		if end < len(src) {
			end++
		}
		return nil, []facts.Diagnostic{{
			Path: path, Range: lines.Range(off, end), Severity: facts.SeverityError, Code: facts.CodeSyntaxError,
			Message: fmt.Sprintf("invalid JSON: %v", err),
		}}
	}
	wrapped := make([]byte, 0, len(src)+3)
	wrapped = append(wrapped, '(')
	wrapped = append(wrapped, src[bom:]...)
	wrapped = append(wrapped, '\n', ')')
	doc, err := parse.Parse(context.Background(), parse.TypeScript, wrapped, nil)
	if err != nil {
		return nil, []facts.Diagnostic{{Path: path, Range: lines.LineRange(0), Severity: facts.SeverityError,
			Code: facts.CodeSyntaxError, Message: fmt.Sprintf("invalid JSON: %v", err)}}
	}
	shift := func(r facts.Range) facts.Range {
		conv := func(p facts.Pos) int {
			o := doc.Lines.Offset(p) - 1 + bom
			if o < 0 {
				o = 0
			}
			if o > len(src) {
				o = len(src)
			}
			return o
		}
		return lines.Range(conv(r.Start), conv(r.End))
	}
	var expr *sitter.Node
	if st := doc.Root().NamedChild(0); st != nil && st.Type() == "expression_statement" {
		expr = st.NamedChild(0)
		if expr != nil && expr.Type() == "parenthesized_expression" {
			expr = expr.NamedChild(0)
		}
	}
	if doc.Root().HasError() || expr == nil {
		// encoding/json accepted it, the grammar did not: report, don't guess.
		diags := doc.Errors(path)
		for i := range diags {
			diags[i].Range = shift(diags[i].Range)
		}
		return nil, diags
	}
	e := newEvaluator(doc)
	v := e.eval(expr, 0)
	var fix func(v *facts.Value)
	fix = func(v *facts.Value) {
		if v == nil {
			return
		}
		v.Range = shift(v.Range)
		if v.KeyRange != (facts.Range{}) {
			v.KeyRange = shift(v.KeyRange)
		}
		for _, it := range v.Items {
			fix(it)
		}
		for _, k := range v.Keys {
			fix(v.Fields[k])
		}
	}
	fix(v)
	for i := range e.diags {
		e.diags[i].Path = path
		e.diags[i].Range = shift(e.diags[i].Range)
	}
	return v, e.diags
}
