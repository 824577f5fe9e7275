package main

import (
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"go.lsp.dev/protocol"

	"github.com/farm-stack/farm-lsp/examples"
	"github.com/farm-stack/farm-lsp/lsp"
	"github.com/farm-stack/farm-lsp/lsp/lsptest"
	"github.com/farm-stack/farm-lsp/reload/trust"
)

// The script a hostile repository would put in development.backend.
const markerScript = "touch marker; sleep 30"

// tripwires are the services a workspace names, each recording whether
// farm-lsp reached it: a TCP listener at database.url (any connection, let
// alone a migration, counts), an Ollama server speaking its protocol, and
// an HTTP server at the Vite URL counting reload requests and anything else
// (the HMR socket).
type tripwires struct {
	dbConns     atomic.Int32
	ollamaReqs  atomic.Int32
	pulls       atomic.Int32
	viteReloads atomic.Int32
	viteOther   atomic.Int32 // anything else, the HMR socket included
	dbURL       string
	ollamaURL   string
	viteURL     string
}

func newTripwires(t *testing.T) *tripwires {
	t.Helper()
	w := &tripwires{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			w.dbConns.Add(1)
			conn.Close()
		}
	}()
	w.dbURL = "mongodb://" + ln.Addr().String() + "/farm_app"
	ollama := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		w.ollamaReqs.Add(1)
		switch r.URL.Path {
		case "/api/tags":
			json.NewEncoder(rw).Encode(map[string]any{"models": []map[string]string{{"name": "llama3.1:latest"}}})
		case "/api/pull":
			w.pulls.Add(1)
			json.NewEncoder(rw).Encode(map[string]any{"status": "success"})
		default:
			http.NotFound(rw, r)
		}
	}))
	t.Cleanup(ollama.Close)
	w.ollamaURL = ollama.URL
	vite := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/__farm/reload" {
			w.viteReloads.Add(1)
			rw.Header().Set("Content-Type", "application/json")
			json.NewEncoder(rw).Encode(map[string]any{"ok": true, "reloaded": 0, "clients": 0})
			return
		}
		w.viteOther.Add(1)
		http.NotFound(rw, r)
	}))
	t.Cleanup(vite.Close)
	w.viteURL = vite.URL
	return w
}

func (w *tripwires) untouched(t *testing.T) {
	t.Helper()
	if n := w.dbConns.Load(); n != 0 {
		t.Errorf("%d connection(s) to the database of an untrusted workspace", n)
	}
	if n := w.ollamaReqs.Load(); n != 0 {
		t.Errorf("%d request(s) to the Ollama of an untrusted workspace (%d pulls)", n, w.pulls.Load())
	}
	if n := w.viteReloads.Load(); n != 0 {
		t.Errorf("%d reload request(s) to the Vite plugin of an untrusted workspace", n)
	}
	if n := w.viteOther.Load(); n != 0 {
		t.Errorf("%d other request(s) (the HMR socket?) to the Vite of an untrusted workspace", n)
	}
}

