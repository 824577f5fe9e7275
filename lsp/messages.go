package lsp

import (
	"math"
	"time"

	"go.lsp.dev/protocol"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/reload/coordinator"
	"github.com/farm-stack/farm-lsp/reload/executor"
	"github.com/farm-stack/farm-lsp/reload/plan"
)

// PlanMsg is the farm/reloadPlan notification (LSP.md "Custom messages").
// Changes and Tasks are never null.
type PlanMsg struct {
	PlanID  string      `json:"planId"`
	Trigger TriggerMsg  `json:"trigger"`
	Changes []ChangeMsg `json:"changes"`
	Tasks   []TaskMsg   `json:"tasks"`
	// Error is set (and Tasks empty) when the plan could not be ordered.
	// Additive to LSP.md; absent otherwise.
	Error string `json:"error,omitempty"`
}

// TriggerMsg is the file whose save started a plan. A plan started by a
// command has the root's URI and an empty kind.
type TriggerMsg struct {
	URI  string `json:"uri"`
	Kind string `json:"kind"`
}

// ChangeMsg is one semantic change of a plan.
type ChangeMsg struct {
	Kind    string         `json:"kind"`
	Subject string         `json:"subject"`
	Detail  string         `json:"detail"`
	URI     string         `json:"uri"`
	Range   protocol.Range `json:"range"`
}

// TaskMsg is one task of a plan. DependsOn is never null.
type TaskMsg struct {
	ID        string   `json:"id"`
	Kind      string   `json:"kind"`
	Target    string   `json:"target"`
	DependsOn []string `json:"dependsOn"`
	Reason    string   `json:"reason"`
}

// ResultMsg is the farm/reloadResult notification.
type ResultMsg struct {
	PlanID     string          `json:"planId"`
	DurationMs float64         `json:"durationMs"`
	Tasks      []TaskResultMsg `json:"tasks"`
}

// TaskDoneMsg is the farm/taskResult notification: one task's outcome,
// sent as the task ends, before its plan's farm/reloadResult.
type TaskDoneMsg struct {
	PlanID string         `json:"planId"`
	Task   TaskOutcomeMsg `json:"task"`
}

// TaskOutcomeMsg is the task of a farm/taskResult. Attempt counts the
// executor runs (retries included; 0 when it never ran).
type TaskOutcomeMsg struct {
	ID         string  `json:"id"`
	Kind       string  `json:"kind"`
	Target     string  `json:"target"`
	Status     string  `json:"status"`
	DurationMs float64 `json:"durationMs"`
	Message    string  `json:"message"`
	Attempt    int     `json:"attempt"`
}

func taskDoneMsg(planID string, t executor.TaskResult) TaskDoneMsg {
	return TaskDoneMsg{PlanID: planID, Task: TaskOutcomeMsg{
		ID: t.ID, Kind: string(t.Kind), Target: t.Target, Status: string(t.Status),
		DurationMs: millis(t.Duration), Message: t.Message, Attempt: t.Attempts,
	}}
}

// TaskResultMsg is one task's outcome in farm/reloadResult: status is
// "ok", "failed", "skipped" or "superseded".
type TaskResultMsg struct {
	ID         string  `json:"id"`
	Kind       string  `json:"kind"`
	Status     string  `json:"status"`
	DurationMs float64 `json:"durationMs"`
	Message    string  `json:"message"`
}

// PublishDiagnosticsParams is textDocument/publishDiagnostics as farm-lsp
// sends it. protocol.PublishDiagnosticsParams has Version uint32 with
// omitempty, which drops version 0 — the version Neovim opens documents at
// (pitfall 2). Here Version is a pointer: present exactly when the server
// knows the document's version.
type PublishDiagnosticsParams struct {
	URI         string                `json:"uri"`
	Version     *int32                `json:"version,omitempty"`
	Diagnostics []protocol.Diagnostic `json:"diagnostics"`
}

