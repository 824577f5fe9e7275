package plugins

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/reload/executor"
	"github.com/farm-stack/farm-lsp/reload/plan"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func at(line, char, n int) facts.Range {
	return facts.Range{Start: facts.Pos{Line: line, Char: char}, End: facts.Pos{Line: line, Char: char + n}}
}

func str(s string, line, char int) *facts.Value {
	return &facts.Value{Kind: facts.ValueString, Str: s, Range: at(line, char, len(s)+2)}
}

// obj builds an object; keys get KeyRange on the line of their value.
func obj(line int, kv ...any) *facts.Value {
	v := &facts.Value{Kind: facts.ValueObject, Fields: map[string]*facts.Value{}, Range: at(line, 0, 1)}
	for i := 0; i < len(kv); i += 2 {
		k, val := kv[i].(string), kv[i+1].(*facts.Value)
		if val.KeyRange == (facts.Range{}) {
			val.KeyRange = at(val.Range.Start.Line, 2, len(k))
		}
		v.Keys = append(v.Keys, k)
		v.Fields[k] = val
	}
	return v
}

// manifest builds plugin.json's value: name on line 1, version on line 2,
// components from line 5 on (one per line, path at column 20).
func manifest(name, version string, components ...string) *facts.Value {
	var comps []any
	for i, c := range components {
		n, p, _ := strings.Cut(c, "=")
		comps = append(comps, n, obj(5+i, "path", str(p, 5+i, 20)))
	}
	kv := []any{}
	if name != "" {
		kv = append(kv, "name", str(name, 1, 10))
	}
	kv = append(kv, "version", str(version, 2, 13),
		"frontend", obj(3, "components", obj(4, comps...), "hooks",
			&facts.Value{Kind: facts.ValueArray, Range: at(9, 10, 20)}))
	return obj(0, kv...)
}

type ws struct {
	root      string
	enabled   []string
	manifests map[string]*facts.Value
}

