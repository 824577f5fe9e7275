package typegen_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/farm-stack/farm-lsp/analysis/openapi/fixture"
)

// The benchmark backend: 1,000 models in 250 modules, 750 routes.
const spreadModels, spreadRoutes, spreadPerModule, spreadRoutesPerModule = 1000, 750, 4, 50

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// BenchmarkGenerateProcessVsFastAPI runs, side by side on the issue's
// backend (1,000 models in 250 modules, 750 routes, Pydantic 1 pinned),
// a whole `farm-lsp generate` process (start, index, OpenAPI, four
// TypeScript files written) against what users run today: Debian's
// FastAPI (/usr/bin/python3 importing the app and dumping app.openapi())
// followed by openapi-typescript. Reports medians (ms/op are means) and
// the farm-lsp process's CPU time. Set FARM_BENCH_PIPELINE=1 to run it.
func BenchmarkGenerateProcessVsFastAPI(b *testing.B) {
	if os.Getenv("FARM_BENCH_PIPELINE") == "" {
		b.Skip("set FARM_BENCH_PIPELINE=1 (needs go, /usr/bin/python3 with python3-fastapi and npm ci in analysis/typegen/testdata/tsc)")
	}
	ots, _ := filepath.Abs(filepath.Join(tscDir, "node_modules", "openapi-typescript", "bin", "cli.js"))
	if _, err := os.Stat(ots); err != nil {
		b.Skipf("openapi-typescript not installed: (cd analysis/typegen/%s && npm ci)", tscDir)
	}
	dir := b.TempDir()
	bin := filepath.Join(dir, "farm-lsp")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/farm-lsp").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	app := filepath.Join(dir, "app")
	srcs := fixture.SyntheticSpread(spreadModels, spreadRoutes, spreadPerModule, spreadRoutesPerModule)
	srcs["farm.config.ts"] = []byte("export default { name: 'bench' };\n")
	srcs["apps/api/requirements.txt"] = []byte("fastapi==0.92.0\npydantic<2\n")
	for p, content := range srcs {
		full := filepath.Join(app, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(full, content, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	spec := filepath.Join(dir, "openapi.json")
	var farm, farmCPU, pipeline []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		os.RemoveAll(filepath.Join(app, "apps/web")) // every run writes all four files
		b.StartTimer()
		start := time.Now()
		cmd := exec.Command(bin, "generate", "--root", app)
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("farm-lsp generate: %v\n%s", err, out)
		}
		farm = append(farm, time.Since(start))
		farmCPU = append(farmCPU, cmd.ProcessState.UserTime()+cmd.ProcessState.SystemTime())

		start = time.Now()
		py := exec.Command("/usr/bin/python3", "-c", "import json; from src.main import app; json.dump(app.openapi(), open('"+spec+"', 'w'))")
		py.Dir = filepath.Join(app, "apps/api")
		py.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1")
		if out, err := py.CombinedOutput(); err != nil {
			b.Fatalf("fastapi: %v\n%s", err, out)
		}
		ts := exec.Command("node", ots, spec, "-o", filepath.Join(dir, "schema.d.ts"))
		if out, err := ts.CombinedOutput(); err != nil {
			b.Fatalf("openapi-typescript: %v\n%s", err, out)
		}
		pipeline = append(pipeline, time.Since(start))
	}
	b.StopTimer()
	f, c, p := median(farm), median(farmCPU), median(pipeline)
	b.ReportMetric(float64(f.Microseconds())/1000, "farm-median-ms")
	b.ReportMetric(float64(c.Microseconds())/1000, "farm-cpu-median-ms")
	b.ReportMetric(float64(p.Microseconds())/1000, "fastapi+ots-median-ms")
	b.ReportMetric(float64(p)/float64(f), "speedup-x")
}
