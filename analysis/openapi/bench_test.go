package openapi_test

import (
	"context"
	"runtime"
	"syscall"
	"testing"
	"time"

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
			// The build runs on this goroutine's thread: its CPU time
			// is the build's critical path (its wall time on an idle
			// machine with a core for the prefab worker), which ns/op on
			// a shared machine is not.
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			thread := threadCPU()
			cpu := cpumeter.Start(b)
			for i := 0; i < b.N; i++ {
				openapi.NewBuilder().Build(files, openapi.Options{Pydantic: v.pydantic})
			}
			cpu.Report(b)
			b.ReportMetric(float64(threadCPU()-thread)/float64(b.N), "main-cpu-ns/op")
		})
	}
}

// threadCPU is the CPU time of the calling thread (0 where unsupported).
func threadCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(1 /* RUSAGE_THREAD */, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
