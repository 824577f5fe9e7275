package lsp

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"go.lsp.dev/protocol"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/reload/coordinator"
	"github.com/farm-stack/farm-lsp/reload/executor"
	"github.com/farm-stack/farm-lsp/reload/plan"
)

// progressInterval is the least time between two reports of one token.
const progressInterval = 100 * time.Millisecond

// notifier turns what engines report into notifications. It is shared by
// every root's sink; calls only convert and enqueue on the outbox.
type notifier struct {
	c *conn

	mu        sync.Mutex
	published map[string]string         // uri → last published diagnostics JSON
	progress  map[string]*progressState // token → state
	closed    bool
}

type progressState struct {
	lastReport time.Time
	failed     bool // the client refused window/workDoneProgress/create
	// created is set once the client answered window/workDoneProgress/create;
	// until then the token's $/progress values are held, in order.
	created bool
	held    []any
	viaLog  bool // begun as window/logMessage lines
	// pending is the newest throttled report; a timer sends it when the
	// interval is over unless a later report or the end came first.
	pending *coordinator.Progress
	timer   func() bool // stops the pending timer; nil when none
}

func newNotifier(c *conn) *notifier {
	return &notifier{c: c, published: map[string]string{}, progress: map[string]*progressState{}}
}

// close stops pending progress timers; later events are dropped.
func (n *notifier) close() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.closed = true
	for _, st := range n.progress {
		if st.timer != nil {
			st.timer()
			st.timer = nil
		}
	}
	n.progress = map[string]*progressState{}
}

// rootSink is the coordinator.Sink of one root.
type rootSink struct {
	n    *notifier
	root string
}

var _ coordinator.Sink = (*rootSink)(nil)

// Plan implements coordinator.Sink: farm/reloadPlan.
func (s *rootSink) Plan(root string, p plan.Plan) {
	if root == "" {
		root = s.root
	}
	s.n.c.out.notify(MethodReloadPlan, planMsg(root, p))
}

// Result implements coordinator.Sink: farm/reloadResult.
func (s *rootSink) Result(_ string, r coordinator.PlanResult) {
	s.n.c.out.notify(MethodReloadResult, resultMsg(r))
}

// TaskResult implements coordinator.Sink: farm/taskResult.
func (s *rootSink) TaskResult(_, planID string, r executor.TaskResult) {
	s.n.c.out.notify(MethodTaskResult, taskDoneMsg(planID, r))
}

// Diagnostics implements coordinator.Sink: textDocument/publishDiagnostics,
// skipped when the set for the URI is the one last published.
func (s *rootSink) Diagnostics(absPath string, diags []facts.Diagnostic) {
	s.n.diagnostics(s.root, absPath, diags)
}

// Progress implements coordinator.Sink.
func (s *rootSink) Progress(_ string, p coordinator.Progress) { s.n.progressEvent(p) }

// Message implements coordinator.Sink.
func (s *rootSink) Message(level slog.Level, text string, show bool) {
	s.n.message(level, text, show)
}

func (n *notifier) diagnostics(root, absPath string, diags []facts.Diagnostic) {
	uri := URIFromPath(absPath)
	pd := lspDiagnostics(root, diags)
	key, err := json.Marshal(pd)
	if err != nil {
		n.c.log.Error("lsp: marshal diagnostics", "error", err)
		return
	}
	params := PublishDiagnosticsParams{URI: uri, Diagnostics: pd}
	// The version is the latest one the editor sent for the open document
	// (the engine does not say which text it analysed; it handles edits in
	// order, so the latest is the best claim). It is sent even when 0
	// (Neovim opens at 0) and left out for files that are not open.
	if v, ok := n.c.st.docVersion(absPath); ok {
		params.Version = &v
	}
	n.mu.Lock()
	if prev, ok := n.published[uri]; ok && prev == string(key) {
		n.mu.Unlock()
		return
	}
	n.published[uri] = string(key)
	// Enqueue under the lock so the order of publications matches the
	// order of the cache updates.
	n.c.out.notify(protocol.MethodTextDocumentPublishDiagnostics, &params)
	n.mu.Unlock()
}

