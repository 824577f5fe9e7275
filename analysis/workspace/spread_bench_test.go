package workspace_test

import (
	"context"
	"testing"

	"github.com/farm-stack/farm-lsp/analysis/openapi/fixture"
	"github.com/farm-stack/farm-lsp/analysis/workspace"
	"github.com/farm-stack/farm-lsp/internal/cpumeter"
)

// BenchmarkLoadSpreadOneShot is the index phase of `farm-lsp generate
// --no-cache` on issue 10's backend (1,000 models in 250 modules, 750
// routes: 270 Python files, 538 KB), alone: parse, check and extract every
// file, as a one-shot workspace does.
func BenchmarkLoadSpreadOneShot(b *testing.B) {
	srcs := fixture.SyntheticSpread(1000, 750, 4, 50)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpumeter.Start(b)
	for i := 0; i < b.N; i++ {
		w := workspace.New(workspace.Options{OneShot: true})
		if _, err := w.Load(ctx, srcs); err != nil {
			b.Fatal(err)
		}
	}
	cpu.Report(b)
}
