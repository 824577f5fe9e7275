package coordinator

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"sync"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/analysis/workspace"
	"github.com/farm-stack/farm-lsp/reload/scheduler"
)

type eventOp int

const (
	opOpen eventOp = iota
	opChange
	opSave
	opClose
	opDisk   // changed outside the editor: read from disk
	opDelete // deleted outside the editor
)

type event struct {
	op   eventOp
	path string // absolute
	text []byte // nil: read from disk
}

// queue is an unbounded FIFO: protocol handlers and the watcher enqueue and
// return at once; the analysis loop drains it in order, so events of one
// file are applied in the order they arrived.
type queue struct {
	mu     sync.Mutex
	items  []event
	signal chan struct{}
	closed bool
}

func newQueue() *queue { return &queue{signal: make(chan struct{}, 1)} }

func (q *queue) push(e event) {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return
	}
	q.items = append(q.items, e)
	q.mu.Unlock()
	select {
	case q.signal <- struct{}{}:
	default:
	}
}

func (q *queue) pop() (event, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.items) == 0 {
		return event{}, false
	}
	e := q.items[0]
	q.items[0] = event{}
	q.items = q.items[1:]
	return e, true
}

func (q *queue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.items)
}

func (q *queue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
}

// Open implements Engine.
func (c *Coordinator) Open(path string, text []byte) {
	c.queue.push(event{op: opOpen, path: path, text: text})
}

// Change implements Engine.
func (c *Coordinator) Change(path string, text []byte) {
	c.queue.push(event{op: opChange, path: path, text: text})
}

// Save implements Engine.
func (c *Coordinator) Save(path string, text []byte) {
	c.queue.push(event{op: opSave, path: path, text: text})
}

// CloseFile implements Engine.
func (c *Coordinator) CloseFile(path string) { c.queue.push(event{op: opClose, path: path}) }

// FileEvent implements Engine.
func (c *Coordinator) FileEvent(path string, deleted bool) {
	op := opDisk
	if deleted {
		op = opDelete
	}
	c.queue.push(event{op: op, path: path})
}

