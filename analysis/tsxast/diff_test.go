package tsxast

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/analysis/staticjs"
)

// edit applies old→new replacements, failing when one does not match once.
func edit(t *testing.T, src string, pairs ...string) string {
	t.Helper()
	for i := 0; i+1 < len(pairs); i += 2 {
		if strings.Count(src, pairs[i]) != 1 {
			t.Fatalf("edit: %q occurs %d times", pairs[i], strings.Count(src, pairs[i]))
		}
		src = strings.Replace(src, pairs[i], pairs[i+1], 1)
	}
	return src
}

func summary(cs []facts.Change) []string {
	out := make([]string, 0, len(cs))
	for _, c := range cs {
		out = append(out, string(c.Kind)+" "+c.Subject)
	}
	sort.Strings(out)
	return out
}

type diffCase struct {
	name  string
	edits []string
	want  []string // "kind subject", sorted
	check func(t *testing.T, cs []facts.Change)
}

func runDiffCases(t *testing.T, file, path string, kind facts.Kind, cases []diffCase) {
	base := testdata(t, file)
	old := extract(t, base, path, kind)
	if old.HasErrors {
		t.Fatalf("base has errors: %+v", old.Diagnostics)
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			cur := extract(t, edit(t, base, tt.edits...), path, kind)
			cs := Diff(old, cur)
			got := summary(cs)
			want := append([]string(nil), tt.want...)
			sort.Strings(want)
			if len(got) == 0 && len(want) == 0 {
				// ok
			} else if !reflect.DeepEqual(got, want) {
				t.Fatalf("changes = %q, want %q", got, want)
			}
			for _, c := range cs {
				if c.Path != path || c.FileKind != kind {
					t.Errorf("change %+v: path/kind not set", c)
				}
			}
			if tt.check != nil {
				tt.check(t, cs)
			}
		})
	}
}

func TestDiffComponents(t *testing.T) {
	t.Parallel()
	const path = "apps/web/src/components/UserCard.tsx"
	runDiffCases(t, "UserCard.tsx", path, facts.KindFrontendComponent, []diffCase{
		{name: "comment", edits: []string{"export function UserCard(", "// hello\n/* block */ export function UserCard("}},
		{name: "whitespace", edits: []string{"const [open, setOpen] = useState(false);", "const [ open,setOpen ]   =\n    useState( false );"}},
		{name: "jsx reflow", edits: []string{
			"<button onClick={() => setOpen(!open)}>Größe ändern 😀</button>",
			"<button\n        onClick={() => setOpen(!open)}\n      >\n        Größe   ändern 😀\n      </button>"}},
		{name: "body only", edits: []string{"Größe ändern", "Größe umschalten"}, want: []string{"body-only UserCard"},
			check: func(t *testing.T, cs []facts.Change) {
				if cs[0].Range != rng(14, 16, 14, 24) {
					t.Errorf("range = %+v", cs[0].Range)
				}
			}},
		{name: "prop optionality", edits: []string{"compact?: boolean;", "compact: boolean;"}, want: []string{"props-changed UserCard"},
			check: func(t *testing.T, cs []facts.Change) {
				if !strings.Contains(cs[0].Detail, "compact now required") {
					t.Errorf("detail = %q", cs[0].Detail)
				}
			}},
		{name: "type alias member", edits: []string{"tone: 'info' | 'warn' }", "tone: 'info' | 'warn' | 'error' }"},
			want: []string{"props-changed Badge", "props-changed Typed"}},
		{name: "prop added", edits: []string{"  compact?: boolean;\n", "  compact?: boolean;\n  title: string;\n"},
			want: []string{"props-changed UserCard"}},
		{name: "hook added", edits: []string{"  }, [user.name]);\n", "  }, [user.name]);\n  const [n] = useState(0);\n"},
			want: []string{"hooks-changed UserCard"}, check: func(t *testing.T, cs []facts.Change) {
				if d := cs[0].Detail; !strings.Contains(d, "added useState") || !strings.Contains(d, "state will reset") {
					t.Errorf("detail = %q", d)
				}
			}},
		{name: "hooks reordered", edits: []string{
			"  const [open, setOpen] = useState(false);\n  useEffect(() => {\n    document.title = user.name;\n  }, [user.name]);\n",
			"  useEffect(() => {\n    document.title = user.name;\n  }, [user.name]);\n  const [open, setOpen] = useState(false);\n"},
			want: []string{"hooks-changed UserCard"}, check: func(t *testing.T, cs []facts.Change) {
				if d := cs[0].Detail; !strings.Contains(d, "reordered") || !strings.Contains(d, "state will reset") {
					t.Errorf("detail = %q", d)
				}
			}},
		{name: "nested component hook is not the parent's", edits: []string{"const [loaded] = useState(false);", "const [loaded] = useState(false); useMemo(() => 1, []);"},
			want: []string{"body-only UserCard"}},
		{name: "component added", edits: []string{"const ThemeContext", "export function Footer() {\n  return <footer />;\n}\n\nconst ThemeContext"},
			want: []string{"component-added Footer"}},
		{name: "component removed", edits: []string{"export const Badge = ({ label, tone }: BadgeProps) => <span className={`badge ${tone}`}>{label}</span>;\n", ""},
			want: []string{"component-removed Badge"}, check: func(t *testing.T, cs []facts.Change) {
				if cs[0].Range != rng(32, 13, 32, 18) {
					t.Errorf("removal range should be the old one, got %+v", cs[0].Range)
				}
			}},
		{name: "component renamed", edits: []string{"export const Badge = ", "export const Pill = "},
			want: []string{"component-renamed Pill"}, check: func(t *testing.T, cs []facts.Change) {
				if cs[0].Before != "Badge" || cs[0].After != "Pill" {
					t.Errorf("before/after = %q/%q", cs[0].Before, cs[0].After)
				}
			}},
		{name: "component added on a non-ASCII line", edits: []string{"const ThemeContext",
			"const s = 'ü😀'; export function Footer() { return <footer>{s}</footer>; }\nconst ThemeContext"},
			want: []string{"component-added Footer"}, check: func(t *testing.T, cs []facts.Change) {
				// ü is one UTF-16 unit and 😀 two: Footer starts at unit 33, not byte 38.
				line := strings.Count(testdata(t, "UserCard.tsx")[:strings.Index(testdata(t, "UserCard.tsx"), "const ThemeContext")], "\n")
				if cs[0].Range != rng(line, 33, line, 39) {
					t.Errorf("range = %+v, want %d:33-%d:39", cs[0].Range, line, line)
				}
			}},
		{name: "non-component export added", edits: []string{"const ThemeContext", "export const PAGE_SIZE = 20;\nconst ThemeContext"},
			want: []string{"non-component-export-changed PAGE_SIZE"}},
		{name: "type export is not a runtime export", edits: []string{"const ThemeContext", "export type Mode = 'a';\nconst ThemeContext"},
			want: []string{"source-changed " + path}},
		{name: "imports", edits: []string{"import { useUsers } from '../hooks/api';", "import { useUser, useUsers } from '../hooks/api';\nimport clsx from 'clsx';"},
			want: []string{"imports-changed ../hooks/api", "imports-changed clsx"}},
		{name: "import order only", edits: []string{
			"import { useUsers } from '../hooks/api';\nimport './UserCard.css';", "import './UserCard.css';\nimport { useUsers } from '../hooks/api';"},
			want: []string{"source-changed " + path}},
		{name: "helper outside components", edits: []string{"React.createContext({ style: {} })", "React.createContext({ style: { color: 'red' } })"},
			want: []string{"source-changed " + path}},
		{name: "syntax error", edits: []string{"return <b style={ctx.style}>{label}</b>;", "return <b style={ctx.style}>{label}</b;"}},
	})
}

