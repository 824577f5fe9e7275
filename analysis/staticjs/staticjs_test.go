package staticjs

import (
	"context"
	"strings"
	"testing"

	sitter "github.com/smacker/go-tree-sitter"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/analysis/parse"
)

func mustParse(t testing.TB, lang parse.Lang, src string) *parse.Doc {
	t.Helper()
	d, err := parse.Parse(context.Background(), lang, []byte(src), nil)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return d
}

// evalDecl evaluates the initialiser of the last `let x = …` in src.
func evalDecl(t *testing.T, src string) (*facts.Value, []facts.Diagnostic) {
	t.Helper()
	d := mustParse(t, parse.TypeScript, src)
	var val *sitter.Node
	for _, st := range parse.Children(d.Root()) {
		if st.Type() == "lexical_declaration" && strings.HasPrefix(d.Text(st), "let") {
			val = st.NamedChild(0).ChildByFieldName("value")
		}
	}
	if val == nil {
		t.Fatalf("no let declaration in %q", src)
	}
	return Eval(d, val)
}

func TestEvalLiterals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, expr, want string
		diags            int
		env              string
	}{
		{"object keys", `{ a: 'x\n', "b": "q", 'c': 1 }`, `{"a":"x\n","b":"q","c":1}`, 0, ""},
		{"template", "`tmpl`", `"tmpl"`, 0, ""},
		{"template multiline", "`a\r\nb`", `"a\nb"`, 0, ""},
		{"template substitution", "`a${b}`", "<`a${b}`>", 1, ""},
		{"negative", `-1.5`, `-1.5`, 0, ""},
		{"plus", `+2`, `2`, 0, ""},
		{"hex", `0x10`, `16`, 0, ""},
		{"separator", `1_000`, `1000`, 0, ""},
		{"exponent", `1e3`, `1000`, 0, ""},
		{"bigint", `10n`, `10`, 0, ""},
		{"bools null undefined", `[true, false, null, undefined]`, `[true,false,null,null]`, 0, ""},
		{"env or", `process.env.X || 'def'`, `"def"`, 0, "X"},
		{"env nullish", `process.env.Y ?? 8000`, `8000`, 0, "Y"},
		{"env subscript", `process.env['Z'] || 'q'`, `"q"`, 0, "Z"},
		{"env wrapped", `Number(process.env.PORT) || 3000`, `3000`, 0, "PORT"},
		{"env no default", `process.env.X`, `<process.env.X>`, 1, ""},
		{"env unevaluable default", `process.env.X || foo()`, `<foo()>`, 1, ""},
		{"as const", `{x: 1} as const`, `{"x":1}`, 0, ""},
		{"parens", `(2)`, `2`, 0, ""},
		{"satisfies", `{ a: [1] } satisfies Config`, `{"a":[1]}`, 0, ""},
		{"non-null", `('a')!`, `"a"`, 0, ""},
		{"number and computed keys", `{ 4: 1, ['k']: 2 }`, `{"4":1,"k":2}`, 0, ""},
		{"duplicate key", `{ a: 1, b: 0, a: 2 }`, `{"a":2,"b":0}`, 0, ""},
		{"escapes", `'\u00e9\x41\u{1F600}\uD83D\uDE00\'\\'`, `"éA😀😀'\\"`, 0, ""},
		{"call", `foo()`, `<foo()>`, 1, ""},
		{"unbound identifier", `{ a: bar, b: 1 }`, `{"a":<bar>,"b":1}`, 1, ""},
		{"shorthand unbound", `{ bar }`, `{"bar":<bar>}`, 1, ""},
		{"method", `{ m() { return 1 } }`, `{"m":<m() { return 1 }>}`, 1, ""},
		{"array spread", `[...[1, 2], 3]`, `[1,2,3]`, 0, ""},
		{"arithmetic", `1 + 2`, `<1 + 2>`, 1, ""},
		{"computed key unevaluable", `{ [k]: 1, b: 2 }`, `{"b":2}`, 1, ""},
		{"empty string", `''`, `""`, 0, ""},
		{"string with comment marker", `'http://x//y'`, `"http://x//y"`, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, diags := evalDecl(t, "let x = "+tt.expr+";")
			if got := v.Canonical(); got != tt.want {
				t.Errorf("Canonical = %s, want %s", got, tt.want)
			}
			if len(diags) != tt.diags {
				t.Errorf("got %d diagnostics %+v, want %d", len(diags), diags, tt.diags)
			}
			for _, d := range diags {
				if d.Code != facts.CodeConfig || d.Severity != facts.SeverityWarning {
					t.Errorf("diagnostic %+v: want code config, warning", d)
				}
			}
			if got := EnvVar(v); got != tt.env {
				t.Errorf("EnvVar = %q, want %q", got, tt.env)
			}
		})
	}
}

