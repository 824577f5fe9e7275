package tsxast

import (
	"context"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/analysis/parse"
)

func langOf(path string) parse.Lang {
	if strings.HasSuffix(path, ".tsx") {
		return parse.TSX
	}
	return parse.TypeScript
}

func extract(t testing.TB, src, path string, kind facts.Kind) *facts.File {
	t.Helper()
	doc, err := parse.Parse(context.Background(), langOf(path), []byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	return Extract(doc, path, kind)
}

func testdata(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func rng(l1, c1, l2, c2 int) facts.Range {
	return facts.Range{Start: facts.Pos{Line: l1, Char: c1}, End: facts.Pos{Line: l2, Char: c2}}
}

func TestExtractComponents(t *testing.T) {
	t.Parallel()
	f := extract(t, testdata(t, "UserCard.tsx"), "apps/web/src/components/UserCard.tsx", facts.KindFrontendComponent)
	if f.HasErrors {
		t.Fatalf("errors: %+v", f.Diagnostics)
	}
	userCardProps := []facts.Prop{{Name: "user", Type: "User"}, {Name: "onSelect", Type: "(id: string) => void", Optional: true},
		{Name: "compact", Type: "boolean", Optional: true}}
	badgeProps := []facts.Prop{{Name: "label", Type: "string"}, {Name: "tone", Type: "'info' | 'warn'"}}
	want := []facts.Component{
		{Name: "UserCard", PropsType: "UserCardProps", Props: userCardProps, Hooks: []string{"useState", "useEffect"},
			NameRange: rng(14, 16, 14, 24)},
		{Name: "Badge", PropsType: "BadgeProps", Props: badgeProps, NameRange: rng(32, 13, 32, 18)},
		{Name: "MemoList", PropsType: "{ ids: string[] }", Props: []facts.Prop{{Name: "ids", Type: "string[]"}},
			Hooks: []string{"useUsers"}, NameRange: rng(34, 13, 34, 21)},
		{Name: "FancyInput", PropsType: "{ placeholder?: string }", Props: []facts.Prop{{Name: "placeholder", Type: "string", Optional: true}},
			NameRange: rng(39, 13, 39, 23)},
		{Name: "Typed", PropsType: "BadgeProps", Props: badgeProps, Hooks: []string{"useContext"}, NameRange: rng(43, 13, 43, 18)},
		{Name: "default", Default: true, Hooks: []string{"useUsers"}},
	}
	if len(f.Components) != len(want) {
		var names []string
		for _, c := range f.Components {
			names = append(names, c.Name)
		}
		t.Fatalf("components = %v, want %d", names, len(want))
	}
	for i, w := range want {
		g := f.Components[i]
		if g.Name != w.Name || g.Default != w.Default || g.PropsType != w.PropsType || !reflect.DeepEqual(g.Props, w.Props) ||
			!reflect.DeepEqual(g.Hooks, w.Hooks) {
			t.Errorf("component %d:\n got %+v\nwant %+v", i, g, w)
		}
		if w.NameRange != (facts.Range{}) && g.NameRange != w.NameRange {
			t.Errorf("%s name range = %+v, want %+v", w.Name, g.NameRange, w.NameRange)
		}
		if g.BodyHash == "" || g.Range.End.Line < g.Range.Start.Line {
			t.Errorf("%s: body hash %q range %+v", w.Name, g.BodyHash, g.Range)
		}
	}
	if r := f.Components[0].Range; r.Start.Line != 14 || r.End.Line != 30 {
		t.Errorf("UserCard range = %+v, want lines 14..30", r)
	}
	// Non-component exports: the interface (a type), nothing else.
	if len(f.Exports) != 1 || f.Exports[0].Name != "UserCardProps" || f.Exports[0].Kind != "interface" {
		t.Errorf("exports = %+v", f.Exports)
	}
	wantImports := []facts.Import{
		{Module: "react", Names: []string{"default as React", "forwardRef", "memo", "useEffect", "useState"}},
		{Module: "../types/models", Names: []string{"User"}, TypeOnly: true},
		{Module: "../hooks/api", Names: []string{"useUsers"}},
		{Module: "./UserCard.css"},
	}
	if len(f.Imports) != len(wantImports) {
		t.Fatalf("imports = %+v", f.Imports)
	}
	for i, w := range wantImports {
		g := f.Imports[i]
		if g.Module != w.Module || !reflect.DeepEqual(g.Names, w.Names) || g.TypeOnly != w.TypeOnly || g.Range.Start.Line != i {
			t.Errorf("import %d = %+v, want %+v", i, g, w)
		}
	}
	if f.SemanticHash == "" {
		t.Error("no semantic hash")
	}
}

func TestExtractDefaultExportForms(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src string
		want      []string // "Name" or "Name*" for the default
		exports   []string
	}{
		{"named default function", "export default function Page() { return <main />; }", []string{"Page*"}, nil},
		{"anonymous arrow", "export default () => <main />;", []string{"default*"}, nil},
		{"identifier", "function Page() { return <main />; }\nexport default Page;", []string{"Page*"}, nil},
		{"memo of local", "const Page = () => <main />;\nexport default memo(Page);", []string{"Page*"}, nil},
		{"named and default", "export function Page() { return <main />; }\nexport default Page;", []string{"Page*"}, nil},
		{"export clause", "function Card() { return null; }\nconst helper = 1;\nexport { Card, helper };", []string{"Card"}, []string{"helper"}},
		{"as default", "function Card() { return null; }\nexport { Card as default };", []string{"Card*"}, nil},
		{"object default", "export default { a: 1 };", nil, []string{"default"}},
		{"lowercase function is not a component", "export function helper() { return 1; }", nil, []string{"helper"}},
		{"context is not a component", "export const Ctx = createContext(null);", nil, []string{"Ctx"}},
		{"class", "export class Store {}", nil, []string{"Store"}},
		{"re-exports", "export { a as b } from './a';\nexport * from './c';", nil, []string{"* from ./c", "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := extract(t, tt.src, "x.tsx", facts.KindFrontendComponent)
			var got, exps []string
			for _, c := range f.Components {
				n := c.Name
				if c.Default {
					n += "*"
				}
				got = append(got, n)
			}
			for _, e := range f.Exports {
				exps = append(exps, e.Name)
			}
			if !reflect.DeepEqual(got, tt.want) || !reflect.DeepEqual(exps, tt.exports) {
				t.Errorf("components %v exports %v, want %v %v", got, exps, tt.want, tt.exports)
			}
		})
	}
}

func TestPropertyReads(t *testing.T) {
	t.Parallel()
	src := "const s = 'ü😀'; export function Card({ u }: { u: User }) { return <p>{u?.name}{u.address?.city}</p>; }\n" +
		"const { email, id: key } = props.user;\nthis.x.y;\nobj[k].z;\n"
	f := extract(t, src, "x.tsx", facts.KindFrontendComponent)
	type read struct{ obj, prop string }
	var got []read
	for _, r := range f.PropertyReads {
		got = append(got, read{r.Object, r.Property})
	}
	want := []read{{"u", "name"}, {"u", "address"}, {"u.address", "city"}, {"props.user", "email"}, {"props.user", "id"}, {"props", "user"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("reads = %v, want %v", got, want)
	}
	// 'ü' is one UTF-16 unit, '😀' two: "name" starts at unit 74
	// (byte 79).
	if r := f.PropertyReads[0].Range; r != rng(0, 74, 0, 78) {
		t.Errorf("name range = %+v, want 0:74-0:78", r)
	}
	if c := f.Components[0]; c.NameRange != rng(0, 33, 0, 37) {
		t.Errorf("Card name range = %+v, want 0:33-0:37", c.NameRange)
	}
}

func TestExtractConfig(t *testing.T) {
	t.Parallel()
	f := extract(t, testdata(t, "farm.config.ts"), "farm.config.ts", facts.KindFarmConfig)
	if f.Config == nil || f.Config.Get("ai.providers.ollama.defaultModel").String("") != "llama3.1" {
		t.Fatalf("config = %+v", f.Config)
	}
	if len(f.Diagnostics) != 0 {
		t.Errorf("diags: %+v", f.Diagnostics)
	}
	// Configuration diagnostics are config.FromValue's to report, not Extract's.
	bad := extract(t, "export default defineConfig({ databse: {}, database: { url: getUrl() } });", "farm.config.ts", facts.KindFarmConfig)
	if len(bad.Diagnostics) != 0 || bad.HasErrors || bad.Config.Get("database.url").Kind != facts.ValueUnknown {
		t.Errorf("diags = %+v, config %s", bad.Diagnostics, bad.Config.Canonical())
	}
	p0 := extract(t, "export default definePlugin({ name: 'x', version: v() });", "plugins/x/plugin.ts", facts.KindPluginConfig)
	if len(p0.Diagnostics) != 1 || p0.Diagnostics[0].Code != facts.CodeConfig {
		t.Errorf("plugin diags = %+v, want the static reader's warning", p0.Diagnostics)
	}
	p := extract(t, testdata(t, "plugin.ts"), "plugins/analytics/plugin.ts", facts.KindPluginConfig)
	if p.Config.Get("name").String("") != "analytics" || len(p.Diagnostics) != 0 {
		t.Errorf("plugin config %s diags %+v", p.Config.Canonical(), p.Diagnostics)
	}
}

// TestExtractConfigOnly: ExtractConfig reads a config's value and
// diagnostics exactly as Extract does (good, unreadable, broken), and for
// other kinds is Extract.
func TestExtractConfigOnly(t *testing.T) {
	t.Parallel()
	cases := []struct{ src, path string }{
		{testdata(t, "farm.config.ts"), "farm.config.ts"},
		{"export default defineConfig({ databse: {}, database: { url: getUrl() } });", "farm.config.ts"},
		{"export default defineConfig({ database: { url: 'x' ", "farm.config.ts"},
		{"import x from './y';\nexport default defineConfig(x);\n", "farm.config.ts"},
		{"export default definePlugin({ name: 'x', version: v() });", "plugins/x/plugin.ts"},
		{testdata(t, "plugin.ts"), "plugins/analytics/plugin.ts"},
		{"export default definePlugin({ name: 'x', ", "plugins/x/plugin.ts"},
	}
	for _, c := range cases {
		kind := facts.KindFarmConfig
		if strings.HasPrefix(c.path, "plugins/") {
			kind = facts.KindPluginConfig
		}
		doc, err := parse.Parse(context.Background(), langOf(c.path), []byte(c.src), nil)
		if err != nil {
			t.Fatal(err)
		}
		full, only := Extract(doc, c.path, kind), ExtractConfig(doc, c.path, kind)
		if only.Path != full.Path || only.Kind != full.Kind || only.HasErrors != full.HasErrors ||
			!reflect.DeepEqual(only.Diagnostics, full.Diagnostics) || !reflect.DeepEqual(only.Config, full.Config) {
			t.Errorf("%s %q:\nExtractConfig %+v\nExtract       %+v", kind, c.src, only, full)
		}
		if only.SemanticHash != "" || len(only.Exports) != 0 || len(only.Imports) != 0 {
			t.Errorf("%q: ExtractConfig read more than the config: %+v", c.src, only)
		}
	}
	src := testdata(t, "UserCard.tsx")
	doc, err := parse.Parse(context.Background(), parse.TSX, []byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	if full, got := Extract(doc, "UserCard.tsx", facts.KindFrontendComponent), ExtractConfig(doc, "UserCard.tsx", facts.KindFrontendComponent); !reflect.DeepEqual(full, got) {
		t.Errorf("a component: ExtractConfig %+v, Extract %+v", got, full)
	}
}

func TestExtractSyntaxError(t *testing.T) {
	t.Parallel()
	f := extract(t, "export function A() {\n  return <div>;\n}\n", "x.tsx", facts.KindFrontendComponent)
	if !f.HasErrors || len(f.Diagnostics) == 0 || f.Diagnostics[0].Code != facts.CodeSyntaxError {
		t.Errorf("HasErrors %v diags %+v", f.HasErrors, f.Diagnostics)
	}
}

func TestQueriesCompile(t *testing.T) {
	t.Parallel()
	for _, l := range []parse.Lang{parse.TSX, parse.TypeScript} {
		if _, err := queryFor(l); err != nil {
			t.Errorf("%s: %v", l, err)
		}
	}
	if _, err := queryFor(parse.Python); err == nil {
		t.Error("python: want an error")
	}
}

func TestHashCosmetic(t *testing.T) {
	t.Parallel()
	same := [][2]string{
		{"let a = b + c;", "let  a=b+c ;"},
		{"let a = b; // x", "/* y */ let a = b;"},
		{"let el = <div><span>hi there</span></div>;", "let el = <div>\n  <span>\n    hi   there\n  </span>\n</div>;"},
		{"let t = `a ${ b + c } d`;", "let t = `a ${b+c} d`;"},
		{"f(a, b)", "f(\n  a,\n  b\n)"},
	}
	differ := [][2]string{
		{"return x;", "returnx;"},
		{"a - -b;", "a--b;"},
		{"let s = 'a b';", "let s = 'a  b';"},
		{"let t = `a b`;", "let t = `a  b`;"},
		{"let r = / a/;", "let r = /a/;"},
		{"let el = <p>a b</p>;", "let el = <p>ab</p>;"},
	}
	h := func(src string) string {
		doc, err := parse.Parse(context.Background(), parse.TSX, []byte(src), nil)
		if err != nil {
			t.Fatal(err)
		}
		x := newIndex(doc)
		return x.hash(doc.Root())
	}
	for _, p := range same {
		if h(p[0]) != h(p[1]) {
			t.Errorf("%q and %q should hash the same", p[0], p[1])
		}
	}
	for _, p := range differ {
		if h(p[0]) == h(p[1]) {
			t.Errorf("%q and %q should hash differently", p[0], p[1])
		}
	}
}
