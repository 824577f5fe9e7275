package codegen

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/analysis/openapi"
	"github.com/farm-stack/farm-lsp/analysis/openapi/fixture"
	"github.com/farm-stack/farm-lsp/internal/cpumeter"
	"github.com/farm-stack/farm-lsp/reload/executor"
)

// BenchmarkWriteAllAfterBuild is what a one-shot `farm-lsp generate` does
// once the OpenAPI document of issue 10's backend (1,000 models, 750
// routes) exists: a new OneShot Codegen renders the four files and compares them
// with the ones on disk (present: up to date, nothing written) or writes
// them (fresh: the output directory removed before each run).
func BenchmarkWriteAllAfterBuild(b *testing.B) {
	files, err := fixture.FromSources(context.Background(), fixture.SyntheticSpread(1000, 750, 4, 50))
	if err != nil {
		b.Fatal(err)
	}
	doc, diags := openapi.Build(files, openapi.Options{Pydantic: 1})
	build := func() (*openapi.Document, []facts.Diagnostic) { return doc, diags }
	run := func(b *testing.B, root string) {
		if res := New(Options{Root: root, OneShot: true}).run(context.Background(), AllOutputs, nil, build); res.Status != executor.OK {
			b.Fatal(res.Message)
		}
	}
	for _, present := range []bool{true, false} {
		name := "fresh"
		if present {
			name = "present"
		}
		b.Run(name, func(b *testing.B) {
			root := b.TempDir()
			run(b, root)
			b.ReportAllocs()
			b.ResetTimer()
			cpu := cpumeter.Start(b)
			for i := 0; i < b.N; i++ {
				if !present {
					b.StopTimer()
					os.RemoveAll(filepath.Join(root, "apps"))
					b.StartTimer()
				}
				run(b, root)
			}
			cpu.Report(b)
		})
	}
}
