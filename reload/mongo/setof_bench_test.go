package mongo

import (
	"bytes"
	"context"
	"fmt"
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
	ws, _, _, docs := documentsWorkspace(b)
	snap := ws.Snapshot()
	prev := SetOf(snap)
	schema.DiffSets(prev, SetOf(snap))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if ops := schema.DiffSets(prev, SetOf(snap)); len(ops) != 0 {
			b.Fatalf("ops = %v", ops)
		}
	}
	b.ReportMetric(float64(docs), "documents") // after the loop: ResetTimer drops metrics
}

// BenchmarkDiffSave: a database-schema-update run's diff after a save
// that adds a field to (renames the added field of) one Document of the workspace of
// BenchmarkDiffSnapshot. full is schema.DiffSets over both snapshots
// (each run building its import index), incremental the executor's
// differ (only the Documents the saved file reaches).
func BenchmarkDiffSave(b *testing.B) {
	for _, mode := range []string{"full", "incremental"} {
		b.Run(mode, func(b *testing.B) {
			ws, docFile, docSrc, _ := documentsWorkspace(b)
			i := bytes.Index(docSrc, []byte("(Document):\n"))
			if i < 0 {
				b.Fatalf("no Document class in %s", docFile)
			}
			i += len("(Document):\n")
			prev := ws.Snapshot()
			d := newDiffer(prev)
			b.ResetTimer()
			for n := 0; n < b.N; n++ {
				b.StopTimer()
				src := append(append(append([]byte(nil), docSrc[:i]...), fmt.Sprintf("    extra%d: int = 0\n", n)...), docSrc[i:]...)
				if _, err := ws.Update(context.Background(), docFile, src); err != nil {
					b.Fatal(err)
				}
				snap := ws.Snapshot()
				b.StartTimer()
				ops := diffOps(mode, d, prev, snap)
				if len(ops) != 1 { // extra0 added, then extra{n-1} renamed extra{n}
					b.Fatalf("ops = %v", ops)
				}
				prev = snap
			}
		})
	}
}

// BenchmarkDiffSaveNewClass is BenchmarkDiffSave with a save that
// changes the file's shape (a BaseModel class added, the previous save's
// removed): the names are resolved with a new import index and every
// name the diffs asked about is asked again.
func BenchmarkDiffSaveNewClass(b *testing.B) {
	for _, mode := range []string{"full", "incremental"} {
		b.Run(mode, func(b *testing.B) {
			ws, docFile, docSrc, _ := documentsWorkspace(b)
			prev := ws.Snapshot()
			d := newDiffer(prev)
			b.ResetTimer()
			for n := 0; n < b.N; n++ {
				b.StopTimer()
				src := append(append([]byte(nil), docSrc...), fmt.Sprintf("\n\nclass Extra%d(BaseModel):\n    a: int = 0\n", n)...)
				if _, err := ws.Update(context.Background(), docFile, src); err != nil {
					b.Fatal(err)
				}
				snap := ws.Snapshot()
				b.StartTimer()
				ops := diffOps(mode, d, prev, snap)
				if len(ops) != 0 {
					b.Fatalf("ops = %v", ops)
				}
				prev = snap
			}
		})
	}
}

// documentsWorkspace loads the 1,000-model backend in 250 modules whose
// first model per module is a Document, whose fields hold the others. It
// returns the workspace, the last Document's file and source (no other
// model embeds it) and how many Documents there are.
func documentsWorkspace(b *testing.B) (ws *analysis.Workspace, docFile string, docSrc []byte, docs int) {
	b.Helper()
	ws = analysis.New(analysis.Options{})
	for p, src := range synth.SyntheticSpread(1000, 750, 4, 3) {
		if i := bytes.Index(src, []byte("(BaseModel):")); i >= 0 && bytes.Contains(src, []byte("class Model")) {
			src = append([]byte("from beanie import Document\n"), bytes.Replace(src, []byte("(BaseModel):"), []byte("(Document):"), 1)...)
			docs++
			if p > docFile {
				docFile, docSrc = p, src
			}
		}
		if _, err := ws.Update(context.Background(), p, src); err != nil {
			b.Fatal(err)
		}
	}
	return ws, docFile, docSrc, docs
}

// diffOps is one run's diff from prev to snap: schema.DiffSets over both
// snapshots (mode "full") or the executor's differ d.
func diffOps(mode string, d *differ, prev, snap analysis.Snapshot) []schema.Op {
	if mode == "full" {
		return schema.DiffSets(SetOf(prev), SetOf(snap))
	}
	ops, _, commit := d.next(snap)
	commit()
	return ops
}
