package lsp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.lsp.dev/protocol"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/lsp"
	"github.com/farm-stack/farm-lsp/lsp/lsptest"
	"github.com/farm-stack/farm-lsp/reload/coordinator"
)

// call is one Engine method call the fake recorded.
type call struct {
	Op      string // open, change, save, close, fileEvent, configure, setEnabled
	Path    string
	Text    *string
	Deleted bool
	Raw     json.RawMessage
}

func (c call) String() string {
	t := "<nil>"
	if c.Text != nil {
		t = fmt.Sprintf("%q", *c.Text)
	}
	return fmt.Sprintf("%s(%s, %s, deleted=%v)", c.Op, c.Path, t, c.Deleted)
}

// fakeEngine records calls and lets tests emit Sink events. Hooks run on
// the caller's goroutine (the server's dispatcher), as the real engine's
// enqueue-and-return methods would.
type fakeEngine struct {
	root string

	mu         sync.Mutex
	calls      []call
	changed    chan struct{}
	sink       coordinator.Sink
	started    chan struct{}
	closeCount int
	enabled    bool

	onSave     func(e *fakeEngine, path string, text []byte)
	onExecute  func(ctx context.Context, command string, args []json.RawMessage) (any, error)
	onActions  func(path string, rng facts.Range) []coordinator.Action
	commands   []string
	status     coordinator.Status
	startError error
}

var _ coordinator.Engine = (*fakeEngine)(nil)

func newFakeEngine(root string) *fakeEngine {
	return &fakeEngine{root: root, changed: make(chan struct{}), started: make(chan struct{}), enabled: true,
		status: coordinator.Status{Enabled: true, QueueLength: 0, Metrics: map[string]any{"total": 0}}}
}

func (e *fakeEngine) record(c call) {
	e.mu.Lock()
	e.calls = append(e.calls, c)
	close(e.changed)
	e.changed = make(chan struct{})
	e.mu.Unlock()
}

func strp(s string) *string { return &s }

func (e *fakeEngine) Root() string { return e.root }

func (e *fakeEngine) Start(_ context.Context, sink coordinator.Sink) error {
	e.mu.Lock()
	e.sink = sink
	e.mu.Unlock()
	close(e.started)
	return e.startError
}

func (e *fakeEngine) Open(path string, text []byte) {
	e.record(call{Op: "open", Path: path, Text: strp(string(text))})
}

func (e *fakeEngine) Change(path string, text []byte) {
	e.record(call{Op: "change", Path: path, Text: strp(string(text))})
}

func (e *fakeEngine) Save(path string, text []byte) {
	c := call{Op: "save", Path: path}
	if text != nil {
		c.Text = strp(string(text))
	}
	e.record(c)
	if e.onSave != nil {
		e.onSave(e, path, text)
	}
}

func (e *fakeEngine) CloseFile(path string) { e.record(call{Op: "close", Path: path}) }

func (e *fakeEngine) FileEvent(path string, deleted bool) {
	e.record(call{Op: "fileEvent", Path: path, Deleted: deleted})
}

func (e *fakeEngine) Execute(ctx context.Context, command string, args []json.RawMessage) (any, error) {
	raw, _ := json.Marshal(args)
	e.record(call{Op: "execute", Path: command, Raw: raw})
	if e.onExecute != nil {
		return e.onExecute(ctx, command, args)
	}
	return map[string]string{"root": e.root, "command": command}, nil
}

func (e *fakeEngine) Commands() []string { return e.commands }

func (e *fakeEngine) CodeActions(path string, rng facts.Range) []coordinator.Action {
	if e.onActions != nil {
		return e.onActions(path, rng)
	}
	return nil
}

func (e *fakeEngine) Status() coordinator.Status {
	e.mu.Lock()
	defer e.mu.Unlock()
	st := e.status
	st.Enabled = e.enabled
	return st
}

func (e *fakeEngine) SetEnabled(on bool) {
	e.mu.Lock()
	e.enabled = on
	e.mu.Unlock()
}

func (e *fakeEngine) Configure(overrides json.RawMessage) error {
	e.record(call{Op: "configure", Raw: overrides})
	return nil
}

