package coordinator

import (
	"testing"

	"github.com/farm-stack/farm-lsp/reload/plan"
)

// TestEveryTaskKindHasOneProvider: the engine is assembled from the
// provider list; a task kind without a provider would never run, one with
// two would run in whichever came last.
func TestEveryTaskKindHasOneProvider(t *testing.T) {
	kinds := []plan.TaskKind{plan.TypeGeneration, plan.APIClientGeneration, plan.FrontendHMR, plan.BackendReload,
		plan.DatabaseSchemaUpdate, plan.AIModelReload, plan.PluginReload}
	for _, k := range kinds {
		n := 0
		for _, p := range providers {
			for _, pk := range p.kinds {
				if pk == k {
					n++
				}
			}
		}
		if n != 1 {
			t.Errorf("%s has %d providers, want 1", k, n)
		}
		if laneOf(k) == "" {
			t.Errorf("%s has no lane", k)
		}
	}
	seen := map[string]bool{}
	for _, c := range providerCommands() {
		if seen[c] {
			t.Errorf("command %s registered by two providers", c)
		}
		seen[c] = true
	}
	if !cancellable(plan.TypeGeneration) || cancellable(plan.DatabaseSchemaUpdate) || cancellable(plan.AIModelReload) {
		t.Error("codegen must be cancellable; a database operation or a model pull never")
	}
}