// hostileApp copies the example app and points every service it names at
// the tripwires, with a managed backend running script ("": external mode).
func hostileApp(t *testing.T, w *tripwires, script string) string {
	t.Helper()
	root, err := examples.CopyFarmApp(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	root, _ = filepath.EvalSymlinks(root)
	writeHostileConfig(t, root, w, script)
	return root
}

func writeHostileConfig(t *testing.T, root string, w *tripwires, script string) {
	t.Helper()
	p := filepath.Join(root, "farm.config.ts")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	src := string(b)
	edits := map[string]string{
		"'mongodb://127.0.0.1:27017/farm_app'": "'" + w.dbURL + "'",
		"url: 'http://127.0.0.1:11434'":        "url: '" + w.ollamaURL + "'",
		"url: 'http://127.0.0.1:3000'":         "url: '" + w.viteURL + "'",
		"backend: 8000":                        "backend: " + strconv.Itoa(freePort(t)),
	}
	if script != "" { // else external mode
		edits["development: {"] = "development: {\n    backend: { command: ['sh', '-c', '" + script +
			"'], cwd: '.', startTimeoutMs: 1000 },"
	}
	for old, new := range edits {
		if !strings.Contains(src, old) {
			t.Fatalf("the example's farm.config.ts lacks %q", old)
		}
		src = strings.Replace(src, old, new, 1)
	}
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
}

// trustSession starts the production server on root. The client answers
// window/showMessageRequest with *answer (nil: null, the message
// dismissed) and counts the questions.
func trustSession(t *testing.T, root string, initOpts any, answer *atomic.Pointer[string]) (*lsptest.Client, *atomic.Int32) {
	t.Helper()
	c := lsptest.New(t, serverOptions(slog.New(slog.DiscardHandler)))
	var asked atomic.Int32
	c.HandleServerRequests(func(method string, params json.RawMessage) (any, *lsptest.RespError) {
		if method != protocol.MethodWindowShowMessageRequest {
			return nil, nil
		}
		asked.Add(1)
		if a := answer.Load(); a != nil {
			return protocol.MessageActionItem{Title: *a}, nil
		}
		return nil, nil
	})
	if _, err := c.InitializeWith(&protocol.InitializeParams{
		RootURI:               protocol.DocumentURI(lsptest.URI(root)),
		Capabilities:          protocol.ClientCapabilities{Window: &protocol.WindowClientCapabilities{WorkDoneProgress: true}},
		InitializationOptions: initOpts,
	}); err != nil {
		t.Fatal(err)
	}
	c.Notify("initialized", map[string]any{})
	c.AwaitLog("indexed")
	return c, &asked
}

func endSession(t *testing.T, c *lsptest.Client) {
	t.Helper()
	if err := c.Shutdown(); err != nil {
		t.Fatal(err)
	}
	if err := c.Wait(); err != nil && lsp.ExitCode(err) != 0 {
		t.Fatalf("serve: %v", err)
	}
}

// question returns the text of the n-th (1-based) showMessageRequest.
func question(t *testing.T, c *lsptest.Client, n int) string {
	t.Helper()
	var m lsptest.Message
	for i := 0; i < n; i++ {
		m = c.AwaitServerRequest(protocol.MethodWindowShowMessageRequest)
	}
	var p protocol.ShowMessageRequestParams
	if err := json.Unmarshal(m.Params, &p); err != nil {
		t.Fatal(err)
	}
	return p.Message
}

// children lists this process's child processes (the in-process server's
// backends would be among them).
func children(t *testing.T) []string {
	t.Helper()
	self := strconv.Itoa(os.Getpid())
	var out []string
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "status"))
		if err != nil {
			continue
		}
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "PPid:"); ok && strings.TrimSpace(v) == self {
				cmd, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
				out = append(out, e.Name()+" "+strings.ReplaceAll(string(cmd), "\x00", " "))
			}
		}
	}
	return out
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

func hasDiag(code string) func(lsptest.DiagnosticsMsg) bool {
	return func(d lsptest.DiagnosticsMsg) bool {
		for _, x := range d.Diagnostics {
			if x.Code == code {
				return true
			}
		}
		return false
	}
}