func TestEvalResolvesTopLevelConsts(t *testing.T) {
	t.Parallel()
	src := "const base = { a: 1 };\nlet x = { ...base, b: shared, models };\nconst shared = 'q';\nexport const models = ['m'];\nconst loop = loop;\nlet y = loop;"
	v, diags := evalDecl(t, strings.TrimSuffix(src, "\nconst loop = loop;\nlet y = loop;"))
	if got, want := v.Canonical(), `{"a":1,"b":"q","models":["m"]}`; got != want || len(diags) != 0 {
		t.Errorf("got %s %+v, want %s", got, diags, want)
	}
	v, diags = evalDecl(t, src)
	if v.Kind != facts.ValueUnknown || len(diags) != 1 {
		t.Errorf("self reference: got %s %+v, want unknown and one diagnostic", v.Canonical(), diags)
	}
}

func TestEvalRanges(t *testing.T) {
	t.Parallel()
	// 😀 is two UTF-16 units, é one: ranges count UTF-16 units.
	src := "let x = { \"😀\": 'é', b: -2,\n  c: [1, `t`] };"
	v, diags := evalDecl(t, src)
	if len(diags) != 0 {
		t.Fatalf("diags: %+v", diags)
	}
	rng := func(l1, c1, l2, c2 int) facts.Range {
		return facts.Range{Start: facts.Pos{Line: l1, Char: c1}, End: facts.Pos{Line: l2, Char: c2}}
	}
	checks := []struct {
		name      string
		got, want facts.Range
	}{
		{"object", v.Range, rng(0, 8, 1, 15)},
		{"😀 key", v.Fields["😀"].KeyRange, rng(0, 10, 0, 14)},
		{"😀 value", v.Fields["😀"].Range, rng(0, 16, 0, 19)},
		{"b key", v.Fields["b"].KeyRange, rng(0, 21, 0, 22)},
		{"b value", v.Fields["b"].Range, rng(0, 24, 0, 26)},
		{"c key", v.Fields["c"].KeyRange, rng(1, 2, 1, 3)},
		{"c[1]", v.Fields["c"].Items[1].Range, rng(1, 9, 1, 12)},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s range = %+v, want %+v", c.name, c.got, c.want)
		}
	}
	if v.Fields["c"].Items[0].KeyRange != (facts.Range{}) {
		t.Errorf("array item has a KeyRange")
	}
}

func TestEvalUnknownDiagnosticRange(t *testing.T) {
	t.Parallel()
	_, diags := evalDecl(t, "let x = {\n  url: getUrl(),\n};")
	if len(diags) != 1 {
		t.Fatalf("diags = %+v", diags)
	}
	want := facts.Range{Start: facts.Pos{Line: 1, Char: 7}, End: facts.Pos{Line: 1, Char: 15}}
	if diags[0].Range != want || !strings.Contains(diags[0].Message, "getUrl()") {
		t.Errorf("diag = %+v, want range %+v mentioning getUrl()", diags[0], want)
	}
}