// DiagnosticSource is the source of every diagnostic farm-lsp publishes.
const DiagnosticSource = "farm-lsp"

func planMsg(root string, p plan.Plan) PlanMsg {
	m := PlanMsg{
		PlanID:  p.ID,
		Trigger: TriggerMsg{URI: rootURI(root, p.Trigger.Path), Kind: string(p.Trigger.Kind)},
		Changes: make([]ChangeMsg, 0, len(p.Changes)),
		Tasks:   make([]TaskMsg, 0, len(p.Tasks)),
		Error:   p.Err,
	}
	for _, ch := range p.Changes {
		m.Changes = append(m.Changes, ChangeMsg{
			Kind:    string(ch.Kind),
			Subject: ch.Subject,
			Detail:  ch.Detail,
			URI:     rootURI(root, ch.Path),
			Range:   lspRange(ch.Range),
		})
	}
	for _, t := range p.Tasks {
		deps := t.DependsOn
		if deps == nil {
			deps = []string{}
		}
		m.Tasks = append(m.Tasks, TaskMsg{ID: t.ID, Kind: string(t.Kind), Target: t.Target, DependsOn: deps, Reason: t.Reason})
	}
	return m
}

func resultMsg(r coordinator.PlanResult) ResultMsg {
	m := ResultMsg{PlanID: r.PlanID, DurationMs: millis(r.Duration), Tasks: make([]TaskResultMsg, 0, len(r.Tasks))}
	for _, t := range r.Tasks {
		m.Tasks = append(m.Tasks, TaskResultMsg{
			ID:         t.ID,
			Kind:       string(t.Kind),
			Status:     string(t.Status),
			DurationMs: millis(t.Duration),
			Message:    t.Message,
		})
	}
	return m
}

// millis is a duration in milliseconds with microsecond precision.
func millis(d time.Duration) float64 {
	return math.Round(float64(d)/float64(time.Microsecond)) / 1000
}

func lspPos(p facts.Pos) protocol.Position {
	return protocol.Position{Line: nonNeg(p.Line), Character: nonNeg(p.Char)}
}

func lspRange(r facts.Range) protocol.Range {
	return protocol.Range{Start: lspPos(r.Start), End: lspPos(r.End)}
}

func factsRange(r protocol.Range) facts.Range {
	return facts.Range{
		Start: facts.Pos{Line: int(r.Start.Line), Char: int(r.Start.Character)},
		End:   facts.Pos{Line: int(r.End.Line), Char: int(r.End.Character)},
	}
}

func nonNeg(n int) uint32 {
	if n < 0 {
		return 0
	}
	if n > math.MaxUint32 {
		return math.MaxUint32
	}
	return uint32(n)
}

// lspDiagnostics converts an engine's diagnostics; related paths are
// workspace-relative to root. The result is never nil (pitfall 2).
func lspDiagnostics(root string, ds []facts.Diagnostic) []protocol.Diagnostic {
	out := make([]protocol.Diagnostic, 0, len(ds))
	for _, d := range ds {
		out = append(out, lspDiagnostic(root, d))
	}
	return out
}

func lspDiagnostic(root string, d facts.Diagnostic) protocol.Diagnostic {
	sev := protocol.DiagnosticSeverity(d.Severity)
	if sev < protocol.DiagnosticSeverityError || sev > protocol.DiagnosticSeverityHint {
		sev = protocol.DiagnosticSeverityError
	}
	pd := protocol.Diagnostic{
		Range:    lspRange(d.Range),
		Severity: sev,
		Source:   DiagnosticSource,
		Message:  d.Message,
	}
	if d.Code != "" {
		pd.Code = d.Code
	}
	for _, r := range d.Related {
		pd.RelatedInformation = append(pd.RelatedInformation, protocol.DiagnosticRelatedInformation{
			Location: protocol.Location{URI: protocol.DocumentURI(rootURI(root, r.Path)), Range: lspRange(r.Range)},
			Message:  r.Message,
		})
	}
	return pd
}
