package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"go.lsp.dev/protocol"

	"github.com/farm-stack/farm-lsp/examples"
	"github.com/farm-stack/farm-lsp/lsp"
	"github.com/farm-stack/farm-lsp/lsp/lsptest"
	"github.com/farm-stack/farm-lsp/reload/coordinator"
	"github.com/farm-stack/farm-lsp/reload/executor"
	"github.com/farm-stack/farm-lsp/reload/plan"
)

// ollamaServer speaks Ollama's REST protocol (RUNTIME.md): /api/tags lists
// llama3.1 as installed; /api/pull is answered by pull.
func ollamaServer(t *testing.T, pull http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/tags":
			json.NewEncoder(w).Encode(map[string]any{"models": []map[string]string{{"name": "llama3.1:latest"}}})
		case "/api/pull":
			pull(w, r)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// addModel points farm.config.ts at the local Ollama (first save) and adds
// a model (second save), returning the second plan.
func addModel(t *testing.T, c *lsptest.Client, root, url string) lsp.PlanMsg {
	t.Helper()
	cfg := strings.Replace(read(t, root, "farm.config.ts"), "url: 'http://127.0.0.1:11434'", "url: '"+url+"'", 1)
	planFor(c, save(t, c, root, "farm.config.ts", cfg))
	abs := save(t, c, root, "farm.config.ts", strings.Replace(cfg, "models: ['llama3.1'],", "models: ['llama3.1', 'qwen2.5'],", 1))
	return c.AwaitPlan(func(p lsp.PlanMsg) bool {
		return p.Trigger.URI == lsptest.URI(abs) && len(p.Tasks) > 0 && p.Tasks[0].Kind == "ai-model-reload"
	})
}

// addField saves the example's Document with one more field.
func addField(t *testing.T, c *lsptest.Client, root, field string) lsp.PlanMsg {
	t.Helper()
	rel := "apps/api/src/models/user.py"
	text := strings.Replace(read(t, root, rel), "    username: Indexed(str, unique=True)\n", "    username: Indexed(str, unique=True)\n    "+field+": str = \"\"\n", 1)
	abs := save(t, c, root, rel, text)
	return c.AwaitPlan(func(p lsp.PlanMsg) bool { return p.Trigger.URI == lsptest.URI(abs) })
}

func taskResultOf(c *lsptest.Client, planID, kind string) lsp.TaskDoneMsg {
	return c.AwaitTaskResult(func(m lsp.TaskDoneMsg) bool { return m.PlanID == planID && m.Task.Kind == kind })
}

// TestPullStreamingDoesNotDelayTypeGeneration: while an Ollama pull streams
// (it only ends when the test says so), a model save's type generation
// ends and is reported at once, and farm/status names the pull.
func TestPullStreamingDoesNotDelayTypeGeneration(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{}, 1)
	srv := ollamaServer(t, func(w http.ResponseWriter, r *http.Request) {
		enc := json.NewEncoder(w)
		enc.Encode(map[string]any{"status": "pulling manifest"})
		w.(http.Flusher).Flush()
		started <- struct{}{}
		select {
		case <-release:
		case <-r.Context().Done():
			return
		}
		enc.Encode(map[string]any{"status": "success"})
	})
	c, root := session(t, trusted(nil))
	defer close(release)
	pullPlan := addModel(t, c, root, srv.URL)
	<-started

	p := addField(t, c, root, "nickname")
	tr := taskResultOf(c, p.PlanID, "type-generation")
	if tr.Task.Status != "ok" {
		t.Fatalf("type-generation %s: %s", tr.Task.Status, tr.Task.Message)
	}
	if !strings.Contains(read(t, root, "apps/web/src/types/models/index.ts"), "nickname") {
		t.Error("types on disk lack the new field")
	}
	for _, m := range c.Notifications() {
		if m.Method == lsp.MethodReloadResult && strings.Contains(string(m.Params), `"planId":"`+pullPlan.PlanID+`"`) {
			t.Fatalf("the pull's plan %s ended before the test released it", pullPlan.PlanID)
		}
	}
	var st struct {
		Processing bool `json:"processing"`
		Lanes      map[string]struct {
			Busy    bool   `json:"busy"`
			Current string `json:"current"`
		} `json:"lanes"`
	}
	if err := c.Request(lsp.MethodStatus, map[string]any{}, &st); err != nil {
		t.Fatal(err)
	}
	if ai := st.Lanes["ai"]; !st.Processing || !ai.Busy || !strings.Contains(ai.Current, "ai-model-reload") {
		t.Errorf("status while pulling: processing %v, ai lane %+v", st.Processing, ai)
	}
	release <- struct{}{}
	if tr := taskResultOf(c, pullPlan.PlanID, "ai-model-reload"); tr.Task.Status != "ok" {
		t.Errorf("pull %s: %s", tr.Task.Status, tr.Task.Message)
	}
}