// An untrusted workspace (the user dismissed the question) runs nothing it
// names, while analysis, diagnostics and generated types work; the refusal
// holds for the session; trusting starts the backend.
func TestUntrustedWorkspaceRunsNothing(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	w := newTripwires(t)
	root := hostileApp(t, w, markerScript)
	marker := filepath.Join(root, "marker")
	var answer atomic.Pointer[string] // nil: dismissed
	c, asked := trustSession(t, root, nil, &answer)

	// The first side effect, the backend start, asks, showing what runs.
	q := question(t, c, 1)
	for _, want := range []string{"backend command: sh -c '" + markerScript + "'", "in directory: " + root, w.dbURL,
		"Ollama at " + w.ollamaURL + ": pull/unload models llama3.1", w.viteURL} {
		if !strings.Contains(q, want) {
			t.Errorf("the question lacks %q:\n%s", want, q)
		}
	}
	c.AwaitLog("backend start: skipped: workspace not trusted")
	cfgURI := lsptest.URI(filepath.Join(root, "farm.config.ts"))
	d := c.AwaitDiagnostics(cfgURI, hasDiag("workspace-untrusted"))
	for _, x := range d.Diagnostics {
		if x.Code == "workspace-untrusted" && !strings.Contains(x.Message, "sh -c '"+markerScript+"'") {
			t.Errorf("untrusted diagnostic: %s", x.Message)
		}
	}

	// A model edit: planned, the types written, every side effect skipped.
	rel := "apps/api/src/models/user.py"
	text := strings.Replace(read(t, root, rel), "    login_count: int = 0\n", "    login_count: int = 0\n    nickname: str = \"x\"\n", 1)
	abs := save(t, c, root, rel, text)
	p, r := planFor(c, abs)
	for _, k := range []string{"database-schema-update", "backend-reload", "frontend-hmr"} {
		if !hasTask(p, k) {
			t.Fatalf("plan lacks %s: %+v", k, p.Tasks)
		}
		if st, msg := taskOutcome(r, k); st != "skipped" || msg != "workspace not trusted" {
			t.Errorf("%s: %s %q, want skipped: workspace not trusted", k, st, msg)
		}
	}
	if st, msg := taskOutcome(r, "type-generation"); st != "ok" {
		t.Fatalf("type-generation untrusted: %s %s", st, msg)
	}
	if types := read(t, root, "apps/web/src/types/models/index.ts"); !strings.Contains(types, "nickname") {
		t.Fatal("generated types lack the new field")
	}
	// An explicit command does not ask again either.
	if err := c.Request("workspace/executeCommand", map[string]any{"command": "farm.restartBackend"}, nil); err == nil ||
		!strings.Contains(err.Error(), "workspace not trusted") {
		t.Errorf("farm.restartBackend untrusted: %v", err)
	}
	if n := asked.Load(); n != 1 {
		t.Fatalf("asked %d times; a refusal holds for the session", n)
	}
	var st struct {
		Trust *trust.State `json:"trust"`
	}
	if err := c.Request("farm/status", nil, &st); err != nil || st.Trust == nil || st.Trust.Trusted || st.Trust.Reason != "refused" {
		t.Errorf("farm/status trust = %+v (%v), want untrusted: refused", st.Trust, err)
	}

	// A model added to farm.config.ts changes what would run: asked again,
	// refused again, not pulled.
	cfg := read(t, root, "farm.config.ts")
	abs = save(t, c, root, "farm.config.ts", strings.Replace(cfg, "models: ['llama3.1'],", "models: ['llama3.1', 'qwen2.5'],", 1))
	_, r = planFor(c, abs)
	if st, msg := taskOutcome(r, "ai-model-reload"); st != "skipped" || msg != "workspace not trusted" {
		t.Errorf("ai-model-reload: %s %q", st, msg)
	}
	if q := question(t, c, 1); !strings.Contains(q, "models llama3.1, qwen2.5") {
		t.Errorf("second question:\n%s", q)
	}

	if exists(marker) {
		t.Fatal("the backend command ran in an untrusted workspace")
	}
	if kids := children(t); len(kids) > 0 {
		t.Fatalf("child processes of an untrusted workspace: %v", kids)
	}
	w.untouched(t)

	// "Trust this workspace" is offered on farm.config.ts and starts the backend.
	var actions []protocol.CodeAction
	if err := c.Request("textDocument/codeAction", map[string]any{
		"textDocument": map[string]string{"uri": cfgURI},
		"range":        map[string]any{"start": map[string]int{"line": 0, "character": 0}, "end": map[string]int{"line": 0, "character": 0}},
		"context":      map[string]any{"diagnostics": []any{}},
	}, &actions); err != nil {
		t.Fatal(err)
	}
	var trustCmd *protocol.Command
	for _, a := range actions {
		if a.Title == trust.ActionTrust && a.Command != nil {
			trustCmd = a.Command
		}
	}
	if trustCmd == nil || trustCmd.Command != "farm.trust" {
		t.Fatalf("no %q action on farm.config.ts: %+v", trust.ActionTrust, actions)
	}
	if err := c.Request("workspace/executeCommand", map[string]any{"command": trustCmd.Command}, nil); err != nil {
		t.Fatal(err)
	}
	c.AwaitLog("backend start: failed") // the script never answers its health check
	if !exists(marker) {
		t.Fatal("trusting did not start the backend")
	}
	c.AwaitDiagnostics(cfgURI, func(d lsptest.DiagnosticsMsg) bool { return !hasDiag("workspace-untrusted")(d) })
	endSession(t, c)
}

// An allow is remembered per workspace and settings: the next session runs
// without asking, a changed command asks again; `farm-lsp trust` and a
// client's own declaration count as allows.
func TestTrustRememberedPerCommand(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	w := newTripwires(t)
	root := hostileApp(t, w, markerScript)
	marker := filepath.Join(root, "marker")
	yes := trust.ActionTrust
	var answer atomic.Pointer[string]
	answer.Store(&yes)

	c, asked := trustSession(t, root, nil, &answer)
	question(t, c, 1)
	c.AwaitLog("backend start: failed")
	if !exists(marker) {
		t.Fatal("trusted, but the backend did not start")
	}
	endSession(t, c)
	os.Remove(marker)

	c, asked = trustSession(t, root, nil, &answer)
	c.AwaitLog("backend start: failed")
	if n := asked.Load(); n != 0 || !exists(marker) {
		t.Fatalf("remembered allow: asked %d times, marker %v", n, exists(marker))
	}
	endSession(t, c)
	os.Remove(marker)

	// The same repository now runs another command: asked again.
	writeHostileConfigScript(t, root, markerScript, "touch marker2; sleep 30")
	answer.Store(nil)
	c, _ = trustSession(t, root, nil, &answer)
	if q := question(t, c, 1); !strings.Contains(q, "touch marker2; sleep 30") {
		t.Fatalf("question for the changed command:\n%s", q)
	}
	c.AwaitLog("backend start: skipped: workspace not trusted")
	endSession(t, c)
	if exists(filepath.Join(root, "marker2")) {
		t.Fatal("a changed command ran on the old allow")
	}

	// `farm-lsp trust` allows it from a shell: no question next time.
	if code, out, errs := runCLI(t, "trust", "--root", root); code != 0 || !strings.Contains(out, "touch marker2") {
		t.Fatalf("farm-lsp trust: %d %s %s", code, out, errs)
	}
	c, asked = trustSession(t, root, nil, &answer)
	c.AwaitLog("backend start: failed")
	if n := asked.Load(); n != 0 || !exists(filepath.Join(root, "marker2")) {
		t.Fatalf("after farm-lsp trust: asked %d times", n)
	}
	endSession(t, c)

	// A client that declares the workspace trusted is never asked; one that
	// declares it untrusted (VS Code's Restricted Mode) is not asked either.
	if code, _, _ := runCLI(t, "trust", "--root", root, "--revoke"); code != 0 {
		t.Fatal("revoke failed")
	}
	os.Remove(filepath.Join(root, "marker2"))
	c, asked = trustSession(t, root, map[string]any{"trusted": false}, &answer)
	c.AwaitLog("backend start: skipped: workspace not trusted")
	if n := asked.Load(); n != 0 || exists(filepath.Join(root, "marker2")) {
		t.Fatalf("trusted: false: asked %d times", n)
	}
	endSession(t, c)
	c, asked = trustSession(t, root, trusted(nil), &answer)
	c.AwaitLog("backend start: failed")
	if n := asked.Load(); n != 0 || !exists(filepath.Join(root, "marker2")) {
		t.Fatalf("trusted: true: asked %d times", n)
	}
	endSession(t, c)
}

