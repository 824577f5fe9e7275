package lsp_test

import (
	"path/filepath"
	"testing"

	"go.lsp.dev/protocol"

	"github.com/farm-stack/farm-lsp/lsp"
	"github.com/farm-stack/farm-lsp/lsp/lsptest"
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
