package lsp_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/lsp"
	"github.com/farm-stack/farm-lsp/lsp/lsptest"
	"github.com/farm-stack/farm-lsp/reload/coordinator"
)

func TestInitializeCapabilities(t *testing.T) {
	dir := workspace(t, ".")
	f := newFactory(func(e *fakeEngine) { e.commands = []string{"farm.status", "farm.extra"} })
	c := lsptest.New(t, lsp.Options{NewEngine: f.New, Version: "1.2.3"})
	raw, err := c.RequestRaw(protocol.MethodInitialize, &protocol.InitializeParams{
		RootURI:               protocol.DocumentURI(lsptest.URI(dir)),
		InitializationOptions: map[string]any{"debounceMs": 50},
	})
	if err != nil {
		t.Fatalf("initialize: %v", err)
	}
	var res struct {
		Capabilities struct {
			TextDocumentSync       json.RawMessage `json:"textDocumentSync"`
			CodeActionProvider     json.RawMessage `json:"codeActionProvider"`
			ExecuteCommandProvider struct {
				Commands []string `json:"commands"`
			} `json:"executeCommandProvider"`
			Workspace struct {
				WorkspaceFolders struct {
					Supported           bool `json:"supported"`
					ChangeNotifications bool `json:"changeNotifications"`
				} `json:"workspaceFolders"`
			} `json:"workspace"`
		} `json:"capabilities"`
		ServerInfo protocol.ServerInfo `json:"serverInfo"`
	}
	if err := json.Unmarshal(raw, &res); err != nil {
		t.Fatal(err)
	}
	// An options object, never a bare number (LSP.md).
	var sync map[string]any
	if err := json.Unmarshal(res.Capabilities.TextDocumentSync, &sync); err != nil {
		t.Fatalf("textDocumentSync is not an object: %s", res.Capabilities.TextDocumentSync)
	}
	wantSync := map[string]any{"openClose": true, "change": float64(1), "save": map[string]any{"includeText": true}}
	if !reflect.DeepEqual(sync, wantSync) {
		t.Errorf("textDocumentSync = %v, want %v", sync, wantSync)
	}
	if len(res.Capabilities.CodeActionProvider) == 0 || string(res.Capabilities.CodeActionProvider) == "false" {
		t.Errorf("codeActionProvider missing: %s", res.Capabilities.CodeActionProvider)
	}
	for _, cmd := range append(slices.Clone(lsp.Commands), "farm.extra") {
		if !slices.Contains(res.Capabilities.ExecuteCommandProvider.Commands, cmd) {
			t.Errorf("executeCommandProvider lacks %q: %v", cmd, res.Capabilities.ExecuteCommandProvider.Commands)
		}
	}
	if !res.Capabilities.Workspace.WorkspaceFolders.Supported || !res.Capabilities.Workspace.WorkspaceFolders.ChangeNotifications {
		t.Errorf("workspaceFolders = %+v", res.Capabilities.Workspace.WorkspaceFolders)
	}
	if res.ServerInfo.Name != "farm-lsp" || res.ServerInfo.Version != "1.2.3" {
		t.Errorf("serverInfo = %+v", res.ServerInfo)
	}
	e := f.get(t, dir)
	from := 0
	cfg := e.awaitCall(t, &from, func(c call) bool { return c.Op == "configure" })
	if string(cfg.Raw) != `{"debounceMs":50}` {
		t.Errorf("Configure got %s", cfg.Raw)
	}
	// Engines start on initialized, not before.
	select {
	case <-e.started:
		t.Fatal("engine started before initialized")
	default:
	}
	c.Notify(protocol.MethodInitialized, &protocol.InitializedParams{})
	e.sinkOf(t)
}

