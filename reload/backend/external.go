package backend

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/analysis/openapi"
	"github.com/farm-stack/farm-lsp/reload/executor"
	"github.com/farm-stack/farm-lsp/reload/plan"
)

// checkExternal is Run in external mode: the user's own reloader restarts
// the backend. When the change shows in the API (the static OpenAPI of the
// task's workspace state differs from the last one in operations or schema
// properties), it polls the served /openapi.json until it shows the same
// difference: the new code is live. Otherwise it checks the health URL
// once and says the reload could not be confirmed. Either way it waits at
// most StartTimeout, and never for a fixed time.
func (m *Manager) checkExternal(ctx context.Context, task plan.Task, r executor.Reporter) executor.Result {
	if res, broken := m.brokenResult(); broken {
		return res
	}
	ctx, cancel := context.WithTimeout(ctx, m.opts.StartTimeout)
	defer cancel()
	// Nothing listening: the user runs no backend, and building the
	// expected API (a whole OpenAPI document) would be wasted work.
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", m.opts.PublicAddr)
	if errors.Is(err, syscall.ECONNREFUSED) {
		return executor.Result{Status: executor.Skipped, Message: "skipped: backend not reachable at " + m.opts.PublicAddr + startHint(m.opts.PublicAddr)}
	}
	if err == nil {
		conn.Close()
	}
	want, confirmable := m.expectedAPI(task)
	base := "http://" + m.opts.PublicAddr
	url := base + m.opts.HealthPath
	if confirmable {
		url = base + "/openapi.json"
	}
	r.Report("checking "+url, 50)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	var last error
	stale := false // the served API was read and lacks the change
	for {
		status, body, err := m.fetch(ctx, url)
		switch {
		case err == nil && confirmable && status == http.StatusNotFound:
			// The app serves no /openapi.json: nothing to confirm with.
			confirmable, url = false, base+m.opts.HealthPath
			continue
		case err == nil && status < 400 && !confirmable:
			return executor.Result{Status: executor.OK, Message: fmt.Sprintf(
				"backend at %s healthy (this change does not show in its API, so the reload is not confirmed)", m.opts.PublicAddr)}
		case err == nil && status < 400:
			served, perr := apiShapeOf(body)
			if perr == nil && want.matches(served) {
				m.confirmed(task)
				return executor.Result{Status: executor.OK, Message: fmt.Sprintf(
					"backend at %s serves the new API (%s)", m.opts.PublicAddr, want.describe())}
			}
			stale, last = true, fmt.Errorf("waiting for %s", want.describe())
		case err == nil && status >= 500:
			return executor.Result{Status: executor.Failed, Message: fmt.Sprintf("backend at %s answers %s with HTTP %d", m.opts.PublicAddr, url[len(base):], status)}
		case err == nil:
			return executor.Result{Status: executor.Failed, Message: fmt.Sprintf("backend at %s answers %s with HTTP %d (check development.backend.health)", m.opts.PublicAddr, url[len(base):], status)}
		case errors.Is(err, syscall.ECONNREFUSED):
			// A reloader keeps its socket while it restarts: nothing
			// listening means the user is not running a backend.
			return executor.Result{Status: executor.Skipped, Message: "skipped: backend not reachable at " + m.opts.PublicAddr + startHint(m.opts.PublicAddr)}
		case ctx.Err() == nil || !stale:
			last = err
		}
		select {
		case <-ctx.Done():
			msg := fmt.Sprintf("backend at %s not responding: %v", m.opts.PublicAddr, last)
			if stale {
				msg = fmt.Sprintf("backend at %s still serves the previous API after %s (%v): is it running with --reload?",
					m.opts.PublicAddr, m.opts.StartTimeout, last)
			}
			return executor.Result{Status: executor.Failed, Message: msg, Transient: true}
		case <-tick.C:
		}
	}
}

// expectedAPI is what the served API must show for the task's change: the
// difference between the static OpenAPI of the last confirmed state and of
// the task's state. ok is false when there is no such difference (or no
// state to compare).
func (m *Manager) expectedAPI(task plan.Task) (apiDelta, bool) {
	if task.State == nil || !apiRelevant(task.Changes) {
		return apiDelta{}, false
	}
	var doc *openapi.Document
	if m.opts.Document != nil {
		doc = m.opts.Document(task.State)
	} else {
		m.extMu.Lock()
		if m.apiBuilder == nil {
			m.apiBuilder = openapi.NewBuilder()
		}
		builder := m.apiBuilder
		m.extMu.Unlock()
		doc, _ = builder.Build(task.State.Snapshot.Python(), openapi.Options{Pydantic: 2})
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return apiDelta{}, false
	}
	cur, err := apiShapeOf(b)
	if err != nil {
		return apiDelta{}, false
	}
	m.extMu.Lock()
	prev := m.lastAPI
	m.pendingAPI = &cur
	m.extMu.Unlock()
	if prev == nil {
		// Nothing confirmed yet: compare with the API at start (computed
		// once; it stays the baseline until a check confirms).
		m.extMu.Lock()
		if !m.initDone {
			m.initAPI, m.initDone = m.initialAPI(), true
		}
		prev = m.initAPI
		m.extMu.Unlock()
		if prev == nil {
			return apiDelta{}, false
		}
	}
	d := diffAPI(*prev, cur)
	return d, !d.empty()
}

