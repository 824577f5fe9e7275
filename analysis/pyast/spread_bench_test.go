package pyast_test

import (
	"context"
	"sort"
	"testing"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/analysis/openapi/fixture"
	"github.com/farm-stack/farm-lsp/analysis/parse"
	"github.com/farm-stack/farm-lsp/analysis/pyast"
	"github.com/farm-stack/farm-lsp/internal/cpumeter"
)

func spreadSources() ([]string, [][]byte) {
	srcs := fixture.SyntheticSpread(1000, 750, 4, 50)
	var names []string
	for p := range srcs {
		names = append(names, p)
	}
	sort.Strings(names)
	var out [][]byte
	for _, n := range names {
		out = append(out, srcs[n])
	}
	return names, out
}

func BenchmarkSpreadParse(b *testing.B) {
	_, files := spreadSources()
	ctx := context.Background()
	b.ResetTimer()
	cpu := cpumeter.Start(b)
	for i := 0; i < b.N; i++ {
		for _, src := range files {
			d, err := parse.Parse(ctx, parse.Python, src, nil)
			if err != nil {
				b.Fatal(err)
			}
			d.Tree.Close()
		}
	}
	cpu.Report(b)
}

func BenchmarkSpreadExtract(b *testing.B) {
	names, files := spreadSources()
	ctx := context.Background()
	var docs []*parse.Doc
	for _, src := range files {
		d, _ := parse.Parse(ctx, parse.Python, src, nil)
		docs = append(docs, d)
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpumeter.Start(b)
	for i := 0; i < b.N; i++ {
		for j, d := range docs {
			pyast.ExtractWith(d, names[j], facts.KindBackendModel, pyast.Options{NoSemanticHash: true})
		}
	}
	cpu.Report(b)
}
