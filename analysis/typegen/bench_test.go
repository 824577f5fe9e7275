package typegen_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/analysis/openapi"
	"github.com/farm-stack/farm-lsp/analysis/openapi/fixture"
	"github.com/farm-stack/farm-lsp/analysis/typegen"
	"github.com/farm-stack/farm-lsp/analysis/workspace"
)

const benchModels, benchRoutes = 1000, 500

// cpuTime is this process's user+system CPU time. Benchmarks report it per
// op next to wall time: on a shared, loaded machine wall time overstates
// the cost.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// measureCPU runs the benchmark loop body and reports cpu-ms/op.
func measureCPU(b *testing.B, body func(i int)) {
	b.ReportAllocs()
	b.ResetTimer()
	start := cpuTime()
	for i := 0; i < b.N; i++ {
		body(i)
	}
	b.StopTimer()
	b.ReportMetric(float64(cpuTime()-start)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
}

func synthFacts(b *testing.B) (map[string][]byte, []*facts.File) {
	b.Helper()
	return factsOf(b, fixture.Synthetic(benchModels, benchRoutes))
}

// spreadFacts is the backend: 1,000 models in 250 modules, 750
// routes (what the incremental benchmarks edit).
func spreadFacts(b *testing.B) (map[string][]byte, []*facts.File) {
	b.Helper()
	return factsOf(b, fixture.SyntheticSpread(spreadModels, spreadRoutes, spreadPerModule, spreadRoutesPerModule))
}

func factsOf(b *testing.B, srcs map[string][]byte) (map[string][]byte, []*facts.File) {
	b.Helper()
	files, err := fixture.FromSources(context.Background(), srcs)
	if err != nil {
		b.Fatal(err)
	}
	return srcs, files
}

// BenchmarkFullGeneration: static OpenAPI + the four TypeScript files for a
// 1,000-model / 500-route backend, from facts already extracted.
func BenchmarkFullGeneration(b *testing.B) {
	_, files := synthFacts(b)
	measureCPU(b, func(int) {
		doc, _ := openapi.Build(files, openapi.Options{Pydantic: 2})
		_ = typegen.Generate(doc)
	})
}

// BenchmarkFullGenerationWithExtraction adds parsing and extracting every
// Python file (a cold start).
func BenchmarkFullGenerationWithExtraction(b *testing.B) {
	srcs, _ := synthFacts(b)
	measureCPU(b, func(int) {
		files, err := fixture.FromSources(context.Background(), srcs)
		if err != nil {
			b.Fatal(err)
		}
		doc, _ := openapi.Build(files, openapi.Options{Pydantic: 2})
		_ = typegen.Generate(doc)
	})
}

// The incremental benchmarks run on the backend (spreadFacts).

// BenchmarkIncrementalFieldChange: one field of one model changes; the
// changed file is re-parsed and re-extracted, then OpenAPI and the outputs
// are regenerated (what a save costs).
func BenchmarkIncrementalFieldChange(b *testing.B) {
	srcs, files := spreadFacts(b)
	const rel = "apps/api/src/models/m010.py"
	idx := -1
	for i, f := range files {
		if f.Path == rel {
			idx = i
		}
	}
	variants := [2][]byte{
		srcs[rel],
		[]byte(strings.Replace(string(srcs[rel]), "    count: int = 0\n", "    count: int = 0\n    note: Optional[str] = None\n", 1)),
	}
	bl, g := openapi.NewBuilder(), typegen.NewGenerator()
	warm, _ := bl.Build(files, openapi.Options{Pydantic: 2}) // the server has generated once
	g.Generate(warm)
	measureCPU(b, func(i int) {
		f, err := fixture.Python(context.Background(), rel, variants[i%2])
		if err != nil {
			b.Fatal(err)
		}
		files[idx] = f
		fixture.ResolveKinds(files)
		doc, _ := bl.Build(files, openapi.Options{Pydantic: 2})
		_ = g.Generate(doc)
	})
}

// BenchmarkIncrementalFromFacts is what codegen itself costs after a save:
// the workspace already holds the changed file's new facts; OpenAPI and
// the four outputs are regenerated (warm caches).
func BenchmarkIncrementalFromFacts(b *testing.B) {
	srcs, files := spreadFacts(b)
	const rel = "apps/api/src/models/m010.py"
	var variants [2]*facts.File
	for i, src := range [][]byte{srcs[rel], []byte(strings.Replace(string(srcs[rel]), "    count: int = 0\n", "    count: int = 0\n    note: Optional[str] = None\n", 1))} {
		f, err := fixture.Python(context.Background(), rel, src)
		if err != nil {
			b.Fatal(err)
		}
		variants[i] = f
	}
	idx := -1
	for i, f := range files {
		if f.Path == rel {
			idx = i
		}
	}
	fixture.ResolveKinds(append(files, variants[1]))
	bl, g := openapi.NewBuilder(), typegen.NewGenerator()
	warm, _ := bl.Build(files, openapi.Options{Pydantic: 2})
	g.Generate(warm)
	measureCPU(b, func(i int) {
		files[idx] = variants[(i+1)%2]
		doc, _ := bl.Build(files, openapi.Options{Pydantic: 2})
		_ = g.Generate(doc)
	})
}

// BenchmarkIncrementalBuildOnly is the OpenAPI part of an incremental run
// (facts already extracted; one file's facts changed).
func BenchmarkIncrementalBuildOnly(b *testing.B) {
	srcs, files := spreadFacts(b)
	const rel = "apps/api/src/models/m010.py"
	var variants [2]*facts.File
	for i, src := range [][]byte{srcs[rel], []byte(strings.Replace(string(srcs[rel]), "    count: int = 0\n", "    count: int = 0\n    note: Optional[str] = None\n", 1))} {
		f, err := fixture.Python(context.Background(), rel, src)
		if err != nil {
			b.Fatal(err)
		}
		variants[i] = f
	}
	idx := -1
	for i, f := range files {
		if f.Path == rel {
			idx = i
		}
	}
	bl := openapi.NewBuilder()
	bl.Build(files, openapi.Options{Pydantic: 2})
	measureCPU(b, func(i int) {
		files[idx] = variants[i%2]
		fixture.ResolveKinds(files)
		bl.Build(files, openapi.Options{Pydantic: 2})
	})
}

// BenchmarkPipelineComparison measures, in one run, farm-lsp's full
// generation (cold: parse + extract + OpenAPI + TypeScript) against the
// pipeline users run today on the same synthetic backend: the real FastAPI
// (Debian /usr/bin/python3, app.openapi() to a file) followed by
// openapi-typescript (npm). Set FARM_BENCH_PIPELINE=1 to run it.
func BenchmarkPipelineComparison(b *testing.B) {
	if os.Getenv("FARM_BENCH_PIPELINE") == "" {
		b.Skip("set FARM_BENCH_PIPELINE=1 (needs /usr/bin/python3 with python3-fastapi and npm ci in analysis/typegen/testdata/tsc)")
	}
	ots, _ := filepath.Abs(filepath.Join(tscDir, "node_modules", "openapi-typescript", "bin", "cli.js"))
	if _, err := os.Stat(ots); err != nil {
		b.Skipf("openapi-typescript not installed: (cd analysis/typegen/%s && npm ci)", tscDir)
	}
	srcs, _ := synthFacts(b)
	dir := b.TempDir()
	for p, content := range srcs {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(full, content, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	api := filepath.Join(dir, "apps/api")
	spec := filepath.Join(dir, "openapi.json")
	var farm, pipeline time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		files, err := fixture.FromSources(context.Background(), srcs)
		if err != nil {
			b.Fatal(err)
		}
		doc, _ := openapi.Build(files, openapi.Options{Pydantic: 1})
		_ = typegen.Generate(doc)
		farm += time.Since(start)

		start = time.Now()
		py := exec.Command("/usr/bin/python3", "-c", "import json; from src.main import app; json.dump(app.openapi(), open('"+spec+"', 'w'))")
		py.Dir = api
		py.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1")
		if out, err := py.CombinedOutput(); err != nil {
			b.Fatalf("fastapi: %v\n%s", err, out)
		}
		ts := exec.Command("node", ots, spec, "-o", filepath.Join(dir, "schema.d.ts"))
		if out, err := ts.CombinedOutput(); err != nil {
			b.Fatalf("openapi-typescript: %v\n%s", err, out)
		}
		pipeline += time.Since(start)
	}
	b.StopTimer()
	b.ReportMetric(float64(farm.Microseconds())/1000/float64(b.N), "farm-ms/op")
	b.ReportMetric(float64(pipeline.Microseconds())/1000/float64(b.N), "fastapi+ots-ms/op")
	b.ReportMetric(float64(pipeline)/float64(farm), "speedup-x")
}

// BenchmarkBuildOnly and BenchmarkGenerateOnly split the full generation.
func BenchmarkBuildOnly(b *testing.B) {
	_, files := synthFacts(b)
	measureCPU(b, func(int) { openapi.Build(files, openapi.Options{Pydantic: 2}) })
}

func BenchmarkGenerateOnly(b *testing.B) {
	_, files := synthFacts(b)
	doc, _ := openapi.Build(files, openapi.Options{Pydantic: 2})
	measureCPU(b, func(int) { typegen.Generate(doc) })
}

// BenchmarkIncrementalSave is a one-field save as the server handles it:
// the workspace re-analyses the saved file (incremental parse, extraction,
// the model kinds its names can affect), then OpenAPI and the four outputs
// are regenerated from the snapshot with warm caches.
func BenchmarkIncrementalSave(b *testing.B) {
	srcs := fixture.SyntheticSpread(spreadModels, spreadRoutes, spreadPerModule, spreadRoutesPerModule)
	ws := workspace.New(workspace.Options{})
	ctx := context.Background()
	paths := make([]string, 0, len(srcs))
	for p := range srcs {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		if _, err := ws.Update(ctx, p, srcs[p]); err != nil {
			b.Fatal(err)
		}
	}
	const rel = "apps/api/src/models/m010.py"
	variants := [2][]byte{
		srcs[rel],
		[]byte(strings.Replace(string(srcs[rel]), "    count: int = 0\n", "    count: int = 0\n    note: Optional[str] = None\n", 1)),
	}
	bl, g := openapi.NewBuilder(), typegen.NewGenerator()
	warm, _ := bl.Build(ws.Snapshot().Python(), openapi.Options{Pydantic: 2}) // the server has generated once
	g.Generate(warm)
	measureCPU(b, func(i int) {
		if _, err := ws.Update(ctx, rel, variants[(i+1)%2]); err != nil {
			b.Fatal(err)
		}
		doc, _ := bl.Build(ws.Snapshot().Python(), openapi.Options{Pydantic: 2})
		_ = g.Generate(doc)
	})
}

// BenchmarkGeneratorFresh is the render of a one-shot `farm-lsp generate`
// on the backend: a new Generator (empty cache) renders the four
// files of a document already built (Pydantic 1, as the benchmark app pins).
func BenchmarkGeneratorFresh(b *testing.B) {
	_, files := spreadFacts(b)
	doc, _ := openapi.Build(files, openapi.Options{Pydantic: 1})
	measureCPU(b, func(int) { typegen.NewGenerator().Generate(doc) })
}
