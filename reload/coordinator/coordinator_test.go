package coordinator

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/examples"
	"github.com/farm-stack/farm-lsp/reload/executor"
	"github.com/farm-stack/farm-lsp/reload/plan"
	"github.com/farm-stack/farm-lsp/reload/trust"
)

// recorder is a Sink that keeps everything and lets tests await events.
type recorder struct {
	mu      sync.Mutex
	plans   []plan.Plan
	results []PlanResult
	tasks   []executor.TaskResult // farm/taskResult, in order
	diags   map[string][]facts.Diagnostic
	dcount  map[string]int
	msgs    []string
	prog    []Progress
	changed chan struct{}
}

func newRecorder() *recorder {
	return &recorder{diags: map[string][]facts.Diagnostic{}, dcount: map[string]int{}, changed: make(chan struct{}, 1)}
}

func (r *recorder) poke() {
	select {
	case r.changed <- struct{}{}:
	default:
	}
}

func (r *recorder) Plan(_ string, p plan.Plan) {
	r.mu.Lock()
	r.plans = append(r.plans, p)
	r.mu.Unlock()
	r.poke()
}

func (r *recorder) Result(_ string, res PlanResult) {
	r.mu.Lock()
	r.results = append(r.results, res)
	r.mu.Unlock()
	r.poke()
}

func (r *recorder) TaskResult(_, _ string, res executor.TaskResult) {
	r.mu.Lock()
	r.tasks = append(r.tasks, res)
	r.mu.Unlock()
	r.poke()
}

func (r *recorder) Diagnostics(path string, d []facts.Diagnostic) {
	r.mu.Lock()
	r.diags[path] = d
	r.dcount[path]++
	r.mu.Unlock()
	r.poke()
}

func (r *recorder) Progress(_ string, p Progress) {
	r.mu.Lock()
	r.prog = append(r.prog, p)
	r.mu.Unlock()
	r.poke()
}

func (r *recorder) Message(_ slog.Level, text string, _ bool) {
	r.mu.Lock()
	r.msgs = append(r.msgs, text)
	r.mu.Unlock()
	r.poke()
}

// await polls cond each time the sink receives something (bounded).
func (r *recorder) await(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		r.mu.Lock()
		ok := cond()
		r.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-r.changed:
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// awaitPlan waits for the plan following n already seen, and its result.
func (r *recorder) awaitPlan(t *testing.T, n int) (plan.Plan, PlanResult) {
	t.Helper()
	var p plan.Plan
	r.await(t, fmt.Sprintf("plan #%d", n+1), func() bool {
		if len(r.plans) <= n {
			return false
		}
		p = r.plans[n]
		for _, res := range r.results {
			if res.PlanID == p.ID {
				return true
			}
		}
		return false
	})
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, res := range r.results {
		if res.PlanID == p.ID {
			return p, res
		}
	}
	return p, PlanResult{}
}

func (r *recorder) planCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.plans)
}

// start copies the example app, lets prep adjust it, and starts an
// engine on it.
func start(t *testing.T, opts Options, prep ...func(root string)) (*Coordinator, *recorder, string) {
	t.Helper()
	root, err := examples.CopyFarmApp(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := examples.IsolatePorts(root); err != nil {
		t.Fatal(err)
	}
	for _, p := range prep {
		p(root)
	}
	root, _ = filepath.EvalSymlinks(root)
	opts.Root = root
	if opts.TrustStore == nil { // never the real user's allows
		opts.TrustStore = trust.OpenStore(t.TempDir())
	}
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	rec := newRecorder()
	if err := c.Start(context.Background(), rec); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, rec, root
}

func edit(t *testing.T, root, rel, old, new string) (string, []byte) {
	t.Helper()
	abs := filepath.Join(root, rel)
	b, err := os.ReadFile(abs)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), old) {
		t.Fatalf("%s does not contain %q", rel, old)
	}
	nb := []byte(strings.Replace(string(b), old, new, 1))
	if err := os.WriteFile(abs, nb, 0o644); err != nil {
		t.Fatal(err)
	}
	return abs, nb
}

