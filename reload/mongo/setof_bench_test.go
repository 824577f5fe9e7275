package mongo

import (
	"bytes"
	"context"
	"testing"

	synth "github.com/farm-stack/farm-lsp/analysis/openapi/fixture"
	analysis "github.com/farm-stack/farm-lsp/analysis/workspace"
	"github.com/farm-stack/farm-lsp/reload/schema"
)

// BenchmarkDiffSnapshot: what a database-schema-update run spends on the
// diff of a 1,000-model backend in 250 modules whose first model per
// module is a Document embedding the others (the import index is built
// for the new snapshot, embedded models and bases resolved through it,
// the previous snapshot's signatures remembered), with no model changed.
func BenchmarkDiffSnapshot(b *testing.B) {
	ws := analysis.New(analysis.Options{})
	docs := 0
	for p, src := range synth.SyntheticSpread(1000, 750, 4, 3) {
		// The first model of each models module is a Document, whose
		// fields hold the others.
		if i := bytes.Index(src, []byte("(BaseModel):")); i >= 0 && bytes.Contains(src, []byte("class Model")) {
			src = append([]byte("from beanie import Document\n"), bytes.Replace(src, []byte("(BaseModel):"), []byte("(Document):"), 1)...)
			docs++
		}
		if _, err := ws.Update(context.Background(), p, src); err != nil {
			b.Fatal(err)
		}
	}
	snap := ws.Snapshot()
	b.ReportMetric(float64(docs), "documents")
	prev := SetOf(snap)
	schema.DiffSets(prev, SetOf(snap))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if ops := schema.DiffSets(prev, SetOf(snap)); len(ops) != 0 {
			b.Fatalf("ops = %v", ops)
		}
	}
}
