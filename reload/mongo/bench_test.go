package mongo

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/reload/executor"
	"github.com/farm-stack/farm-lsp/reload/mongo/mongotest"
	"github.com/farm-stack/farm-lsp/reload/plan"
)

// benchFixture is a database with n user documents and an executor on it.
func benchFixture(b *testing.B, n int) (*Executor, *workspace, func() *Executor) {
	b.Helper()
	s := server(b)
	dbName := fmt.Sprintf("bench_%d", time.Now().UnixNano())
	db := s.Client(b).Database(dbName)
	ctx := context.Background()
	start := time.Now()
	defer func() { b.Logf("inserted %d documents in %v", n, time.Since(start)) }()
	const batch = 5000
	for i := 0; i < n; i += batch {
		docs := make([]any, 0, batch)
		for j := i; j < i+batch && j < n; j++ {
			docs = append(docs, bson.D{{Key: "name", Value: fmt.Sprintf("user%d", j)}})
		}
		if _, err := db.Collection("users").InsertMany(ctx, docs); err != nil {
			b.Fatal(err)
		}
	}
	ws := &workspace{}
	ws.set(user(base))
	root := b.TempDir()
	mk := func() *Executor {
		ex := New(Options{Root: root, URL: func() string { return s.DatabaseURL(dbName) }, Models: ws.get})
		b.Cleanup(func() { _ = ex.Close(context.Background()) })
		return ex
	}
	return mk(), ws, mk
}

// BenchmarkBackfill measures one add-field with a default on a collection
// of 10,000 and 100,000 documents: diff, migration file, one updateMany on
// FerretDB (SQLite), ledger record. Each iteration adds a new field.
func BenchmarkBackfill(b *testing.B) {
	for _, n := range []int{1_000, 2_000, 4_000, 100_000} {
		b.Run(fmt.Sprintf("docs=%d", n), func(b *testing.B) { benchBackfill(b, n) })
	}
}

func benchBackfill(b *testing.B, n int) {
	if n > 10_000 && os.Getenv(mongotest.PostgreSQLEnv) == "" {
		b.Skipf("FerretDB's SQLite handler rewrites each document with a full table scan "+
			"(quadratic: 1,000 docs take ~6 s); set %s=postgres://… to run %d documents on its PostgreSQL handler",
			mongotest.PostgreSQLEnv, n)
	}
	ex, ws, _ := benchFixture(b, n)
	ctx := context.Background()
	if res := ex.Run(ctx, plan.Task{}, executor.NopReporter{}); res.Status != executor.OK {
		b.Fatalf("warm-up run: %+v", res)
	}
	fields := append([]facts.Field(nil), base...)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		fields = append(fields, field(fmt.Sprintf("extra%d", i), "int", len(fields), "0"))
		ws.set(user(fields))
		res := ex.Run(ctx, plan.Task{}, executor.NopReporter{})
		if res.Status != executor.OK {
			b.Fatalf("run: %+v", res)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "docs/s")
}

// BenchmarkAddIndexPlanToApplied measures from a model edit that adds an
// index (executor Run: diff, file write, ping, createIndexes, ledger) to
// the index existing, on a 10,000-document collection.
func BenchmarkAddIndexPlanToApplied(b *testing.B) {
	ex, ws, _ := benchFixture(b, 10_000)
	ctx := context.Background()
	var idx []facts.Index
	fields := append([]facts.Field(nil), base...)
	for i := 0; i < b.N; i++ {
		fields = append(fields, field(fmt.Sprintf("k%d", i), "int", len(fields), ""))
	}
	ws.set(user(fields))
	if res := ex.Run(ctx, plan.Task{}, executor.NopReporter{}); res.Status != executor.OK {
		b.Fatalf("warm-up run: %+v", res)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		idx = append(idx, index(false, facts.IndexKey{Field: fmt.Sprintf("k%d", i), Dir: 1}))
		ws.set(user(fields, idx...))
		res := ex.Run(ctx, plan.Task{}, executor.NopReporter{})
		if res.Status != executor.OK {
			b.Fatalf("run: %+v", res)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/index")
}
