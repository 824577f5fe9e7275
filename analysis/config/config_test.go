package config

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/analysis/parse"
	"github.com/farm-stack/farm-lsp/analysis/staticjs"
)

func read(t *testing.T, src string) (Config, []facts.Diagnostic) {
	t.Helper()
	return FromValue(value(t, src), "farm.config.ts")
}

func value(t *testing.T, src string) *facts.Value {
	t.Helper()
	doc, err := parse.Parse(context.Background(), parse.TypeScript, []byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	v, _ := staticjs.ReadModule(doc, "farm.config.ts")
	return v
}

func readFile(t *testing.T, name string) (Config, []facts.Diagnostic) {
	t.Helper()
	src, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return read(t, string(src))
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	for _, src := range []string{"export default defineConfig({});", "export default {}", ""} {
		c, diags := read(t, src)
		if src != "" && len(diags) != 0 {
			t.Errorf("%q: diags %+v", src, diags)
		}
		want := Default()
		if !reflect.DeepEqual(c, want) {
			t.Errorf("%q: config differs from Default():\n got %+v\nwant %+v", src, c, want)
		}
	}
	d := Default()
	checks := []struct {
		name      string
		got, want any
	}{
		{"database.url", d.Database.URL, "mongodb://127.0.0.1:27017/app"},
		{"ports", d.Development.Ports, Ports{Frontend: 3000, Backend: 8000}},
		{"backend external", d.Development.Backend == nil, true},
		{"frontend url", d.Development.Frontend.URL, "http://127.0.0.1:3000"},
		{"watch", d.Development.HotReload.Watch, Watch{Enabled: true, DebounceMs: 100, Interval: 1000}},
		{"typegen", d.Development.HotReload.TypeGeneration, TypeGeneration{Enabled: true,
			GenerateOnModelChange: true, GenerateOnRouteChange: true, OutDir: "apps/web/src", Pydantic: 2}},
		{"autoApply", d.Development.HotReload.Database.AutoApply, "additive"},
		{"performance", d.Development.HotReload.Performance, Performance{true, 5000, 3, 5000}},
		{"errorRecovery", d.Development.HotReload.ErrorRecovery, ErrorRecovery{true, true, true}},
		{"models glob", d.Paths.Models, "apps/api/src/models/**/*.py"},
		{"outputs", d.Outputs().All(), []string{"apps/web/src/types/models/index.ts", "apps/web/src/types/api.ts",
			"apps/web/src/services/api.ts", "apps/web/src/hooks/api.ts", "apps/web/src/plugins/registry.ts"}},
		{"backend default", *DefaultBackend(), Backend{Command: []string{"python3", "-m", "uvicorn", "src.main:app",
			"--host", "{host}", "--port", "{port}"}, Cwd: "apps/api", Health: "/openapi.json", StartTimeoutMs: 15000}},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %+v, want %+v", c.name, c.got, c.want)
		}
	}
}

