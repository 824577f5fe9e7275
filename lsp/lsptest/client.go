// Package lsptest is a small LSP client for tests: it drives farm-lsp over
// an in-process net.Pipe (New) or a spawned binary's stdio (StartBinary),
// sends document events, makes requests, and awaits notifications with a
// bounded timeout — never sleeps.
//
// Await* calls return the first matching message that no earlier Await*
// call returned (each notification is handed out once), so after two saves
// two AwaitPlan calls get the two plans in order, while diagnostics of
// different files never hide each other. Raw history is available through
// Notifications, ServerRequests and Unmatched.
//
// A typical test:
//
//	c := lsptest.New(t, lsp.Options{NewEngine: newEngine})
//	if _, err := c.Initialize(lsptest.URI(root), protocol.ClientCapabilities{}); err != nil {
//		t.Fatal(err)
//	}
//	c.Open(path, before)
//	c.Change(path, after)
//	c.Save(path, after)
//	p := c.AwaitPlan(func(p lsptest.PlanMsg) bool { return p.Trigger.URI == lsptest.URI(path) })
//	c.AwaitResult(p.PlanID)
//	c.AwaitDiagnostics(lsptest.URI(path), func(d lsptest.DiagnosticsMsg) bool { return len(d.Diagnostics) == 0 })
//	if err := c.Shutdown(); err != nil { // shutdown, then exit
//		t.Fatal(err)
//	}
//	if code := c.ExitCode(); code != 0 {
//		t.Errorf("exit code %d", code)
//	}
package lsptest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.lsp.dev/protocol"

	"github.com/farm-stack/farm-lsp/lsp"
	"github.com/farm-stack/farm-lsp/lsp/wire"
)

// DefaultTimeout bounds every Await and Request unless Client.Timeout is set.
const DefaultTimeout = 10 * time.Second

// Message is a notification or request the server sent.
type Message struct {
	Seq    int             // arrival order, from 0
	Method string          // empty for an unmatched response
	ID     json.RawMessage // set for server→client requests and responses
	Params json.RawMessage
	// Unmatched responses (an error reply with id null to a malformed
	// frame, say) carry Error.
	Error *RespError
	Raw   json.RawMessage
}

// RespError is a JSON-RPC error response.
type RespError struct {
	Code    int64  `json:"code"`
	Message string `json:"message"`
}

func (e *RespError) Error() string { return fmt.Sprintf("jsonrpc error %d: %s", e.Code, e.Message) }

// Code returns the JSON-RPC error code of err, or 0 when err is not a
// *RespError.
func Code(err error) int64 {
	var re *RespError
	if errors.As(err, &re) {
		return re.Code
	}
	return 0
}

// Aliases of the server's message types.
type (
	PlanMsg        = lsp.PlanMsg
	ResultMsg      = lsp.ResultMsg
	TaskDoneMsg    = lsp.TaskDoneMsg
	DiagnosticsMsg = lsp.PublishDiagnosticsParams
)

// ProgressMsg is one $/progress notification. Token is raw so tests can
// see a token that marshalled wrong ({}).
type ProgressMsg struct {
	Token      json.RawMessage
	Kind       string
	Title      string
	Message    string
	Percentage *uint32
}

// TokenString returns the token when it is a JSON string, else "".
func (p ProgressMsg) TokenString() string {
	var s string
	_ = json.Unmarshal(p.Token, &s)
	return s
}

// ServerRequestHandler answers a request the server sends the client
// (window/workDoneProgress/create, client/registerCapability, ...).
type ServerRequestHandler func(method string, params json.RawMessage) (result any, err *RespError)

type response struct {
	result json.RawMessage
	err    *RespError
}

// Client is a test LSP client over one connection.
type Client struct {
	t       testing.TB
	rwc     io.ReadWriteCloser
	Timeout time.Duration

	wmu sync.Mutex
	seq atomic.Int64

	pmu     sync.Mutex
	pending map[string]chan response

	hmu     sync.Mutex
	handler ServerRequestHandler

	mu       sync.Mutex
	msgs     []Message // notifications, server requests, unmatched responses
	consumed map[int]bool
	free     int           // every message before it is consumed
	changed  chan struct{} // closed and replaced on every new message
	readErr  error

	vmu      sync.Mutex
	versions map[string]int32

	readDone chan struct{}
	serveErr chan error // Serve's result when in-process
	stop     func()
}

