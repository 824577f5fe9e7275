// Package plan turns semantic changes into a reload plan: a deduplicated,
// topologically ordered set of tasks (DESIGN.md "Plan rules").
package plan

import (
	"github.com/farm-stack/farm-lsp/analysis/config"
	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/analysis/workspace"
)

// TaskKind is what a task does (the seed's ReloadTask types).
type TaskKind string

// Task kinds.
const (
	TypeGeneration       TaskKind = "type-generation"
	APIClientGeneration  TaskKind = "api-client-generation"
	FrontendHMR          TaskKind = "frontend-hmr"
	BackendReload        TaskKind = "backend-reload"
	DatabaseSchemaUpdate TaskKind = "database-schema-update"
	AIModelReload        TaskKind = "ai-model-reload"
	PluginReload         TaskKind = "plugin-reload"
)

// HMR modes for frontend-hmr tasks, from the TSX diff.
const (
	HMRModules = "modules" // body-only: Vite hot-updates the module
	HMRRemount = "remount" // hooks added/removed/reordered: state resets
	HMRFull    = "full"    // export shape changed or types regenerated: full reload
)

// Task is one unit of reload work. Tasks are deduplicated by (Kind, Target).
type Task struct {
	ID        string         `json:"id"`
	Kind      TaskKind       `json:"kind"`
	Target    string         `json:"target"`
	DependsOn []string       `json:"dependsOn"`
	Priority  int            `json:"priority"`
	Reason    string         `json:"reason"`
	Mode      string         `json:"mode,omitempty"`  // frontend-hmr: HMRModules/HMRRemount/HMRFull
	Files     []string       `json:"files,omitempty"` // workspace-relative files the task concerns
	Changes   []facts.Change `json:"-"`               // the changes that caused it
	// State is the analysed workspace the task was planned from (nil for a
	// task built without one, e.g. by a one-shot command). Executors read
	// it instead of live state, so a task never sees a newer half of the
	// workspace than its plan did.
	State *State `json:"-"`
}

// State is an immutable, versioned view of the workspace and its
// configuration, taken when a batch of changes was analysed.
type State struct {
	Version  uint64
	Snapshot workspace.Snapshot
	Config   config.Config
}

// Trigger is the file whose save started the plan (the first of a burst).
type Trigger struct {
	Path string     `json:"path"`
	Kind facts.Kind `json:"kind"`
}

// Plan is an ordered list of tasks. Tasks are in an order where every task
// comes after the tasks it depends on. Err is set when the plan could not be
// ordered (a dependency cycle); then Tasks is empty and nothing runs.
type Plan struct {
	ID      string         `json:"planId"`
	Trigger Trigger        `json:"trigger"`
	Files   []string       `json:"files"` // every file the plan covers (a burst has many)
	Changes []facts.Change `json:"changes"`
	Tasks   []Task         `json:"tasks"`
	Err     string         `json:"error,omitempty"`
	// Notes are human sentences about changes that deliberately produced no
	// task ("development settings changed: the server reconfigures itself").
	Notes []string `json:"notes,omitempty"`
}