// A database that is not on this machine is not migrated automatically,
// even trusted, and farm.config.ts says which host.
func TestRemoteDatabaseNotMigrated(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	w := newTripwires(t)
	root := hostileApp(t, w, "")
	cfg := read(t, root, "farm.config.ts")
	remote := strings.Replace(cfg, w.dbURL, "mongodb://db.example.com:27017/farm_app", 1)
	if err := os.WriteFile(filepath.Join(root, "farm.config.ts"), []byte(remote), 0o644); err != nil {
		t.Fatal(err)
	}
	var answer atomic.Pointer[string]
	c, _ := trustSession(t, root, trusted(nil), &answer)
	cfgURI := lsptest.URI(filepath.Join(root, "farm.config.ts"))
	d := c.AwaitDiagnostics(cfgURI, hasDiag("remote-database"))
	for _, x := range d.Diagnostics {
		if x.Code == "remote-database" && (!strings.Contains(x.Message, `"db.example.com"`) || x.Range.Start.Line == 0) {
			t.Errorf("remote-database diagnostic: line %d %s", x.Range.Start.Line, x.Message)
		}
	}
	rel := "apps/api/src/models/user.py"
	abs := save(t, c, root, rel, strings.Replace(read(t, root, rel), "    login_count: int = 0\n", "    login_count: int = 0\n    nickname: str = \"x\"\n", 1))
	_, r := planFor(c, abs)
	if st, msg := taskOutcome(r, "database-schema-update"); st != "skipped" || !strings.Contains(msg, `"db.example.com" is not local`) {
		t.Errorf("database-schema-update on a remote database: %s %q", st, msg)
	}

	// allowRemote: true lets it through to the (here unreachable) server.
	withAllow := strings.Replace(remote, "database: { autoApply: 'additive' },", "database: { autoApply: 'additive', allowRemote: true },", 1)
	if withAllow == remote {
		t.Fatal("the example's hotReload.database section moved")
	}
	planFor(c, save(t, c, root, "farm.config.ts", withAllow))
	c.AwaitDiagnostics(cfgURI, func(d lsptest.DiagnosticsMsg) bool { return !hasDiag("remote-database")(d) })
	abs = save(t, c, root, rel, strings.Replace(read(t, root, rel), "    nickname: str = \"x\"\n", "    nickname: str = \"x\"\n    motto: str = \"y\"\n", 1))
	_, r = planFor(c, abs)
	if st, msg := taskOutcome(r, "database-schema-update"); strings.Contains(msg, "not local") {
		t.Errorf("allowRemote: true still refused: %s %q", st, msg)
	}
	endSession(t, c)
}

func writeHostileConfigScript(t *testing.T, root, old, new string) {
	t.Helper()
	p := filepath.Join(root, "farm.config.ts")
	b, _ := os.ReadFile(p)
	if !strings.Contains(string(b), old) {
		t.Fatalf("farm.config.ts lacks %q", old)
	}
	if err := os.WriteFile(p, []byte(strings.Replace(string(b), old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}

func taskOutcome(r lsp.ResultMsg, kind string) (status, message string) {
	for _, t := range r.Tasks {
		if t.Kind == kind {
			return t.Status, t.Message
		}
	}
	return "absent", ""
}