// ServeFunc runs a server over one end of a connection.
type ServeFunc func(ctx context.Context, rwc io.ReadWriteCloser) error

// New runs lsp.Serve with opts in-process over net.Pipe and returns a
// client for the other end. Cleanup closes the connection and waits for
// Serve to return.
func New(t testing.TB, opts lsp.Options) *Client {
	t.Helper()
	return NewServe(t, func(ctx context.Context, rwc io.ReadWriteCloser) error {
		return lsp.Serve(ctx, rwc, opts)
	})
}

// NewServe is New with any server function.
func NewServe(t testing.TB, serve ServeFunc) *Client {
	t.Helper()
	srvEnd, cliEnd := pipe()
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		defer srvEnd.Close()
		errc <- serve(ctx, srvEnd)
	}()
	c := Dial(t, cliEnd)
	c.serveErr = errc
	stopClient := c.stop
	c.stop = func() {
		stopClient()
		cancel()
	}
	return c
}

// Dial returns a client over an existing connection (a server's stdio,
// say). Cleanup closes rwc.
func Dial(t testing.TB, rwc io.ReadWriteCloser) *Client {
	t.Helper()
	c := &Client{
		t:        t,
		rwc:      rwc,
		pending:  map[string]chan response{},
		consumed: map[int]bool{},
		changed:  make(chan struct{}),
		versions: map[string]int32{},
		readDone: make(chan struct{}),
	}
	c.stop = func() { _ = rwc.Close() }
	go c.readLoop()
	t.Cleanup(c.cleanup)
	return c
}

func (c *Client) cleanup() {
	c.stop()
	select {
	case <-c.readDone:
	case <-time.After(c.timeout()):
		c.t.Errorf("lsptest: client reader did not stop")
	}
	if c.serveErr != nil {
		select {
		case <-c.serveErr:
		case <-time.After(c.timeout()):
			c.t.Errorf("lsptest: Serve did not return after the connection closed")
		}
	}
}

func (c *Client) timeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return DefaultTimeout
}

// HandleServerRequests replaces the default answer (a null result) to
// requests the server sends.
func (c *Client) HandleServerRequests(h ServerRequestHandler) {
	c.hmu.Lock()
	c.handler = h
	c.hmu.Unlock()
}

// Wait waits (bounded) for the in-process Serve to return and returns its
// error; use after exit or Close.
func (c *Client) Wait() error {
	c.t.Helper()
	if c.serveErr == nil {
		c.t.Fatalf("lsptest: Wait needs an in-process server (New)")
	}
	select {
	case err := <-c.serveErr:
		c.serveErr <- err // keep it for cleanup and later calls
		return err
	case <-time.After(c.timeout()):
		c.t.Fatalf("lsptest: Serve did not return within %v", c.timeout())
		return nil
	}
}

// ExitCode waits for Serve and returns lsp.ExitCode of its result.
func (c *Client) ExitCode() int {
	c.t.Helper()
	return lsp.ExitCode(c.Wait())
}

// Disconnect closes the client's end of the connection (no shutdown/exit).
func (c *Client) Disconnect() { c.stop() }

// Done is closed when the connection's read side ended.
func (c *Client) Done() <-chan struct{} { return c.readDone }

// --- writing ---------------------------------------------------------------

type wireMsg struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id,omitempty"`
	Method  string          `json:"method,omitempty"`
	Params  any             `json:"params,omitempty"`
	Result  any             `json:"result,omitempty"`
	Error   *RespError      `json:"error,omitempty"`
}

func (c *Client) write(m wireMsg) error {
	m.JSONRPC = "2.0"
	body, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("lsptest: marshal %s: %w", m.Method, err)
	}
	return c.WriteRaw(wire.Frame(body))
}

// WriteRaw writes bytes to the server as they are (malformed frames).
func (c *Client) WriteRaw(b []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if _, err := c.rwc.Write(b); err != nil {
		return fmt.Errorf("lsptest: write: %w", err)
	}
	return nil
}

