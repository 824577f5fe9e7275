package lsp

import "time"

// WithClock returns opts with a replaced clock (progress throttling).
func WithClock(opts Options, now func() time.Time) Options {
	opts.now = now
	return opts
}