// TestFailingPullRetriesWithoutBlockingOtherLanes: a pull answering HTTP
// 500 is retried with backoff in the ai lane while a model save's types
// are generated and reported.
func TestFailingPullRetriesWithoutBlockingOtherLanes(t *testing.T) {
	var pulls atomic.Int32
	srv := ollamaServer(t, func(w http.ResponseWriter, r *http.Request) {
		pulls.Add(1)
		w.WriteHeader(http.StatusInternalServerError)
		json.NewEncoder(w).Encode(map[string]string{"error": "registry unavailable"})
	})
	// Three retries, 200 ms apart at first (then 400, 800): the pull's
	// retries span over a second.
	c, root := session(t, trusted(map[string]any{"development": map[string]any{"hotReload": map[string]any{
		"performance": map[string]any{"maxRetries": 3, "cooldownPeriod": 200}}}}))
	pullPlan := addModel(t, c, root, srv.URL)
	p := addField(t, c, root, "motto")
	if tr := taskResultOf(c, p.PlanID, "type-generation"); tr.Task.Status != "ok" {
		t.Fatalf("type-generation %s: %s", tr.Task.Status, tr.Task.Message)
	}
	if n := pulls.Load(); n >= 4 {
		t.Errorf("the pull had already been tried %d times when the types were reported: they waited for it", n)
	}
	tr := taskResultOf(c, pullPlan.PlanID, "ai-model-reload")
	if tr.Task.Status != "failed" || tr.Task.Attempt != 4 || pulls.Load() != 4 {
		t.Errorf("pull %s after %d attempts (%d requests), want failed after 4", tr.Task.Status, tr.Task.Attempt, pulls.Load())
	}
}

// TestSaveAllIsOnePlan: a "save all" of 30 files is analysed together and
// planned once.
func TestSaveAllIsOnePlan(t *testing.T) {
	dir := t.TempDir()
	root := isolatedApp(t, dir)
	root, _ = filepath.EvalSymlinks(root)
	var rels []string
	for i := 0; i < 30; i++ {
		rel := fmt.Sprintf("apps/web/src/components/many/C%d.tsx", i)
		rels = append(rels, rel)
		abs := filepath.Join(root, rel)
		os.MkdirAll(filepath.Dir(abs), 0o755)
		os.WriteFile(abs, []byte(fmt.Sprintf("export function C%d() {\n  return <div>%d</div>;\n}\n", i, i)), 0o644)
	}
	c := lsptest.New(t, serverOptions(slog.New(slog.DiscardHandler)))
	if _, err := c.InitializeWith(&protocol.InitializeParams{RootURI: protocol.DocumentURI(lsptest.URI(root)),
		InitializationOptions: trusted(nil)}); err != nil {
		t.Fatal(err)
	}
	c.Notify("initialized", map[string]any{})
	c.AwaitLog("indexed")
	// An editor's "save all": every file written, then one didSave each,
	// back to back.
	var frames []byte
	for i, rel := range rels {
		text := fmt.Sprintf("export function C%d() {\n  return <div>saved %d</div>;\n}\n", i, i)
		os.WriteFile(filepath.Join(root, rel), []byte(text), 0o644)
		frames = append(frames, frame("textDocument/didSave", map[string]any{
			"textDocument": map[string]string{"uri": lsptest.URI(filepath.Join(root, rel))}, "text": text})...)
	}
	if err := c.WriteRaw(frames); err != nil {
		t.Fatal(err)
	}
	p := c.AwaitPlan(nil)
	r := c.AwaitResult(p.PlanID)
	files := map[string]bool{}
	for _, ch := range p.Changes {
		files[ch.URI] = true
	}
	if len(files) != 30 {
		t.Errorf("first plan covers %d files, want all 30 (changes %d, tasks %d, result %d tasks)", len(files), len(p.Changes), len(p.Tasks), len(r.Tasks))
	}
	for _, m := range c.Notifications() {
		if m.Method == lsp.MethodReloadPlan && !strings.Contains(string(m.Params), `"planId":"`+p.PlanID+`"`) {
			t.Errorf("a second plan: %s", m.Params)
		}
	}
}

func frame(method string, params any) []byte {
	body, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "method": method, "params": params})
	return append([]byte(fmt.Sprintf("Content-Length: %d\r\n\r\n", len(body))), body...)
}

