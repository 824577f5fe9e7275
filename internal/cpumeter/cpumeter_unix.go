//go:build unix

// Package cpumeter reports a benchmark's CPU time per operation
// ("cpu-ns/op") next to its wall time: the machines this project is built
// on are shared, so ns/op measures the neighbours' load as much as the
// code. It counts the whole process (GC workers included), so the
// benchmark must run alone.
package cpumeter

import (
	"syscall"
	"testing"
	"time"
)

// processCPU is the CPU time (user + system) this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// Meter measures from Start to Report.
type Meter struct{ start time.Duration }

// Start begins measuring.
func Start(b *testing.B) *Meter {
	b.Helper()
	return &Meter{start: processCPU()}
}

// Report adds the cpu-ns/op metric.
func (m *Meter) Report(b *testing.B) {
	b.Helper()
	if b.N > 0 {
		b.ReportMetric(float64(processCPU()-m.start)/float64(b.N), "cpu-ns/op")
	}
}
