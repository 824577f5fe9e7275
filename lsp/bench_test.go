package lsp_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.lsp.dev/protocol"

	"github.com/farm-stack/farm-lsp/examples"
	"github.com/farm-stack/farm-lsp/lsp"
	"github.com/farm-stack/farm-lsp/lsp/lsptest"
	"github.com/farm-stack/farm-lsp/reload/coordinator"
	"github.com/farm-stack/farm-lsp/reload/plan"
)

// BenchmarkSaveToPlan measures the protocol path of a save: the client
// writes didSave, the server decodes and dispatches it, the engine (a fake
// that plans at once) reports a plan, and the client has decoded the
// farm/reloadPlan notification. It is the server's own share of save →
// plan, without analysis or debounce.
func BenchmarkSaveToPlan(b *testing.B) {
	dir := b.TempDir()
	ws := workspaceB(b, dir)
	f := newFactory(func(e *fakeEngine) {
		e.onSave = func(e *fakeEngine, path string, _ []byte) {
			e.sink.Plan(e.root, plan.Plan{ID: "p", Trigger: plan.Trigger{Path: "m.py"}, Tasks: []plan.Task{{ID: "t1", Kind: plan.TypeGeneration, Target: "User"}}})
		}
	})
	c := lsptest.New(b, lsp.Options{NewEngine: f.New})
	if _, err := c.Initialize(lsptest.URI(ws), protocol.ClientCapabilities{}); err != nil {
		b.Fatal(err)
	}
	e := f.engines[ws]
	<-e.started
	path := filepath.Join(ws, "m.py")
	text := "class User(BaseModel):\n    name: str\n"
	c.Open(path, text)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c.Save(path, text)
		c.AwaitPlan(nil)
	}
}

// BenchmarkSaveToPlanRealEngine is save → farm/reloadPlan through the
// protocol with the real coordinator on the example app (debounce set to
// 1 ms through initializationOptions; executors skip at once). Each save
// alternately adds and removes a model field, so every plan has tasks.
func BenchmarkSaveToPlanRealEngine(b *testing.B) {
	dir, err := filepath.EvalSymlinks(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	if _, err := examples.CopyFarmApp(dir); err != nil {
		b.Fatal(err)
	}
	c := lsptest.New(b, lsp.Options{NewEngine: func(root string) (coordinator.Engine, error) {
		return coordinator.New(coordinator.Options{Root: root, NoWatch: true, Executors: skipExecutors(), Getenv: func(string) string { return "" }})
	}})
	if _, err := c.InitializeWith(&protocol.InitializeParams{
		RootURI:               protocol.DocumentURI(lsptest.URI(dir)),
		InitializationOptions: map[string]any{"development": map[string]any{"hotReload": map[string]any{"watch": map[string]any{"debounceMs": 1}}}},
	}); err != nil {
		b.Fatal(err)
	}
	c.AwaitLog("indexed")
	path := filepath.Join(dir, "apps/api/src/models/user.py")
	orig, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	texts := []string{
		strings.Replace(string(orig), "    login_count: int = 0\n", "    login_count: int = 0\n    nickname: Optional[str] = None\n", 1),
		string(orig),
	}
	uri := lsptest.URI(path)
	c.Open(path, texts[1])
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		text := texts[i%2]
		c.Change(path, text)
		c.Save(path, text)
		p := c.AwaitPlan(func(p lsptest.PlanMsg) bool { return p.Trigger.URI == uri })
		b.StopTimer()
		if len(p.Tasks) == 0 {
			b.Fatalf("save %d: empty plan", i)
		}
		c.AwaitResult(p.PlanID) // let the plan finish before the next save
		b.StartTimer()
	}
}