func (e *fakeEngine) Close() error {
	e.mu.Lock()
	e.closeCount++
	e.mu.Unlock()
	return nil
}

func (e *fakeEngine) closed() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.closeCount
}

// awaitCall waits for a recorded call matching pred, from index *from on,
// and advances *from past it.
func (e *fakeEngine) awaitCall(t *testing.T, from *int, pred func(call) bool) call {
	t.Helper()
	deadline := time.After(lsptest.DefaultTimeout)
	for {
		e.mu.Lock()
		for ; *from < len(e.calls); *from++ {
			if c := e.calls[*from]; pred(c) {
				*from++
				e.mu.Unlock()
				return c
			}
		}
		ch := e.changed
		e.mu.Unlock()
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("timed out waiting for an engine call in %s; calls: %v", e.root, e.callsSnapshot())
		}
	}
}

func (e *fakeEngine) callsSnapshot() []call {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]call(nil), e.calls...)
}

// sinkOf waits until Start ran and returns the sink.
func (e *fakeEngine) sinkOf(t *testing.T) coordinator.Sink {
	t.Helper()
	select {
	case <-e.started:
	case <-time.After(lsptest.DefaultTimeout):
		t.Fatalf("engine %s was never started", e.root)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.sink
}

// factory creates fake engines and remembers them by root.
type factory struct {
	mu      sync.Mutex
	engines map[string]*fakeEngine
	setup   func(*fakeEngine)
}

func newFactory(setup func(*fakeEngine)) *factory {
	return &factory{engines: map[string]*fakeEngine{}, setup: setup}
}

func (f *factory) New(root string) (coordinator.Engine, error) {
	e := newFakeEngine(root)
	if f.setup != nil {
		f.setup(e)
	}
	f.mu.Lock()
	f.engines[root] = e
	f.mu.Unlock()
	return e, nil
}

func (f *factory) get(t *testing.T, root string) *fakeEngine {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	e := f.engines[root]
	if e == nil {
		t.Fatalf("no engine for %s (have %v)", root, f.roots())
	}
	return e
}

func (f *factory) roots() []string {
	var out []string
	for r := range f.engines {
		out = append(out, r)
	}
	return out
}

// workspace makes a temp dir with farm.config.ts in each of the given
// relative dirs ("." for the top) and returns its path.
func workspace(t *testing.T, roots ...string) string {
	t.Helper()
	dir := t.TempDir()
	dir, err := filepath.EvalSymlinks(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range roots {
		p := filepath.Join(dir, r)
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(p, lsp.ConfigFile), []byte("export default {}\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// workspaceB is workspace for benchmarks: dir with farm.config.ts.
func workspaceB(b *testing.B, dir string) string {
	b.Helper()
	dir, err := filepath.EvalSymlinks(dir)
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, lsp.ConfigFile), []byte("export default {}\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	return dir
}

// fixture is a server with fake engines and a client, initialized on dir.
type fixture struct {
	t   *testing.T
	dir string
	f   *factory
	c   *lsptest.Client
}

func newFixture(t *testing.T, dir string, caps protocol.ClientCapabilities, setup func(*fakeEngine)) *fixture {
	t.Helper()
	fx := &fixture{t: t, dir: dir, f: newFactory(setup)}
	fx.c = lsptest.New(t, optsFor(t, fx.f))
	if _, err := fx.c.Initialize(lsptest.URI(dir), caps); err != nil {
		t.Fatalf("initialize: %v", err)
	}
	return fx
}

// testLogger sends the server's log to the test log until the test ends.
func testLogger(t *testing.T) *slog.Logger {
	w := &testLogWriter{t: t}
	t.Cleanup(w.stop)
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testLogWriter struct {
	mu   sync.Mutex
	t    *testing.T
	done bool
}

func (w *testLogWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Logf("server: %s", strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

func (w *testLogWriter) stop() {
	w.mu.Lock()
	w.done = true
	w.mu.Unlock()
}

func optsFor(t *testing.T, f *factory) lsp.Options {
	return lsp.Options{NewEngine: f.New, Version: "test", Logger: testLogger(t)}
}
