package lsp

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"go.lsp.dev/jsonrpc2"
)

// clientCallTimeout bounds how long a server→client request
// (window/workDoneProgress/create) waits for the client's answer; a token
// the client did not confirm in time is not used.
const clientCallTimeout = 2 * time.Second

// outgoing is one message to the client. Exactly one of the fields is set.
type outgoing struct {
	method string
	params any
	// call marks a server→client request. Its answer is awaited off the
	// outbox, so notifications never queue behind a client's reply;
	// onReply, when set, gets the outcome (what must wait for the answer,
	// such as a token's $/progress, is held by its sender until then).
	call    bool
	onReply func(err error)
	// skip, when set, is asked just before sending (a progress token the
	// client refused is not used).
	skip func() bool
}

// outbox sends notifications in order from one goroutine, so an engine
// calling the Sink never waits for a slow client.
type outbox struct {
	ctx    context.Context
	cancel context.CancelFunc
	rpc    jsonrpc2.Conn
	log    *slog.Logger
	q      *queue[outgoing]
	calls  sync.WaitGroup // requests awaiting the client's answer
}

func newOutbox(ctx context.Context, rpc jsonrpc2.Conn, log *slog.Logger) *outbox {
	ctx, cancel := context.WithCancel(ctx)
	o := &outbox{ctx: ctx, cancel: cancel, rpc: rpc, log: log}
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
	if m.call {
		o.calls.Add(1)
		go func() {
			defer o.calls.Done()
			defer func() {
				if r := recover(); r != nil {
					o.log.Error("lsp: panic in a client request", "method", m.method, "panic", r, "stack", stack())
				}
			}()
			ctx, cancel := context.WithTimeout(o.ctx, clientCallTimeout)
			_, err := o.rpc.Call(ctx, m.method, m.params, nil)
			cancel()
			o.done(m, err)
		}()
		return
	}
	o.done(m, o.rpc.Notify(o.ctx, m.method, m.params))
}

func (o *outbox) done(m outgoing, err error) {
	if err != nil {
		o.log.Debug("lsp: sending to client failed", "method", m.method, "error", err)
	}
	if m.onReply != nil {
		m.onReply(err)
	}
}

// close sends what is queued, then stops waiting for the client's answers.
func (o *outbox) close() {
	o.q.close()
	o.cancel()
	o.calls.Wait()
}