func TestFullConfig(t *testing.T) {
	t.Parallel()
	c, diags := readFile(t, "testdata/full.farm.config.ts")
	if len(diags) != 0 {
		t.Fatalf("diags: %+v", diags)
	}
	h := c.Development.HotReload
	checks := []struct {
		name      string
		got, want any
	}{
		{"name", c.Name, "shop"},
		{"database", c.Database, Database{Type: "mongodb", URL: "mongodb://db:27017/shop"}},
		{"env", c.Env, map[string]string{"database.url": "DATABASE_URL", "ai.providers.openai.apiKey": "OPENAI_API_KEY"}},
		{"ollama", c.AI.Providers["ollama"], Provider{Enabled: true, URL: "http://127.0.0.1:11434",
			Models: []string{"llama3.1", "codellama"}, DefaultModel: "codellama"}},
		{"openai", c.AI.Providers["openai"], Provider{Enabled: false, URL: "https://api.openai.com/v1",
			Models: []string{"gpt-4o"}, DefaultModel: "gpt-4o"}},
		{"provider names", c.AI.Names(), []string{"ollama", "openai"}},
		{"plugins", c.Plugins, []string{"analytics", "auth", "billing"}},
		{"ports", c.Development.Ports, Ports{Frontend: 5173, Backend: 8080}},
		{"frontend url from port", c.Development.Frontend.URL, "http://127.0.0.1:5173"},
		{"backend", *c.Development.Backend, Backend{Command: []string{"python3", "-m", "uvicorn", "src.main:app",
			"--host", "127.0.0.1", "--port", "{port}"}, Cwd: "apps/api", Health: "/health", StartTimeoutMs: 20000}},
		{"watch", h.Watch, Watch{Enabled: true, DebounceMs: 50, UsePolling: true, Interval: 500, Paths: []WatchPath{
			{Pattern: "apps/api/src/**/*.py", Ignore: []string{"**/__pycache__/**", "**/test_*.py"}},
			{Pattern: "farm.config.ts"}}}},
		{"typegen", h.TypeGeneration, TypeGeneration{Enabled: true, GenerateOnModelChange: true,
			GenerateOnRouteChange: false, OutDir: "web/src", Pydantic: 1, PydanticSet: true, PydanticPath: "farm.config.ts",
			PydanticRange: facts.Range{Start: facts.Pos{Line: 32, Char: 83}, End: facts.Pos{Line: 32, Char: 84}}}},
		{"aiModels false", h.AIModels, AIModels{Enabled: false, HotSwap: true, PreloadModels: true}},
		{"database", h.Database, HotReloadDatabase{Enabled: true, AutoApply: "none"}},
		{"performance", h.Performance, Performance{true, 3000, 5, 1000}},
		{"errorRecovery", h.ErrorRecovery, ErrorRecovery{Enabled: true, FallbackToRestart: false, LogErrors: true}},
		{"paths.models", c.Paths.Models, "backend/models/**/*.py"},
		{"client output", c.Outputs().Client, "web/src/lib/client.ts"},
		{"classify", c.ClassifyPaths().Generated[2], "web/src/lib/client.ts"},
	}
	for _, ch := range checks {
		if !reflect.DeepEqual(ch.got, ch.want) {
			t.Errorf("%s = %+v, want %+v", ch.name, ch.got, ch.want)
		}
	}
	env := map[string]string{"DATABASE_URL": "mongodb://env:1/x", "OPENAI_API_KEY": "sk-test"}
	r := c.ResolveEnv(func(k string) string { return env[k] })
	if r.Database.URL != "mongodb://env:1/x" || r.AI.Providers["openai"].APIKey != "sk-test" {
		t.Errorf("ResolveEnv: %+v %+v", r.Database, r.AI.Providers["openai"])
	}
	p, _ := read(t, "export default { development: { ports: { backend: Number(process.env.PORT) || 8001 } } };")
	if p.Env["development.ports.backend"] != "PORT" || p.Development.Ports.Backend != 8001 {
		t.Errorf("port env = %+v %d", p.Env, p.Development.Ports.Backend)
	}
	if got := p.ResolveEnv(func(string) string { return "9000" }).Development.Ports.Backend; got != 9000 {
		t.Errorf("resolved port = %d", got)
	}
	if c.Database.URL != "mongodb://db:27017/shop" || c.AI.Providers["openai"].APIKey != "" {
		t.Errorf("ResolveEnv modified its receiver")
	}
}

func TestExampleAppConfig(t *testing.T) {
	t.Parallel()
	c, diags := readFile(t, "../../examples/farm-app/farm.config.ts")
	if len(diags) != 0 {
		t.Errorf("diags: %+v", diags)
	}
	if c.Database.URL != "mongodb://127.0.0.1:27017/farm_app" || c.Env["database.url"] != "DATABASE_URL" ||
		c.Development.HotReload.TypeGeneration.Pydantic != 1 || c.Development.Backend != nil {
		t.Errorf("config = %+v", c)
	}
}