func (c *Coordinator) analysisLoop(ctx context.Context) {
	for {
		for {
			e, ok := c.queue.pop()
			if !ok {
				break
			}
			c.handle(ctx, e)
			if ctx.Err() != nil {
				return
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-c.queue.signal:
		}
	}
}

// handle applies one event; a panic in analysis is reported, not fatal.
func (c *Coordinator) handle(ctx context.Context, e event) {
	defer func() {
		if r := recover(); r != nil {
			c.log.Error("analysis panicked", "path", e.path, "panic", r)
			c.message(slog.LevelError, fmt.Sprintf("farm-lsp could not analyse %s: internal error: %v", e.path, r), false)
		}
	}()
	rel, ok := c.rel(e.path)
	if !ok {
		c.log.Debug("ignoring file outside the workspace", "path", e.path)
		return
	}
	switch e.op {
	case opOpen:
		// The editor's opened text is its view of the file before any
		// edit. The initial index may have read the disk after the editor
		// already wrote an edit (a save right after start-up): unless a save
		// or disk event has been handled for this file since, the opened
		// text is the baseline the next save is diffed against.
		c.mu.Lock()
		touched := c.touched[rel]
		c.mu.Unlock()
		if !touched {
			if res, err := c.ws.Update(ctx, rel, e.text); err == nil {
				c.publish(rel, srcAnalysis, res.Diagnostics)
			}
			return
		}
		c.check(ctx, rel, e.text)
	case opChange:
		c.check(ctx, rel, e.text)
	case opClose:
		c.publish(rel, srcBuffer, nil)
	case opSave:
		text := e.text
		if text == nil {
			b, err := c.readFile(rel)
			if errors.Is(err, fs.ErrNotExist) {
				c.removed(rel)
				return
			}
			if err != nil {
				c.message(slog.LevelWarn, fmt.Sprintf("cannot read %s: %v", rel, err), false)
				return
			}
			text = b
		}
		c.hashes.Remember(e.path, text)
		// Analyse the saved state first, then drop the buffer's own set, so
		// a broken save never flickers through an empty diagnostic list.
		c.update(ctx, rel, text, true)
		c.publish(rel, srcBuffer, nil)
	case opDisk:
		b, err := c.readFile(rel)
		if errors.Is(err, fs.ErrNotExist) {
			// Deleted between the event and the read: that is a removal.
			c.removed(rel)
			return
		}
		if errors.Is(err, errTooLarge) {
			res := c.ws.TooLarge(rel, c.fileSize(rel))
			c.publish(rel, srcAnalysis, res.Diagnostics)
			return
		}
		if err != nil {
			c.log.Warn("cannot read changed file", "path", rel, "err", err)
			return
		}
		if !c.hashes.Changed(e.path, b) {
			return // the editor's own save, already planned
		}
		c.update(ctx, rel, b, false)
	case opDelete:
		if _, err := os.Lstat(e.path); err == nil {
			return // recreated since (atomic save by rename): a write event follows
		}
		// A removed directory takes every indexed file below it along.
		under := c.ws.Under(rel)
		if len(under) == 0 {
			c.removed(rel)
		}
		for _, f := range under {
			c.removed(f)
		}
	}
}

// check publishes an unsaved buffer's syntax errors (a clean buffer shows
// the saved state's diagnostics again).
func (c *Coordinator) check(ctx context.Context, rel string, text []byte) {
	diags, err := c.ws.Check(ctx, rel, text)
	if err != nil {
		c.log.Warn("check failed", "path", rel, "err", err)
		return
	}
	if hasCode(diags, facts.CodeSyntaxError) {
		c.publish(rel, srcBuffer, diags)
	} else {
		c.publish(rel, srcBuffer, nil)
	}
}

func hasCode(ds []facts.Diagnostic, code string) bool {
	for _, d := range ds {
		if d.Code == code {
			return true
		}
	}
	return false
}

var errTooLarge = errors.New("file over the analysis size limit")

// readFile reads a workspace file, refusing ones over the size limit
// without reading them.
func (c *Coordinator) readFile(rel string) ([]byte, error) {
	abs := c.abs(rel)
	st, err := os.Stat(abs)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", rel)
	}
	if st.Size() > int64(c.ws.MaxFileSize()) {
		return nil, errTooLarge
	}
	return os.ReadFile(abs)
}

func (c *Coordinator) fileSize(rel string) int64 {
	st, err := os.Stat(c.abs(rel))
	if err != nil {
		return 0
	}
	return st.Size()
}

// update analyses new content and hands the changes to the scheduler. A
// save always produces a plan (possibly empty) so the client can tell
// "nothing to do" from "not seen"; a disk event produces one only when
// something changed.
func (c *Coordinator) update(ctx context.Context, rel string, content []byte, fromSave bool) {
	c.touch(rel)
	res, err := c.ws.Update(ctx, rel, content)
	if err != nil {
		c.log.Warn("analysis failed", "path", rel, "err", err)
		return
	}
	c.publish(rel, srcAnalysis, res.Diagnostics)
	if res.Unchanged && !fromSave {
		return
	}
	c.checkGenerated(res, content)
	if res.Kind == facts.KindFarmConfig && !res.SyntaxError && !res.Unchanged {
		c.loadConfig()
	}
	c.afterUpdate(res)
	c.submit(res)
}

func (c *Coordinator) removed(rel string) {
	c.touch(rel)
	res := c.ws.Remove(rel)
	c.hashes.Forget(c.abs(rel))
	c.publish(rel, srcAnalysis, nil)
	c.publish(rel, srcBuffer, nil)
	c.afterUpdate(res)
	c.submit(res)
}

// afterUpdate runs the cross-file checks that depend on a change.
func (c *Coordinator) afterUpdate(res workspace.Result) {
	c.checkFieldUse(res)
}

func (c *Coordinator) submit(res workspace.Result) {
	c.mu.Lock()
	sched := c.sched
	c.mu.Unlock()
	if sched == nil {
		return
	}
	sched.Submit(scheduler.Batch{Path: res.Path, Kind: res.Kind, Changes: res.Changes})
}

// touch records that a save or disk event was handled for a file, after
// which an editor's didOpen no longer sets its baseline.
func (c *Coordinator) touch(rel string) {
	c.mu.Lock()
	c.touched[rel] = true
	c.mu.Unlock()
}