func changeKinds(p plan.Plan) []facts.ChangeKind {
	var out []facts.ChangeKind
	for _, c := range p.Changes {
		out = append(out, c.Kind)
	}
	return out
}

func taskKinds(p plan.Plan) []plan.TaskKind {
	var out []plan.TaskKind
	for _, t := range p.Tasks {
		out = append(out, t.Kind)
	}
	return out
}

const userPy = "apps/api/src/models/user.py"

func TestSavePlansRunsAndReports(t *testing.T) {
	var ran sync.Map
	fake := executor.Func(func(_ context.Context, task plan.Task, r executor.Reporter) executor.Result {
		r.Report("working", 50)
		ran.Store(task.Kind, true)
		return executor.Result{Status: executor.OK, Message: "done"}
	})
	c, rec, root := start(t, Options{NoWatch: true, Executors: map[plan.TaskKind]executor.Executor{
		plan.TypeGeneration: fake, plan.DatabaseSchemaUpdate: fake,
	}})

	abs, text := edit(t, root, userPy, "    login_count: int = 0\n", "    login_count: int = 0\n    phone: Optional[str] = None\n")
	c.Save(abs, text)
	p, res := rec.awaitPlan(t, 0)
	if got := changeKinds(p); len(got) != 1 || got[0] != facts.FieldAdded {
		t.Fatalf("changes = %v", got)
	}
	if p.Changes[0].ModelKind != facts.ModelDocument || p.Changes[0].Subject != "User.phone" {
		t.Errorf("change = %+v", p.Changes[0])
	}
	if p.Trigger.Path != userPy {
		t.Errorf("trigger = %+v", p.Trigger)
	}
	want := map[plan.TaskKind]executor.Status{
		plan.DatabaseSchemaUpdate: executor.OK, plan.TypeGeneration: executor.OK,
		plan.BackendReload: executor.Skipped, plan.FrontendHMR: executor.Skipped,
	}
	for _, tr := range res.Tasks {
		if w, ok := want[tr.Kind]; !ok || w != tr.Status {
			t.Errorf("task %s status %s, want %s", tr.Kind, tr.Status, w)
		}
	}
	if _, ok := ran.Load(plan.TypeGeneration); !ok {
		t.Error("type-generation executor did not run")
	}
	// Progress: begin, reports, end, all with the plan's token.
	rec.await(t, "progress end", func() bool {
		return len(rec.prog) > 0 && rec.prog[len(rec.prog)-1].Kind == ProgressEnd
	})
	rec.mu.Lock()
	if rec.prog[0].Kind != ProgressBegin || rec.prog[0].Token != p.ID {
		t.Errorf("first progress = %+v", rec.prog[0])
	}
	rec.mu.Unlock()
	if st := c.Status(); st.LastPlan == nil || st.LastPlan.ID != p.ID || !st.Enabled {
		t.Errorf("status = %+v", st)
	}
}

func TestCosmeticSaveGivesEmptyPlan(t *testing.T) {
	c, rec, root := start(t, Options{NoWatch: true})
	abs, text := edit(t, root, userPy, "    login_count: int = 0\n", "    # how often they signed in\n    login_count: int  =  0\n")
	c.Save(abs, text)
	p, res := rec.awaitPlan(t, 0)
	if len(p.Changes) != 0 || len(p.Tasks) != 0 || len(res.Tasks) != 0 {
		t.Fatalf("cosmetic save planned changes %v tasks %v", changeKinds(p), taskKinds(p))
	}
	if p.Tasks == nil {
		t.Error("empty plan has nil Tasks (must encode as [])")
	}
}