func TestShorthand(t *testing.T) {
	t.Parallel()
	tests := []struct {
		src   string
		check func(c Config) bool
	}{
		{"development: { hotReload: false }", func(c Config) bool { return !c.Development.HotReload.Enabled }},
		{"development: { hotReload: true }", func(c Config) bool {
			return c.Development.HotReload.Enabled && c.Development.HotReload.Watch.DebounceMs == 100
		}},
		{"development: { hotReload: { watch: false } }", func(c Config) bool {
			return !c.Development.HotReload.Watch.Enabled && c.Development.HotReload.Watch.DebounceMs == 100
		}},
		{"development: { hotReload: { typeGeneration: false, errorRecovery: false } }", func(c Config) bool {
			h := c.Development.HotReload
			return !h.TypeGeneration.Enabled && !h.ErrorRecovery.Enabled && h.TypeGeneration.OutDir == "apps/web/src"
		}},
		{"development: { hotReload: { database: false, performance: false, aiModels: true } }", func(c Config) bool {
			h := c.Development.HotReload
			return !h.Database.Enabled && !h.Performance.Enabled && h.AIModels.Enabled
		}},
		{"development: { backend: true }", func(c Config) bool {
			return reflect.DeepEqual(c.Development.Backend, DefaultBackend())
		}},
		{"development: { backend: false }", func(c Config) bool { return c.Development.Backend == nil }},
		{"development: { backend: { command: 'uvicorn main:app --port {port}' } }", func(c Config) bool {
			b := c.Development.Backend
			return b != nil && reflect.DeepEqual(b.Command, []string{"uvicorn", "main:app", "--port", "{port}"}) && b.Health == "/openapi.json"
		}},
		{"ai: { providers: { ollama: true } }", func(c Config) bool {
			p := c.AI.Providers["ollama"]
			return p.Enabled && p.URL == "http://127.0.0.1:11434" && len(p.Models) == 0
		}},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			c, diags := read(t, "export default defineConfig({ "+tt.src+" });")
			if len(diags) != 0 {
				t.Errorf("diags: %+v", diags)
			}
			if !tt.check(c) {
				t.Errorf("unexpected config %+v", c.Development)
			}
		})
	}
}

