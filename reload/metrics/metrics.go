// Package metrics keeps the outcomes of the most recent reload plans and
// summarises them (the seed's Reload Performance Monitor): success rate,
// average and percentile durations, and how many were slow.
package metrics

import (
	"log/slog"
	"math"
	"slices"
	"sync"
	"time"
)

// Defaults from the seed: the last 100 outcomes, slow above 5 s
// (development.hotReload.performance.slowReloadThreshold).
const (
	DefaultSize = 100
	DefaultSlow = 5000 * time.Millisecond
)

// Summary is the body of farm/status "metrics". Durations are in
// milliseconds and describe successful outcomes only (a failure that fails
// fast says nothing about reload speed), as the seed's report does; Slow
// counts every outcome above the threshold.
type Summary struct {
	Total   int `json:"total"`
	OK      int `json:"ok"`
	Failed  int `json:"failed"`
	Skipped int `json:"skipped"` // every task skipped: nothing ran, nothing failed
	// SuccessRate is ok / (ok + failed) in percent, 0..100; skipped
	// outcomes count neither way (0 when nothing ran).
	SuccessRate float64 `json:"successRate"`
	AvgMs       float64 `json:"avgMs"`
	P50Ms       float64 `json:"p50Ms"`
	P95Ms       float64 `json:"p95Ms"`
	Slow        int     `json:"slow"`
}

type outcome struct {
	kind   string
	d      time.Duration
	status Status
	slow   bool
}

// Status is an outcome's status.
type Status int

// Outcome statuses.
const (
	StatusOK Status = iota
	StatusFailed
	StatusSkipped
)

// Ring holds the last N outcomes. It is safe for concurrent use; the zero
// value is not usable, use New.
type Ring struct {
	mu   sync.Mutex
	buf  []outcome
	next int
	full bool
	slow time.Duration
	log  *slog.Logger
}

// New returns a ring keeping the last size outcomes and calling an outcome
// slow above threshold. size ≤ 0 means DefaultSize, threshold ≤ 0 means
// DefaultSlow. Slow outcomes are logged as warnings on logger (nil:
// slog.Default()).
func New(size int, threshold time.Duration, logger *slog.Logger) *Ring {
	if size <= 0 {
		size = DefaultSize
	}
	if threshold <= 0 {
		threshold = DefaultSlow
	}
	if logger == nil {
		logger = slog.Default()
	}
	return &Ring{buf: make([]outcome, size), slow: threshold, log: logger}
}

// SetThreshold changes the slow threshold for outcomes recorded from now on
// (≤ 0 restores the default).
func (r *Ring) SetThreshold(threshold time.Duration) {
	if threshold <= 0 {
		threshold = DefaultSlow
	}
	r.mu.Lock()
	r.slow = threshold
	r.mu.Unlock()
}

// Record adds one outcome of a plan of the given kind and reports whether
// it was slow (longer than the threshold). The oldest outcome is dropped
// once the ring is full.
func (r *Ring) Record(kind string, d time.Duration, ok bool) (slow bool) {
	st := StatusOK
	if !ok {
		st = StatusFailed
	}
	return r.RecordStatus(kind, d, st)
}

// RecordStatus is Record with a status: a skipped outcome (nothing ran)
// counts in Total and Skipped but not in the success rate or durations.
func (r *Ring) RecordStatus(kind string, d time.Duration, status Status) (slow bool) {
	r.mu.Lock()
	slow = d > r.slow
	threshold := r.slow
	r.buf[r.next] = outcome{kind: kind, d: d, status: status, slow: slow}
	r.next++
	if r.next == len(r.buf) {
		r.next = 0
		r.full = true
	}
	r.mu.Unlock()
	if slow {
		r.log.Warn("slow hot reload", "kind", kind, "ms", d.Milliseconds(), "thresholdMs", threshold.Milliseconds())
	}
	return slow
}

// Summary summarises the outcomes in the ring. Percentiles use the
// nearest-rank method over successful outcomes.
func (r *Ring) Summary() Summary {
	r.mu.Lock()
	n := r.next
	if r.full {
		n = len(r.buf)
	}
	var s Summary
	okDur := make([]time.Duration, 0, n)
	for _, o := range r.buf[:n] {
		s.Total++
		if o.slow {
			s.Slow++
		}
		switch o.status {
		case StatusOK:
			s.OK++
			okDur = append(okDur, o.d)
		case StatusFailed:
			s.Failed++
		default:
			s.Skipped++
		}
	}
	r.mu.Unlock()

	if ran := s.OK + s.Failed; ran > 0 {
		s.SuccessRate = float64(s.OK) / float64(ran) * 100
	}
	if len(okDur) > 0 {
		var sum time.Duration
		for _, d := range okDur {
			sum += d
		}
		s.AvgMs = ms(sum) / float64(len(okDur))
		slices.Sort(okDur)
		s.P50Ms = ms(percentile(okDur, 50))
		s.P95Ms = ms(percentile(okDur, 95))
	}
	return s
}

// percentile is the nearest-rank percentile of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	if rank < 1 {
		rank = 1
	}
	return sorted[rank-1]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