func TestSyntaxErrorThenFix(t *testing.T) {
	ran := make(chan plan.TaskKind, 10)
	c, rec, root := start(t, Options{NoWatch: true, Executors: map[plan.TaskKind]executor.Executor{
		plan.BackendReload: executor.Func(func(_ context.Context, task plan.Task, _ executor.Reporter) executor.Result {
			ran <- task.Kind
			return executor.Result{Status: executor.OK}
		}),
	}})
	abs := filepath.Join(root, userPy)
	_, broken := edit(t, root, userPy, "    is_active: bool = True\n", "    is_active: bool = (True\n")
	c.Change(abs, broken) // typing: live diagnostics before the save
	rec.await(t, "buffer diagnostics", func() bool { return len(rec.diags[abs]) > 0 })
	c.Save(abs, broken)
	p, res := rec.awaitPlan(t, 0)
	if len(p.Tasks) != 0 || len(res.Tasks) != 0 {
		t.Fatalf("broken file planned tasks %v", taskKinds(p))
	}
	if got := changeKinds(p); len(got) != 1 || got[0] != facts.SyntaxError {
		t.Fatalf("changes = %v", got)
	}
	rec.mu.Lock()
	d := rec.diags[abs]
	rec.mu.Unlock()
	if len(d) == 0 || d[0].Code != facts.CodeSyntaxError {
		t.Fatalf("diagnostics = %+v", d)
	}
	// Line of `is_active` (0-based), where the unclosed paren opens.
	lines := strings.Split(string(broken), "\n")
	wantLine := -1
	for i, l := range lines {
		if strings.Contains(l, "is_active: bool = (True") {
			wantLine = i
		}
	}
	if d[0].Range.Start.Line != wantLine {
		t.Errorf("syntax error at line %d, want %d (%s)", d[0].Range.Start.Line, wantLine, d[0].Message)
	}
	if len(c.ws.Broken()) != 1 {
		t.Errorf("Broken() = %v", c.ws.Broken())
	}

	// Fix with a real change: diagnostics clear, the plan diffs against the
	// last good version and runs.
	_, fixed := edit(t, root, userPy, "    is_active: bool = (True\n", "    is_active: bool = False\n")
	c.Save(abs, fixed)
	p, _ = rec.awaitPlan(t, 1)
	if got := changeKinds(p); len(got) != 1 || got[0] != facts.FieldDefaultChanged {
		t.Fatalf("after fix changes = %v", got)
	}
	rec.await(t, "cleared diagnostics", func() bool { d, ok := rec.diags[abs]; return ok && len(d) == 0 })
	select {
	case <-ran:
	case <-time.After(20 * time.Second):
		t.Fatal("backend-reload did not run after the fix")
	}
}

func TestWatcherSeesOutOfEditorChangesOnce(t *testing.T) {
	c, rec, root := start(t, Options{})
	// An editor save: planned once, the watcher's echo is deduplicated.
	abs, text := edit(t, root, userPy, "    login_count: int = 0\n", "    login_count: int = 0\n    nickname: str = \"\"\n")
	c.Save(abs, text)
	p, _ := rec.awaitPlan(t, 0)
	if got := changeKinds(p); len(got) != 1 || got[0] != facts.FieldAdded {
		t.Fatalf("save changes = %v", got)
	}
	// An out-of-editor write (e.g. git checkout) of another file.
	edit(t, root, "apps/api/src/routes/users.py", "    role: Optional[Role] = None,\n):", "    role: Optional[Role] = None,\n    q: str = \"\",\n):")
	p, _ = rec.awaitPlan(t, 1)
	if p.Trigger.Path != "apps/api/src/routes/users.py" {
		t.Fatalf("second plan triggered by %s (the editor save was planned twice?)", p.Trigger.Path)
	}
	if got := changeKinds(p); len(got) != 1 || got[0] != facts.ParamsChanged {
		t.Fatalf("watcher changes = %v", got)
	}
	// A deleted file: its models are removed.
	if err := os.Remove(filepath.Join(root, "apps/api/src/models/item.py")); err != nil {
		t.Fatal(err)
	}
	p, _ = rec.awaitPlan(t, 2)
	found := false
	for _, ch := range p.Changes {
		found = found || ch.Kind == facts.ModelRemoved
	}
	if !found {
		t.Errorf("deleting item.py: changes %v, want model-removed", changeKinds(p))
	}
}