func TestMessyConfig(t *testing.T) {
	t.Parallel()
	c, diags := readFile(t, "testdata/messy.farm.config.ts")
	type key struct {
		line int
		sev  facts.Severity
		word string
	}
	want := []key{
		{1, facts.SeverityWarning, `databse: unknown key, ignored; did you mean "database"?`},
		{2, facts.SeverityWarning, "database.url: cannot be read statically"},
		{3, facts.SeverityWarning, "plugins: expected an array, got a string"},
		{5, facts.SeverityWarning, "development.ports.frontend: expected a number"},
		{5, facts.SeverityWarning, "development.ports.backend: expected an integer"},
		{9, facts.SeverityWarning, `development.hotReload.database.autoApply: "sometimes" is not one of`},
		{10, facts.SeverityWarning, "development.hotReload.performance.maxRetries: expected an integer"},
		{10, facts.SeverityWarning, "development.hotReload.performance.extra: unknown key, ignored (known keys here: cooldownPeriod, enabled, maxRetries, slowReloadThreshold)"},
		{13, facts.SeverityWarning, "paths.models: \"[unclosed\" is not a valid glob"},
	}
	var got []key
	for _, d := range diags {
		if d.Path != "farm.config.ts" || d.Code != facts.CodeConfig {
			t.Errorf("diag %+v: wrong path or code", d)
		}
		got = append(got, key{d.Range.Start.Line, d.Severity, d.Message})
	}
	sort.SliceStable(got, func(i, j int) bool { return got[i].line < got[j].line })
	if len(got) != len(want) {
		t.Fatalf("got %d diagnostics, want %d:\n%+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i].line != want[i].line || got[i].sev != want[i].sev || !strings.Contains(got[i].word, want[i].word) {
			t.Errorf("diag %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	// The unknown-key warning sits on the key, the type warnings on the value.
	if r := diags[0].Range; r.Start.Char != 2 || r.End.Char != 9 {
		t.Errorf("unknown key range %+v, want chars 2..9", r)
	}
	d := Default()
	checks := []struct {
		name      string
		got, want any
	}{
		{"database.url default", c.Database.URL, d.Database.URL},
		{"plugins default", c.Plugins, d.Plugins},
		{"ports default", c.Development.Ports, d.Development.Ports},
		{"autoApply default", c.Development.HotReload.Database.AutoApply, "additive"},
		{"maxRetries default", c.Development.HotReload.Performance.MaxRetries, 3},
		{"watch shorthand", c.Development.HotReload.Watch.Enabled, true},
		{"typegen shorthand", c.Development.HotReload.TypeGeneration.Enabled, false},
		{"models glob default", c.Paths.Models, d.Paths.Models},
	}
	for _, ch := range checks {
		if !reflect.DeepEqual(ch.got, ch.want) {
			t.Errorf("%s = %+v, want %+v", ch.name, ch.got, ch.want)
		}
	}
}

func TestNotAnObject(t *testing.T) {
	t.Parallel()
	c, diags := read(t, "export default defineConfig(makeConfig());")
	if len(diags) != 1 || diags[0].Severity != facts.SeverityWarning {
		t.Errorf("diags = %+v", diags)
	}
	if !reflect.DeepEqual(c, Default()) {
		t.Errorf("config is not the default")
	}
}

func TestMerge(t *testing.T) {
	t.Parallel()
	base, _ := readFile(t, "testdata/full.farm.config.ts")
	tests := []struct {
		name    string
		json    string
		wantErr bool
		check   func(c Config) bool
	}{
		{"empty", ``, false, func(c Config) bool { return reflect.DeepEqual(c, base) }},
		{"null", `null`, false, func(c Config) bool { return reflect.DeepEqual(c, base) }},
		{"debounce", `{"development":{"hotReload":{"watch":{"debounceMs":20}}}}`, false, func(c Config) bool {
			w := c.Development.HotReload.Watch
			return w.DebounceMs == 20 && w.UsePolling && w.Interval == 500 && len(w.Paths) == 2
		}},
		{"shorthand", `{"development":{"hotReload":false}}`, false, func(c Config) bool {
			return !c.Development.HotReload.Enabled && c.Development.HotReload.Watch.DebounceMs == 50
		}},
		{"provider model added", `{"ai":{"providers":{"ollama":{"models":["phi3"]},"local":{"url":"http://x"}}}}`, false, func(c Config) bool {
			o := c.AI.Providers["ollama"]
			return reflect.DeepEqual(o.Models, []string{"phi3"}) && o.DefaultModel == "phi3" &&
				c.AI.Providers["local"].URL == "http://x" && c.AI.Providers["openai"].Models[0] == "gpt-4o"
		}},
		{"unknown keys ignored", `{"logLevel":"debug","database":{"url":"mongodb://o/x","extra":1}}`, false, func(c Config) bool {
			return c.Database.URL == "mongodb://o/x"
		}},
		{"wrong type", `{"development":{"ports":{"backend":"x","frontend":4000}}}`, true, func(c Config) bool {
			return c.Development.Ports == Ports{Frontend: 4000, Backend: 8080}
		}},
		{"bad json", `{"development":`, true, func(c Config) bool { return reflect.DeepEqual(c, base) }},
		{"not an object", `[1]`, true, func(c Config) bool { return reflect.DeepEqual(c, base) }},
		{"backend off", `{"development":{"backend":null}}`, false, func(c Config) bool { return c.Development.Backend == nil }},
		{"provider dropped", `{"ai":{"providers":{"openai":null}}}`, false, func(c Config) bool {
			_, ok := c.AI.Providers["openai"]
			return !ok && len(c.AI.Providers) == 1
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, _ := json.Marshal(base)
			c, err := Merge(base, json.RawMessage(tt.json))
			if (err != nil) != tt.wantErr {
				t.Errorf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if !tt.check(c) {
				t.Errorf("unexpected result %+v", c)
			}
			if after, _ := json.Marshal(base); string(after) != string(before) {
				t.Errorf("Merge modified its input")
			}
		})
	}
}

func TestPluginEntriesAndModelNames(t *testing.T) {
	t.Parallel()
	v, _ := staticjs.ParseJSON([]byte(`{"plugins":["a",["b",{"x":1}],{"name":"c"},1,[]],"models":["m",{"name":"n"},true]}`), "x.json")
	var names []string
	for _, e := range PluginEntries(v.Get("plugins")) {
		names = append(names, e.Name)
	}
	if !reflect.DeepEqual(names, []string{"a", "b", "c"}) {
		t.Errorf("plugins = %v", names)
	}
	if got := ModelNames(v.Get("models")); !reflect.DeepEqual(got, []string{"m", "n"}) {
		t.Errorf("models = %v", got)
	}
}

func TestBackendEnv(t *testing.T) {
	t.Parallel()
	c, err := Merge(Default(), []byte(`{"development":{"backend":{"command":["python3","-m","uvicorn","a:app"],"env":{"PYTHONPATH":"shims","DEBUG":"1"}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if b := c.Development.Backend; b == nil || b.Env["PYTHONPATH"] != "shims" || b.Env["DEBUG"] != "1" {
		t.Fatalf("backend env = %+v", c.Development.Backend)
	}
	cp := c.clone()
	cp.Development.Backend.Env["DEBUG"] = "0"
	if c.Development.Backend.Env["DEBUG"] != "1" {
		t.Error("clone shares the env map")
	}
}

// TestUnknownKeyDidYouMean: a typo at a known level drops its section, so it
// is a warning that names the key meant.
func TestUnknownKeyDidYouMean(t *testing.T) {
	t.Parallel()
	tests := []struct{ src, want string }{
		{"development: { hotRelaod: { enabled: false } }", `development.hotRelaod: unknown key, ignored; did you mean "hotReload"?`},
		{"development: { hotReload: { aiModels: { hotswap: false } } }", `did you mean "hotSwap"?`},
		{"development: { hotReload: { watch: { usePoling: true } } }", `did you mean "usePolling"?`},
		{"pluggins: []", `pluggins: unknown key, ignored; did you mean "plugins"?`},
		{"ai: { providers: { ollama: { modles: [] } } }", `ai.providers.ollama.modles: unknown key, ignored; did you mean "models"?`},
		{"development: { zzz: 1 }", "development.zzz: unknown key, ignored (known keys here: backend, frontend, hotReload, ports)"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			c, diags := read(t, "export default defineConfig({ "+tt.src+" });")
			if len(diags) != 1 || diags[0].Severity != facts.SeverityWarning || !strings.Contains(diags[0].Message, tt.want) {
				t.Fatalf("diags = %+v, want one warning with %q", diags, tt.want)
			}
			if !c.Development.HotReload.Enabled {
				t.Error("the misspelt section was applied")
			}
		})
	}
	// initializationOptions carry other settings: unknown keys stay silent.
	if _, err := Merge(Default(), []byte(`{"hotRelaod": 1, "development": {"hotReload": {"enabled": false}}}`)); err != nil {
		t.Errorf("Merge reported an unknown key: %v", err)
	}
}

func TestHookURLsAreKeys(t *testing.T) {
	t.Parallel()
	c, diags := read(t, `export default defineConfig({ ai: { providers: { ollama: { hookUrl: 'http://h/p' } } },
  development: { hotReload: { aiModels: { hookUrl: 'http://h/a' } } } });`)
	if len(diags) != 0 {
		t.Fatalf("diags: %+v", diags)
	}
	if c.AI.Providers["ollama"].HookURL != "http://h/p" || c.Development.HotReload.AIModels.HookURL != "http://h/a" {
		t.Errorf("hook URLs = %q, %q", c.AI.Providers["ollama"].HookURL, c.Development.HotReload.AIModels.HookURL)
	}
}

func TestMissingPlugins(t *testing.T) {
	t.Parallel()
	src := "export default defineConfig({\n  plugins: ['analytics', ['missing', { a: 1 }], { name: 'other' }],\n});\n"
	v := value(t, src)
	known := func(n string) bool { return n == "analytics" }
	diags := MissingPlugins(v, "farm.config.ts", known)
	if len(diags) != 2 {
		t.Fatalf("diags = %+v, want 2", diags)
	}
	for i, name := range []string{"missing", "other"} {
		d := diags[i]
		if d.Severity != facts.SeverityWarning || d.Path != "farm.config.ts" || d.Range.Start.Line != 1 ||
			!strings.Contains(d.Message, `"`+name+`" has no manifest`) {
			t.Errorf("diag %d = %+v", i, d)
		}
	}
	if diags[0].Range.Start.Char != 25 {
		t.Errorf("missing's diagnostic starts at char %d, want 25 (the entry)", diags[0].Range.Start.Char)
	}
	if d := MissingPlugins(nil, "farm.config.ts", known); len(d) != 0 {
		t.Errorf("no config: %+v", d)
	}
}

func TestFindRoot(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	app := filepath.Join(dir, "app")
	deep := filepath.Join(app, "apps", "web", "src")
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, _, err := FindRoot(deep); !errors.Is(err, ErrNoApp) || !strings.Contains(err.Error(), deep) {
		t.Fatalf("outside an app: %v", err)
	}
	if err := os.WriteFile(filepath.Join(app, "farm.config.mjs"), []byte("export default {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	root, file, err := FindRoot(deep)
	if err != nil || root != app || file != "farm.config.mjs" {
		t.Fatalf("FindRoot = %q %q %v, want %q farm.config.mjs", root, file, err, app)
	}
	if _, _, err := FindRoot(filepath.Join(dir, "nope")); err == nil {
		t.Error("a missing directory was accepted")
	}
}

func TestDatabaseAllowRemote(t *testing.T) {
	t.Parallel()
	if Default().Development.HotReload.Database.AllowRemote {
		t.Fatal("allowRemote defaults to true; remote databases must be opted into")
	}
	c, diags := read(t, "export default { development: { hotReload: { database: { allowRemote: true } } } };")
	if len(diags) != 0 || !c.Development.HotReload.Database.AllowRemote {
		t.Fatalf("allowRemote: true read as %+v (diags %+v)", c.Development.HotReload.Database, diags)
	}
	if c.Development.HotReload.Database.AutoApply != AutoApplyAdditive {
		t.Errorf("allowRemote changed autoApply: %+v", c.Development.HotReload.Database)
	}
	c, diags = read(t, "export default { development: { hotReload: { database: { allowRemote: 'yes' } } } };")
	if c.Development.HotReload.Database.AllowRemote || len(diags) != 1 || !strings.Contains(diags[0].Message, "allowRemote: expected a boolean") {
		t.Errorf("allowRemote: 'yes' = %v, diags %+v", c.Development.HotReload.Database.AllowRemote, diags)
	}
	m, err := Merge(Default(), []byte(`{"development":{"hotReload":{"database":{"allowRemote":true}}}}`))
	if err != nil || !m.Development.HotReload.Database.AllowRemote {
		t.Errorf("Merge allowRemote: %v %+v", err, m.Development.HotReload.Database)
	}
}

func TestDatabaseTypeIsMongoDB(t *testing.T) {
	t.Parallel()
	c, diags := read(t, "export default defineConfig({ database: { type: 'postgres' } });")
	if len(diags) != 1 || diags[0].Severity != facts.SeverityWarning ||
		!strings.Contains(diags[0].Message, `database.type: "postgres" is not one of mongodb; using "mongodb"`) || c.Database.Type != "mongodb" {
		t.Errorf("type postgres: %+v %q", diags, c.Database.Type)
	}
}

func TestWatchPathsGlobsChecked(t *testing.T) {
	t.Parallel()
	c, diags := read(t, `export default defineConfig({ development: { hotReload: { watch: { paths: [
  'apps/[', { pattern: 'apps/api/**/*.py', ignore: ['**/test_*.py', 'x/['] }, { pattern: 'b/[' } ] } } } });`)
	want := []string{`paths[0]: "apps/[" is not a valid glob`, `paths[1].ignore[1]: "x/[" is not a valid glob`, `paths[2].pattern: "b/[" is not a valid glob`}
	if len(diags) != len(want) {
		t.Fatalf("diags = %+v", diags)
	}
	for i, w := range want {
		if !strings.Contains(diags[i].Message, w) || diags[i].Range.Start.Line != 1 {
			t.Errorf("diag %d = %+v, want %q on line 1", i, diags[i], w)
		}
	}
	got := c.Development.HotReload.Watch.Paths
	if len(got) != 1 || got[0].Pattern != "apps/api/**/*.py" || !reflect.DeepEqual(got[0].Ignore, []string{"**/test_*.py"}) {
		t.Errorf("paths = %+v", got)
	}
}

// TestTypeGenerationDebounceIsReportedUnused: the seed's typeGeneration.
// debounceMs no longer does anything (saves regenerate at once), so it is
// a warning at the key, not a silently ignored setting.
func TestTypeGenerationDebounceIsReportedUnused(t *testing.T) {
	t.Parallel()
	cfg, diags := read(t, `export default defineConfig({ development: { hotReload: { typeGeneration: { debounceMs: 500 } } } });`)
	if !cfg.Development.HotReload.TypeGeneration.Enabled {
		t.Error("typeGeneration disabled by an unused key")
	}
	found := false
	for _, d := range diags {
		found = found || strings.Contains(d.Message, "debounceMs: no longer used")
	}
	if !found {
		t.Errorf("no warning for typeGeneration.debounceMs: %+v", diags)
	}
}
