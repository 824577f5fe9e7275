package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"

	"github.com/farm-stack/farm-lsp/examples"
	"github.com/farm-stack/farm-lsp/lsp"
	"github.com/farm-stack/farm-lsp/lsp/wire"
	"github.com/farm-stack/farm-lsp/reload/atomicfile"
)

// demoStep is one scripted edit of the example app.
type demoStep struct {
	title string
	file  string                       // workspace-relative
	edit  func(string) (string, error) // old content -> new content
	// expect checks what came back; nil accepts anything.
	expect func(p lsp.PlanMsg, r lsp.ResultMsg, diags []protocol.Diagnostic) error
	// after narrates (and checks) something observed outside the
	// protocol, or acts on the result (a code action).
	after func(ctx context.Context, out io.Writer, env *demoEnv) error
}

// demoEnv is what a step's after may use.
type demoEnv struct {
	client  *demoClient
	root    string
	timeout time.Duration
	call    func(method string, params, result any) error
	// uri and diags are the step's file and the diagnostics published for
	// it in answer to the save.
	uri   string
	diags []protocol.Diagnostic
}

// replaceOnce returns an edit that replaces old with new exactly once.
func replaceOnce(old, new string) func(string) (string, error) {
	return func(s string) (string, error) {
		if strings.Count(s, old) != 1 {
			return "", fmt.Errorf("demo script out of date: %q occurs %d times", old, strings.Count(s, old))
		}
		return strings.Replace(s, old, new, 1), nil
	}
}

func hasChange(p lsp.PlanMsg, kind string) error {
	var kinds []string
	for _, c := range p.Changes {
		if c.Kind == kind {
			return nil
		}
		kinds = append(kinds, c.Kind)
	}
	return fmt.Errorf("expected a %s change, got %v", kind, kinds)
}

var demoSteps = []demoStep{
	{
		title: "Add a field to a Beanie Document",
		file:  "apps/api/src/models/user.py",
		edit:  replaceOnce("    login_count: int = 0\n", "    login_count: int = 0\n    phone: Optional[str] = None\n"),
		expect: func(p lsp.PlanMsg, _ lsp.ResultMsg, _ []protocol.Diagnostic) error {
			return hasChange(p, "field-added")
		},
	},
	{
		title: "Comment-only edit (cosmetic: expect an empty plan)",
		file:  "apps/api/src/models/user.py",
		edit:  replaceOnce("    phone: Optional[str] = None\n", "    # Optional while existing users are migrated.\n    phone: Optional[str] = None\n"),
		expect: func(p lsp.PlanMsg, _ lsp.ResultMsg, _ []protocol.Diagnostic) error {
			if len(p.Tasks) != 0 || len(p.Changes) != 0 {
				return fmt.Errorf("a comment-only edit planned %d change(s), %d task(s)", len(p.Changes), len(p.Tasks))
			}
			return nil
		},
	},
	{
		title: "Save with a syntax error (nothing runs; diagnostic at the line)",
		file:  "apps/api/src/models/user.py",
		edit:  replaceOnce("    phone: Optional[str] = None\n", "    phone: Optional[str = None\n"),
		expect: func(p lsp.PlanMsg, _ lsp.ResultMsg, diags []protocol.Diagnostic) error {
			if len(p.Tasks) != 0 {
				return fmt.Errorf("a broken file planned %d task(s)", len(p.Tasks))
			}
			if len(diags) == 0 {
				return errors.New("no syntax-error diagnostic published")
			}
			return nil
		},
	},
	{
		title: "Fix the syntax error (diagnostics clear; nothing changed since the last good version)",
		file:  "apps/api/src/models/user.py",
		edit:  replaceOnce("    phone: Optional[str = None\n", "    phone: Optional[str] = None\n"),
		expect: func(p lsp.PlanMsg, _ lsp.ResultMsg, diags []protocol.Diagnostic) error {
			if len(diags) != 0 {
				return fmt.Errorf("diagnostics not cleared: %v", diags)
			}
			return nil
		},
	},
	{
		title: "Change a route's signature (new query parameter)",
		file:  "apps/api/src/routes/users.py",
		edit:  replaceOnce("    role: Optional[Role] = None,\n):", "    role: Optional[Role] = None,\n    active: Optional[bool] = None,\n):"),
		expect: func(p lsp.PlanMsg, _ lsp.ResultMsg, _ []protocol.Diagnostic) error {
			return hasChange(p, "params-changed")
		},
	},
	{
		title: "Change a component's props",
		file:  "apps/web/src/components/UserCard.tsx",
		edit:  replaceOnce("  compact?: boolean;\n", "  compact?: boolean;\n  highlight?: boolean;\n"),
		expect: func(p lsp.PlanMsg, _ lsp.ResultMsg, _ []protocol.Diagnostic) error {
			return hasChange(p, "props-changed")
		},
	},
	{
		title: "Add an AI model in farm.config.ts",
		file:  "farm.config.ts",
		edit:  replaceOnce("models: ['llama3.1'],", "models: ['llama3.1', 'qwen2.5'],"),
		expect: func(p lsp.PlanMsg, _ lsp.ResultMsg, _ []protocol.Diagnostic) error {
			return hasChange(p, "ai-model-added")
		},
	},
}