func TestBadInputs(t *testing.T) {
	c, rec, root := start(t, Options{NoWatch: true})

	// A symlink loop inside the workspace does not stall anything (it was
	// there at index time in the next engine, and is skipped here).
	if err := os.Symlink(root, filepath.Join(root, "apps", "loop")); err != nil {
		t.Fatal(err)
	}
	c2, err := New(Options{Root: root, NoWatch: true, TrustStore: trust.OpenStore(t.TempDir())})
	if err != nil {
		t.Fatal(err)
	}
	rec2 := newRecorder()
	if err := c2.Start(context.Background(), rec2); err != nil {
		t.Fatalf("index with a symlink loop: %v", err)
	}
	c2.Close()

	// A 50 MB file: skipped with a diagnostic, never parsed.
	big := filepath.Join(root, "apps/api/src/models/huge.py")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(50 << 20); err != nil {
		t.Fatal(err)
	}
	f.Close()
	c.FileEvent(big, false)
	rec.await(t, "file-skipped diagnostic", func() bool {
		d := rec.diags[big]
		return len(d) == 1 && d[0].Code == facts.CodeFileSkipped
	})

	// A file deleted between the event and the read: treated as removed.
	gone := filepath.Join(root, "apps/api/src/models/conversation.py")
	if err := os.Remove(gone); err != nil {
		t.Fatal(err)
	}
	c.FileEvent(gone, false)
	p, _ := rec.awaitPlan(t, 0)
	if len(p.Changes) == 0 || p.Changes[len(p.Changes)-1].Kind != facts.FileRemoved {
		t.Errorf("vanished file: changes %v", changeKinds(p))
	}

	// Invalid UTF-8 / binary content saved into a .py file.
	bin := filepath.Join(root, "apps/api/src/models/user.py")
	c.Save(bin, []byte("class User(Document):\n    name: str = '\xff\xfe'\n\x00\x01"))
	rec.awaitPlan(t, 1)

	// Paths outside the workspace are ignored, not crashed on.
	c.Save("/etc/hostname", []byte("x"))
	c.FileEvent(filepath.Join(os.TempDir(), "nowhere.py"), true)
	if _, err := c.Execute(context.Background(), "farm.nope", nil); err == nil {
		t.Error("unknown command accepted")
	}
	if st := c.Status(); !st.Enabled {
		t.Error("engine disabled after bad input")
	}
}

func TestUnevaluableConfigFallsBack(t *testing.T) {
	c, rec, root := start(t, Options{NoWatch: true})
	abs, text := edit(t, root, "farm.config.ts", "debounceMs: 100,", "debounceMs: computeDebounce(),")
	c.Save(abs, text)
	rec.awaitPlan(t, 0)
	rec.await(t, "config diagnostic", func() bool {
		for _, d := range rec.diags[abs] {
			if strings.Contains(d.Message, "computeDebounce") || d.Code == facts.CodeConfig {
				return true
			}
		}
		return false
	})
	if got := c.Config().Development.HotReload.Watch.DebounceMs; got != 100 {
		t.Errorf("debounce after an unevaluable value = %d, want the default 100", got)
	}
}

