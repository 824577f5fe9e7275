package metrics

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

func msd(n int) time.Duration { return time.Duration(n) * time.Millisecond }

func TestSummary(t *testing.T) {
	t.Parallel()
	type rec struct {
		d  time.Duration
		ok bool
	}
	seq := func(from, to int, ok bool) []rec {
		var out []rec
		for i := from; i <= to; i++ {
			out = append(out, rec{msd(i), ok})
		}
		return out
	}
	tests := []struct {
		name string
		size int
		recs []rec
		want Summary
	}{
		{"empty", 0, nil, Summary{}},
		{"one", 0, []rec{{msd(40), true}}, Summary{Total: 1, OK: 1, SuccessRate: 100, AvgMs: 40, P50Ms: 40, P95Ms: 40}},
		{"1..100 ms", 0, seq(1, 100, true), Summary{Total: 100, OK: 100, SuccessRate: 100, AvgMs: 50.5, P50Ms: 50, P95Ms: 95}},
		{"failures excluded from durations", 0, append(seq(1, 4, true), rec{msd(9000), false}),
			Summary{Total: 5, OK: 4, Failed: 1, SuccessRate: 80, AvgMs: 2.5, P50Ms: 2, P95Ms: 4, Slow: 1}},
		{"slow counted", 0, []rec{{msd(5000), true}, {msd(5001), true}, {msd(7000), true}},
			Summary{Total: 3, OK: 3, SuccessRate: 100, AvgMs: 17001.0 / 3, P50Ms: 5001, P95Ms: 7000, Slow: 2}},
		{"ring keeps last N", 10, seq(1, 25, true), Summary{Total: 10, OK: 10, SuccessRate: 100, AvgMs: 20.5, P50Ms: 20, P95Ms: 25}},
		{"unsorted input", 0, []rec{{msd(30), true}, {msd(10), true}, {msd(20), true}, {msd(1), false}},
			Summary{Total: 4, OK: 3, Failed: 1, SuccessRate: 75, AvgMs: 20, P50Ms: 20, P95Ms: 30}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := New(tt.size, 0, slog.New(slog.DiscardHandler))
			for _, x := range tt.recs {
				r.Record("plan", x.d, x.ok)
			}
			if got := r.Summary(); got != tt.want {
				t.Errorf("Summary()\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestRecordSlow(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	r := New(0, 100*time.Millisecond, slog.New(slog.NewTextHandler(&logs, nil)))
	if r.Record("backend-model", msd(100), true) {
		t.Error("100ms at a 100ms threshold reported slow")
	}
	if !r.Record("backend-model", msd(101), false) {
		t.Error("101ms at a 100ms threshold not reported slow")
	}
	if !strings.Contains(logs.String(), "slow hot reload") || !strings.Contains(logs.String(), "kind=backend-model") {
		t.Errorf("slow reload not logged: %q", logs.String())
	}
	r.SetThreshold(time.Second)
	if r.Record("x", msd(500), true) {
		t.Error("threshold change ignored")
	}
}

func TestSummaryJSON(t *testing.T) {
	t.Parallel()
	b, err := json.Marshal(Summary{Total: 1})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"total":1,"ok":0,"failed":0,"skipped":0,"successRate":0,"avgMs":0,"p50Ms":0,"p95Ms":0,"slow":0}`
	if string(b) != want {
		t.Errorf("json %s, want %s", b, want)
	}
}

func TestConcurrent(t *testing.T) {
	t.Parallel()
	r := New(50, 0, slog.New(slog.DiscardHandler))
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				r.Record("k", msd(i), i%2 == 0)
				_ = r.Summary()
			}
		}()
	}
	wg.Wait()
	if s := r.Summary(); s.Total != 50 || s.OK+s.Failed != 50 {
		t.Errorf("after concurrent records: %+v", s)
	}
}

func BenchmarkRecordSummary(b *testing.B) {
	r := New(0, 0, slog.New(slog.DiscardHandler))
	for b.Loop() {
		r.Record("k", msd(10), true)
		_ = r.Summary()
	}
}
