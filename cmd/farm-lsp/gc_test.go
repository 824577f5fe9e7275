package main

import (
	"fmt"
	"math"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"
)

// gcState is the collector's settings: GOGC and the memory limit.
func gcState() (int, int64) {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p, debug.SetMemoryLimit(-1)
}

// gcHelperMain is what a process started by gcHelper runs (from
// TestMain; the collector's settings are the process's): it applies the
// one-shot policy and prints what it set.
func gcHelperMain(mode string) {
	switch mode {
	case "env":
		oneShotGC()
		p, l := gcState()
		fmt.Printf("gc=%d limit=%d\n", p, l)
	case "handover":
		// A small limit: the heap stays under it at first (no
		// collection), then outgrows it.
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		handedOver := oneShotGCWith(func(string) string { return "" }, int64(ms.HeapAlloc)+64<<20)
		runtime.ReadMemStats(&ms)
		start := ms.NumGC
		var keep [][]byte
		for range 16 { // 16 MB, under the limit
			keep = append(keep, make([]byte, 1<<20))
		}
		runtime.ReadMemStats(&ms)
		p, l := gcState()
		fmt.Printf("before: collections=%d gc=%d limit=%d\n", ms.NumGC-start, p, l)
		for range 128 { // 128 MB more: over the limit
			keep = append(keep, make([]byte, 1<<20))
		}
		select { // the finalizer runs on its own goroutine after the collection
		case <-handedOver:
		case <-time.After(10 * time.Second):
		}
		runtime.ReadMemStats(&ms)
		p, l = gcState()
		fmt.Printf("after: collected=%t gc=%d limit=%d\n", ms.NumGC > start, p, l)
		runtime.KeepAlive(keep)
	}
}

func gcHelper(t *testing.T, mode string, env ...string) string {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(cmd.Environ(), "FARM_LSP_GC_HELPER="+mode)
	var clean []string
	for _, e := range cmd.Env {
		if !strings.HasPrefix(e, "GOGC=") && !strings.HasPrefix(e, "GOMEMLIMIT=") {
			clean = append(clean, e)
		}
	}
	cmd.Env = append(clean, env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("helper: %v\n%s", err, out)
	}
	return string(out)
}

// TestOneShotGCEnv: generate and openapi run with the collector off up to
// a soft memory limit, unless the environment sets GOGC (then nothing is
// changed) or GOMEMLIMIT (then that limit applies at GOGC=400).
func TestOneShotGCEnv(t *testing.T) {
	t.Parallel()
	noLimit := int64(math.MaxInt64)
	cases := []struct {
		env  []string
		want string
	}{
		{nil, fmt.Sprintf("gc=-1 limit=%d", oneShotHeap)},
		{[]string{"GOGC=150"}, fmt.Sprintf("gc=150 limit=%d", noLimit)},
		{[]string{"GOGC=off"}, fmt.Sprintf("gc=-1 limit=%d", noLimit)},
		{[]string{"GOGC=150", "GOMEMLIMIT=100MiB"}, fmt.Sprintf("gc=150 limit=%d", 100<<20)},
		{[]string{"GOMEMLIMIT=100MiB"}, fmt.Sprintf("gc=%d limit=%d", oneShotPace, 100<<20)},
	}
	for _, c := range cases {
		if out := gcHelper(t, "env", c.env...); !strings.Contains(out, c.want+"\n") {
			t.Errorf("env %q: want %q in\n%s", c.env, c.want, out)
		}
	}
}

// TestOneShotGCHandsOver: with the collector off, a heap under the limit
// is never collected; once it outgrows the limit, the runtime collects
// and the collector runs at GOGC=400 with no limit from then on.
func TestOneShotGCHandsOver(t *testing.T) {
	t.Parallel()
	out := gcHelper(t, "handover")
	for _, want := range []string{
		"before: collections=0 gc=-1 limit=",
		fmt.Sprintf("after: collected=true gc=%d limit=%d\n", oneShotPace, int64(math.MaxInt64)),
	} {
		if !strings.Contains(out, want) {
			t.Errorf("want %q in\n%s", want, out)
		}
	}
}
