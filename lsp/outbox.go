package lsp

import (
	"context"
	"log/slog"
	"time"

	"go.lsp.dev/jsonrpc2"
)

// clientCallTimeout bounds how long the outbox waits for the client to
// answer a request (window/workDoneProgress/create). Notifications queue
// behind it, so it is short; a token the client did not confirm in time is
// not used.
const clientCallTimeout = 2 * time.Second

// outgoing is one message to the client. Exactly one of the fields is set.
type outgoing struct {
	method string
	params any
	// call marks a server→client request whose answer the outbox waits for
	// (window/workDoneProgress/create must be answered before the token is
	// used); onReply, when set, gets the outcome.
	call    bool
	onReply func(err error)
	// skip, when set, is asked just before sending (a progress token the
	// client refused is not used).
	skip func() bool
}

// outbox sends notifications in order from one goroutine, so an engine
// calling the Sink never waits for a slow client.
type outbox struct {
	ctx context.Context
	rpc jsonrpc2.Conn
	log *slog.Logger
	q   *queue[outgoing]
}

func newOutbox(ctx context.Context, rpc jsonrpc2.Conn, log *slog.Logger) *outbox {
	o := &outbox{ctx: ctx, rpc: rpc, log: log}
	o.q = newQueue(o.send, nil)
	return o
}

func (o *outbox) notify(method string, params any) {
	o.q.push(outgoing{method: method, params: params})
}

func (o *outbox) push(m outgoing) { o.q.push(m) }

func (o *outbox) call(method string, params any, onReply func(error)) {
	o.q.push(outgoing{method: method, params: params, call: true, onReply: onReply})
}

func (o *outbox) send(m outgoing) {
	defer func() {
		if r := recover(); r != nil {
			o.log.Error("lsp: panic sending", "method", m.method, "panic", r, "stack", stack())
		}
	}()
	if o.ctx.Err() != nil || (m.skip != nil && m.skip()) {
		return
	}
	var err error
	if m.call {
		ctx, cancel := context.WithTimeout(o.ctx, clientCallTimeout)
		_, err = o.rpc.Call(ctx, m.method, m.params, nil)
		cancel()
	} else {
		err = o.rpc.Notify(o.ctx, m.method, m.params)
	}
	if err != nil {
		o.log.Debug("lsp: sending to client failed", "method", m.method, "error", err)
	}
	if m.onReply != nil {
		m.onReply(err)
	}
}

func (o *outbox) close() { o.q.close() }