// backendSteps run when the demo could start the example's backend: a
// failure only Python sees leaves the old backend serving.
func backendSteps(base string) []demoStep {
	health := func() error {
		c := http.Client{Timeout: 3 * time.Second}
		resp, err := c.Get(base + "/health")
		if err != nil {
			return fmt.Errorf("the backend stopped serving: %w", err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return fmt.Errorf("GET /health: %d", resp.StatusCode)
		}
		return nil
	}
	return []demoStep{
		{
			title: "Break the backend with an import only Python can check (the old backend keeps serving)",
			file:  "apps/api/src/routes/items.py",
			edit: func(s string) (string, error) {
				return "from .helpers import slugify  # there is no helpers module\n" + s, nil
			},
			expect: func(p lsp.PlanMsg, r lsp.ResultMsg, diags []protocol.Diagnostic) error {
				if err := health(); err != nil {
					return err
				}
				for _, t := range r.Tasks {
					if t.Kind == "backend-reload" && t.Status == "failed" {
						return nil
					}
				}
				return fmt.Errorf("backend-reload did not fail: %+v", r.Tasks)
			},
			after: func(_ context.Context, out io.Writer, _ *demoEnv) error {
				fmt.Fprintf(out, "   GET %s/health → 200 (the previous backend is still serving)\n", base)
				return nil
			},
		},
		{
			title: "Fix the import (a healthy backend swaps in; the diagnostic clears)",
			file:  "apps/api/src/routes/items.py",
			edit:  replaceOnce("from .helpers import slugify  # there is no helpers module\n", ""),
			expect: func(p lsp.PlanMsg, r lsp.ResultMsg, diags []protocol.Diagnostic) error {
				for _, t := range r.Tasks {
					if t.Kind == "backend-reload" && t.Status != "ok" {
						return fmt.Errorf("backend-reload %s: %s", t.Status, t.Message)
					}
				}
				return health()
			},
		},
	}
}

// demoBackend returns initializationOptions that let farm-lsp run the
// example's backend behind its proxy, when Debian's FastAPI and uvicorn
// are installed (the example's beanie/motor imports are served by its
// test-only shims); ok=false otherwise.
func demoBackend() (opts map[string]any, base string, ok bool) {
	const py = "/usr/bin/python3"
	if exec.Command(py, "-c", "import fastapi, uvicorn").Run() != nil {
		return nil, "", false
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", false
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return map[string]any{"development": map[string]any{
		"ports": map[string]any{"backend": port},
		"backend": map[string]any{
			"command": []string{py, "-m", "uvicorn", "src.main:app",
				"--host", "127.0.0.1", "--port", "{port}"},
			"cwd": "apps/api", "health": "/openapi.json", "startTimeoutMs": 30000,
			"env": map[string]string{"PYTHONPATH": "testing_shims"},
		},
	}}, fmt.Sprintf("http://127.0.0.1:%d", port), true
}

// planView renders a farm/reloadPlan as received over the protocol.
func planViewOf(root string, v lsp.PlanMsg) planView {
	pv := planView{ID: v.PlanID, Trigger: relURI(root, v.Trigger.URI), Err: v.Error}
	for _, c := range v.Changes {
		pv.Changes = append(pv.Changes, changeView{Kind: c.Kind, Subject: c.Subject, Detail: c.Detail,
			Path: relURI(root, c.URI), Line: int(c.Range.Start.Line) + 1})
	}
	for _, t := range v.Tasks {
		pv.Tasks = append(pv.Tasks, taskView{ID: t.ID, Kind: t.Kind, Target: t.Target, Reason: t.Reason, DependsOn: t.DependsOn})
	}
	return pv
}

func relURI(root, uri string) string {
	p, ok := lsp.PathFromURI(uri)
	if !ok {
		return uri
	}
	if r, err := filepath.Rel(root, p); err == nil {
		return filepath.ToSlash(r)
	}
	return p
}

// notification is one server→client message the demo client received.
type notification struct {
	method string
	params json.RawMessage
}

// demoClient is a minimal real LSP client over jsonrpc2: it answers the
// server's requests and queues notifications for the script to await.
type demoClient struct {
	conn jsonrpc2.Conn

	mu     sync.Mutex
	notes  []notification
	signal chan struct{}
}

func newDemoClient(ctx context.Context, rwc io.ReadWriteCloser) *demoClient {
	// wire's stream keeps one error type (jsonrpc2 v0.10.0 panics on two).
	c := &demoClient{conn: jsonrpc2.NewConn(wire.NewStream(rwc, nil)), signal: make(chan struct{}, 1)}
	c.conn.Go(ctx, func(ctx context.Context, reply jsonrpc2.Replier, req jsonrpc2.Request) error {
		if _, isCall := req.(*jsonrpc2.Call); isCall {
			// client/registerCapability, window/workDoneProgress/create, ...
			_ = reply(ctx, nil, nil) // a failed reply must not fail the conn
			return nil
		}
		c.mu.Lock()
		c.notes = append(c.notes, notification{method: req.Method(), params: append(json.RawMessage(nil), req.Params()...)})
		c.mu.Unlock()
		select {
		case c.signal <- struct{}{}:
		default:
		}
		return nil
	})
	return c
}

// await consumes the first queued (or future) notification matching pred.
func (c *demoClient) await(ctx context.Context, what string, pred func(notification) bool) (notification, error) {
	for {
		c.mu.Lock()
		for i, n := range c.notes {
			if pred(n) {
				c.notes = append(c.notes[:i:i], c.notes[i+1:]...)
				c.mu.Unlock()
				return n, nil
			}
		}
		c.mu.Unlock()
		select {
		case <-ctx.Done():
			return notification{}, fmt.Errorf("waiting for %s: %w", what, ctx.Err())
		case <-c.signal:
		}
	}
}

// drain removes queued notifications of a method and returns them.
func (c *demoClient) drain(method string) []notification {
	c.mu.Lock()
	defer c.mu.Unlock()
	var keep, out []notification
	for _, n := range c.notes {
		if n.method == method {
			out = append(out, n)
		} else {
			keep = append(keep, n)
		}
	}
	c.notes = keep
	return out
}

func demoCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("demo", stderr)
	var lf logFlags
	lf.register(fs)
	keep := fs.Bool("keep", false, "keep the temporary copy of the example app")
	timeout := fs.Duration("timeout", 30*time.Second, "how long to wait for each plan and result")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if lf.level == "info" && lf.file == "" {
		lf.level = "error" // the narration is the output; keep stderr quiet
	}
	log, closeLog, err := lf.logger(stderr)
	if err != nil {
		return err
	}
	defer closeLog()
	return runDemo(ctx, stdout, log, *keep, *timeout)
}

func runDemo(ctx context.Context, out io.Writer, log *slog.Logger, keep bool, timeout time.Duration) error {
	tmp, err := os.MkdirTemp("", "farm-lsp-demo-")
	if err != nil {
		return err
	}
	if keep {
		defer fmt.Fprintf(out, "\nThe example app is kept at %s\n", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}
	root, err := examples.CopyFarmApp(tmp)
	if err != nil {
		return err
	}
	if real, err := filepath.EvalSymlinks(root); err == nil {
		root = real
	}
	fmt.Fprintf(out, "farm-lsp %s demo — the bundled example app, copied to %s\n", version, root)
	fmt.Fprintln(out, "The real server runs in-process; this narration is a real LSP client talking JSON-RPC to it.")

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	serverSide, clientSide := net.Pipe()
	serveErr := make(chan error, 1)
	go func() { serveErr <- lsp.Serve(ctx, serverSide, serverOptions(log)) }()
	client := newDemoClient(ctx, clientSide)

	call := func(method string, params, result any) error {
		cctx, ccancel := context.WithTimeout(ctx, timeout)
		defer ccancel()
		_, err := client.conn.Call(cctx, method, params, result)
		return err
	}
	steps := demoSteps
	initOpts, base, withBackend := demoBackend()
	// The demo's own temporary copy of the bundled app: trusted, as an
	// editor declares a workspace it trusts (reload/trust).
	if initOpts == nil {
		initOpts = map[string]any{}
	}
	initOpts["trusted"] = true
	db, stopDB, err := startDemoDB(ctx, out, root)
	if err != nil {
		fmt.Fprintf(out, "The embedded dev database did not start (%v): database steps are left out.\n", err)
	} else {
		defer stopDB()
		initOpts["database"] = map[string]any{"url": db.url}
		steps = append(append([]demoStep(nil), steps...), databaseSteps(db)...)
	}
	if withBackend {
		fmt.Fprintf(out, "Debian's FastAPI is installed: farm-lsp runs the example's backend behind its proxy at %s.\n", base)
		steps = append(append([]demoStep(nil), steps...), backendSteps(base)...)
	} else {
		fmt.Fprintln(out, "FastAPI/uvicorn not installed (apt-get install python3-fastapi python3-uvicorn): backend steps are left out.")
	}
	var initResult json.RawMessage
	err = call("initialize", map[string]any{
		"initializationOptions": initOpts,
		"processId":             os.Getpid(),
		"rootUri":               lsp.URIFromPath(root),
		"capabilities": map[string]any{
			"window":    map[string]any{"workDoneProgress": true},
			"workspace": map[string]any{"didChangeWatchedFiles": map[string]any{"dynamicRegistration": true}},
			"textDocument": map[string]any{
				"synchronization":    map[string]any{"didSave": true},
				"publishDiagnostics": map[string]any{"relatedInformation": true},
			},
		},
		"clientInfo": map[string]any{"name": "farm-lsp demo"},
	}, &initResult)
	if err != nil {
		return fmt.Errorf("initialize: %w", err)
	}
	if err := client.conn.Notify(ctx, "initialized", map[string]any{}); err != nil {
		return err
	}
	wctx, wcancel := context.WithTimeout(ctx, timeout)
	n, err := client.await(wctx, "the initial index", func(n notification) bool {
		return n.method == "window/logMessage" && strings.Contains(string(n.params), "indexed")
	})
	wcancel()
	if err != nil {
		return err
	}
	var lm struct {
		Message string `json:"message"`
	}
	_ = json.Unmarshal(n.params, &lm)
	fmt.Fprintf(out, "%s\n", lm.Message)
	if withBackend {
		wctx, wcancel := context.WithTimeout(ctx, timeout)
		_, err := client.await(wctx, "the backend to start", func(n notification) bool {
			return n.method == "window/logMessage" && strings.Contains(string(n.params), "backend start:")
		})
		wcancel()
		if err != nil {
			return err
		}
		fmt.Fprintln(out, "The backend is up behind farm-lsp's proxy.")
	}

	opened := map[string]int{}
	env := &demoEnv{client: client, root: root, timeout: timeout, call: call}
	for i, step := range steps {
		if err := runStep(ctx, out, env, i+1, step, opened); err != nil {
			return fmt.Errorf("step %d (%s): %w", i+1, step.title, err)
		}
	}

	var status json.RawMessage
	if err := call("workspace/executeCommand", map[string]any{"command": "farm.status"}, &status); err != nil {
		return fmt.Errorf("farm.status: %w", err)
	}
	var st struct {
		Enabled bool `json:"enabled"`
		Metrics struct {
			Total int     `json:"total"`
			OK    int     `json:"ok"`
			P50   float64 `json:"p50Ms"`
			P95   float64 `json:"p95Ms"`
		} `json:"metrics"`
	}
	_ = json.Unmarshal(status, &st)
	fmt.Fprintf(out, "\n▶ farm.status: hot reload enabled=%v, %d plans with tasks run (%d ok), p50 %.1f ms, p95 %.1f ms\n",
		st.Enabled, st.Metrics.Total, st.Metrics.OK, st.Metrics.P50, st.Metrics.P95)

	if err := call("shutdown", nil, nil); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	_ = client.conn.Notify(ctx, "exit", nil)
	select {
	case err := <-serveErr:
		if code := lsp.ExitCode(err); code != 0 {
			return fmt.Errorf("server exited with code %d: %v", code, err)
		}
	case <-time.After(timeout):
		return errors.New("server did not exit after shutdown/exit")
	}
	fmt.Fprintln(out, "\nDemo complete: server shut down cleanly.")
	return nil
}

func runStep(ctx context.Context, out io.Writer, env *demoEnv, num int, step demoStep, opened map[string]int) error {
	client, root, timeout := env.client, env.root, env.timeout
	abs := filepath.Join(root, filepath.FromSlash(step.file))
	uri := lsp.URIFromPath(abs)
	before, err := os.ReadFile(abs)
	if err != nil {
		return err
	}
	after, err := step.edit(string(before))
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\n▶ %d. %s\n   %s\n", num, step.title, step.file)
	for _, l := range diffLines(string(before), after) {
		fmt.Fprintf(out, "     %s\n", l)
	}
	lang := map[string]string{".py": "python", ".tsx": "typescriptreact", ".ts": "typescript"}[filepath.Ext(abs)]
	version := opened[step.file]
	if version == 0 {
		version = 1
		if err := client.conn.Notify(ctx, "textDocument/didOpen", map[string]any{"textDocument": map[string]any{
			"uri": uri, "languageId": lang, "version": version, "text": string(before)}}); err != nil {
			return err
		}
	}
	version++
	opened[step.file] = version
	// An editor writes the file, then sends didChange and didSave.
	// Written whole (temp file + rename), as editors that write safely do:
	// the file watcher never sees it half-written.
	if err := atomicfile.Write(abs, []byte(after), 0o644); err != nil {
		return err
	}
	client.drain("textDocument/publishDiagnostics")
	if err := client.conn.Notify(ctx, "textDocument/didChange", map[string]any{
		"textDocument":   map[string]any{"uri": uri, "version": version},
		"contentChanges": []map[string]any{{"text": after}},
	}); err != nil {
		return err
	}
	saved := time.Now()
	if err := client.conn.Notify(ctx, "textDocument/didSave", map[string]any{
		"textDocument": map[string]any{"uri": uri}, "text": after}); err != nil {
		return err
	}

	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	n, err := client.await(wctx, "farm/reloadPlan", func(n notification) bool {
		if n.method != "farm/reloadPlan" {
			return false
		}
		var p lsp.PlanMsg
		return json.Unmarshal(n.params, &p) == nil && p.Trigger.URI == uri
	})
	if err != nil {
		return err
	}
	planAt := time.Since(saved)
	var p lsp.PlanMsg
	if err := json.Unmarshal(n.params, &p); err != nil {
		return err
	}
	n, err = client.await(wctx, "farm/reloadResult", func(n notification) bool {
		var r lsp.ResultMsg
		return n.method == "farm/reloadResult" && json.Unmarshal(n.params, &r) == nil && r.PlanID == p.PlanID
	})
	if err != nil {
		return err
	}
	resultAt := time.Since(saved)
	var r lsp.ResultMsg
	if err := json.Unmarshal(n.params, &r); err != nil {
		return err
	}
	fmt.Fprintf(out, "   farm/reloadPlan after %d ms (saves are planned at once, not debounced):\n", planAt.Milliseconds())
	printView(out, "     ", planViewOf(root, p))
	if len(r.Tasks) > 0 {
		fmt.Fprintf(out, "   farm/reloadResult after %d ms (plan ran in %.1f ms):\n", resultAt.Milliseconds(), r.DurationMs)
		for _, t := range r.Tasks {
			mark := map[string]string{"ok": "✓", "failed": "✗", "skipped": "–"}[t.Status]
			fmt.Fprintf(out, "     %s %-24s %-8s %6.1f ms  %s\n", mark, t.Kind, t.Status, t.DurationMs, t.Message)
		}
	}
	// Diagnostics for this file published in answer to the save.
	diags := latestDiagnostics(client, uri)
	if diags == nil {
		diags = []protocol.Diagnostic{}
	}
	for _, d := range diags {
		fmt.Fprintf(out, "   diagnostic %s:%d:%d [%v] %s\n", step.file, d.Range.Start.Line+1, d.Range.Start.Character+1, d.Code, d.Message)
	}
	if step.expect != nil {
		if err := step.expect(p, r, diags); err != nil {
			return err
		}
	}
	if step.after != nil {
		env.uri, env.diags = uri, diags
		if err := step.after(ctx, out, env); err != nil {
			return err
		}
	}
	return nil
}

// latestDiagnostics returns the last diagnostics published for uri since
// the save (nil when none were published).
func latestDiagnostics(c *demoClient, uri string) []protocol.Diagnostic {
	var last []protocol.Diagnostic
	found := false
	for _, n := range c.drain("textDocument/publishDiagnostics") {
		var d lsp.PublishDiagnosticsParams
		if json.Unmarshal(n.params, &d) == nil && d.URI == uri {
			last, found = d.Diagnostics, true
		}
	}
	if !found {
		return nil
	}
	return last
}

// diffLines is a tiny line diff for narration: lines removed and added.
func diffLines(a, b string) []string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	i := 0
	for i < len(al) && i < len(bl) && al[i] == bl[i] {
		i++
	}
	j := 0
	for j < len(al)-i && j < len(bl)-i && al[len(al)-1-j] == bl[len(bl)-1-j] {
		j++
	}
	var out []string
	for _, l := range al[i : len(al)-j] {
		out = append(out, "- "+l)
	}
	for _, l := range bl[i : len(bl)-j] {
		out = append(out, "+ "+l)
	}
	return out
}
