package lsp

import "time"

// WithClock returns opts with a replaced clock and timer function
// (progress throttling). after may be nil for real timers.
func WithClock(opts Options, now func() time.Time, after func(d time.Duration, f func()) (stop func() bool)) Options {
	opts.now = now
	opts.after = after
	return opts
}