func TestReadModule(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src, want string
	}{
		{"defineConfig", "import { defineConfig } from '@farm/core';\nexport default defineConfig({ a: 1 });", `{"a":1}`},
		{"generic defineConfig", "export default defineConfig<Cfg>({ a: 1 });", `{"a":1}`},
		{"object", "export default { a: 1 };", `{"a":1}`},
		{"definePlugin", "export default definePlugin({ a: 1 })", `{"a":1}`},
		{"const then export", "const config = { a: 1 };\nexport default config;", `{"a":1}`},
		{"const call then export", "const config = defineConfig({ a: 1 });\nexport default config;", `{"a":1}`},
		{"module.exports", "module.exports = { a: 1 };", `{"a":1}`},
		{"satisfies", "export default { a: 1 } satisfies Config;", `{"a":1}`},
		{"as const", "export default ({ a: 1 }) as const;", `{"a":1}`},
		{"arrow", "export default defineConfig(() => ({ a: 1 }));", `{"a":1}`},
		{"arrow block", "export default defineConfig(() => { return { a: 1 }; });", `{"a":1}`},
		{"member call", "export default farm.defineConfig({ a: 1 });", `{"a":1}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, diags := ReadModule(mustParse(t, parse.TypeScript, tt.src), "farm.config.ts")
			if len(diags) != 0 {
				t.Errorf("diags: %+v", diags)
			}
			if got := v.Canonical(); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
	t.Run("missing", func(t *testing.T) {
		v, diags := ReadModule(mustParse(t, parse.TypeScript, "export const a = 1;"), "farm.config.ts")
		if v != nil || len(diags) != 1 || diags[0].Path != "farm.config.ts" || diags[0].Code != facts.CodeConfig {
			t.Errorf("got %v %+v, want nil and one config diagnostic", v, diags)
		}
	})
	t.Run("diagnostic path", func(t *testing.T) {
		_, diags := ReadModule(mustParse(t, parse.TypeScript, "export default { a: f() };"), "farm.config.ts")
		if len(diags) != 1 || diags[0].Path != "farm.config.ts" {
			t.Errorf("diags = %+v", diags)
		}
	})
}

func TestParseJSON(t *testing.T) {
	t.Parallel()
	src := "{\n  \"name\": \"analytics\",\n  \"version\": \"1.0.0\",\n  \"n\": [1, 2.5, -3e2, true, null],\n  \"ü\": {\"😀\": \"\\u00e9\"}\n}\n"
	v, diags := ParseJSON([]byte(src), "plugins/analytics/plugin.json")
	if len(diags) != 0 {
		t.Fatalf("diags: %+v", diags)
	}
	if got, want := v.Canonical(), `{"name":"analytics","version":"1.0.0","n":[1,2.5,-300,true,null],"ü":{"😀":"é"}}`; got != want {
		t.Errorf("Canonical = %s, want %s", got, want)
	}
	rng := func(l1, c1, l2, c2 int) facts.Range {
		return facts.Range{Start: facts.Pos{Line: l1, Char: c1}, End: facts.Pos{Line: l2, Char: c2}}
	}
	checks := []struct {
		name      string
		got, want facts.Range
	}{
		{"root", v.Range, rng(0, 0, 5, 1)},
		{"version key", v.Fields["version"].KeyRange, rng(2, 2, 2, 11)},
		{"version value", v.Fields["version"].Range, rng(2, 13, 2, 20)},
		{"n[2]", v.Fields["n"].Items[2].Range, rng(3, 16, 3, 20)},
		{"😀 key", v.Get("ü").Fields["😀"].KeyRange, rng(4, 8, 4, 12)},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s range = %+v, want %+v", c.name, c.got, c.want)
		}
	}
	// First-line ranges shift by the wrapping parenthesis; a BOM is skipped.
	for _, s := range []string{`{"a": 1}`, "\xef\xbb\xbf{\"a\": 1}"} {
		v, diags := ParseJSON([]byte(s), "m.json")
		if len(diags) != 0 {
			t.Fatalf("%q: diags %+v", s, diags)
		}
		off := 0
		if strings.HasPrefix(s, "\xef") {
			off = 1
		}
		if got, want := v.Fields["a"].KeyRange, rng(0, 1+off, 0, 4+off); got != want {
			t.Errorf("%q: key range %+v, want %+v", s, got, want)
		}
		if got, want := v.Range, rng(0, off, 0, 8+off); got != want {
			t.Errorf("%q: root range %+v, want %+v", s, got, want)
		}
	}
}

func TestParseJSONErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src string
		line      int
	}{
		{"missing comma", "{\n  \"a\": 1\n  \"b\": 2\n}", 2},
		{"trailing comma", "{\n  \"a\": 1,\n}", 2},
		{"comment", "{\n  // no\n  \"a\": 1\n}", 1},
		{"unquoted key", "{\n\n  a: 1\n}", 2},
		{"empty", "", 0},
		{"truncated", "{\n  \"a\": [1,\n", 2},
		{"single quotes", "['x']", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, diags := ParseJSON([]byte(tt.src), "m.json")
			if v != nil {
				t.Errorf("value = %s, want nil", v.Canonical())
			}
			if len(diags) != 1 {
				t.Fatalf("diags = %+v, want one", diags)
			}
			d := diags[0]
			if d.Code != facts.CodeSyntaxError || d.Severity != facts.SeverityError || d.Path != "m.json" {
				t.Errorf("diag = %+v", d)
			}
			if d.Range.Start.Line != tt.line {
				t.Errorf("line = %d, want %d (%s)", d.Range.Start.Line, tt.line, d.Message)
			}
		})
	}
}

func FuzzParseJSON(f *testing.F) {
	for _, s := range []string{`{"a": [1, "x", null]}`, "{\n\"a\":", "\xff\xfe", `"\ud800"`, "[1e999]"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		v, diags := ParseJSON(src, "f.json")
		if v == nil && len(diags) == 0 {
			t.Fatalf("nil value without a diagnostic")
		}
	})
}