func newWS(t *testing.T, files ...string) *ws {
	w := &ws{root: t.TempDir(), manifests: map[string]*facts.Value{}}
	for _, f := range files {
		full := filepath.Join(w.root, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte("export default function X() { return null }\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

func (w *ws) executor() *Executor {
	return New(Options{Root: w.root, Enabled: func() []string { return w.enabled },
		Manifests: func() map[string]*facts.Value { return w.manifests }})
}

func (w *ws) registry(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(w.root, DefaultOutFile))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	file := filepath.Join("testdata", name+".golden.ts")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func run(t *testing.T, ex *Executor) executor.Result {
	t.Helper()
	res := ex.Run(context.Background(), plan.Task{Kind: plan.PluginReload}, executor.NopReporter{})
	t.Logf("run: %s %q", res.Status, res.Message)
	return res
}

func TestRegistryFollowsManifestEdits(t *testing.T) {
	w := newWS(t,
		"plugins/analytics/components/Chart.tsx",
		"plugins/analytics/components/Table.tsx",
		"plugins/analytics/hooks/useStats.ts",
		"plugins/auth/src/LoginButton/index.tsx",
		"plugins/beta/Widget.tsx")
	w.enabled = []string{"auth", "analytics"}
	w.manifests["plugins/analytics/plugin.json"] = manifest("analytics", "1.0.0", "Chart=./components/Chart.tsx")
	w.manifests["plugins/auth/plugin.ts"] = manifest("auth", "0.3.0", "LoginButton=src/LoginButton")
	w.manifests["plugins/beta/plugin.json"] = manifest("beta", "0.0.1", "Widget=./Widget.tsx")
	ex := w.executor()

	steps := []struct {
		name  string
		edit  func()
		write bool
	}{
		{"initial", func() {}, true},
		{"unchanged", func() {}, false},
		{"component-added", func() {
			m := manifest("analytics", "1.1.0", "Table=./components/Table.tsx", "Chart=./components/Chart.tsx")
			hooks := &facts.Value{Kind: facts.ValueArray, Items: []*facts.Value{str("./hooks/useStats.ts", 9, 12)}}
			m.Fields["frontend"].Fields["hooks"] = hooks
			w.manifests["plugins/analytics/plugin.json"] = m
		}, true},
		{"plugin-enabled", func() { w.enabled = append(w.enabled, "beta") }, true},
		{"plugin-disabled", func() { w.enabled = []string{"beta"} }, true},
	}
	for _, s := range steps {
		s.edit()
		res := run(t, ex)
		if res.Status != executor.OK {
			t.Fatalf("%s: %+v", s.name, res)
		}
		if wrote := len(res.Written) == 1 && res.Written[0] == DefaultOutFile; wrote != s.write {
			t.Errorf("%s: written = %v, want a write: %v", s.name, res.Written, s.write)
		}
		for p, ds := range res.Diagnostics {
			if len(ds) != 0 {
				t.Errorf("%s: unexpected diagnostics in %s: %+v", s.name, p, ds)
			}
		}
		if s.write {
			golden(t, s.name, w.registry(t))
		}
	}
	entries, _ := os.ReadDir(filepath.Dir(filepath.Join(w.root, DefaultOutFile)))
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temp file left: %s", e.Name())
		}
	}
}

func TestBrokenManifestDiagnostics(t *testing.T) {
	w := newWS(t, "plugins/a/Chart.tsx")
	w.enabled = []string{"a"}
	w.manifests["plugins/a/plugin.json"] = manifest("a", "1.0.0", "Chart=./Chart.tsx", "Gone=./Gone.tsx")
	w.manifests["plugins/b/plugin.json"] = manifest("a", "2.0.0")
	w.manifests["plugins/c/plugin.json"] = manifest("", "1.0.0")
	w.manifests["plugins/d/plugin.json"] = obj(0, "name", str("d", 1, 10),
		"frontend", obj(3, "components", obj(4, "Bad", obj(5, "file", str("x.tsx", 5, 20)))))
	ex := w.executor()
	res := run(t, ex)
	if res.Status != executor.OK {
		t.Fatalf("result = %+v", res)
	}
	want := map[string][]string{
		"plugins/a/plugin.json": {"6:20 Gone: file plugins/a/Gone.tsx does not exist"},
		"plugins/b/plugin.json": {`1:10 duplicate plugin name "a": plugins/a/plugin.json already declares it`},
		"plugins/c/plugin.json": {`0:0 plugin manifest without "name"`},
		"plugins/d/plugin.json": {`5:2 frontend.components.Bad needs a "path" string`},
	}
	for p, msgs := range want {
		ds := res.Diagnostics[p]
		if len(ds) != len(msgs) {
			t.Errorf("%s: diagnostics = %+v, want %q", p, ds, msgs)
			continue
		}
		for i, d := range ds {
			pos, msg, _ := strings.Cut(msgs[i], " ")
			got := fmt.Sprintf("%d:%d", d.Range.Start.Line, d.Range.Start.Char)
			if got != pos || d.Message != msg || d.Path != p || d.Severity != facts.SeverityError {
				t.Errorf("%s: diagnostic = %s %q (path %s), want %s", p, got, d.Message, d.Path, msgs[i])
			}
		}
	}
	golden(t, "broken", w.registry(t))

	// Fixing the manifests clears their diagnostics.
	w.manifests = map[string]*facts.Value{"plugins/a/plugin.json": manifest("a", "1.0.0", "Chart=./Chart.tsx")}
	res = run(t, ex)
	for _, p := range []string{"plugins/a/plugin.json", "plugins/b/plugin.json", "plugins/c/plugin.json", "plugins/d/plugin.json"} {
		if ds, ok := res.Diagnostics[p]; !ok || len(ds) != 0 {
			t.Errorf("%s after fix: %+v (present %v), want cleared", p, ds, ok)
		}
	}
}

func TestRefusesHandWrittenRegistry(t *testing.T) {
	w := newWS(t)
	full := filepath.Join(w.root, DefaultOutFile)
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(full, []byte("export const plugins = {};\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	res := run(t, w.executor())
	if res.Status != executor.Failed || !strings.Contains(res.Message, "refusing to overwrite") {
		t.Fatalf("result = %+v", res)
	}
	if got, _ := os.ReadFile(full); string(got) != "export const plugins = {};\n" {
		t.Errorf("hand-written registry changed: %q", got)
	}
	out := New(Options{Root: w.root, OutFile: "../outside.ts"})
	if res := out.Run(context.Background(), plan.Task{}, nil); res.Status != executor.Failed || !strings.Contains(res.Message, "outside the workspace") {
		t.Errorf("outside root: %+v", res)
	}
}