// TestNewerSaveSupersedesRunningCodegen: a save that arrives while the
// previous plan's type generation runs cancels it; the first is reported
// superseded, the second runs. The real engine runs with its
// type-generation executor held open until cancelled, so the overlap does
// not depend on how fast generation is on this machine.
func TestNewerSaveSupersedesRunningCodegen(t *testing.T) {
	root := isolatedApp(t, t.TempDir())
	root, _ = filepath.EvalSymlinks(root)
	var runs atomic.Int32
	running := make(chan struct{}, 1)
	held := executor.Func(func(ctx context.Context, task plan.Task, _ executor.Reporter) executor.Result {
		if runs.Add(1) == 1 {
			running <- struct{}{}
			<-ctx.Done() // the first generation runs until something cancels it
			return executor.Result{Status: executor.Failed, Message: ctx.Err().Error()}
		}
		return executor.Result{Status: executor.OK, Message: "generated"}
	})
	opts := serverOptions(slog.New(slog.DiscardHandler))
	opts.NewEngine = func(root string) (coordinator.Engine, error) {
		return coordinator.New(coordinator.Options{Root: root, NoWatch: true,
			Executors: map[plan.TaskKind]executor.Executor{plan.TypeGeneration: held}})
	}
	c := lsptest.New(t, opts)
	if _, err := c.InitializeWith(&protocol.InitializeParams{RootURI: protocol.DocumentURI(lsptest.URI(root)),
		InitializationOptions: trusted(nil)}); err != nil {
		t.Fatal(err)
	}
	c.Notify("initialized", map[string]any{})
	c.AwaitLog("indexed")
	p1 := addField(t, c, root, "first")
	<-running
	p2 := addField(t, c, root, "second")
	r1 := taskResultOf(c, p1.PlanID, "type-generation")
	if r1.Task.Status != "superseded" || r1.Task.Message != "superseded by "+p2.PlanID {
		t.Errorf("first generation %s (%s), want superseded by %s", r1.Task.Status, r1.Task.Message, p2.PlanID)
	}
	if h := taskResultOf(c, p1.PlanID, "frontend-hmr"); h.Task.Status != "superseded" {
		t.Errorf("the first plan's page reload %s (%s), want superseded with its generation", h.Task.Status, h.Task.Message)
	}
	if r2 := taskResultOf(c, p2.PlanID, "type-generation"); r2.Task.Status != "ok" {
		t.Fatalf("second generation %s: %s", r2.Task.Status, r2.Task.Message)
	}
}

// TestRegenerateRightAfterInitialized: farm.regenerate is advertised from
// initialize on and works when sent before the index is built.
func TestRegenerateRightAfterInitialized(t *testing.T) {
	root := isolatedApp(t, t.TempDir())
	os.Remove(filepath.Join(root, "apps/web/src/services/api.ts"))
	c := lsptest.New(t, serverOptions(slog.New(slog.DiscardHandler)))
	res, err := c.InitializeWith(&protocol.InitializeParams{RootURI: protocol.DocumentURI(lsptest.URI(root))})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, cmd := range res.Capabilities.ExecuteCommandProvider.Commands {
		found = found || cmd == "farm.regenerate"
	}
	if !found {
		t.Fatalf("farm.regenerate not advertised: %v", res.Capabilities.ExecuteCommandProvider.Commands)
	}
	c.Notify("initialized", map[string]any{})
	var out struct {
		Status  string   `json:"status"`
		Written []string `json:"written"`
	}
	if err := c.Request("workspace/executeCommand", map[string]any{"command": "farm.regenerate"}, &out); err != nil {
		t.Fatalf("farm.regenerate right after initialized: %v", err)
	}
	if out.Status != "ok" || !strings.Contains(strings.Join(out.Written, " "), "services/api.ts") {
		t.Errorf("regenerate %+v, want ok with services/api.ts written", out)
	}
}

// trusted marks initializationOptions as coming from a client that trusts
// the workspace (tests run on their own copies).
func trusted(opts map[string]any) map[string]any {
	if opts == nil {
		opts = map[string]any{}
	}
	opts["trusted"] = true
	return opts
}

// isolatedApp copies the example into dir with its backend and frontend
// ports moved to ports nothing listens on.
func isolatedApp(t testing.TB, dir string) string {
	t.Helper()
	root, err := examples.CopyFarmApp(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := examples.IsolatePorts(root); err != nil {
		t.Fatal(err)
	}
	return root
}

// TestEarlySaveWritesItsMigration: a field removed and saved right after
// initialized (before the index is built) still writes its migration.
func TestEarlySaveWritesItsMigration(t *testing.T) {
	for i := 0; i < 3; i++ {
		root := isolatedApp(t, t.TempDir())
		root, _ = filepath.EvalSymlinks(root)
		c := lsptest.New(t, serverOptions(slog.New(slog.DiscardHandler)))
		if _, err := c.InitializeWith(&protocol.InitializeParams{RootURI: protocol.DocumentURI(lsptest.URI(root)),
			InitializationOptions: trusted(nil)}); err != nil {
			t.Fatal(err)
		}
		c.Notify("initialized", map[string]any{})
		rel := "apps/api/src/models/user.py"
		orig := read(t, root, rel)
		abs := filepath.Join(root, rel)
		c.Open(abs, orig)
		save(t, c, root, rel, strings.Replace(orig, "    login_count: int = 0\n", "", 1))
		p, r := planFor(c, abs)
		if taskStatus(r, "database-schema-update") == "" {
			t.Fatalf("run %d: plan %v has no database task", i, p.Tasks)
		}
		entries, _ := os.ReadDir(filepath.Join(root, "apps/api/migrations"))
		found := false
		for _, e := range entries {
			b, _ := os.ReadFile(filepath.Join(root, "apps/api/migrations", e.Name()))
			found = found || strings.Contains(string(b), "login_count")
		}
		if !found {
			t.Errorf("run %d: no migration for the removed login_count (%d files)", i, len(entries))
		}
		c.Shutdown()
	}
}
