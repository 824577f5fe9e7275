package lsp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"sync"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
)

// Custom methods (LSP.md "Custom messages").
const (
	MethodReloadPlan   = "farm/reloadPlan"
	MethodReloadResult = "farm/reloadResult"
	MethodTaskResult   = "farm/taskResult"
	MethodStatus       = "farm/status"
)

// LSP error codes that jsonrpc2 v0.10.0 does not define.
const (
	// CodeRequestFailed is LSP 3.17's RequestFailed: a well-formed request
	// that failed (an engine command returned an error).
	CodeRequestFailed jsonrpc2.Code = -32803
)

// incoming is one message from the client waiting for the dispatcher.
type incoming struct {
	ctx   context.Context
	reply jsonrpc2.Replier
	req   jsonrpc2.Request
}

type inbox = queue[incoming]

func newInbox(dispatch func(incoming)) *inbox {
	return newQueue(dispatch, func(m incoming) {
		if _, ok := m.req.(*jsonrpc2.Call); ok {
			_ = m.reply(context.Background(), nil, jsonrpc2.NewError(protocol.CodeRequestCancelled, "connection closing"))
		}
	})
}

// handle runs on jsonrpc2's read loop. It does no work beyond queueing: the
// dispatcher goroutine handles messages in arrival order (notifications
// must stay ordered: didOpen before didChange before didSave), and slow
// requests move on to their own goroutines from there (pitfall 4).
// $/cancelRequest is the exception: it acts at once, on requests in flight.
func (c *conn) handle(ctx context.Context, reply jsonrpc2.Replier, req jsonrpc2.Request) error {
	if req.Method() == protocol.MethodCancelRequest {
		c.cancelRequest(req.Params())
		return nil
	}
	if call, ok := req.(*jsonrpc2.Call); ok {
		key := idKey(call.ID())
		rctx, cancel := context.WithCancel(ctx)
		c.inflightMu.Lock()
		c.inflight[key] = cancel
		c.inflightMu.Unlock()
		ctx = rctx
		inner := reply
		reply = func(ctx context.Context, result any, err error) error {
			c.inflightMu.Lock()
			delete(c.inflight, key)
			c.inflightMu.Unlock()
			cancel()
			return inner(context.WithoutCancel(ctx), result, err)
		}
	}
	if !c.in.push(incoming{ctx: ctx, reply: reply, req: req}) {
		if _, ok := req.(*jsonrpc2.Call); ok {
			return reply(ctx, nil, jsonrpc2.NewError(protocol.CodeRequestCancelled, "connection closing"))
		}
	}
	return nil
}

func idKey(id jsonrpc2.ID) string { return fmt.Sprintf("%q", id) }

// cancelRequest handles $/cancelRequest itself: jsonrpc2's CancelHandler
// ignores numeric ids because they decode as float64 (pitfall 3).
func (c *conn) cancelRequest(params json.RawMessage) {
	var p struct {
		ID any `json:"id"`
	}
	if err := json.Unmarshal(params, &p); err != nil {
		c.log.Debug("lsp: bad $/cancelRequest", "error", err)
		return
	}
	var id jsonrpc2.ID
	switch v := p.ID.(type) {
	case float64:
		id = jsonrpc2.NewNumberID(int32(v))
	case string:
		id = jsonrpc2.NewStringID(v)
	default:
		return
	}
	c.inflightMu.Lock()
	cancel := c.inflight[idKey(id)]
	c.inflightMu.Unlock()
	if cancel != nil {
		cancel()
	}
}

// onceReplier makes sure a call gets exactly one reply.
type onceReplier struct {
	mu      sync.Mutex
	replied bool
	inner   jsonrpc2.Replier
}

func (o *onceReplier) reply(ctx context.Context, result any, err error) error {
	o.mu.Lock()
	if o.replied {
		o.mu.Unlock()
		return nil
	}
	o.replied = true
	o.mu.Unlock()
	if err != nil {
		err = wireError(err)
	}
	return o.inner(ctx, result, err)
}

func (o *onceReplier) done() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.replied
}