func (n *notifier) progressEvent(p coordinator.Progress) {
	caps := n.c.st.capabilities()
	now := n.c.now()
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return
	}
	st := n.progress[p.Token]
	switch p.Kind {
	case coordinator.ProgressBegin:
		// The first report always goes out; later ones at most every
		// progressInterval.
		st = &progressState{viaLog: !caps.workDoneProgress}
		n.progress[p.Token] = st
		if st.viaLog {
			n.logProgress(p)
			return
		}
		token := p.Token
		n.c.out.call(protocol.MethodWorkDoneProgressCreate,
			&protocol.WorkDoneProgressCreateParams{Token: *protocol.NewProgressToken(token)},
			func(err error) {
				n.mu.Lock()
				defer n.mu.Unlock()
				st.created = true
				held := st.held
				st.held = nil
				if err != nil {
					st.failed = true
					n.c.log.Debug("lsp: client refused progress token", "token", token, "error", err)
					return
				}
				for _, v := range held {
					n.sendProgress(st, token, v)
				}
			})
		begin := &protocol.WorkDoneProgressBegin{Kind: protocol.WorkDoneProgressKindBegin, Title: p.Title, Message: p.Message}
		if p.Percent >= 0 {
			begin.Percentage = uint32(min(p.Percent, 100))
		}
		n.sendProgress(st, token, begin)
	case coordinator.ProgressReport:
		if st == nil {
			return // report without begin
		}
		if wait := progressInterval - now.Sub(st.lastReport); !st.lastReport.IsZero() && wait > 0 {
			// Throttled: keep the newest and send it when the interval is
			// over, unless a later report or the end supersedes it.
			st.pending = &p
			if st.timer == nil {
				token := p.Token
				st.timer = n.c.after(wait, func() { n.flushProgress(token, st) })
			}
			return
		}
		n.report(st, p, now)
	case coordinator.ProgressEnd:
		if st == nil {
			return
		}
		delete(n.progress, p.Token)
		if st.timer != nil {
			st.timer()
			st.timer = nil
		}
		st.pending = nil
		if st.viaLog {
			n.logProgress(p)
			return
		}
		n.sendProgress(st, p.Token, &protocol.WorkDoneProgressEnd{Kind: protocol.WorkDoneProgressKindEnd, Message: p.Message})
	}
}

// report sends a report now; the caller holds n.mu.
func (n *notifier) report(st *progressState, p coordinator.Progress, now time.Time) {
	st.lastReport = now
	st.pending = nil
	if st.viaLog {
		n.logProgress(p)
		return
	}
	rep := &protocol.WorkDoneProgressReport{Kind: protocol.WorkDoneProgressKindReport, Message: p.Message}
	if p.Percent >= 0 {
		rep.Percentage = uint32(min(p.Percent, 100))
	}
	n.sendProgress(st, p.Token, rep)
}

// flushProgress sends a throttled report whose interval is over, if it is
// still the newest and its progress has not ended.
func (n *notifier) flushProgress(token string, st *progressState) {
	n.mu.Lock()
	defer n.mu.Unlock()
	st.timer = nil
	if n.progress[token] != st || st.pending == nil {
		return
	}
	n.report(st, *st.pending, n.c.now())
}

// sendProgress queues $/progress for a token unless the client refused it,
// holding it until the client has answered the token's creation; the
// caller holds n.mu.
// ProgressParams goes as a pointer: by value its token marshals as {}
// (pitfall 1).
func (n *notifier) sendProgress(st *progressState, token string, value any) {
	if !st.created {
		st.held = append(st.held, value)
		return
	}
	params := &protocol.ProgressParams{Token: *protocol.NewProgressToken(token), Value: value}
	n.c.out.push(outgoing{
		method: protocol.MethodProgress,
		params: params,
		skip: func() bool {
			n.mu.Lock()
			defer n.mu.Unlock()
			return st.failed
		},
	})
}

// logProgress is the window/logMessage form of progress for clients
// without window.workDoneProgress.
func (n *notifier) logProgress(p coordinator.Progress) {
	text := "farm: " + p.Title
	if p.Title == "" {
		text = "farm:"
	}
	if p.Message != "" {
		text += " " + p.Message
	}
	if p.Percent >= 0 && p.Kind != coordinator.ProgressEnd {
		text += fmt.Sprintf(" (%d%%)", p.Percent)
	}
	if p.Kind == coordinator.ProgressEnd {
		text += " (done)"
	}
	n.c.out.notify(protocol.MethodWindowLogMessage, &protocol.LogMessageParams{Type: protocol.MessageTypeLog, Message: text})
}

func (n *notifier) message(level slog.Level, text string, show bool) {
	t := messageType(level)
	n.c.out.notify(protocol.MethodWindowLogMessage, &protocol.LogMessageParams{Type: t, Message: text})
	if show {
		n.c.out.notify(protocol.MethodWindowShowMessage, &protocol.ShowMessageParams{Type: t, Message: text})
	}
}

func messageType(level slog.Level) protocol.MessageType {
	switch {
	case level >= slog.LevelError:
		return protocol.MessageTypeError
	case level >= slog.LevelWarn:
		return protocol.MessageTypeWarning
	case level >= slog.LevelInfo:
		return protocol.MessageTypeInfo
	}
	return protocol.MessageTypeLog
}