// Notify sends a notification; a write error fails the test.
func (c *Client) Notify(method string, params any) {
	c.t.Helper()
	if err := c.write(wireMsg{Method: method, Params: params}); err != nil {
		c.t.Fatalf("%v", err)
	}
}

// Request sends a request and waits (bounded) for its response, decoding
// the result into result (may be nil). An error response is a *RespError.
func (c *Client) Request(method string, params, result any) error {
	raw, err := c.RequestRaw(method, params)
	if err != nil {
		return err
	}
	if result != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, result); err != nil {
			return fmt.Errorf("lsptest: decoding %s result: %w", method, err)
		}
	}
	return nil
}

// RequestRaw is Request returning the raw result.
func (c *Client) RequestRaw(method string, params any) (json.RawMessage, error) {
	id := json.RawMessage(fmt.Sprint(c.seq.Add(1)))
	ch := make(chan response, 1)
	c.pmu.Lock()
	c.pending[string(id)] = ch
	c.pmu.Unlock()
	defer func() {
		c.pmu.Lock()
		delete(c.pending, string(id))
		c.pmu.Unlock()
	}()
	if err := c.write(wireMsg{ID: id, Method: method, Params: params}); err != nil {
		return nil, err
	}
	select {
	case r := <-ch:
		if r.err != nil {
			return nil, r.err
		}
		return r.result, nil
	case <-c.readDone:
		return nil, fmt.Errorf("lsptest: %s: connection closed before a response", method)
	case <-time.After(c.timeout()):
		return nil, fmt.Errorf("lsptest: %s: no response within %v", method, c.timeout())
	}
}

// --- lifecycle and documents -------------------------------------------------

// Initialize sends initialize for rootURI (as workspaceFolders and rootUri;
// "" for none) with caps, then initialized.
func (c *Client) Initialize(rootURI string, caps protocol.ClientCapabilities) (*protocol.InitializeResult, error) {
	params := &protocol.InitializeParams{Capabilities: caps}
	if rootURI != "" {
		params.RootURI = protocol.DocumentURI(rootURI)
		params.WorkspaceFolders = []protocol.WorkspaceFolder{{URI: rootURI, Name: filepath.Base(rootURI)}}
	}
	return c.InitializeWith(params)
}

// InitializeWith sends initialize with params, then initialized.
func (c *Client) InitializeWith(params *protocol.InitializeParams) (*protocol.InitializeResult, error) {
	var res protocol.InitializeResult
	if err := c.Request(protocol.MethodInitialize, params, &res); err != nil {
		return nil, err
	}
	c.Notify(protocol.MethodInitialized, &protocol.InitializedParams{})
	return &res, nil
}

// Shutdown sends shutdown and then exit.
func (c *Client) Shutdown() error {
	if err := c.Request(protocol.MethodShutdown, nil, nil); err != nil {
		return err
	}
	return c.write(wireMsg{Method: protocol.MethodExit})
}

// URI returns the file URI of an absolute path.
func URI(path string) string { return lsp.URIFromPath(path) }

func languageID(path string) string {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".py":
		return "python"
	case ".ts":
		return "typescript"
	case ".tsx":
		return "typescriptreact"
	case ".json":
		return "json"
	}
	return "plaintext"
}

// Open sends didOpen for path at version 1.
func (c *Client) Open(path, text string) { c.OpenAt(path, text, 1) }

// OpenAt sends didOpen at a given version (Neovim opens at 0).
func (c *Client) OpenAt(path, text string, version int32) {
	c.t.Helper()
	c.vmu.Lock()
	c.versions[path] = version
	c.vmu.Unlock()
	c.Notify(protocol.MethodTextDocumentDidOpen, &protocol.DidOpenTextDocumentParams{TextDocument: protocol.TextDocumentItem{
		URI: protocol.DocumentURI(URI(path)), LanguageID: protocol.LanguageIdentifier(languageID(path)), Version: version, Text: text,
	}})
}

