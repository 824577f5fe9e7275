// Package coordinator is the hot-reload engine of one workspace root: it
// feeds saved and watched files through analysis, hands semantic changes to
// the scheduler, owns the executors, and reports plans, results,
// diagnostics and progress to a Sink. It knows nothing of JSON-RPC; lsp/
// adapts it to the protocol.
package coordinator

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/reload/executor"
	"github.com/farm-stack/farm-lsp/reload/plan"
	"github.com/farm-stack/farm-lsp/reload/scheduler"
	"github.com/farm-stack/farm-lsp/reload/trust"
)

// Sink receives everything the engine reports. Calls may come from any
// goroutine but are serialised per engine; implementations must not block
// for long (enqueue and return).
type Sink interface {
	// Plan is called for every plan, including empty ones.
	Plan(root string, p plan.Plan)
	// TaskResult is called as each task of a plan ends (farm/taskResult),
	// after its diagnostics were published and before the plan's Result.
	TaskResult(root, planID string, r executor.TaskResult)
	// Result is called when a plan finished.
	Result(root string, r PlanResult)
	// Diagnostics carries the full current set for one absolute path; an
	// empty slice clears it. Called only when the set changed.
	Diagnostics(absPath string, diags []facts.Diagnostic)
	// Progress reports work-done progress of a plan.
	Progress(root string, p Progress)
	// Message is a log line for the user (window/logMessage); Show asks for
	// a window/showMessage (slow plans, failures worth interrupting for).
	Message(level slog.Level, text string, show bool)
}

// PlanResult is the outcome of a plan (farm/reloadResult).
type PlanResult struct {
	PlanID   string                `json:"planId"`
	Duration time.Duration         `json:"-"`
	Tasks    []executor.TaskResult `json:"tasks"`
}

// ProgressKind is begin, report or end.
type ProgressKind string

// Progress kinds.
const (
	ProgressBegin  ProgressKind = "begin"
	ProgressReport ProgressKind = "report"
	ProgressEnd    ProgressKind = "end"
)

// Progress is one work-done progress event of a plan. Token is stable for
// the plan (use PlanID). Percent is -1 when unknown.
type Progress struct {
	Token   string
	Kind    ProgressKind
	Title   string
	Message string
	Percent int
}

// Status is the body of farm/status and the farm.status command.
type Status struct {
	Enabled bool `json:"enabled"`
	// Indexing is true while the initial index is built.
	Indexing bool `json:"indexing"`
	// Processing is true while analysis or any lane works.
	Processing  bool                            `json:"processing"`
	QueueLength int                             `json:"queueLength"`
	Lanes       map[string]scheduler.LaneStatus `json:"lanes"`
	LastPlan    *plan.Plan                      `json:"lastPlan"`
	Metrics     any                             `json:"metrics"` // metrics.Summary
	// Backend is the backend's public address this root uses (its own
	// port when another root already claimed the configured one).
	Backend string `json:"backend,omitempty"`
	// Trust is the workspace trust gate's decision (reload/trust).
	Trust *trust.State `json:"trust,omitempty"`
}

// Action is a code action the engine offers for a range of a file.
type Action struct {
	Title   string            `json:"title"`
	Kind    string            `json:"kind"` // "quickfix" or "source"
	Command string            `json:"command"`
	Args    []json.RawMessage `json:"arguments,omitempty"`
	// Diagnostics the action fixes (matched by code and range).
	Diagnostics []facts.Diagnostic `json:"-"`
}

// Engine is what lsp/ drives for each workspace root. *Coordinator
// implements it. Paths are absolute filesystem paths.
type Engine interface {
	Root() string
	// Start indexes the workspace and starts watching and scheduling.
	// It returns once the initial index is built; work goes on until
	// Close or ctx is done.
	Start(ctx context.Context, sink Sink) error
	// Open records an editor buffer's content as the baseline (no plan).
	Open(path string, text []byte)
	// Change analyses an unsaved buffer: diagnostics only, no plan.
	Change(path string, text []byte)
	// Save plans and runs a reload for the saved content (text may be nil:
	// then the file is read from disk).
	Save(path string, text []byte)
	// CloseFile forgets the editor buffer (disk content rules again).
	CloseFile(path string)
	// FileEvent is a change seen outside the editor (didChangeWatchedFiles
	// or the engine's own watcher); the file is read from disk.
	FileEvent(path string, deleted bool)
	// Execute runs a workspace/executeCommand command ("farm.status", ...).
	Execute(ctx context.Context, command string, args []json.RawMessage) (any, error)
	// Commands lists the command names Execute understands.
	Commands() []string
	// CodeActions offers actions for a range of a file.
	CodeActions(path string, rng facts.Range) []Action
	Status() Status
	SetEnabled(on bool)
	// Configure applies LSP initializationOptions / settings overrides.
	Configure(overrides json.RawMessage) error
	Close() error
}
