package coordinator

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"runtime"
	"slices"
	"sync"
	"time"

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
	opOwn    // a file a task of ours wrote: indexed, never planned
)

type event struct {
	op   eventOp
	path string // absolute
	text []byte // nil: read from disk
}

// evClass groups the events of one path that replace each other in the
// queue: the editor's opened text, its unsaved buffer, and what is saved on
// disk (a save, a watcher event or a deletion).
type evClass int

const (
	classOpen evClass = iota
	classBuffer
	classDisk
)

func classOf(op eventOp) evClass {
	switch op {
	case opOpen:
		return classOpen
	case opChange, opClose:
		return classBuffer
	}
	return classDisk
}

type queueKey struct {
	path  string
	class evClass
}

// queue holds the events not yet analysed, keeping only the latest of each
// class per path: memory is bounded by the number of files, not the number
// of edits. A replaced event moves to the end, so the events of one file
// are still applied in the order they were last sent. Protocol handlers
// and the watcher push and return at once.
type queue struct {
	mu     sync.Mutex
	items  map[queueKey]*queued
	seq    uint64
	signal chan struct{}
	closed bool
}

type queued struct {
	e   event
	seq uint64
}

func newQueue() *queue {
	return &queue{items: map[queueKey]*queued{}, signal: make(chan struct{}, 1)}
}

func (q *queue) push(e event) {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return
	}
	q.seq++
	k := queueKey{e.path, classOf(e.op)}
	if old, ok := q.items[k]; ok && (old.e.op == opSave || old.e.op == opOwn) && e.op == opDisk {
		// The watcher's echo of a save or of our own write still waiting:
		// the event with the text (and, for a save, a plan even when
		// nothing changed) stands.
		q.mu.Unlock()
		return
	}
	q.items[k] = &queued{e: e, seq: q.seq}
	q.mu.Unlock()
	select {
	case q.signal <- struct{}{}:
	default:
	}
}

// takeOpens removes and returns the queued didOpen events in order.
func (q *queue) takeOpens() []event {
	q.mu.Lock()
	defer q.mu.Unlock()
	var all []*queued
	for k, it := range q.items {
		if k.class == classOpen {
			all = append(all, it)
			delete(q.items, k)
		}
	}
	slices.SortFunc(all, func(a, b *queued) int { return cmp.Compare(a.seq, b.seq) })
	out := make([]event, len(all))
	for i, it := range all {
		out[i] = it.e
	}
	return out
}

// takeAll removes and returns every queued event in order.
func (q *queue) takeAll() []event {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.items) == 0 {
		return nil
	}
	all := make([]*queued, 0, len(q.items))
	for _, it := range q.items {
		all = append(all, it)
	}
	clear(q.items)
	slices.SortFunc(all, func(a, b *queued) int { return cmp.Compare(a.seq, b.seq) })
	out := make([]event, len(all))
	for i, it := range all {
		out[i] = it.e
	}
	return out
}

func (q *queue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.items)
}

func (q *queue) close() {
	q.mu.Lock()
	q.closed = true
	clear(q.items)
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

// maxBatchRounds bounds how many times one batch takes in events that
// arrived while it was being analysed, so a client that never stops
// sending cannot hold back planning forever.
const maxBatchRounds = 8

// analysisLoop is the single writer of the workspace. It analyses every
// queued event; events that arrive meanwhile join the same batch (a "save
// all" of 30 files is analysed together), and the batch's changes become
// one plan at once: editor saves are never debounced.
func (c *Coordinator) analysisLoop(ctx context.Context) {
	for {
		var b batch
		for round := 0; round < maxBatchRounds; round++ {
			evs := c.queue.takeAll()
			if len(evs) == 0 {
				break
			}
			c.analysing.Store(true)
			for _, e := range evs {
				c.handle(ctx, e, &b)
				if ctx.Err() != nil {
					return
				}
			}
			runtime.Gosched() // let a reader that is mid-burst enqueue the rest
			if c.queue.len() == 0 {
				c.awaitBurst(ctx)
			}
		}
		c.submit(b)
		// Cross-file checks publish diagnostics only: they run once the
		// plan is on its way, not in front of it.
		for _, res := range b.after {
			c.afterUpdate(res)
		}
		c.analysing.Store(false)
		if c.queue.len() > 0 {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-c.queue.signal:
		}
	}
}

// burstWait bounds how long a batch waits for client messages that have
// arrived but not reached the queue yet.
const burstWait = 50 * time.Millisecond

// awaitBurst waits, while the client has sent messages that have not yet
// reached the queue (a "save all" written in one go), until one arrives.
// It never waits on a client that sent nothing more.
func (c *Coordinator) awaitBurst(ctx context.Context) {
	pending := c.inputPending.Load()
	if pending == nil {
		return
	}
	deadline := time.Now().Add(burstWait)
	for (*pending)() && c.queue.len() == 0 && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(50 * time.Microsecond)
	}
}

// SetInputPending tells the engine how to see client messages that have
// arrived but not reached it yet (lsp sets it).
func (c *Coordinator) SetInputPending(f func() bool) {
	if f != nil {
		c.inputPending.Store(&f)
	}
}