// Change sends a full-text didChange with the next version and returns it.
func (c *Client) Change(path, text string) int32 {
	c.t.Helper()
	c.vmu.Lock()
	c.versions[path]++
	v := c.versions[path]
	c.vmu.Unlock()
	c.Notify(protocol.MethodTextDocumentDidChange, &protocol.DidChangeTextDocumentParams{
		TextDocument:   protocol.VersionedTextDocumentIdentifier{TextDocumentIdentifier: protocol.TextDocumentIdentifier{URI: protocol.DocumentURI(URI(path))}, Version: v},
		ContentChanges: []protocol.TextDocumentContentChangeEvent{{Text: text}},
	})
	return v
}

// Version returns the last version sent for path.
func (c *Client) Version(path string) int32 {
	c.vmu.Lock()
	defer c.vmu.Unlock()
	return c.versions[path]
}

// Save sends didSave with the text.
func (c *Client) Save(path, text string) {
	c.t.Helper()
	c.Notify(protocol.MethodTextDocumentDidSave, map[string]any{
		"textDocument": map[string]string{"uri": URI(path)},
		"text":         text,
	})
}

// SaveNoText sends didSave without text.
func (c *Client) SaveNoText(path string) {
	c.t.Helper()
	c.Notify(protocol.MethodTextDocumentDidSave, map[string]any{
		"textDocument": map[string]string{"uri": URI(path)},
	})
}

// Close sends didClose.
func (c *Client) Close(path string) {
	c.t.Helper()
	c.Notify(protocol.MethodTextDocumentDidClose, &protocol.DidCloseTextDocumentParams{
		TextDocument: protocol.TextDocumentIdentifier{URI: protocol.DocumentURI(URI(path))},
	})
}

// --- reading -----------------------------------------------------------------

type probe struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Params json.RawMessage `json:"params"`
	Result json.RawMessage `json:"result"`
	Error  *RespError      `json:"error"`
}

func (c *Client) readLoop() {
	defer close(c.readDone)
	r := wire.NewReader(c.rwc)
	for {
		body, err := r.Next()
		var fe *wire.FrameError
		if errors.As(err, &fe) {
			c.record(Message{Method: "", Error: &RespError{Code: -32700, Message: "lsptest: bad frame from server: " + fe.Reason}})
			continue
		}
		if err != nil {
			c.mu.Lock()
			c.readErr = err
			c.mu.Unlock()
			return
		}
		var p probe
		if err := json.Unmarshal(body, &p); err != nil {
			c.record(Message{Error: &RespError{Code: -32700, Message: "lsptest: server sent invalid JSON: " + err.Error()}, Raw: body})
			continue
		}
		isNullID := len(p.ID) == 0 || string(p.ID) == "null"
		switch {
		case p.Method != "" && !isNullID:
			c.record(Message{Method: p.Method, ID: p.ID, Params: p.Params, Raw: body})
			go c.answer(p)
		case p.Method != "":
			c.record(Message{Method: p.Method, Params: p.Params, Raw: body})
		default:
			c.pmu.Lock()
			ch := c.pending[string(p.ID)]
			c.pmu.Unlock()
			if ch != nil && !isNullID {
				ch <- response{result: p.Result, err: p.Error}
				continue
			}
			c.record(Message{ID: p.ID, Error: p.Error, Params: p.Result, Raw: body})
		}
	}
}

func (c *Client) answer(p probe) {
	c.hmu.Lock()
	h := c.handler
	c.hmu.Unlock()
	var result any
	var rerr *RespError
	if h != nil {
		result, rerr = h(p.Method, p.Params)
	}
	m := wireMsg{ID: p.ID, Error: rerr}
	if rerr == nil {
		if result == nil {
			result = json.RawMessage("null")
		}
		m.Result = result
	}
	_ = c.write(m)
}

func (c *Client) record(m Message) {
	c.mu.Lock()
	m.Seq = len(c.msgs)
	c.msgs = append(c.msgs, m)
	close(c.changed)
	c.changed = make(chan struct{})
	c.mu.Unlock()
}

// Notifications returns every notification received so far, in order.
func (c *Client) Notifications() []Message {
	return c.snapshot(func(m Message) bool { return m.Method != "" && len(m.ID) == 0 })
}