func TestDiffPlainModule(t *testing.T) {
	t.Parallel()
	runDiffCases(t, "utils.ts", "apps/web/src/utils.ts", facts.KindFrontendSource, []diffCase{
		{name: "comment", edits: []string{"export type Id", "// ids\nexport type Id"}},
		{name: "body", edits: []string{"Math.min(hi, Math.max(lo, n))", "Math.max(lo, Math.min(hi, n))"},
			want: []string{"source-changed apps/web/src/utils.ts"}},
		{name: "export added", edits: []string{"export type Id", "export const ZERO = 0;\nexport type Id"},
			want: []string{"source-changed apps/web/src/utils.ts"}},
	})
}

func TestDiffFarmConfig(t *testing.T) {
	t.Parallel()
	runDiffCases(t, "farm.config.ts", "farm.config.ts", facts.KindFarmConfig, []diffCase{
		{name: "reformat and comment", edits: []string{"plugins: ['analytics'],", "// enabled plugins\n  plugins: [\n    \"analytics\",\n  ],"}},
		{name: "model added", edits: []string{"models: ['llama3.1']", "models: ['llama3.1', 'qwen2.5']"},
			want: []string{"section-changed ai", "ai-model-added ollama:qwen2.5"}, check: func(t *testing.T, cs []facts.Change) {
				for _, c := range cs {
					if c.Kind == facts.AIModelAdded && c.Range != rng(6, 83, 6, 92) {
						t.Errorf("model literal range = %+v, want 6:83-6:92", c.Range)
					}
				}
			}},
		{name: "model removed and default changed", edits: []string{"models: ['llama3.1'], defaultModel: 'llama3.1'", "models: ['qwen2.5'], defaultModel: 'qwen2.5'"},
			want: []string{"section-changed ai", "ai-model-added ollama:qwen2.5", "ai-model-removed ollama:llama3.1", "ai-model-updated ollama:qwen2.5"},
			check: func(t *testing.T, cs []facts.Change) {
				for _, c := range cs {
					if c.Kind == facts.AIModelRemoved && c.Range != rng(6, 71, 6, 81) {
						t.Errorf("removed model range (old file) = %+v", c.Range)
					}
				}
			}},
		{name: "provider url", edits: []string{"url: 'http://127.0.0.1:11434'", "url: 'http://gpu:11434'"},
			want: []string{"section-changed ai", "ai-provider-updated ollama"}},
		{name: "provider added", edits: []string{"defaultModel: 'llama3.1' },\n", "defaultModel: 'llama3.1' },\n      openai: { models: ['gpt-4o'] },\n"},
			want: []string{"section-changed ai", "ai-provider-added openai", "ai-model-added openai:gpt-4o"}},
		{name: "provider removed", edits: []string{"      ollama: { enabled: true, url: 'http://127.0.0.1:11434', models: ['llama3.1'], defaultModel: 'llama3.1' },\n", ""},
			want: []string{"section-changed ai", "ai-provider-removed ollama", "ai-model-removed ollama:llama3.1"}},
		{name: "plugins", edits: []string{"plugins: ['analytics'],", "plugins: ['auth'],"},
			want: []string{"section-changed plugins", "plugin-added auth", "plugin-removed analytics"}},
		{name: "development", edits: []string{"debounceMs: 100", "debounceMs: 50"}, want: []string{"section-changed development"}},
		{name: "env default", edits: []string{"27017/app'", "27017/other'"}, want: []string{"section-changed database"}},
		{name: "section added", edits: []string{"  plugins:", "  paths: { models: 'src/models/*.py' },\n  plugins:"}, want: []string{"section-changed paths"}},
	})
}

