package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/farm-stack/farm-lsp/analysis/openapi/fixture"
	"github.com/farm-stack/farm-lsp/internal/cpumeter"
)

// writeSpreadApp writes issue 10's benchmark backend (1,000 models in 250
// modules, 750 routes, Pydantic 1 pinned) under dir and returns the app.
func writeSpreadApp(tb testing.TB, dir string) string { return writeSpreadAppMode(tb, dir, 1) }

// writeSpreadAppMode is writeSpreadApp with the requirements pinning
// Pydantic mode (1 or 2).
func writeSpreadAppMode(tb testing.TB, dir string, mode int) string {
	tb.Helper()
	app := filepath.Join(dir, "app")
	srcs := fixture.SyntheticSpread(1000, 750, 4, 50)
	srcs["farm.config.ts"] = []byte("export default { name: 'bench' };\n")
	srcs["apps/api/requirements.txt"] = []byte("fastapi==0.92.0\npydantic<2\n")
	if mode == 2 {
		srcs["apps/api/requirements.txt"] = []byte("fastapi>=0.100\npydantic>=2\n")
	}
	for p, content := range srcs {
		full := filepath.Join(app, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(full, content, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	return app
}

// addComponents writes n small React components to the app's frontend.
func addComponents(tb testing.TB, app string, n int) {
	tb.Helper()
	for i := 0; i < n; i++ {
		p := filepath.Join(app, "apps/web/src/components", fmt.Sprintf("C%03d.tsx", i))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			tb.Fatal(err)
		}
		src := fmt.Sprintf("import { useState } from 'react';\nimport type { Model%04d } from '../types/models';\n\nexport function C%03d({ m }: { m: Model%04d }) {\n  const [n, setN] = useState(0);\n  return <div onClick={() => setN(n + 1)}>{m.displayName} {n}</div>;\n}\n", i, i, i)
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
}

func runGenerate(b *testing.B, app string, flags ...string) {
	var out, errb bytes.Buffer
	if err := generateCmd(context.Background(), append([]string{"--root", app}, flags...), &out, &errb); err != nil {
		b.Fatalf("generate: %v\n%s", err, errb.String())
	}
}

// BenchmarkGenerateInProcess runs generateCmd on issue 10's backend in
// each Pydantic mode: fresh (no apps/web) and present (the outputs already
// there, plus 100 components: the normal case in a real app), without the
// fact cache (cold), and present with a filled cache (warm).
func BenchmarkGenerateInProcess(b *testing.B) {
	for _, mode := range []int{1, 2} {
		b.Run(fmt.Sprintf("v%d", mode), func(b *testing.B) { generateInProcess(b, mode) })
	}
}

func generateInProcess(b *testing.B, mode int) {
	b.Run("fresh-cold", func(b *testing.B) {
		app := writeSpreadAppMode(b, b.TempDir(), mode)
		b.ResetTimer()
		cpu := cpumeter.Start(b)
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			os.RemoveAll(filepath.Join(app, "apps/web"))
			b.StartTimer()
			runGenerate(b, app, "--no-cache")
		}
		cpu.Report(b)
	})
	b.Run("present-cold", func(b *testing.B) {
		app := writeSpreadAppMode(b, b.TempDir(), mode)
		addComponents(b, app, 100)
		runGenerate(b, app, "--no-cache")
		b.ResetTimer()
		cpu := cpumeter.Start(b)
		for i := 0; i < b.N; i++ {
			runGenerate(b, app, "--no-cache")
		}
		cpu.Report(b)
	})
	b.Run("present-warm", func(b *testing.B) {
		dir := b.TempDir()
		app := writeSpreadAppMode(b, dir, mode)
		addComponents(b, app, 100)
		cache := filepath.Join(dir, "cache")
		runGenerate(b, app, "--cache-dir", cache)
		b.ResetTimer()
		cpu := cpumeter.Start(b)
		for i := 0; i < b.N; i++ {
			runGenerate(b, app, "--cache-dir", cache)
		}
		cpu.Report(b)
	})
}
