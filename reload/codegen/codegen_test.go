package codegen_test

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/analysis/openapi/fixture"
	"github.com/farm-stack/farm-lsp/analysis/typegen"
	ws "github.com/farm-stack/farm-lsp/analysis/workspace"
	"github.com/farm-stack/farm-lsp/internal/textdiff"
	"github.com/farm-stack/farm-lsp/reload/codegen"
	"github.com/farm-stack/farm-lsp/reload/executor"
	"github.com/farm-stack/farm-lsp/reload/plan"
)

const exampleRoot = "../../examples/farm-app"

// workspace is a temp workspace whose Python facts come from the example
// app's sources, editable per test.
type workspace struct {
	t    *testing.T
	root string
	mu   sync.Mutex
	srcs map[string][]byte
}

func newWorkspace(t *testing.T) *workspace {
	t.Helper()
	srcs := map[string][]byte{}
	err := filepath.WalkDir(filepath.Join(exampleRoot, "apps/api/src"), func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(p) != ".py" {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(exampleRoot, p)
		srcs[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return &workspace{t: t, root: t.TempDir(), srcs: srcs}
}

func (w *workspace) edit(rel, old, new string) {
	w.t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	s := string(w.srcs[rel])
	if !strings.Contains(s, old) {
		w.t.Fatalf("%s does not contain %q", rel, old)
	}
	w.srcs[rel] = []byte(strings.Replace(s, old, new, 1))
}

func (w *workspace) files() []*facts.File {
	w.mu.Lock()
	defer w.mu.Unlock()
	fs, err := fixture.FromSources(context.Background(), w.srcs)
	if err != nil {
		w.t.Fatal(err)
	}
	return fs
}

func (w *workspace) codegen() *codegen.Codegen {
	return codegen.New(codegen.Options{Root: w.root, Files: w.files, Pydantic: func() int { return 1 }})
}

func (w *workspace) read(rel string) string {
	w.t.Helper()
	b, err := os.ReadFile(filepath.Join(w.root, filepath.FromSlash(rel)))
	if err != nil {
		w.t.Fatal(err)
	}
	return string(b)
}

func (w *workspace) write(rel, content string) {
	w.t.Helper()
	p := filepath.Join(w.root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		w.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		w.t.Fatal(err)
	}
}

func run(c *codegen.Codegen, kind plan.TaskKind) executor.Result {
	return c.Run(context.Background(), plan.Task{ID: "t", Kind: kind, Target: "web"}, executor.NopReporter{})
}

const (
	models   = "apps/web/src/types/models/index.ts"
	apiTypes = "apps/web/src/types/api.ts"
	services = "apps/web/src/services/api.ts"
	hooks    = "apps/web/src/hooks/api.ts"
)

func TestTasksWriteTheirOutputsOnly(t *testing.T) {
	tests := []struct {
		kind plan.TaskKind
		want []string
	}{
		{plan.TypeGeneration, []string{apiTypes, models}},
		{plan.APIClientGeneration, []string{hooks, services, apiTypes}},
	}
	for _, tc := range tests {
		t.Run(string(tc.kind), func(t *testing.T) {
			w := newWorkspace(t)
			res := run(w.codegen(), tc.kind)
			if res.Status != executor.OK {
				t.Fatalf("status %s: %s", res.Status, res.Message)
			}
			want := append([]string(nil), tc.want...)
			sortStrings(want)
			if !reflect.DeepEqual(res.Written, want) {
				t.Errorf("Written = %v, want %v", res.Written, want)
			}
			for _, p := range want {
				if got := w.read(p); !strings.HasPrefix(got, typegen.Header) {
					t.Errorf("%s lacks the header", p)
				}
			}
		})
	}
}

func sortStrings(s []string) {
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
}

func TestUnchangedContentIsNotRewritten(t *testing.T) {
	w := newWorkspace(t)
	c := w.codegen()
	if res := c.WriteAll(context.Background(), nil); res.Status != executor.OK || len(res.Written) != 4 {
		t.Fatalf("first run: %s %v %s", res.Status, res.Written, res.Message)
	}
	before, err := os.Stat(filepath.Join(w.root, models))
	if err != nil {
		t.Fatal(err)
	}
	// A fresh Codegen (server restart) sees the same content: no writes.
	for _, c := range []*codegen.Codegen{c, w.codegen()} {
		res := c.WriteAll(context.Background(), nil)
		if res.Status != executor.OK || len(res.Written) != 0 {
			t.Fatalf("second run wrote %v (%s)", res.Written, res.Message)
		}
	}
	after, _ := os.Stat(filepath.Join(w.root, models))
	if !os.SameFile(before, after) {
		t.Error("models file was replaced although unchanged")
	}
}

func TestOnlyAffectedOutputsChange(t *testing.T) {
	w := newWorkspace(t)
	c := w.codegen()
	c.WriteAll(context.Background(), nil)
	// A model field change touches the models file only (no route types
	// mention Address's fields).
	w.edit("apps/api/src/models/user.py", `    country: str = "NL"`, `    country: str = "NL"
    region: Optional[str] = None`)
	res := run(c, plan.TypeGeneration)
	if !reflect.DeepEqual(res.Written, []string{models}) {
		t.Errorf("after a field change Written = %v, want only %s", res.Written, models)
	}
	if !strings.Contains(w.read(models), "region?: string;") {
		t.Error("new field missing from models")
	}
	// A new query parameter changes the API types and the client.
	w.edit("apps/api/src/routes/items.py", "    q: Optional[str] = None,", "    q: Optional[str] = None,\n    sort: str = \"name\",")
	res = run(c, plan.APIClientGeneration)
	if !reflect.DeepEqual(res.Written, []string{services, apiTypes}) {
		t.Errorf("after a param change Written = %v", res.Written)
	}
}

func TestRefusals(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, w *workspace) (outDir string)
		// path whose content must survive untouched ("" = none)
		keep, keepContent string
	}{
		{
			name: "existing file without header",
			setup: func(t *testing.T, w *workspace) string {
				w.write(models, "export interface Mine {}\n")
				return ""
			},
			keep: models, keepContent: "export interface Mine {}\n",
		},
		{
			name: "directory symlinked outside the workspace",
			setup: func(t *testing.T, w *workspace) string {
				outside := t.TempDir()
				if err := os.MkdirAll(filepath.Join(w.root, "apps/web/src"), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.Symlink(outside, filepath.Join(w.root, "apps/web/src/types")); err != nil {
					t.Fatal(err)
				}
				return ""
			},
		},
		{
			name: "file symlinked outside the workspace",
			setup: func(t *testing.T, w *workspace) string {
				outside := filepath.Join(t.TempDir(), "index.ts")
				if err := os.WriteFile(outside, []byte(typegen.Header), 0o644); err != nil {
					t.Fatal(err)
				}
				if err := os.MkdirAll(filepath.Join(w.root, "apps/web/src/types/models"), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.Symlink(outside, filepath.Join(w.root, models)); err != nil {
					t.Fatal(err)
				}
				return ""
			},
		},
		{
			name:  "out dir above the root",
			setup: func(t *testing.T, w *workspace) string { return "../escape" },
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorkspace(t)
			out := tc.setup(t, w)
			c := codegen.New(codegen.Options{Root: w.root, OutDir: out, Files: w.files})
			res := run(c, plan.TypeGeneration)
			if res.Status != executor.Failed {
				t.Fatalf("status %s (%s), want failed", res.Status, res.Message)
			}
			var refused bool
			for _, ds := range res.Diagnostics {
				for _, d := range ds {
					if d.Code == facts.CodeReloadFailed && strings.Contains(d.Message, "did not write") {
						refused = true
					}
				}
			}
			if !refused {
				t.Errorf("no refusal diagnostic in %v", res.Diagnostics)
			}
			for _, p := range res.Written {
				if strings.Contains(p, "models") {
					t.Errorf("wrote %s despite the refusal", p)
				}
			}
			if tc.keep != "" && w.read(tc.keep) != tc.keepContent {
				t.Errorf("%s was modified", tc.keep)
			}
			if _, err := os.Stat(filepath.Join(w.root, "..", "escape")); err == nil {
				t.Error("wrote above the root")
			}
		})
	}
}

func TestHandEditIsReportedAndRegenerated(t *testing.T) {
	w := newWorkspace(t)
	c := w.codegen()
	c.WriteAll(context.Background(), nil)
	orig := w.read(hooks)
	edited := strings.Replace(orig, "export const queryKeys", "// my tweak\nexport const queryKeys", 1)
	w.write(hooks, edited)

	if d := c.CheckFile(hooks, []byte(edited)); d == nil || d.Code != facts.CodeStaleGenerated {
		t.Fatalf("CheckFile = %+v, want stale-generated", d)
	}
	if d := c.CheckFile(hooks, []byte(orig)); d != nil {
		t.Errorf("CheckFile on fresh content = %+v", d)
	}
	if stale, err := codegen.Check(w.root, w.files(), codegen.Options{Pydantic: func() int { return 1 }}); err != nil || !reflect.DeepEqual(stale, []string{hooks}) {
		t.Errorf("Check = %v, %v; want [%s]", stale, err, hooks)
	}

	res := run(c, plan.APIClientGeneration)
	ds := res.Diagnostics[hooks]
	if len(ds) != 1 || ds[0].Code != facts.CodeStaleGenerated {
		t.Errorf("diagnostics for %s = %+v, want one stale-generated", hooks, ds)
	}
	if w.read(hooks) != orig {
		t.Error("hand edit was not replaced")
	}
	if stale, _ := codegen.Check(w.root, w.files(), codegen.Options{Pydantic: func() int { return 1 }}); len(stale) != 0 {
		t.Errorf("still stale: %v", stale)
	}
}

func TestCheckReportsMissingFiles(t *testing.T) {
	w := newWorkspace(t)
	stale, err := codegen.Check(w.root, w.files(), codegen.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{hooks, services, apiTypes, models}; !reflect.DeepEqual(stale, want) {
		t.Errorf("Check = %v, want %v", stale, want)
	}
}

func TestTypeDiagnosticsAreSetThenCleared(t *testing.T) {
	w := newWorkspace(t)
	c := w.codegen()
	const user = "apps/api/src/models/user.py"
	w.edit(user, "    login_count: int = 0", "    login_count: Mystery = 0")
	res := run(c, plan.TypeGeneration)
	ds := res.Diagnostics[user]
	if len(ds) != 1 || ds[0].Code != facts.CodeUnsupported || ds[0].Range.Start.Line == 0 {
		t.Fatalf("diagnostics = %+v, want one unsupported-type at the annotation", res.Diagnostics)
	}
	if !strings.Contains(w.read(models), "login_count: unknown;") {
		t.Error("unsupported field is not typed unknown")
	}
	w.edit(user, "    login_count: Mystery = 0", "    login_count: int = 0")
	res = run(c, plan.TypeGeneration)
	if ds, ok := res.Diagnostics[user]; !ok || len(ds) != 0 {
		t.Errorf("diagnostics for %s not cleared: %v (present %v)", user, ds, ok)
	}
}

func TestNoTempFilesAndCancelledContext(t *testing.T) {
	w := newWorkspace(t)
	c := w.codegen()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if res := c.WriteAll(ctx, nil); res.Status != executor.Failed || !res.Transient || len(res.Written) != 0 {
		t.Errorf("cancelled run: %s transient=%v written=%v", res.Status, res.Transient, res.Written)
	}
	c.WriteAll(context.Background(), nil)
	err := filepath.WalkDir(w.root, func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.Contains(d.Name(), ".farm-") {
			t.Errorf("temp file left behind: %s", p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestOtherTaskKindsAreSkipped(t *testing.T) {
	w := newWorkspace(t)
	if res := run(w.codegen(), plan.BackendReload); res.Status != executor.Skipped {
		t.Errorf("status %s", res.Status)
	}
}

// stateOf is a planned state of the workspace's current facts.
func (w *workspace) stateOf(version uint64) *plan.State {
	fs := map[string]*facts.File{}
	for _, f := range w.files() {
		fs[f.Path] = f
	}
	return &plan.State{Version: version, Snapshot: ws.Snapshot{Files: fs}}
}

// TestDocumentPerState: the document of a state version is built once and
// shared (the task of that state writes what it says); a newer state gets
// its own, and the earlier one does not change.
func TestDocumentPerState(t *testing.T) {
	w := newWorkspace(t)
	c := w.codegen()
	s1 := w.stateOf(1)
	d1, _ := c.Document(s1)
	if res := c.Run(context.Background(), plan.Task{ID: "t1", Kind: plan.TypeGeneration, State: s1}, executor.NopReporter{}); res.Status != executor.OK {
		t.Fatalf("%s: %s", res.Status, res.Message)
	}
	if again, _ := c.Document(s1); again != d1 {
		t.Error("the document of state 1 was built again")
	}
	if got, want := w.read(models), typegen.Generate(d1).Models; got != want {
		t.Errorf("the task of state 1 did not write its document's models:\n%s", textdiff.First(want, got))
	}
	before, _ := d1.FullJSON()
	w.edit("apps/api/src/models/user.py", "    is_active: bool = True", "    is_active: bool = True\n    nickname: str = \"\"")
	d2, _ := c.Document(w.stateOf(2))
	if d2 == d1 || d2.Schema("User") == nil || d2.Schema("User").Schema.Prop("nickname") == nil {
		t.Fatal("state 2's document lacks the new field")
	}
	if after, _ := d1.FullJSON(); string(after) != string(before) {
		t.Errorf("building state 2 changed state 1's document:\n%s", textdiff.First(string(before), string(after)))
	}
}

// TestOneShotWritesTheSame: a OneShot Codegen (farm-lsp generate) renders
// without the caching generator; it writes what a server's Codegen writes,
// and a second one finds the files up to date.
func TestOneShotWritesTheSame(t *testing.T) {
	w := newWorkspace(t)
	want := map[string]string{}
	if res := w.codegen().WriteAll(context.Background(), nil); res.Status != executor.OK {
		t.Fatal(res.Message)
	}
	for _, rel := range []string{models, apiTypes, services, hooks} {
		want[rel] = w.read(rel)
		if err := os.Remove(filepath.Join(w.root, filepath.FromSlash(rel))); err != nil {
			t.Fatal(err)
		}
	}
	oneShot := func() *codegen.Codegen {
		return codegen.New(codegen.Options{Root: w.root, Files: w.files, Pydantic: func() int { return 1 }, OneShot: true})
	}
	res := oneShot().WriteAll(context.Background(), nil)
	if res.Status != executor.OK || len(res.Written) != 4 {
		t.Fatalf("one-shot run: %s %v %s", res.Status, res.Written, res.Message)
	}
	for rel, content := range want {
		if got := w.read(rel); got != content {
			t.Errorf("%s differs from what a server's Codegen writes", rel)
		}
		if string(res.Contents[rel]) != content {
			t.Errorf("%s: Contents differs from what was written", rel)
		}
	}
	if res := oneShot().WriteAll(context.Background(), nil); res.Status != executor.OK || len(res.Written) != 0 {
		t.Errorf("second one-shot run: %s %v %s", res.Status, res.Written, res.Message)
	}
}
