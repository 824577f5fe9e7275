// Package lsp adapts the hot-reload engine (reload/coordinator) to the
// Language Server Protocol over go.lsp.dev/protocol v0.12.0 and
// go.lsp.dev/jsonrpc2 v0.10.0. It holds no domain logic: handlers decode,
// route a document to the engine of its workspace root, and turn what the
// engine reports (plans, results, diagnostics, progress) into notifications.
// shared/LSP.md is the contract; its numbered pitfalls are referenced in
// comments as "pitfall N".
package lsp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"go.lsp.dev/jsonrpc2"

	"github.com/farm-stack/farm-lsp/lsp/wire"
	"github.com/farm-stack/farm-lsp/reload/coordinator"
)

// Options configures one connection.
type Options struct {
	// NewEngine creates the engine of one workspace root (a directory that
	// holds farm.config.ts). Required.
	NewEngine func(root string) (coordinator.Engine, error)
	// Logger receives the server's own log (never the protocol stream).
	// Nil discards.
	Logger *slog.Logger
	// Version is reported in serverInfo.
	Version string

	// now and after replace the clock and timers (tests of progress
	// throttling).
	now   func() time.Time
	after func(d time.Duration, f func()) (stop func() bool)
}

// ExitError is what Serve returns when the connection did not end with
// shutdown followed by exit: the process should exit with Code (1).
type ExitError struct {
	Code   int
	Reason string
}

func (e *ExitError) Error() string {
	return fmt.Sprintf("lsp: exit code %d: %s", e.Code, e.Reason)
}

// ExitCode returns the process exit code.
func (e *ExitError) ExitCode() int { return e.Code }

// ExitCode maps Serve's result to a process exit code: 0 for nil (shutdown
// came before exit), the ExitError's code, else 1.
func ExitCode(err error) int {
	if err == nil {
		return 0
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		return ee.Code
	}
	return 1
}

// Serve runs one LSP connection over rwc until the client sends exit, the
// stream ends or ctx is done. It returns nil when shutdown came before exit
// (exit code 0) and an *ExitError otherwise (exit code 1). Nothing started
// for the connection outlives it: engines are closed and goroutines stopped
// before Serve returns. The one exception is jsonrpc2's read loop when
// rwc.Close cannot interrupt a pending Read (a process's stdin): after
// exit it is left blocked, for the process exit to end.
func Serve(ctx context.Context, rwc io.ReadWriteCloser, opts Options) error {
	if opts.NewEngine == nil {
		return errors.New("lsp: Options.NewEngine is required")
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	stream := wire.NewStream(rwc, log)
	rpc := jsonrpc2.NewConn(stream)
	c := newConn(ctx, rpc, opts, log)
	c.inputPending = func() bool { return stream.Pending() || c.in.busy() }
	// jsonrpc2 v0.10.0 fails the connection with whatever the handler
	// returns and keeps it in an atomic.Value that panics when two failures
	// differ in type; a failed reply (a closed pipe) is logged, never
	// returned, so only the stream's own *wire.StreamError ever gets there.
	rpc.Go(ctx, func(ctx context.Context, reply jsonrpc2.Replier, req jsonrpc2.Request) error {
		defer stream.Handed() // queued in the inbox by now (or answered)
		if err := c.handle(ctx, reply, req); err != nil {
			log.Debug("lsp: reply not sent", "method", req.Method(), "err", err)
		}
		return nil
	})

	select {
	case <-rpc.Done():
	case <-c.exited:
		// Closing the stream ends the read loop when rwc's Close unblocks a
		// pending Read (pipes, sockets). Over a plain stdin it may not: the
		// read loop is then left to the process exit, and Serve does not
		// wait for it.
		_ = rpc.Close()
	case <-ctx.Done():
		_ = rpc.Close()
	}
	cancel()
	c.stop()

	shutdown, exited := c.st.ended()
	switch {
	case shutdown && exited:
		return nil
	case exited:
		return &ExitError{Code: 1, Reason: "exit without shutdown"}
	case shutdown:
		return &ExitError{Code: 1, Reason: "connection closed after shutdown without exit"}
	}
	reason := "connection closed without shutdown"
	switch err := rpc.Err(); {
	case parent.Err() != nil:
		reason = fmt.Sprintf("stopped: %v", parent.Err())
	case err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF):
		reason = fmt.Sprintf("connection lost: %v", err)
	}
	return &ExitError{Code: 1, Reason: reason}
}

// conn is one connection: the dispatcher, the outbox and the state.
type conn struct {
	ctx   context.Context // cancelled when the connection ends
	rpc   jsonrpc2.Conn
	opts  Options
	log   *slog.Logger
	st    *state
	srv   *server
	out   *outbox
	in    *inbox
	notes *notifier

	// now and after are the clock and timers (tests replace them).
	now   func() time.Time
	after func(d time.Duration, f func()) (stop func() bool)

	inflightMu sync.Mutex
	inflight   map[string]context.CancelFunc

	bg sync.WaitGroup // background work: engine starts, commands, registration

	// inputPending reports client messages that have arrived but not yet
	// reached the engines (nil: none known).
	inputPending func() bool

	exitOnce sync.Once
	exited   chan struct{} // closed on the exit notification
}

func newConn(ctx context.Context, rpc jsonrpc2.Conn, opts Options, log *slog.Logger) *conn {
	c := &conn{
		ctx:  ctx,
		rpc:  rpc,
		opts: opts,
		log:  log,
		st:   newState(),
		now:  time.Now,
		after: func(d time.Duration, f func()) func() bool {
			return time.AfterFunc(d, f).Stop
		},
		inflight: map[string]context.CancelFunc{},
		exited:   make(chan struct{}),
	}
	if opts.now != nil {
		c.now = opts.now
	}
	if opts.after != nil {
		c.after = opts.after
	}
	c.srv = &server{c: c}
	c.notes = newNotifier(c)
	c.out = newOutbox(ctx, rpc, log)
	c.in = newInbox(c.dispatch)
	return c
}

// stop ends the connection's work after the stream is closed: the inbox
// worker, background goroutines, engines and the outbox.
func (c *conn) stop() {
	c.in.close()
	c.closeEngines()
	c.bg.Wait()
	c.notes.close()
	c.out.close()
}

// goBackground runs f on a goroutine owned by the connection: it is waited
// for when the connection ends, and a panic in it is logged, not fatal.
func (c *conn) goBackground(name string, f func()) {
	c.bg.Add(1)
	go func() {
		defer c.bg.Done()
		defer func() {
			if r := recover(); r != nil {
				c.log.Error("lsp: panic in background work", "work", name, "panic", r, "stack", stack())
			}
		}()
		f()
	}()
}