func TestLifecycleGuard(t *testing.T) {
	dir := workspace(t, ".")
	f := newFactory(nil)
	c := lsptest.New(t, lsp.Options{NewEngine: f.New})

	err := c.Request(lsp.MethodStatus, nil, nil)
	if lsptest.Code(err) != int64(jsonrpc2.ServerNotInitialized) {
		t.Fatalf("farm/status before initialize: %v, want ServerNotInitialized", err)
	}
	err = c.Request(protocol.MethodTextDocumentCodeAction, map[string]any{}, nil)
	if lsptest.Code(err) != int64(jsonrpc2.ServerNotInitialized) {
		t.Fatalf("codeAction before initialize: %v", err)
	}
	if _, err := c.Initialize(lsptest.URI(dir), protocol.ClientCapabilities{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Initialize(lsptest.URI(dir), protocol.ClientCapabilities{}); lsptest.Code(err) != int64(jsonrpc2.InvalidRequest) {
		t.Fatalf("second initialize: %v, want InvalidRequest", err)
	}
	if err := c.Request(lsp.MethodStatus, nil, nil); err != nil {
		t.Fatalf("farm/status after initialize: %v", err)
	}
	if err := c.Request(protocol.MethodShutdown, nil, nil); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if err := c.Request(lsp.MethodStatus, nil, nil); lsptest.Code(err) != int64(jsonrpc2.InvalidRequest) {
		t.Fatalf("farm/status after shutdown: %v, want InvalidRequest", err)
	}
	if n := f.get(t, dir).closed(); n != 1 {
		t.Errorf("engine closed %d times after shutdown, want 1", n)
	}
	c.Notify(protocol.MethodExit, nil)
	if code := c.ExitCode(); code != 0 {
		t.Errorf("exit code %d, want 0", code)
	}
	if n := f.get(t, dir).closed(); n != 1 {
		t.Errorf("engine closed %d times, want exactly 1", n)
	}
}

func TestExitCodes(t *testing.T) {
	tests := []struct {
		name string
		run  func(c *lsptest.Client)
		want int
	}{
		{"shutdown then exit", func(c *lsptest.Client) {
			if err := c.Shutdown(); err != nil {
				t.Fatal(err)
			}
		}, 0},
		{"shutdown then exit with null params", func(c *lsptest.Client) {
			if err := c.Request(protocol.MethodShutdown, nil, nil); err != nil {
				t.Fatal(err)
			}
			if err := c.WriteRaw(frame(`{"jsonrpc":"2.0","method":"exit","params":null}`)); err != nil {
				t.Fatal(err)
			}
		}, 0},
		{"exit without shutdown", func(c *lsptest.Client) { c.Notify(protocol.MethodExit, nil) }, 1},
		{"connection closed without shutdown", func(c *lsptest.Client) { c.Disconnect() }, 1},
		{"exit before initialize", func(c *lsptest.Client) { c.Notify(protocol.MethodExit, nil) }, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := workspace(t, ".")
			f := newFactory(nil)
			c := lsptest.New(t, lsp.Options{NewEngine: f.New})
			if tt.name != "exit before initialize" {
				if _, err := c.Initialize(lsptest.URI(dir), protocol.ClientCapabilities{}); err != nil {
					t.Fatal(err)
				}
				f.get(t, dir).sinkOf(t)
			}
			tt.run(c)
			err := c.Wait()
			if got := lsp.ExitCode(err); got != tt.want {
				t.Errorf("exit code %d (%v), want %d", got, err, tt.want)
			}
			for _, e := range f.engines {
				if e.closed() != 1 {
					t.Errorf("engine %s closed %d times, want 1", e.root, e.closed())
				}
			}
		})
	}
}

func TestUnknownMethods(t *testing.T) {
	fx := newFixture(t, workspace(t, "."), protocol.ClientCapabilities{}, nil)
	for _, tt := range []struct {
		method string
		params any
	}{
		{"farm/nope", map[string]int{"a": 1}},
		{"farm/nope", nil},
		{protocol.MethodTextDocumentHover, map[string]any{}}, // in protocol.Server, not implemented
		{protocol.MethodTextDocumentCompletion, nil},         // ditto, no params
		{"$/somethingPrivate", []int{1, 2}},                  // array params
	} {
		err := fx.c.Request(tt.method, tt.params, nil)
		if lsptest.Code(err) != int64(jsonrpc2.MethodNotFound) {
			t.Errorf("%s(%v): %v, want MethodNotFound", tt.method, tt.params, err)
		}
	}
	// Params that do not decode are InvalidParams, not a parse error.
	if err := fx.c.Request(protocol.MethodTextDocumentCodeAction, "not an object", nil); lsptest.Code(err) != int64(jsonrpc2.InvalidParams) {
		t.Errorf("codeAction with a string param: %v, want InvalidParams", err)
	}
	if err := fx.c.Request(protocol.MethodWorkspaceExecuteCommand, []int{1}, nil); lsptest.Code(err) != int64(jsonrpc2.InvalidParams) {
		t.Errorf("executeCommand with an array param: %v, want InvalidParams", err)
	}
	fx.c.Notify("farm/unknownNotification", map[string]int{"x": 1})
	fx.c.Notify(protocol.MethodCancelRequest, map[string]any{"id": 999})
	fx.c.Notify(protocol.MethodCancelRequest, map[string]any{"id": "abc"})
	fx.c.Notify(protocol.MethodSetTrace, map[string]any{"value": "off"})
	if err := fx.c.Request(lsp.MethodStatus, nil, nil); err != nil {
		t.Fatalf("server stopped answering: %v", err)
	}
}

func TestPanicInHandlerIsRecovered(t *testing.T) {
	dir := workspace(t, ".")
	fx := newFixture(t, dir, protocol.ClientCapabilities{}, func(e *fakeEngine) {
		e.onActions = func(string, facts.Range) []coordinator.Action { panic("boom in CodeActions") }
		e.onSave = func(*fakeEngine, string, []byte) { panic("boom in Save") }
	})
	path := dir + "/backend/models/user.py"
	fx.c.Open(path, "x = 1\n")
	fx.c.Save(path, "x = 2\n") // a notification whose handler panics
	err := fx.c.Request(protocol.MethodTextDocumentCodeAction, &protocol.CodeActionParams{
		TextDocument: protocol.TextDocumentIdentifier{URI: protocol.DocumentURI(lsptest.URI(path))},
	}, nil)
	if lsptest.Code(err) != int64(jsonrpc2.InternalError) {
		t.Fatalf("codeAction with a panicking engine: %v, want InternalError", err)
	}
	var st map[string]any
	if err := fx.c.Request(lsp.MethodStatus, nil, &st); err != nil {
		t.Fatalf("connection no longer answers after a panic: %v", err)
	}
	fx.c.Change(path, "x = 3\n")
	e := fx.f.get(t, dir)
	from := 0
	e.awaitCall(t, &from, func(c call) bool { return c.Op == "change" && *c.Text == "x = 3\n" })
}

func TestDynamicWatchRegistration(t *testing.T) {
	t.Run("supported", func(t *testing.T) {
		caps := protocol.ClientCapabilities{Workspace: &protocol.WorkspaceClientCapabilities{
			DidChangeWatchedFiles: &protocol.DidChangeWatchedFilesWorkspaceClientCapabilities{DynamicRegistration: true},
		}}
		fx := newFixture(t, workspace(t, "."), caps, nil)
		m := fx.c.AwaitServerRequest(protocol.MethodClientRegisterCapability)
		var p struct {
			Registrations []struct {
				ID              string `json:"id"`
				Method          string `json:"method"`
				RegisterOptions struct {
					Watchers []struct {
						GlobPattern any     `json:"globPattern"`
						Kind        float64 `json:"kind"`
					} `json:"watchers"`
				} `json:"registerOptions"`
			} `json:"registrations"`
		}
		if err := json.Unmarshal(m.Params, &p); err != nil {
			t.Fatal(err)
		}
		if len(p.Registrations) != 1 || p.Registrations[0].Method != protocol.MethodWorkspaceDidChangeWatchedFiles {
			t.Fatalf("registrations = %s", m.Params)
		}
		w := p.Registrations[0].RegisterOptions.Watchers
		if len(w) != 1 || w[0].GlobPattern != "**/*.{py,ts,tsx,json}" || w[0].Kind != 7 {
			t.Errorf("watchers = %s", m.Params)
		}
	})
	t.Run("unsupported", func(t *testing.T) {
		fx := newFixture(t, workspace(t, "."), protocol.ClientCapabilities{}, nil)
		if err := fx.c.Request(lsp.MethodStatus, nil, nil); err != nil { // barrier: initialized handled
			t.Fatal(err)
		}
		for _, m := range fx.c.ServerRequests() {
			if m.Method == protocol.MethodClientRegisterCapability {
				t.Errorf("registration sent to a client without dynamicRegistration: %s", m.Raw)
			}
		}
	})
}

func TestDidChangeConfiguration(t *testing.T) {
	dir := workspace(t, ".")
	fx := newFixture(t, dir, protocol.ClientCapabilities{}, nil)
	fx.c.Notify(protocol.MethodWorkspaceDidChangeConfiguration, &protocol.DidChangeConfigurationParams{
		Settings: map[string]any{"farm": map[string]any{"hotReload": false}},
	})
	from := 0
	got := fx.f.get(t, dir).awaitCall(t, &from, func(c call) bool { return c.Op == "configure" })
	if string(got.Raw) != `{"farm":{"hotReload":false}}` {
		t.Errorf("Configure got %s", got.Raw)
	}
}

// TestRealClientInitialize sends initialize params as real clients do
// (Neovim 0.7.2's own capabilities, a VS Code-like set with 3.17 fields the
// library does not know, and all-null fields): each must decode, and the
// capabilities the server uses must be read from them.
func TestRealClientInitialize(t *testing.T) {
	tests := []struct {
		file          string
		roots         int
		configure     string // "" = Configure not called
		registerWatch bool
	}{
		{"neovim-0.7.2.json", 1, "", false},
		{"vscode-1.95.json", 1, `{"development":{"hotReload":{"debounceMs":50}}}`, true},
		{"nulls.json", 0, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			dir := workspace(t, ".")
			raw, err := os.ReadFile(filepath.Join("testdata", "initialize", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			params := strings.ReplaceAll(string(raw), "file:///ROOT", lsptest.URI(dir))
			params = strings.ReplaceAll(params, `"/ROOT"`, strconv.Quote(dir))
			f := newFactory(nil)
			c := lsptest.New(t, optsFor(t, f))
			if _, err := c.RequestRaw(protocol.MethodInitialize, json.RawMessage(params)); err != nil {
				t.Fatalf("initialize: %v", err)
			}
			c.Notify(protocol.MethodInitialized, map[string]any{})
			if len(f.roots()) != tt.roots {
				t.Fatalf("roots %v, want %d", f.roots(), tt.roots)
			}
			if tt.roots > 0 {
				e := f.get(t, dir)
				e.sinkOf(t)
				var cfg []string
				for _, cl := range e.callsSnapshot() {
					if cl.Op == "configure" {
						cfg = append(cfg, string(cl.Raw))
					}
				}
				if got := strings.Join(cfg, ","); got != tt.configure {
					t.Errorf("Configure calls %q, want %q", got, tt.configure)
				}
			}
			if tt.registerWatch {
				c.AwaitServerRequest(protocol.MethodClientRegisterCapability)
			}
			if err := c.Shutdown(); err != nil {
				t.Fatal(err)
			}
			if code := c.ExitCode(); code != 0 {
				t.Errorf("exit code %d", code)
			}
		})
	}
}

func TestEngineStartFailureIsShown(t *testing.T) {
	dir := workspace(t, ".")
	fx := newFixture(t, dir, protocol.ClientCapabilities{}, func(e *fakeEngine) { e.startError = errors.New("index exploded") })
	m := fx.c.AwaitNotification(protocol.MethodWindowShowMessage, nil)
	if !strings.Contains(string(m.Params), "index exploded") {
		t.Errorf("showMessage %s", m.Params)
	}
}

// TestNoGoroutineOutlivesServe checks that when Serve has returned none of
// the server's goroutines (dispatcher, outbox, commands, engine starts) is
// left. jsonrpc2's own read loop is not counted: over a pipe it ends when
// the pipe closes, which Serve does not wait for.
func TestNoGoroutineOutlivesServe(t *testing.T) {
	dir := workspace(t, ".")
	fx := newFixture(t, dir, protocol.ClientCapabilities{Window: &protocol.WindowClientCapabilities{WorkDoneProgress: true}}, func(e *fakeEngine) {
		e.onExecute = func(ctx context.Context, _ string, _ []json.RawMessage) (any, error) {
			<-ctx.Done() // a command still running at shutdown
			return nil, ctx.Err()
		}
	})
	sink := fx.f.get(t, dir).sinkOf(t)
	sink.Progress(dir, coordinator.Progress{Token: "p", Kind: coordinator.ProgressBegin, Title: "x", Percent: -1})
	sink.Progress(dir, coordinator.Progress{Token: "p", Kind: coordinator.ProgressReport, Message: "a", Percent: -1})
	sink.Progress(dir, coordinator.Progress{Token: "p", Kind: coordinator.ProgressReport, Message: "b", Percent: -1})
	go func() {
		_ = fx.c.Request(protocol.MethodWorkspaceExecuteCommand, &protocol.ExecuteCommandParams{Command: "farm.regenerate"}, nil)
	}()
	from := 0
	fx.f.get(t, dir).awaitCall(t, &from, func(c call) bool { return c.Op == "execute" })
	fx.c.Disconnect()
	if code := fx.c.ExitCode(); code != 1 {
		t.Errorf("exit code %d", code)
	}
	// A goroutine whose deferred Done already ran may still be returning
	// when Serve does: await its exit (bounded) before calling it a leak.
	var left []string
	deadline := time.Now().Add(5 * time.Second)
	for {
		left = left[:0]
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		for _, g := range strings.Split(string(buf), "\n\n") {
			if strings.Contains(g, "farm-lsp/lsp.(") && !strings.Contains(g, "TestNoGoroutineOutlivesServe") {
				left = append(left, g)
			}
		}
		if len(left) == 0 || time.Now().After(deadline) {
			break
		}
		runtime.Gosched()
	}
	for _, g := range left {
		t.Errorf("goroutine left after Serve returned:\n%s", g)
	}
}
