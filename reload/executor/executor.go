// Package executor defines how reload tasks are carried out: the Executor
// interface, task results and the registry the scheduler runs tasks through.
package executor

import (
	"context"
	"time"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/reload/plan"
)

// Status of a finished task.
type Status string

// Statuses (LSP.md farm/reloadResult).
const (
	OK      Status = "ok"
	Failed  Status = "failed"
	Skipped Status = "skipped"
)

// Result is what an executor reports for one task.
type Result struct {
	Status  Status
	Message string
	// Transient marks a failure that a retry may fix (connection refused,
	// timeout, crashed process); deterministic failures leave it false.
	Transient bool
	// Diagnostics produced by the task (a traceback, an unsupported type),
	// keyed by workspace-relative path. A path present with an empty slice
	// clears that path's diagnostics for this task kind.
	Diagnostics map[string][]facts.Diagnostic
	// Written lists workspace-relative files the task wrote.
	Written []string
	// Contents holds what the task wrote to some of Written, so the engine
	// recognises its own writes by what it wrote, not by what the file
	// holds when it looks (a hand edit right after would pass as ours).
	Contents map[string][]byte
}

// Reporter receives progress while a task runs. Percent is 0..100, or -1
// when unknown.
type Reporter interface {
	Report(message string, percent int)
}

// Executor runs tasks of one kind. Run must honour ctx and must not panic
// (the scheduler recovers anyway and reports a failure).
type Executor interface {
	Run(ctx context.Context, task plan.Task, r Reporter) Result
}

// Func adapts a function to Executor.
type Func func(ctx context.Context, task plan.Task, r Reporter) Result

// Run implements Executor.
func (f Func) Run(ctx context.Context, task plan.Task, r Reporter) Result { return f(ctx, task, r) }

// TaskResult is a Result with the task's identity and timing, as published
// in farm/reloadResult.
type TaskResult struct {
	ID       string        `json:"id"`
	Kind     plan.TaskKind `json:"kind"`
	Target   string        `json:"target"`
	Status   Status        `json:"status"`
	Duration time.Duration `json:"-"`
	Message  string        `json:"message"`
	Attempts int           `json:"attempts"`
	Result   Result        `json:"-"`
}

// NopReporter discards progress.
type NopReporter struct{}

// Report implements Reporter.
func (NopReporter) Report(string, int) {}