// apiRelevant reports whether changes may alter the backend's API: not when
// every one is a handler or validator body (nothing the API shows). A task
// without its changes (a command) may.
func apiRelevant(changes []facts.Change) bool {
	if len(changes) == 0 {
		return true
	}
	for _, c := range changes {
		switch c.Kind {
		case facts.HandlerBodyChanged, facts.ValidatorChanged:
		default:
			return true
		}
	}
	return false
}

// initialAPI is the static API of the workspace when the manager started.
func (m *Manager) initialAPI() *apiShape {
	var doc *openapi.Document
	switch {
	case m.opts.Document != nil && m.opts.InitialState != nil:
		doc = m.opts.Document(m.opts.InitialState)
	case m.opts.Document == nil && m.opts.InitialFiles != nil:
		doc, _ = openapi.Build(m.opts.InitialFiles, openapi.Options{Pydantic: 2})
	default:
		return nil
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return nil
	}
	s, err := apiShapeOf(b)
	if err != nil {
		return nil
	}
	return &s
}

// confirmed makes the task's API the baseline of the next check.
func (m *Manager) confirmed(plan.Task) {
	m.extMu.Lock()
	if m.pendingAPI != nil {
		m.lastAPI, m.pendingAPI = m.pendingAPI, nil
	}
	m.extMu.Unlock()
}

// apiShape is what a check compares of an OpenAPI document: its operations
// ("GET /users/{id}") and each schema's property names.
type apiShape struct {
	ops   map[string]bool
	props map[string]string // schema name → sorted property names, comma-joined
}

func apiShapeOf(b []byte) (apiShape, error) {
	var doc struct {
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Schemas map[string]struct {
				Properties map[string]json.RawMessage `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return apiShape{}, fmt.Errorf("openapi.json: %w", err)
	}
	s := apiShape{ops: map[string]bool{}, props: map[string]string{}}
	for p, item := range doc.Paths {
		for method := range item {
			switch method {
			case "get", "put", "post", "delete", "options", "head", "patch", "trace":
				s.ops[strings.ToUpper(method)+" "+p] = true
			}
		}
	}
	for name, sc := range doc.Components.Schemas {
		names := make([]string, 0, len(sc.Properties))
		for n := range sc.Properties {
			names = append(names, n)
		}
		slices.Sort(names)
		s.props[name] = strings.Join(names, ",")
	}
	return s, nil
}

// apiDelta is what changed between two static APIs.
type apiDelta struct {
	added, removed []string          // operations
	props          map[string]string // schema → its new property names
}

func diffAPI(prev, cur apiShape) apiDelta {
	d := apiDelta{props: map[string]string{}}
	for op := range cur.ops {
		if !prev.ops[op] {
			d.added = append(d.added, op)
		}
	}
	for op := range prev.ops {
		if !cur.ops[op] {
			d.removed = append(d.removed, op)
		}
	}
	for name, p := range cur.props {
		if old, ok := prev.props[name]; ok && old != p {
			d.props[name] = p
		}
	}
	slices.Sort(d.added)
	slices.Sort(d.removed)
	return d
}

func (d apiDelta) empty() bool { return len(d.added)+len(d.removed)+len(d.props) == 0 }

// matches reports whether a served API shows the difference. A schema the
// served API does not have (named differently, or not reached by a route)
// cannot be compared and is not waited for.
func (d apiDelta) matches(served apiShape) bool {
	for _, op := range d.added {
		if !served.ops[op] {
			return false
		}
	}
	for _, op := range d.removed {
		if served.ops[op] {
			return false
		}
	}
	for name, p := range d.props {
		if got, ok := served.props[name]; ok && got != p {
			return false
		}
	}
	return true
}

func (d apiDelta) describe() string {
	var parts []string
	for _, op := range d.added {
		parts = append(parts, "+"+op)
	}
	for _, op := range d.removed {
		parts = append(parts, "-"+op)
	}
	names := make([]string, 0, len(d.props))
	for n := range d.props {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		parts = append(parts, n+" fields")
	}
	if len(parts) > 4 {
		parts = append(parts[:4], fmt.Sprintf("%d more", len(parts)-4))
	}
	return strings.Join(parts, ", ")
}

// fetch GETs url once, returning the status code and body (at most 16 MB).
func (m *Manager) fetch(ctx context.Context, url string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, nil, fmt.Errorf("health request: %w", err)
	}
	resp, err := m.client.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("health request: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return 0, nil, fmt.Errorf("health request: %w", err)
	}
	return resp.StatusCode, body, nil
}

// probe GETs url once, returning the status code.
func (m *Manager) probe(ctx context.Context, url string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, fmt.Errorf("health request: %w", err)
	}
	resp, err := m.client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("health request: %w", err)
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// startHint says how to run the backend farm-lsp found no one running at
// addr, and what to install for it.
func startHint(addr string) string {
	port := "8000"
	if _, p, err := net.SplitHostPort(addr); err == nil {
		port = p
	}
	return " — start it in the API directory: `python3 -m uvicorn src.main:app --reload --port " + port + "`" +
		" (" + serverInstall + "), or set development.backend in farm.config.ts and farm-lsp runs it"
}

// serverInstall names how to install the backend's server packages.
const serverInstall = "needs FastAPI and uvicorn: `apt-get install -y python3-fastapi python3-uvicorn` on Debian/Ubuntu, else `pip install fastapi uvicorn`"
