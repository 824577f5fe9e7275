package typegen_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
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

// loadAvg is the machine's 1-minute load average (0 when unknown).
func loadAvg() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	var l float64
	fmt.Sscan(string(b), &l)
	return l
}

// BenchmarkGenerateProcessVsFastAPI runs, side by side on the issue's
// backend (1,000 models in 250 modules, 750 routes, plus 100 React
// components), whole `farm-lsp generate` processes (start, index, OpenAPI,
// TypeScript) against what users run today: a real FastAPI importing the
// app and dumping app.openapi(), followed by openapi-typescript. It does so
// in each Pydantic mode, the app's requirements pinning the mode:
//
//   - pydantic1: Debian 12's FastAPI 0.92 / Pydantic 1.10 (/usr/bin/python3;
//     Debian builds Pydantic 1 without its Cython extension, so this FastAPI
//     is slower than one installed from PyPI wheels);
//   - pydantic2: Debian trixie's FastAPI 0.115 / Pydantic 2.10 with the
//     compiled pydantic-core, from the private sysroot .ci/trixie makes
//     ($FARM_TRIXIE_DIR, default /opt/farm-trixie): the faster baseline.
//
// farm-lsp runs four ways each iteration:
//
//   - fresh-cold: no generated files yet (all four written), --no-cache;
//   - present-cold: the generated files already there and current (the
//     normal case in an app), --no-cache;
//   - fresh-warm, present-warm: the same with the fact cache filled by an
//     earlier run over the same sources (analysis/factcache), so no
//     Python file is parsed.
//
// Reports medians (ms/op are means), the farm-lsp processes' CPU time, the
// speedups against the FastAPI pipeline's median, and the 1-minute load
// average before and after. Set FARM_BENCH_PIPELINE=1 to run it.
func BenchmarkGenerateProcessVsFastAPI(b *testing.B) {
	if os.Getenv("FARM_BENCH_PIPELINE") == "" {
		b.Skip("set FARM_BENCH_PIPELINE=1 (needs go, /usr/bin/python3 with python3-fastapi, the trixie sysroot of .ci/run for pydantic2, and npm ci in analysis/typegen/testdata/tsc)")
	}
	ots, _ := filepath.Abs(filepath.Join(tscDir, "node_modules", "openapi-typescript", "bin", "cli.js"))
	if _, err := os.Stat(ots); err != nil {
		b.Skipf("openapi-typescript not installed: (cd analysis/typegen/%s && npm ci)", tscDir)
	}
	bin := filepath.Join(b.TempDir(), "farm-lsp")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/farm-lsp").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	b.Run("pydantic1", func(b *testing.B) {
		py := exec.Command("/usr/bin/python3", "-c", "import fastapi, pydantic; assert pydantic.VERSION.startswith('1.')")
		if out, err := py.CombinedOutput(); err != nil {
			b.Skipf("no Debian FastAPI with Pydantic 1 (%v %s): apt-get install -y python3-fastapi", err, out)
		}
		pipelineVsFastAPI(b, bin, ots, 1, "fastapi==0.92.0\npydantic<2\n", []string{"/usr/bin/python3"}, nil)
	})
	b.Run("pydantic2", func(b *testing.B) {
		dir := os.Getenv("FARM_TRIXIE_DIR")
		if dir == "" {
			dir = "/opt/farm-trixie"
		}
		python := filepath.Join(dir, "usr/local/bin/python3.13")
		env := []string{"PYTHONNOUSERSITE=1"}
		py := exec.Command(python, "-c", "import fastapi, pydantic; assert pydantic.VERSION.startswith('2.')")
		py.Env = append(os.Environ(), env...)
		if out, err := py.CombinedOutput(); err != nil {
			b.Skipf("no trixie FastAPI with Pydantic 2 (%v %s): .ci/trixie %s python3-fastapi", err, out, dir)
		}
		pipelineVsFastAPI(b, bin, ots, 2, "fastapi>=0.100\npydantic>=2\n", []string{python, "-W", "ignore"}, env)
	})
}