// ServerRequests returns every request the server sent, in order.
func (c *Client) ServerRequests() []Message {
	return c.snapshot(func(m Message) bool { return m.Method != "" && len(m.ID) > 0 })
}

// Unmatched returns responses that matched no request (error replies with
// id null) and frames from the server the client could not read.
func (c *Client) Unmatched() []Message {
	return c.snapshot(func(m Message) bool { return m.Method == "" })
}

func (c *Client) snapshot(keep func(Message) bool) []Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []Message
	for _, m := range c.msgs {
		if keep(m) {
			out = append(out, m)
		}
	}
	return out
}

// Await returns the first message not returned by an earlier Await for
// which match is true, waiting (bounded) for it; on timeout the test fails
// with what did arrive. what names the expectation in that message.
func (c *Client) Await(what string, match func(Message) bool) Message {
	c.t.Helper()
	m, ok := c.TryAwait(c.timeout(), match)
	if !ok {
		c.t.Fatalf("lsptest: timed out after %v waiting for %s; received:\n%s", c.timeout(), what, c.dump())
	}
	return m
}

// TryAwait is Await with an explicit bound that reports a timeout instead
// of failing the test.
func (c *Client) TryAwait(timeout time.Duration, match func(Message) bool) (Message, bool) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	c.mu.Lock()
	next := c.free
	c.mu.Unlock()
	for {
		c.mu.Lock()
		for ; next < len(c.msgs); next++ {
			m := c.msgs[next]
			if !c.consumed[m.Seq] && match(m) {
				c.consumed[m.Seq] = true
				for c.free < len(c.msgs) && c.consumed[c.free] {
					c.free++
				}
				c.mu.Unlock()
				return m, true
			}
		}
		changed := c.changed
		c.mu.Unlock()
		select {
		case <-changed:
		case <-c.readDone:
			// Drain what arrived before the end, then give up.
			c.mu.Lock()
			more := next < len(c.msgs)
			c.mu.Unlock()
			if !more {
				return Message{}, false
			}
		case <-deadline.C:
			return Message{}, false
		}
	}
}

func (c *Client) dump() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var b strings.Builder
	for _, m := range c.msgs {
		raw := string(m.Raw)
		if len(raw) > 300 {
			raw = raw[:300] + "…"
		}
		fmt.Fprintf(&b, "  #%d %s %s\n", m.Seq, m.Method, raw)
	}
	if c.readErr != nil {
		fmt.Fprintf(&b, "  (read ended: %v)\n", c.readErr)
	}
	return b.String()
}

func isNotification(m Message, method string) bool {
	return m.Method == method && len(m.ID) == 0
}

// AwaitNotification awaits a notification of method whose params satisfy
// pred (nil: any).
func (c *Client) AwaitNotification(method string, pred func(json.RawMessage) bool) Message {
	c.t.Helper()
	return c.Await("notification "+method, func(m Message) bool {
		return isNotification(m, method) && (pred == nil || pred(m.Params))
	})
}

// AwaitPlan awaits a farm/reloadPlan matching pred (nil: any).
func (c *Client) AwaitPlan(pred func(PlanMsg) bool) PlanMsg {
	c.t.Helper()
	var out PlanMsg
	c.Await("farm/reloadPlan", func(m Message) bool {
		var p PlanMsg
		if !isNotification(m, lsp.MethodReloadPlan) || json.Unmarshal(m.Params, &p) != nil {
			return false
		}
		if pred != nil && !pred(p) {
			return false
		}
		out = p
		return true
	})
	return out
}

// AwaitResult awaits the farm/reloadResult of a plan ("" for any).
func (c *Client) AwaitResult(planID string) ResultMsg {
	c.t.Helper()
	var out ResultMsg
	c.Await("farm/reloadResult "+planID, func(m Message) bool {
		var r ResultMsg
		if !isNotification(m, lsp.MethodReloadResult) || json.Unmarshal(m.Params, &r) != nil {
			return false
		}
		if planID != "" && r.PlanID != planID {
			return false
		}
		out = r
		return true
	})
	return out
}