func TestToggleAndCommands(t *testing.T) {
	c, rec, root := start(t, Options{NoWatch: true})
	out, err := c.Execute(context.Background(), "farm.toggle", []json.RawMessage{json.RawMessage(`{"enabled": false}`)})
	if err != nil || c.Status().Enabled {
		t.Fatalf("toggle off: %v %v", out, err)
	}
	abs, text := edit(t, root, userPy, "    login_count: int = 0\n", "    login_count: int = 1\n")
	c.Save(abs, text)
	// Disabled: the save is analysed, nothing is planned, and the user is told.
	rec.await(t, "disabled notice", func() bool {
		for _, m := range rec.msgs {
			if strings.Contains(m, "disabled") && strings.Contains(m, userPy) {
				return true
			}
		}
		return false
	})
	if n := rec.planCount(); n != 0 {
		t.Fatalf("%d plan(s) while disabled", n)
	}
	if _, err := c.Execute(context.Background(), "farm.toggle", nil); err != nil || !c.Status().Enabled {
		t.Fatalf("toggle on: %v", err)
	}
	_, text = edit(t, root, userPy, "    login_count: int = 1\n", "    login_count: int = 2\n")
	c.Save(abs, text)
	p, _ := rec.awaitPlan(t, 0)
	if got := changeKinds(p); len(got) != 1 || got[0] != facts.FieldDefaultChanged {
		t.Fatalf("changes after re-enable = %v", got)
	}
	if _, err := c.Execute(context.Background(), "farm.toggle", []json.RawMessage{json.RawMessage(`"yes"`)}); err == nil {
		t.Error("bad toggle argument accepted")
	}
	st, err := c.Execute(context.Background(), "farm.status", nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(st)
	for _, key := range []string{`"enabled"`, `"processing"`, `"queueLength"`, `"lastPlan"`, `"metrics"`, `"p95Ms"`} {
		if !strings.Contains(string(b), key) {
			t.Errorf("farm.status lacks %s: %s", key, b)
		}
	}
}

func TestPlanFor(t *testing.T) {
	root, err := examples.CopyFarmApp(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(root, "apps/web/src/components/UserCard.tsx")
	before, _ := os.ReadFile(file)
	edit(t, root, "apps/web/src/components/UserCard.tsx", "  compact?: boolean;\n", "  compact?: boolean;\n  tone?: 'light' | 'dark';\n")
	p, res, err := PlanFor(context.Background(), root, file, before)
	if err != nil {
		t.Fatal(err)
	}
	if res.Kind != facts.KindFrontendComponent {
		t.Errorf("kind = %s", res.Kind)
	}
	if got := changeKinds(p); len(got) != 1 || got[0] != facts.PropsChanged {
		t.Fatalf("changes = %v", got)
	}
	if got := taskKinds(p); len(got) != 1 || got[0] != plan.FrontendHMR || p.Tasks[0].Mode != plan.HMRModules {
		t.Fatalf("tasks = %v %+v", got, p.Tasks)
	}
	if _, _, err := PlanFor(context.Background(), root, "/etc/hostname", nil); err == nil {
		t.Error("a file outside the root was accepted")
	}
}

func TestMergeChanges(t *testing.T) {
	in := []facts.Change{
		{Kind: facts.FieldDefaultChanged, Path: "m.py", Subject: "User.n", Before: "0", After: "1"},
		{Kind: facts.FieldAdded, Path: "m.py", Subject: "User.x"},
		{Kind: facts.FieldDefaultChanged, Path: "m.py", Subject: "User.n", Before: "1", After: "2"},
	}
	out := mergeChanges(in)
	if len(out) != 2 || out[0].Before != "0" || out[0].After != "2" || out[1].Subject != "User.x" {
		t.Fatalf("mergeChanges = %+v", out)
	}
}

func TestTypeGenerationAndFieldInUse(t *testing.T) {
	c, rec, root := start(t, Options{NoWatch: true})
	types := filepath.Join(root, "apps/web/src/types/models/index.ts")
	card := filepath.Join(root, "apps/web/src/components/UserCard.tsx")

	// farm.regenerate writes every output with the generated header.
	out, err := c.Execute(context.Background(), "farm.regenerate", nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(types)
	if err != nil || !strings.HasPrefix(string(b), "// Code generated by farm-lsp. DO NOT EDIT.") {
		t.Fatalf("farm.regenerate → %v; types file: %v %.80q", out, err, b)
	}

	// Removing login_count, which UserCard reads: types regenerate, and the
	// component is warned at the read with a pointer to the model.
	abs, text := edit(t, root, userPy, "    login_count: int = 0\n", "")
	c.Save(abs, text)
	_, res := rec.awaitPlan(t, 0)
	for _, tr := range res.Tasks {
		if tr.Kind == plan.TypeGeneration && tr.Status != executor.OK {
			t.Fatalf("type-generation %s: %s", tr.Status, tr.Message)
		}
	}
	if b, _ := os.ReadFile(types); strings.Contains(string(b), "login_count") {
		t.Error("regenerated types still declare login_count")
	}
	rec.await(t, "field-in-use warning", func() bool {
		for _, d := range rec.diags[card] {
			if d.Code == facts.CodeFieldInUse && len(d.Related) > 0 && strings.HasSuffix(d.Related[0].Path, "user.py") {
				return true
			}
		}
		return false
	})
	rec.mu.Lock()
	var line int
	for _, d := range rec.diags[card] {
		if d.Code == facts.CodeFieldInUse {
			line = d.Range.Start.Line
		}
	}
	rec.mu.Unlock()
	cardLines := strings.Split(read(t, card), "\n")
	if !strings.Contains(cardLines[line], "login_count") {
		t.Errorf("field-in-use at line %d (%q), not at the read", line, cardLines[line])
	}

	// The field comes back: the warning clears.
	_, text = edit(t, root, userPy, "    tags: List[str] = Field(default_factory=list)\n", "    tags: List[str] = Field(default_factory=list)\n    login_count: int = 0\n")
	c.Save(abs, text)
	rec.awaitPlan(t, 1)
	rec.await(t, "field-in-use cleared", func() bool {
		for _, d := range rec.diags[card] {
			if d.Code == facts.CodeFieldInUse {
				return false
			}
		}
		return true
	})

	// A hand edit of a generated file is flagged stale-generated.
	edited := strings.Replace(read(t, types), "export", "// edited by hand\nexport", 1)
	c.Save(types, []byte(edited))
	rec.await(t, "stale-generated", func() bool {
		for _, d := range rec.diags[types] {
			if d.Code == facts.CodeStaleGenerated {
				return true
			}
		}
		return false
	})
	acts := c.CodeActions(abs, facts.Range{})
	found := false
	for _, a := range acts {
		found = found || a.Command == "farm.regenerate"
	}
	if !found {
		t.Errorf("no Regenerate action on a model file: %+v", acts)
	}
}

func read(t *testing.T, abs string) string {
	t.Helper()
	b, err := os.ReadFile(abs)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// fakeOllama speaks Ollama's documented REST protocol: /api/tags lists
// installed models, /api/pull streams NDJSON progress then success.
func fakeOllama(t *testing.T, installed ...string) (*httptest.Server, *sync.Map) {
	pulled := &sync.Map{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/tags":
			var models []map[string]string
			for _, m := range installed {
				models = append(models, map[string]string{"name": m})
			}
			pulled.Range(func(k, _ any) bool {
				models = append(models, map[string]string{"name": k.(string) + ":latest"})
				return true
			})
			json.NewEncoder(w).Encode(map[string]any{"models": models})
		case "/api/pull":
			var req struct {
				Model string `json:"model"`
			}
			json.NewDecoder(r.Body).Decode(&req)
			if strings.HasPrefix(req.Model, "no-such") {
				w.WriteHeader(http.StatusNotFound)
				json.NewEncoder(w).Encode(map[string]string{"error": "pull model manifest: file does not exist"})
				return
			}
			w.Header().Set("Content-Type", "application/x-ndjson")
			enc := json.NewEncoder(w)
			enc.Encode(map[string]any{"status": "pulling manifest"})
			for _, done := range []int{0, 50, 100} {
				enc.Encode(map[string]any{"status": "pulling sha256:abc", "digest": "sha256:abc", "total": 100, "completed": done})
				w.(http.Flusher).Flush()
			}
			enc.Encode(map[string]any{"status": "verifying sha256 digest"})
			enc.Encode(map[string]any{"status": "writing manifest"})
			enc.Encode(map[string]any{"status": "success"})
			pulled.Store(req.Model, true)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, pulled
}

func TestAIModelAddedIsPulled(t *testing.T) {
	srv, pulled := fakeOllama(t, "llama3.1:latest")
	c, rec, root := start(t, Options{NoWatch: true, Trusted: true}, func(root string) {
		p := filepath.Join(root, "farm.config.ts")
		b, _ := os.ReadFile(p)
		os.WriteFile(p, []byte(strings.Replace(string(b), "url: 'http://127.0.0.1:11434'", "url: '"+srv.URL+"'", 1)), 0o644)
	})
	// The start's preload reads the configuration when its goroutine runs:
	// a save before that would have it pull qwen2.5 under its own token.
	rec.await(t, "the preload", func() bool {
		for _, pr := range rec.prog {
			if pr.Token == "ollama-preload" && pr.Kind == ProgressEnd {
				return true
			}
		}
		return false
	})
	abs, text := edit(t, root, "farm.config.ts", "models: ['llama3.1'],", "models: ['llama3.1', 'qwen2.5'],")
	c.Save(abs, text)
	p, res := rec.awaitPlan(t, 0)
	if got := taskKinds(p); len(got) != 1 || got[0] != plan.AIModelReload {
		t.Fatalf("tasks = %v (changes %v)", got, changeKinds(p))
	}
	if res.Tasks[0].Status != executor.OK {
		t.Fatalf("ai-model-reload %s: %s", res.Tasks[0].Status, res.Tasks[0].Message)
	}
	if _, ok := pulled.Load("qwen2.5"); !ok {
		t.Fatal("qwen2.5 was not pulled")
	}
	if _, ok := pulled.Load("llama3.1"); ok {
		t.Error("llama3.1, already installed, was pulled again")
	}
	rec.mu.Lock()
	var pct []int
	for _, pr := range rec.prog {
		if pr.Token == p.ID && pr.Kind == ProgressReport && pr.Percent >= 0 {
			pct = append(pct, pr.Percent)
		}
	}
	rec.mu.Unlock()
	if len(pct) == 0 {
		t.Error("no pull progress reported under the plan's token")
	}

	// A model Ollama cannot pull: the reload fails with a diagnostic at the
	// model string, and the Pull action is offered there (not on a model
	// that is installed).
	_, text = edit(t, root, "farm.config.ts", "'qwen2.5'],", "'qwen2.5', 'no-such-model'],")
	c.Save(abs, text)
	_, res = rec.awaitPlan(t, 1)
	if res.Tasks[0].Status != executor.Failed {
		t.Fatalf("pulling a missing model: %s %s", res.Tasks[0].Status, res.Tasks[0].Message)
	}
	lines := strings.Split(string(text), "\n")
	badLine, goodLine := -1, -1
	for i, l := range lines {
		if strings.Contains(l, "'no-such-model'") {
			badLine = i
		}
		if strings.Contains(l, "models: ['llama3.1'") {
			goodLine = i
		}
	}
	rec.await(t, "diagnostic at the model string", func() bool {
		for _, d := range rec.diags[abs] {
			if d.Code == facts.CodeReloadFailed && d.Range.Start.Line == badLine && strings.Contains(d.Message, "does not exist") {
				return true
			}
		}
		return false
	})
	lineRange := func(i int) facts.Range {
		return facts.Range{Start: facts.Pos{Line: i}, End: facts.Pos{Line: i, Char: len(lines[i])}}
	}
	titles := func(acts []Action) string {
		var out []string
		for _, a := range acts {
			out = append(out, a.Title)
		}
		return strings.Join(out, "|")
	}
	if got := titles(c.CodeActions(abs, lineRange(badLine))); !strings.Contains(got, "Pull model no-such-model") {
		t.Errorf("actions on the missing model: %q", got)
	}
	if got := titles(c.CodeActions(abs, lineRange(goodLine))); strings.Contains(got, "Pull model llama3.1") {
		t.Errorf("offered to pull an installed model: %q", got)
	}
	out, err := c.Execute(context.Background(), "farm.pullModel", []json.RawMessage{json.RawMessage(`{"provider":"ollama","model":"mistral"}`)})
	if err != nil {
		t.Fatalf("farm.pullModel: %v", err)
	}
	if _, ok := pulled.Load("mistral"); !ok {
		t.Errorf("farm.pullModel did not pull: %v", out)
	}
}

func TestFieldReorderRegeneratesTypes(t *testing.T) {
	c, rec, root := start(t, Options{NoWatch: true})
	types := filepath.Join(root, "apps/web/src/types/models/index.ts")
	abs, text := edit(t, root, userPy, "    is_active: bool = True\n    address: Optional[Address] = None\n", "    address: Optional[Address] = None\n    is_active: bool = True\n")
	c.Save(abs, text)
	p, res := rec.awaitPlan(t, 0)
	if got := changeKinds(p); len(got) != 1 || got[0] != facts.FieldOrderChanged {
		t.Fatalf("changes = %v", got)
	}
	for _, task := range p.Tasks {
		if task.Kind == plan.DatabaseSchemaUpdate {
			t.Error("a reorder planned a database update")
		}
	}
	for _, tr := range res.Tasks {
		if tr.Kind == plan.TypeGeneration && tr.Status != executor.OK {
			t.Fatalf("type-generation %s: %s", tr.Status, tr.Message)
		}
	}
	ts := read(t, types)
	user := ts[strings.Index(ts, "export interface User "):]
	if a, i := strings.Index(user, "address"), strings.Index(user, "is_active"); a < 0 || i < 0 || a > i {
		t.Errorf("generated User does not follow the new field order:\n%.600s", user)
	}
}

// TestTwoRootsDoNotShareABackendPort: two roots served by one process with
// the same backend port: the first keeps it, the second gets its own, and
// each root's status says which.
func TestTwoRootsDoNotShareABackendPort(t *testing.T) {
	var port int
	managed := func(root string) {
		if port == 0 {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			port = l.Addr().(*net.TCPAddr).Port
			l.Close()
		}
		p := filepath.Join(root, "farm.config.ts")
		b, _ := os.ReadFile(p)
		s := regexp.MustCompile(`backend: \d+ }`).ReplaceAllString(string(b), fmt.Sprintf("backend: %d }", port))
		s = strings.Replace(s, "    // backend: {\n", "    backend: { command: ['sh', '-c', 'exit 3'], startTimeoutMs: 200 },\n    // backend: {\n", 1)
		os.WriteFile(p, []byte(s), 0o644)
	}
	a, recA, _ := start(t, Options{NoWatch: true}, managed)
	b, recB, _ := start(t, Options{NoWatch: true}, managed)
	want := fmt.Sprintf("127.0.0.1:%d", port)
	if got := a.Status().Backend; got != want {
		t.Errorf("first root's backend %q, want %q", got, want)
	}
	if got := b.Status().Backend; got == want || got == "" {
		t.Errorf("second root's backend %q: it must not claim %s", got, want)
	}
	recB.await(t, "a message naming the other root", func() bool {
		for _, m := range recB.msgs {
			if strings.Contains(m, "is used by "+a.Root()) {
				return true
			}
		}
		return false
	})
	_ = recA
}

// TestNewPackageFromCheckoutIsPlanned: a directory created together with
// the files in it (a git checkout adding a package) is planned.
func TestNewPackageFromCheckoutIsPlanned(t *testing.T) {
	_, rec, root := start(t, Options{})
	dir := filepath.Join(root, "apps/api/src/models/billing")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "__init__.py"), nil, 0o644)
	os.WriteFile(filepath.Join(dir, "invoice.py"), []byte("from beanie import Document\n\n\nclass Invoice(Document):\n    total: int = 0\n"), 0o644)
	rec.await(t, "a plan adding Invoice", func() bool {
		for _, p := range rec.plans {
			for _, ch := range p.Changes {
				if ch.Kind == facts.ModelAdded && strings.Contains(ch.Subject, "Invoice") {
					return true
				}
			}
		}
		return false
	})
}

// TestDeletedOrEditedOutputIsRestored: a generated file deleted or edited
// by hand outside the editor is reported stale-generated and written anew.
func TestDeletedOrEditedOutputIsRestored(t *testing.T) {
	_, rec, root := start(t, Options{})
	out := filepath.Join(root, "apps/web/src/services/api.ts")
	want, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(out); err != nil {
		t.Fatal(err)
	}
	rec.await(t, "the deleted api.ts written again", func() bool {
		b, err := os.ReadFile(out)
		return err == nil && string(b) == string(want)
	})
	if err := os.WriteFile(out, append(append([]byte(nil), want...), "\nexport const hacked = 1;\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if t.Failed() {
			rec.mu.Lock()
			t.Logf("messages: %q", rec.msgs)
			for _, p := range rec.plans {
				t.Logf("plan %s %s %v notes %q", p.ID, p.Trigger.Path, changeKinds(p), p.Notes)
			}
			rec.mu.Unlock()
		}
	}()
	rec.await(t, "the hand-edited api.ts reported stale and written again", func() bool {
		b, err := os.ReadFile(out)
		if err != nil || string(b) != string(want) {
			return false
		}
		for _, m := range rec.msgs {
			if strings.Contains(m, "api.ts") && strings.Contains(m, "edited by hand") {
				return true
			}
		}
		return false
	})
}
