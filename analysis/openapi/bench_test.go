package openapi_test

import (
	"context"
	"testing"

	"github.com/farm-stack/farm-lsp/analysis/openapi"
	"github.com/farm-stack/farm-lsp/analysis/openapi/fixture"
	"github.com/farm-stack/farm-lsp/internal/cpumeter"
)

// BenchmarkBuildSpread is the build of a one-shot `farm-lsp generate` on
// issue 10's backend (1,000 models in 250 modules, 750 routes): a fresh
// Builder, from facts already extracted, in both Pydantic modes (the
// generate benchmark pins 1).
func BenchmarkBuildSpread(b *testing.B) {
	files, err := fixture.FromSources(context.Background(), fixture.SyntheticSpread(1000, 750, 4, 50))
	if err != nil {
		b.Fatal(err)
	}
	for _, v := range []struct {
		name     string
		pydantic int
	}{{"v1", 1}, {"v2", 2}} {
		b.Run(v.name, func(b *testing.B) {
			b.ReportAllocs()
			cpu := cpumeter.Start(b)
			for i := 0; i < b.N; i++ {
				openapi.NewBuilder().Build(files, openapi.Options{Pydantic: v.pydantic})
			}
			cpu.Report(b)
		})
	}
}