// AwaitTaskResult awaits a farm/taskResult matching pred (nil: any).
func (c *Client) AwaitTaskResult(pred func(TaskDoneMsg) bool) TaskDoneMsg {
	c.t.Helper()
	var out TaskDoneMsg
	c.Await("farm/taskResult", func(m Message) bool {
		var r TaskDoneMsg
		if !isNotification(m, lsp.MethodTaskResult) || json.Unmarshal(m.Params, &r) != nil {
			return false
		}
		if pred != nil && !pred(r) {
			return false
		}
		out = r
		return true
	})
	return out
}

// AwaitDiagnostics awaits a publishDiagnostics for uri (compared as file
// paths, so encodings of the same path match) satisfying pred (nil: any).
func (c *Client) AwaitDiagnostics(uri string, pred func(DiagnosticsMsg) bool) DiagnosticsMsg {
	c.t.Helper()
	want := normURI(uri)
	var out DiagnosticsMsg
	c.Await("publishDiagnostics "+uri, func(m Message) bool {
		var d DiagnosticsMsg
		if !isNotification(m, protocol.MethodTextDocumentPublishDiagnostics) || json.Unmarshal(m.Params, &d) != nil {
			return false
		}
		if normURI(d.URI) != want || (pred != nil && !pred(d)) {
			return false
		}
		out = d
		return true
	})
	return out
}

func normURI(u string) string {
	if p, ok := lsp.PathFromURI(u); ok {
		return p
	}
	return u
}

// AwaitProgress awaits a $/progress of kind ("begin", "report", "end"; ""
// for any) for token ("" for any).
func (c *Client) AwaitProgress(token, kind string) ProgressMsg {
	c.t.Helper()
	var out ProgressMsg
	c.Await("$/progress "+token+" "+kind, func(m Message) bool {
		p, ok := decodeProgress(m)
		if !ok || (kind != "" && p.Kind != kind) || (token != "" && p.TokenString() != token) {
			return false
		}
		out = p
		return true
	})
	return out
}

func decodeProgress(m Message) (ProgressMsg, bool) {
	if !isNotification(m, protocol.MethodProgress) {
		return ProgressMsg{}, false
	}
	var raw struct {
		Token json.RawMessage `json:"token"`
		Value struct {
			Kind       string  `json:"kind"`
			Title      string  `json:"title"`
			Message    string  `json:"message"`
			Percentage *uint32 `json:"percentage"`
		} `json:"value"`
	}
	if json.Unmarshal(m.Params, &raw) != nil {
		return ProgressMsg{}, false
	}
	return ProgressMsg{Token: raw.Token, Kind: raw.Value.Kind, Title: raw.Value.Title, Message: raw.Value.Message, Percentage: raw.Value.Percentage}, true
}

// Progress returns every $/progress received so far.
func (c *Client) Progress() []ProgressMsg {
	var out []ProgressMsg
	for _, m := range c.Notifications() {
		if p, ok := decodeProgress(m); ok {
			out = append(out, p)
		}
	}
	return out
}

// AwaitLog awaits a window/logMessage whose text contains substr.
func (c *Client) AwaitLog(substr string) protocol.LogMessageParams {
	c.t.Helper()
	var out protocol.LogMessageParams
	c.Await("window/logMessage containing "+substr, func(m Message) bool {
		var p protocol.LogMessageParams
		if !isNotification(m, protocol.MethodWindowLogMessage) || json.Unmarshal(m.Params, &p) != nil {
			return false
		}
		if !strings.Contains(p.Message, substr) {
			return false
		}
		out = p
		return true
	})
	return out
}

// AwaitServerRequest awaits a request the server sent (already answered
// by the client's handler).
func (c *Client) AwaitServerRequest(method string) Message {
	c.t.Helper()
	return c.Await("server request "+method, func(m Message) bool {
		return m.Method == method && len(m.ID) > 0
	})
}

// AwaitUnmatched awaits an error response that matched no request (the
// ParseError reply to a malformed frame has id null) with the given code
// (0: any).
func (c *Client) AwaitUnmatched(code int64) Message {
	c.t.Helper()
	return c.Await(fmt.Sprintf("unmatched error response %d", code), func(m Message) bool {
		return m.Method == "" && m.Error != nil && (code == 0 || m.Error.Code == code)
	})
}