// batch collects the analysed results of one round of events.
type batch struct {
	results []workspace.Result
	save    bool               // a save was among them: plan even when nothing changed
	after   []workspace.Result // for afterUpdate, once the plan is submitted
}

func (b *batch) add(res workspace.Result, fromSave bool) {
	if fromSave {
		b.save = true
	}
	for i, r := range b.results {
		if r.Path == res.Path {
			// The same file twice in one batch: keep both change lists.
			b.results[i].Changes = append(b.results[i].Changes, res.Changes...)
			b.results[i].Unchanged = r.Unchanged && res.Unchanged
			return
		}
	}
	b.results = append(b.results, res)
}

// handle applies one event; a panic in analysis is reported, not fatal.
func (c *Coordinator) handle(ctx context.Context, e event, b *batch) {
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
	case opOwn:
		if _, err := c.ws.Update(ctx, rel, e.text); err != nil {
			c.log.Debug("index written file", "path", rel, "err", err)
		}
		c.publish(rel, srcGenerated, nil)
	case opClose:
		c.publish(rel, srcBuffer, nil)
	case opSave:
		text := e.text
		if text == nil {
			data, err := c.readFile(rel)
			if errors.Is(err, fs.ErrNotExist) {
				c.removed(rel, b)
				return
			}
			if err != nil {
				c.message(slog.LevelWarn, fmt.Sprintf("cannot read %s: %v", rel, err), false)
				return
			}
			text = data
		}
		c.hashes.Remember(e.path, text)
		// Analyse the saved state first, then drop the buffer's own set, so
		// a broken save never flickers through an empty diagnostic list.
		c.update(ctx, rel, text, true, b)
		c.publish(rel, srcBuffer, nil)
	case opDisk:
		data, err := c.readFile(rel)
		if errors.Is(err, fs.ErrNotExist) {
			// Deleted between the event and the read: that is a removal.
			c.removed(rel, b)
			if c.isOutput(rel) {
				c.restoreOutput(rel, "was deleted")
			}
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
		if !c.hashes.Changed(e.path, data) {
			return // the editor's own save, already planned
		}
		if c.update(ctx, rel, data, false, b) && c.isOutput(rel) {
			c.restoreOutput(rel, "was edited by hand")
		}
	case opDelete:
		if _, err := os.Lstat(e.path); err == nil {
			return // recreated since (atomic save by rename): a write event follows
		}
		if c.isOutput(rel) {
			c.removed(rel, b)
			c.restoreOutput(rel, "was deleted")
			return
		}
		// A removed directory takes every indexed file below it along.
		under := c.ws.Under(rel)
		if len(under) == 0 {
			c.removed(rel, b)
		}
		for _, f := range under {
			c.removed(f, b)
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
// It reports whether rel is a generated output that is stale.
func (c *Coordinator) update(ctx context.Context, rel string, content []byte, fromSave bool, b *batch) (staleOutput bool) {
	c.touch(rel)
	res, err := c.ws.Update(ctx, rel, content)
	if err != nil {
		c.log.Warn("analysis failed", "path", rel, "err", err)
		return false
	}
	c.publish(rel, srcAnalysis, res.Diagnostics)
	if res.Unchanged && !fromSave {
		return false
	}
	staleOutput = c.checkGenerated(res, content)
	if (res.Kind == facts.KindFarmConfig || res.Kind == facts.KindPluginConfig) && !res.SyntaxError && !res.Unchanged {
		c.loadConfig() // a manifest changes which `plugins` entries are missing
	}
	b.after = append(b.after, res)
	if c.unwatched(&res, fromSave) {
		return staleOutput
	}
	b.add(res, fromSave)
	return staleOutput
}

func (c *Coordinator) removed(rel string, b *batch) {
	c.touch(rel)
	res := c.ws.Remove(rel)
	c.hashes.Forget(c.abs(rel))
	c.publish(rel, srcAnalysis, nil)
	c.publish(rel, srcBuffer, nil)
	b.after = append(b.after, res)
	if c.unwatched(&res, false) {
		return
	}
	b.add(res, false)
}

// afterUpdate runs the cross-file checks that depend on a change.
func (c *Coordinator) afterUpdate(res workspace.Result) {
	c.checkFieldUse(res)
}

// submit hands an analysed batch to the scheduler as one plan, at once. A
// batch with a save always makes a plan (possibly empty) so the client can
// tell "nothing to do" from "not seen"; one of watcher events only when
// something changed.
func (c *Coordinator) submit(b batch) {
	if len(b.results) == 0 {
		return
	}
	changed := b.save
	batches := make([]scheduler.Batch, 0, len(b.results))
	for _, res := range b.results {
		if len(res.Changes) > 0 || !res.Unchanged {
			changed = true
		}
		batches = append(batches, scheduler.Batch{Path: res.Path, Kind: res.Kind, Changes: res.Changes})
	}
	if !changed {
		return
	}
	c.mu.Lock()
	sched := c.sched
	c.mu.Unlock()
	if sched == nil {
		return
	}
	sched.SubmitNow(batches...)
}

// touch records that a save or disk event was handled for a file, after
// which an editor's didOpen no longer sets its baseline.
func (c *Coordinator) touch(rel string) {
	c.mu.Lock()
	c.touched[rel] = true
	c.mu.Unlock()
}