// pipelineVsFastAPI is one mode of BenchmarkGenerateProcessVsFastAPI:
// requirements pin the mode for farm-lsp, python (a command and its first
// arguments) with env is the FastAPI that judges it.
func pipelineVsFastAPI(b *testing.B, bin, ots string, mode int, requirements string, python, env []string) {
	dir := b.TempDir()
	app := filepath.Join(dir, "app")
	srcs := fixture.SyntheticSpread(spreadModels, spreadRoutes, spreadPerModule, spreadRoutesPerModule)
	srcs["farm.config.ts"] = []byte("export default { name: 'bench' };\n")
	srcs["apps/api/requirements.txt"] = []byte(requirements)
	for i := 0; i < 100; i++ {
		srcs[fmt.Sprintf("apps/web/src/components/C%03d.tsx", i)] = []byte(fmt.Sprintf(
			"import { useState } from 'react';\nimport type { Model%04d } from '../types/models';\n\nexport function C%03d({ m }: { m: Model%04d }) {\n  const [n, setN] = useState(0);\n  return <div onClick={() => setN(n + 1)}>{m.displayName} {n}</div>;\n}\n", i, i, i))
	}
	for p, content := range srcs {
		full := filepath.Join(app, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(full, content, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	cache := filepath.Join(dir, "cache")
	outputs := []string{"types/models/index.ts", "types/api.ts", "services/api.ts", "hooks/api.ts"}
	removeOutputs := func() {
		for _, rel := range outputs {
			os.Remove(filepath.Join(app, "apps/web/src", rel))
		}
	}
	generate := func(flags ...string) (wall, cpu time.Duration) {
		start := time.Now()
		cmd := exec.Command(bin, append([]string{"generate", "--root", app}, flags...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("farm-lsp generate: %v\n%s", err, out)
		}
		return time.Since(start), cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	generate("--cache-dir", cache) // fills the cache
	models, err := os.ReadFile(filepath.Join(app, "apps/web/src", outputs[0]))
	if err != nil {
		b.Fatal(err)
	}
	if want := fmt.Sprintf("(Pydantic v%d rules)", mode); !strings.Contains(string(models), want) {
		b.Fatalf("farm-lsp did not generate in the mode FastAPI runs: no %q in %s", want, outputs[0])
	}
	type runs struct{ wall, cpu []time.Duration }
	variants := []struct {
		name   string
		fresh  bool
		flags  []string
		result runs
	}{
		{name: "fresh-cold", fresh: true, flags: []string{"--no-cache"}},
		{name: "present-cold", flags: []string{"--no-cache"}},
		{name: "fresh-warm", fresh: true, flags: []string{"--cache-dir", cache}},
		{name: "present-warm", flags: []string{"--cache-dir", cache}},
	}
	spec := filepath.Join(dir, "openapi.json")
	var pipeline []time.Duration
	load0 := loadAvg()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for v := range variants {
			b.StopTimer()
			if variants[v].fresh {
				removeOutputs() // every run writes all four files
			}
			b.StartTimer()
			w, c := generate(variants[v].flags...)
			variants[v].result.wall = append(variants[v].result.wall, w)
			variants[v].result.cpu = append(variants[v].result.cpu, c)
		}

		start := time.Now()
		py := exec.Command(python[0], append(python[1:], "-c", "import json; from src.main import app; json.dump(app.openapi(), open('"+spec+"', 'w'))")...)
		py.Dir = filepath.Join(app, "apps/api")
		py.Env = append(append(os.Environ(), env...), "PYTHONDONTWRITEBYTECODE=1")
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
	p := median(pipeline)
	for _, v := range variants {
		f, c := median(v.result.wall), median(v.result.cpu)
		b.ReportMetric(float64(f.Microseconds())/1000, v.name+"-median-ms")
		b.ReportMetric(float64(c.Microseconds())/1000, v.name+"-cpu-median-ms")
		b.ReportMetric(float64(p)/float64(f), v.name+"-speedup-x")
	}
	b.ReportMetric(float64(p.Microseconds())/1000, "fastapi+ots-median-ms")
	b.ReportMetric(load0, "load1-before")
	b.ReportMetric(loadAvg(), "load1-after")
}