// wireError gives every error a JSON-RPC code (pitfall 5: a plain Go error
// replies with code 0). protocol.ServerHandler answers params that do not
// decode with ParseError; for a message that did parse that is InvalidParams.
func wireError(err error) error {
	var we *jsonrpc2.Error
	if errors.As(err, &we) {
		if we.Code == jsonrpc2.ParseError {
			return jsonrpc2.NewError(jsonrpc2.InvalidParams, err.Error())
		}
		if we.Code == 0 {
			return jsonrpc2.NewError(jsonrpc2.InternalError, we.Message)
		}
		return we
	}
	if strings.HasPrefix(err.Error(), jsonrpc2.ErrParse.Message) {
		// protocol's replyParseError formats ErrParse with %s: no code
		// survives, only this prefix.
		return jsonrpc2.NewError(jsonrpc2.InvalidParams, err.Error())
	}
	if errors.Is(err, context.Canceled) {
		return jsonrpc2.NewError(protocol.CodeRequestCancelled, err.Error())
	}
	return jsonrpc2.NewError(jsonrpc2.InternalError, err.Error())
}

// dispatch runs on the inbox goroutine, one message at a time.
func (c *conn) dispatch(m incoming) {
	_, isCall := m.req.(*jsonrpc2.Call)
	o := &onceReplier{inner: m.reply}
	method := m.req.Method()
	defer func() {
		if r := recover(); r != nil {
			c.log.Error("lsp: panic in handler", "method", method, "panic", r, "stack", stack())
			if isCall {
				_ = o.reply(m.ctx, nil, jsonrpc2.NewError(jsonrpc2.InternalError, fmt.Sprintf("internal error in %s: %v", method, r)))
			}
		}
	}()
	if err := c.guard(method, isCall); err != nil {
		if isCall {
			_ = o.reply(m.ctx, nil, err)
		} else {
			c.log.Debug("lsp: dropping notification", "method", method, "reason", err.Error())
		}
		return
	}
	c.route(m.ctx, o, m.req)
	if isCall && !o.done() && !c.async(method) {
		// Every call is answered, even by a handler that forgot to.
		_ = o.reply(m.ctx, nil, jsonrpc2.NewError(jsonrpc2.InternalError, method+": no reply"))
	}
}

// guard enforces the lifecycle: nothing but initialize (and exit) before
// initialize; nothing but exit after shutdown (pitfall 10).
func (c *conn) guard(method string, isCall bool) error {
	if method == protocol.MethodExit {
		return nil
	}
	switch c.st.phaseOf() {
	case phaseNew:
		if method != protocol.MethodInitialize {
			return jsonrpc2.NewError(jsonrpc2.ServerNotInitialized, method+": server not initialized")
		}
	case phaseRunning:
		if method == protocol.MethodInitialize {
			return jsonrpc2.NewError(jsonrpc2.InvalidRequest, "initialize: already initialized")
		}
	case phaseShutdown, phaseExited:
		return jsonrpc2.NewError(jsonrpc2.InvalidRequest, method+": server is shutting down")
	}
	return nil
}

// async reports whether a method replies from its own goroutine.
func (c *conn) async(method string) bool {
	return method == protocol.MethodWorkspaceExecuteCommand
}

// route sends a message to its handler. Custom methods and those whose
// params the protocol types cannot carry faithfully are decoded here; the
// rest go through protocol.ServerHandler to the server type.
func (c *conn) route(ctx context.Context, o *onceReplier, req jsonrpc2.Request) {
	switch req.Method() {
	case MethodStatus:
		_ = o.reply(ctx, c.status(), nil)
		return
	case protocol.MethodShutdown:
		// Handled here: ServerHandler rejects shutdown/exit that carry
		// "params": null, which some clients send.
		_ = o.reply(ctx, nil, c.srv.Shutdown(ctx))
		return
	case protocol.MethodExit:
		_ = c.srv.Exit(ctx)
		return
	case protocol.MethodWorkspaceExecuteCommand:
		c.executeCommand(ctx, o, req.Params())
		return
	case protocol.MethodTextDocumentDidSave:
		// DidSaveTextDocumentParams.Text is a string with omitempty: it
		// cannot tell "no text" from "empty text".
		_ = o.reply(ctx, nil, c.didSave(req.Params()))
		return
	}
	params := req.Params()
	if len(params) == 0 {
		// ServerHandler answers an unknown method without params with a
		// parse error before it reaches Server.Request: give it "{}".
		var err error
		req, err = withParams(req, json.RawMessage("{}"))
		if err != nil {
			_ = o.reply(ctx, nil, err)
			return
		}
	}
	_ = protocol.ServerHandler(c.srv, nil)(ctx, o.reply, req)
}

func withParams(req jsonrpc2.Request, params json.RawMessage) (jsonrpc2.Request, error) {
	if call, ok := req.(*jsonrpc2.Call); ok {
		return jsonrpc2.NewCall(call.ID(), call.Method(), params)
	}
	return jsonrpc2.NewNotification(req.Method(), params)
}

func stack() string { return string(debug.Stack()) }