func TestDiffPluginManifest(t *testing.T) {
	t.Parallel()
	runDiffCases(t, "plugin.ts", "plugins/analytics/plugin.ts", facts.KindPluginConfig, []diffCase{
		{name: "comment", edits: []string{"  version:", "  // semver\n  version:"}},
		{name: "version", edits: []string{"'1.0.0'", "'1.1.0'"}, want: []string{"plugin-updated analytics"},
			check: func(t *testing.T, cs []facts.Change) {
				if !strings.Contains(cs[0].Detail, "version") || !strings.Contains(cs[0].After, `"1.1.0"`) {
					t.Errorf("change = %+v", cs[0])
				}
			}},
	})
	// plugin.json, read the way the workspace reads it.
	read := func(src string) *facts.File {
		v, diags := staticjs.ParseJSON([]byte(src), "plugins/analytics/plugin.json")
		f := &facts.File{Path: "plugins/analytics/plugin.json", Kind: facts.KindPluginConfig, Config: v, Diagnostics: diags,
			HasErrors: len(diags) > 0}
		if v != nil {
			f.SemanticHash = v.Canonical()
		}
		return f
	}
	old := read(`{"name": "analytics", "backend": {"routes": []}}`)
	cs := Diff(old, read("{\n  \"name\": \"analytics\",\n  \"backend\": {\"routes\": [\"stats\"]}\n}"))
	if got := summary(cs); !reflect.DeepEqual(got, []string{"plugin-updated analytics"}) || cs[0].Range.Start.Line != 2 {
		t.Errorf("json changes = %v %+v", got, cs)
	}
	if cs := Diff(old, read(`{"name": "analytics", `)); cs != nil {
		t.Errorf("broken JSON must yield nothing, got %v", summary(cs))
	}
	if got := summary(Diff(old, &facts.File{Path: old.Path, Kind: old.Kind})); !reflect.DeepEqual(got, []string{"plugin-removed analytics"}) {
		t.Errorf("removal = %v", got)
	}
	if got := summary(Diff(nil, old)); !reflect.DeepEqual(got, []string{"plugin-added analytics"}) {
		t.Errorf("addition = %v", got)
	}
}

func TestDiffAddedAndRemovedFiles(t *testing.T) {
	t.Parallel()
	f := extract(t, testdata(t, "UserCard.tsx"), "c.tsx", facts.KindFrontendComponent)
	emptyFile := &facts.File{Path: "c.tsx", Kind: facts.KindFrontendComponent}
	if got := summary(Diff(f, emptyFile)); len(got) != 6 || !strings.HasPrefix(got[0], "component-removed") {
		t.Errorf("removed file: %v", got)
	}
	if got := summary(Diff(emptyFile, f)); len(got) != 6 || !strings.HasPrefix(got[0], "component-added") {
		t.Errorf("added file: %v", got)
	}
	u := extract(t, testdata(t, "utils.ts"), "u.ts", facts.KindFrontendSource)
	if got := summary(Diff(u, &facts.File{Path: "u.ts", Kind: facts.KindFrontendSource})); !reflect.DeepEqual(got, []string{"file-removed u.ts"}) {
		t.Errorf("removed module: %v", got)
	}
	if got := Diff(nil, u); got != nil {
		t.Errorf("added module: %v (the workspace reports file-added)", summary(got))
	}
}

func ExampleDiff() {
	old := `export function Hello({ name }: { name: string }) { return <p>Hello {name}</p>; }`
	cur := `export function Hello({ name }: { name: string }) { const [n] = useState(0); return <p>Hello {name} {n}</p>; }`
	a, b := extractSrc(old), extractSrc(cur)
	for _, c := range Diff(a, b) {
		fmt.Println(c.Kind, c.Subject, "-", c.Detail)
	}
	// Output: hooks-changed Hello - hooks of Hello added useState; state will reset
}
