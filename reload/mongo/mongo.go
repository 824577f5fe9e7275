// Package mongo is the database-schema-update executor: it diffs the
// workspace's Beanie Document models against the previous snapshot, writes
// the migration file, applies additive operations to the development
// database with the MongoDB driver (one updateMany per backfilled field —
// a field of models in lists or dicts is rewritten document by document,
// see rewriteEach —, createIndexes, create collection) and leaves
// destructive ones pending
// until Apply is called. An applied-migrations ledger collection in the
// database keeps any operation from being applied twice.
package mongo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	mdb "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/connstring"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/analysis/pymod"
	analysis "github.com/farm-stack/farm-lsp/analysis/workspace"
	"github.com/farm-stack/farm-lsp/reload/executor"
	"github.com/farm-stack/farm-lsp/reload/plan"
	"github.com/farm-stack/farm-lsp/reload/schema"
)

var _ executor.Executor = (*Executor)(nil)

// Auto-apply modes (development.hotReload.database.autoApply).
const (
	ApplyAdditive = "additive" // additive ops now, destructive ones on request
	ApplyNone     = "none"     // nothing without a request
	ApplyAll      = "all"      // every op, destructive included
)

// DefaultLedger is the applied-migrations collection.
const DefaultLedger = "farm_migrations"

// DefaultDatabase is used when database.url names no database.
const DefaultDatabase = "app"

// DefaultReconnectInterval is how often the executor checks whether an
// unreachable database is back while migrations wait for it.
const DefaultReconnectInterval = 2 * time.Second

// Options configure an Executor.
type Options struct {
	// Root is the workspace root.
	Root string
	// Migrations returns paths.migrations from farm.config.ts (a glob such
	// as "apps/api/migrations/*.json", or a directory), read on every run;
	// nil or "" means schema.MigrationsDir.
	Migrations func() string
	// URL returns database.url from farm.config.ts (read on every run).
	URL func() string
	// AutoApply is ApplyAdditive (the default), ApplyNone or ApplyAll.
	AutoApply string
	// Models returns the current models keyed by the workspace-relative
	// path of their file, with Kind resolved. Documents are diffed; the
	// other models count as their bases and embedded models, found by
	// name. Snapshot, when set, is used instead.
	Models func() map[string][]facts.Model
	// Snapshot returns the current analysis snapshot: its models, with the
	// names of embedded models and bases resolved through the imports
	// (`from .base import Audit as AuditInfo`).
	Snapshot func() analysis.Snapshot
	Logger   *slog.Logger
	// Timeout bounds server selection and the ping (default 3s).
	Timeout time.Duration
	// Ledger is the applied-migrations collection (default DefaultLedger).
	Ledger string
	// ReconnectInterval is how often a cheap TCP check looks for the
	// database while operations wait for it (default
	// DefaultReconnectInterval).
	ReconnectInterval time.Duration
	// OnBackground receives the result of a sync the executor ran on its
	// own, when the database came back with operations waiting for it.
	// Its Diagnostics have the shape of Run's. Called without locks held.
	OnBackground func(executor.Result)
}

// Executor runs database-schema-update tasks. It is safe for concurrent
// use; runs and applies are serialised.
type Executor struct {
	opts Options
	log  *slog.Logger

	// bg lives until Close; the reconnect watcher runs under it.
	bg     context.Context
	stopBG context.CancelFunc
	wg     sync.WaitGroup

	mu        sync.Mutex
	autoApply string
	prev      schema.Set
	// diff follows the analysis snapshots (Options.Snapshot, task
	// states): it diffs only the Documents a change can reach. Nil until
	// the first snapshot when the executor started from Models.
	diff *differ
	// stateVersion is the newest task state diffed (plan.State.Version).
	stateVersion uint64
	client       *mdb.Client
	clientURL    string
	// known is the ledger as last read (and since recorded), nil before
	// the database was first reached.
	known ledger
	// queued are withdrawals decided while the database was unreachable,
	// recorded in the ledger at the next contact.
	queued []withdrawal
	// unsynced are migration files written while the database was never
	// reached (known == nil): their ops are reported pending.
	unsynced map[string]bool
	// down is why the database is unreachable, "" when the last contact
	// worked (or there was none).
	down     string
	watching bool
	// pending is the last known set of unapplied ops, by migration path.
	pending map[string][]pendingOp
	// diagPaths are the paths the last published diagnostics covered.
	diagPaths map[string]bool
	// invalid holds validation diagnostics of unreadable migration files.
	invalid map[string][]facts.Diagnostic
	// parsed caches valid migration files by path with the bytes they were
	// parsed from: every run lists all migrations, and re-validating each
	// unchanged file made a save's database task grow with the history.
	parsed map[string]parsedMigration
}

// parsedMigration is a valid migration file and the bytes it came from.
type parsedMigration struct {
	data []byte
	m    schema.Migration
}

// pendingOp is an op of a migration file that is not applied.
type pendingOp struct {
	migration string // migration ID
	index     int    // position in up
	op        schema.Op
	why       string // why it waits, for the diagnostic
	failed    string // the error it failed with, "" when it never ran
	down      string // why the database is unreachable, when it waits for it
}

// New returns an executor whose previous snapshot is the current Models().
func New(opts Options) *Executor {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 3 * time.Second
	}
	if opts.Ledger == "" {
		opts.Ledger = DefaultLedger
	}
	if opts.URL == nil {
		opts.URL = func() string { return "" }
	}
	if opts.Migrations == nil {
		opts.Migrations = func() string { return "" }
	}
	if opts.Models == nil {
		opts.Models = func() map[string][]facts.Model { return nil }
	}
	if opts.ReconnectInterval <= 0 {
		opts.ReconnectInterval = DefaultReconnectInterval
	}
	e := &Executor{
		opts:      opts,
		log:       opts.Logger.With("executor", string(plan.DatabaseSchemaUpdate)),
		unsynced:  map[string]bool{},
		pending:   map[string][]pendingOp{},
		diagPaths: map[string]bool{},
		invalid:   map[string][]facts.Diagnostic{},
		parsed:    map[string]parsedMigration{},
	}
	e.bg, e.stopBG = context.WithCancel(context.Background())
	e.setAutoApply(opts.AutoApply)
	if opts.Snapshot != nil {
		e.diff = newDiffer(opts.Snapshot())
		e.prev = e.diff.set
	} else {
		e.prev = schema.NewSet(snapshot(opts.Models()), nil)
	}
	return e
}

// SetAutoApply changes the auto-apply mode live.
func (e *Executor) SetAutoApply(mode string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.setAutoApply(mode)
}

func (e *Executor) setAutoApply(mode string) {
	switch mode {
	case ApplyAdditive, ApplyNone, ApplyAll:
		e.autoApply = mode
	case "":
		e.autoApply = ApplyAdditive
	default:
		e.log.Warn("unknown database.autoApply, using additive", "autoApply", mode)
		e.autoApply = ApplyAdditive
	}
}

func snapshot(in map[string][]facts.Model) map[string][]facts.Model {
	out := make(map[string][]facts.Model, len(in))
	for p, ms := range in {
		out[p] = append([]facts.Model(nil), ms...)
	}
	return out
}

// Close stops the reconnect watcher and disconnects the database client.
func (e *Executor) Close(ctx context.Context) error {
	e.stopBG()
	e.wg.Wait()
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.disconnect(ctx)
}

func (e *Executor) disconnect(ctx context.Context) error {
	if e.client == nil {
		return nil
	}
	err := e.client.Disconnect(ctx)
	e.client, e.clientURL = nil, ""
	if err != nil {
		return fmt.Errorf("disconnect: %w", err)
	}
	return nil
}

// migrationsDir is the workspace-relative migrations directory.
func (e *Executor) migrationsDir() (string, error) {
	return schema.DirOfGlob(e.opts.Migrations())
}

// Run implements executor.Executor: diff the models against the previous
// snapshot, reconcile the diff with what the ledger says was really
// applied (an op undoing one that never ran withdraws it instead of being
// written), write the migration file, then bring the database up to date
// with every migration file (additive ops applied according to AutoApply,
// the rest reported as migration-pending). With the database unreachable
// the file is still written, its ops are reported pending, and they are
// applied when the database comes back.
func (e *Executor) Run(ctx context.Context, task plan.Task, r executor.Reporter) (res executor.Result) {
	defer func() {
		if p := recover(); p != nil {
			e.log.Error("schema update panicked", "panic", p)
			res = executor.Result{Status: executor.Failed, Message: fmt.Sprintf("schema update panicked: %v", p)}
		}
	}()
	if r == nil {
		r = executor.NopReporter{}
	}
	e.mu.Lock()
	defer e.mu.Unlock()

	var cur schema.Set
	var ops []schema.Op
	commit := func() {}
	// fromSnapshot diffs a snapshot through e.diff (made on first use
	// when the executor started from Models).
	fromSnapshot := func(snap analysis.Snapshot) {
		if e.diff == nil {
			e.diff = fromSet(e.prev)
		}
		ops, cur, commit = e.diff.next(snap)
	}
	rawURL, glob := e.opts.URL(), e.opts.Migrations()
	if st := task.State; st != nil { // the state the task was planned from
		rawURL, glob = st.Config.Database.URL, st.Config.Paths.Migrations
		cur = e.prev // a state older than one already diffed changes no model
		if st.Version > e.stateVersion {
			e.stateVersion = st.Version
			fromSnapshot(st.Snapshot)
		}
	} else if e.opts.Snapshot != nil {
		fromSnapshot(e.opts.Snapshot())
	} else {
		cur = schema.NewSet(snapshot(e.opts.Models()), nil)
		ops = schema.DiffSets(e.prev, cur)
		e.diff = nil // the next snapshot is diffed against these models
	}
	dir, err := schema.DirOfGlob(glob)
	if err != nil {
		return executor.Result{Status: executor.Failed, Message: err.Error()}
	}

	var db *mdb.Database
	var dbErr error
	if rawURL != "" {
		db, dbErr = e.database(ctx, rawURL)
		if dbErr == nil {
			e.down = ""
			if err := e.refreshLedger(ctx, db); err != nil {
				db, dbErr = nil, err
			}
		}
		if dbErr != nil {
			e.down = dbErr.Error()
		}
	}

	var written, notes []string
	if len(ops) > 0 {
		var withdrawn []string
		ops, withdrawn = e.reconcile(ctx, db, dir, ops)
		notes = append(notes, withdrawn...)
		for _, n := range withdrawn {
			r.Report(n, -1)
		}
		path, err := schema.WriteMigration(e.opts.Root, dir, ops)
		if err != nil {
			return executor.Result{Status: executor.Failed, Message: join(append(notes, err.Error()))}
		}
		if path != "" {
			written = append(written, path)
			notes = append(notes, "wrote "+path)
			r.Report("wrote "+path, -1)
			if db == nil && e.known == nil {
				e.unsynced[path] = true
			}
		}
	}
	// The snapshot moves on once the change is recorded in a file (or
	// found to undo one that never ran): the files, not the snapshot, are
	// what later runs apply.
	e.prev = cur
	commit()

	if rawURL == "" {
		return executor.Result{Status: executor.Skipped, Written: written,
			Message: join(append(notes, "no database.url configured: nothing applied"))}
	}
	if db == nil {
		waiting := e.walkDown(dir)
		res := executor.Result{Status: executor.Skipped, Transient: true, Written: written, Diagnostics: e.diagnostics()}
		notes = append(notes, dbErr.Error())
		if waiting > 0 {
			notes = append(notes, fmt.Sprintf("%d operation(s) pending: applied when the database is back", waiting))
			e.watchReconnect()
		}
		res.Message = join(notes)
		return res
	}
	summary, failed, err := e.sync(ctx, db, dir, r, false)
	e.noteBroken(err)
	res = executor.Result{Status: executor.OK, Written: written, Diagnostics: e.diagnostics()}
	if err != nil {
		res.Status = executor.Failed
		res.Transient = transient(err)
		notes = append(notes, err.Error())
	} else if failed > 0 {
		res.Status = executor.Failed
	}
	res.Message = join(append(notes, summary...))
	return res
}

func join(parts []string) string {
	if len(parts) == 0 {
		return "no schema changes"
	}
	return strings.Join(parts, "; ")
}

// Apply applies every not-yet-applied up op of one migration file,
// destructive and previously failed ones included (farm.applyMigration,
// "Apply migration …"), then brings the rest of the database up to date.
// migrationPath is workspace-relative or absolute.
func (e *Executor) Apply(ctx context.Context, migrationPath string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	dir, err := e.migrationsDir()
	if err != nil {
		return err
	}
	rel, abs := e.paths(migrationPath)
	m, err := e.readMigration(rel, abs)
	if err != nil {
		return err
	}
	rawURL := e.opts.URL()
	if rawURL == "" {
		return errors.New("apply migration: no database.url configured")
	}
	db, err := e.database(ctx, rawURL)
	if err == nil {
		err = e.refreshLedger(ctx, db)
	}
	if err != nil {
		e.down = err.Error()
		if e.walkDown(dir) > 0 {
			e.watchReconnect()
		}
		return fmt.Errorf("apply migration %s: %w", m.ID, err)
	}
	e.down = ""
	st := e.known.get(m.ID)
	var applyErr error
	for i, op := range m.Up {
		if st.done(i) {
			continue
		}
		if _, err := e.applyOp(ctx, db, op); err != nil {
			applyErr = fmt.Errorf("apply migration %s: %s: %w", m.ID, op, err)
			if !transient(err) {
				st.failed[i] = err.Error()
				if rerr := e.record(ctx, db, m.ID, len(m.Up), st); rerr != nil {
					applyErr = errors.Join(applyErr, rerr)
				}
			}
			break
		}
		st.applied[i] = true
		delete(st.failed, i)
		if err := e.record(ctx, db, m.ID, len(m.Up), st); err != nil {
			applyErr = fmt.Errorf("apply migration %s: %w", m.ID, err)
			break
		}
		e.log.Info("applied", "migration", m.ID, "op", op.String())
	}
	// Refresh what is pending (and apply what this unblocked).
	if _, _, err := e.sync(ctx, db, dir, executor.NopReporter{}, false); err != nil && applyErr == nil {
		return fmt.Errorf("apply migration %s: %w", m.ID, err)
	}
	return applyErr
}

// Retry brings the database up to date now, retrying operations that
// failed before (farm.retry). It returns false, doing nothing, when no
// operation waits for the database or failed.
func (e *Executor) Retry(ctx context.Context) (executor.Result, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.down == "" && !e.anyFailed() {
		return executor.Result{}, false
	}
	return e.resync(ctx, true), true
}

func (e *Executor) anyFailed() bool {
	for _, ops := range e.pending {
		for _, p := range ops {
			if p.failed != "" {
				return true
			}
		}
	}
	return false
}

// resync connects and syncs every migration file; the caller holds e.mu.
func (e *Executor) resync(ctx context.Context, retryFailed bool) executor.Result {
	dir, err := e.migrationsDir()
	if err != nil {
		return executor.Result{Status: executor.Failed, Message: err.Error()}
	}
	rawURL := e.opts.URL()
	if rawURL == "" {
		e.down = ""
		return executor.Result{Status: executor.Skipped, Message: "no database.url configured: nothing applied"}
	}
	db, err := e.database(ctx, rawURL)
	if err == nil {
		err = e.refreshLedger(ctx, db)
	}
	if err != nil {
		e.down = err.Error()
		waiting := e.walkDown(dir)
		return executor.Result{Status: executor.Skipped, Transient: true, Diagnostics: e.diagnostics(),
			Message: join([]string{err.Error(), fmt.Sprintf("%d operation(s) pending", waiting)})}
	}
	e.down = ""
	summary, failed, err := e.sync(ctx, db, dir, executor.NopReporter{}, retryFailed)
	e.noteBroken(err)
	res := executor.Result{Status: executor.OK, Diagnostics: e.diagnostics()}
	if err != nil {
		res.Status, res.Transient = executor.Failed, transient(err)
		summary = append(summary, err.Error())
	} else if failed > 0 {
		res.Status = executor.Failed
	}
	res.Message = join(summary)
	return res
}

// noteBroken marks the database down when a sync lost it midway, so the
// watcher applies the rest when it is back. The caller holds e.mu.
func (e *Executor) noteBroken(err error) {
	if err != nil && transient(err) {
		e.down = err.Error()
		e.watchReconnect()
	}
}

// watchReconnect starts, once, a watcher that checks every
// ReconnectInterval with a TCP dial whether the database is back and then
// syncs, handing the result to OnBackground. The caller holds e.mu.
func (e *Executor) watchReconnect() {
	if e.watching || e.bg.Err() != nil {
		return
	}
	e.watching = true
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		t := time.NewTicker(e.opts.ReconnectInterval)
		defer t.Stop()
		for {
			select {
			case <-e.bg.Done():
				e.mu.Lock()
				e.watching = false
				e.mu.Unlock()
				return
			case <-t.C:
			}
			if !e.reachable() {
				continue
			}
			e.mu.Lock()
			if e.down == "" { // a run or apply reached it first
				e.watching = false
				e.mu.Unlock()
				return
			}
			res := e.resync(e.bg, false)
			back := e.down == ""
			if back {
				e.watching = false
				res.Message = "database back: " + res.Message
			}
			e.mu.Unlock()
			if back {
				e.log.Info("database back: pending migrations synced", "status", res.Status, "message", res.Message)
				if e.opts.OnBackground != nil {
					e.opts.OnBackground(res)
				}
				return
			}
		}
	}()
}

// reachable is the watcher's cheap check: some host of database.url
// accepts a TCP connection.
func (e *Executor) reachable() bool {
	cs, err := connstring.ParseAndValidate(e.opts.URL())
	if err != nil {
		return false
	}
	return dialAny(e.bg, cs) == nil
}

// Pending returns the workspace-relative paths of migration files with
// unapplied operations, as of the last run or apply.
func (e *Executor) Pending() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]string, 0, len(e.pending))
	for p := range e.pending {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// Diagnostics returns the current migration-pending (and invalid migration)
// diagnostics, with empty slices for paths that no longer have any — the
// same shape as Result.Diagnostics, for republishing after Apply.
func (e *Executor) Diagnostics() map[string][]facts.Diagnostic {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.diagnostics()
}

func (e *Executor) paths(p string) (rel, abs string) {
	if filepath.IsAbs(p) {
		abs = p
		if r, err := filepath.Rel(e.opts.Root, p); err == nil {
			rel = filepath.ToSlash(r)
		} else {
			rel = filepath.ToSlash(p)
		}
		return rel, abs
	}
	return filepath.ToSlash(p), filepath.Join(e.opts.Root, filepath.FromSlash(p))
}

func (e *Executor) readMigration(rel, abs string) (schema.Migration, error) {
	data, err := os.ReadFile(abs)
	if err != nil {
		delete(e.parsed, rel)
		return schema.Migration{}, fmt.Errorf("read migration %s: %w", rel, err)
	}
	if p, ok := e.parsed[rel]; ok && bytes.Equal(p.data, data) {
		return p.m, nil
	}
	delete(e.parsed, rel)
	if diags := schema.Validate(data, nil); len(diags) > 0 {
		for i := range diags {
			diags[i].Path = rel
		}
		e.invalid[rel] = diags
		return schema.Migration{}, fmt.Errorf("migration %s is invalid: %s", rel, diags[0].Message)
	}
	delete(e.invalid, rel)
	m, err := schema.ParseMigration(data)
	if err != nil {
		return schema.Migration{}, fmt.Errorf("migration %s: %w", rel, err)
	}
	m.ID = strings.TrimSuffix(filepath.Base(abs), ".json") // the file name is the identity
	e.parsed[rel] = parsedMigration{data: data, m: m}
	return m, nil
}

// migFile is a parsed migration file.
type migFile struct {
	rel string
	m   schema.Migration
}

// migrations reads every valid migration file of dir in number order;
// invalid ones are recorded in e.invalid and left out.
func (e *Executor) migrations(dir string) ([]migFile, error) {
	files, err := schema.ListMigrations(e.opts.Root, dir)
	if err != nil {
		return nil, err
	}
	out := make([]migFile, 0, len(files))
	for _, rel := range files {
		_, abs := e.paths(rel)
		m, err := e.readMigration(rel, abs)
		if err != nil {
			e.log.Warn("skipping migration", "path", rel, "err", err)
			continue
		}
		out = append(out, migFile{rel, m})
	}
	return out, nil
}

// withdrawal marks an op of a migration as never to be applied.
type withdrawal struct {
	id    string
	n     int // len(up)
	index int
}

// reconcile drops from ops those that only undo an op that was never
// applied, withdrawing that op in the ledger instead: reverting a model
// change whose create-index failed writes no drop-index for an index that
// never existed, and re-adding a field whose removal waits withdraws the
// removal. It needs the ledger; without one (the database never reached)
// ops are returned as they are. notes say what was withdrawn.
func (e *Executor) reconcile(ctx context.Context, db *mdb.Database, dir string, ops []schema.Op) (keep []schema.Op, notes []string) {
	if e.known == nil {
		return ops, nil
	}
	files, err := e.migrations(dir)
	if err != nil {
		e.log.Warn("reconcile: list migrations", "err", err)
		return ops, nil
	}
	type ref struct {
		f *migFile
		i int
	}
	// latest[key] is the stack of ops touching key, oldest first.
	latest := map[string][]ref{}
	for fi := range files {
		f := &files[fi]
		st := e.known.get(f.m.ID)
		for i, op := range f.m.Up {
			if k, ok := reconcileKey(op); ok && !st.withdrawn[i] {
				latest[k] = append(latest[k], ref{f, i})
			}
		}
	}
	for _, o := range ops {
		k, ok := reconcileKey(o)
		stack := latest[k]
		if !ok || len(stack) == 0 {
			keep = append(keep, o)
			continue
		}
		top := stack[len(stack)-1]
		st := e.known.get(top.f.m.ID)
		prev := top.f.m.Up[top.i]
		if st.applied[top.i] {
			keep = append(keep, o)
			continue
		}
		var skip bool
		switch {
		case prev.Kind == schema.CreateIndex && o.Kind == schema.DropIndex:
			skip = true // the index was never created: nothing to drop
		case prev.Kind == schema.DropIndex && o.Kind == schema.CreateIndex && sameIndex(prev.Index, o.Index):
			skip = true // the index was never dropped: it is still there
		case prev.Kind == schema.AddField && o.Kind == schema.RemoveField,
			prev.Kind == schema.RemoveField && o.Kind == schema.AddField:
			// Withdraw the op that never ran; o still says what to do
			// with data the app may have written meanwhile.
		default:
			keep = append(keep, o)
			continue
		}
		latest[k] = stack[:len(stack)-1]
		st.withdrawn[top.i] = true
		delete(st.failed, top.i)
		w := withdrawal{id: top.f.m.ID, n: len(top.f.m.Up), index: top.i}
		if db != nil {
			if err := e.record(ctx, db, w.id, w.n, st); err != nil {
				e.log.Warn("record withdrawal", "migration", w.id, "err", err)
				e.queued = append(e.queued, w)
			}
		} else {
			e.queued = append(e.queued, w)
		}
		note := fmt.Sprintf("withdrew %s of %s (never applied)", prev, top.f.m.ID)
		if skip {
			note += fmt.Sprintf(": no %s needed", o.Kind)
		} else {
			keep = append(keep, o)
		}
		notes = append(notes, note)
		e.log.Info("withdrew migration op", "migration", w.id, "op", prev.String(), "undone by", o.String())
	}
	return keep, notes
}

// reconcileKey names what an op creates or removes, for pairing an op
// with the one it undoes.
func reconcileKey(op schema.Op) (string, bool) {
	switch op.Kind {
	case schema.CreateIndex, schema.DropIndex:
		if op.Index == nil {
			return "", false
		}
		return "index\x00" + op.Collection + "\x00" + op.Index.Name, true
	case schema.AddField, schema.RemoveField:
		return "field\x00" + op.Collection + "\x00" + op.Field, true
	}
	return "", false
}

func sameIndex(a, b *schema.Index) bool {
	if a == nil || b == nil || a.Name != b.Name || a.Unique != b.Unique || len(a.Keys) != len(b.Keys) {
		return false
	}
	for i := range a.Keys {
		if a.Keys[i] != b.Keys[i] {
			return false
		}
	}
	return true
}

// gate keeps dependent ops in order: an op that waits (pending, failed)
// holds back later ops on the same field or index, and a collection-wide
// op holds back everything on its collections, and is held back by
// anything waiting on them. Unrelated ops go on.
type gate struct {
	coll map[string]string // collection-wide op waiting → why
	key  map[string]string // field/index op waiting → why
	any  map[string]string // something waits on the collection → why
}

func newGate() *gate {
	return &gate{coll: map[string]string{}, key: map[string]string{}, any: map[string]string{}}
}

// scope returns the collections a collection-wide op touches, or the
// collection and keys of a field/index op.
func scope(op schema.Op) (colls []string, keys []string) {
	switch op.Kind {
	case schema.CreateCollection, schema.DropCollection:
		return []string{op.Collection}, nil
	case schema.RenameCollection:
		return []string{op.Collection, op.To}, nil
	case schema.RenameField:
		return nil, []string{"field\x00" + op.Collection + "\x00" + op.Field, "field\x00" + op.Collection + "\x00" + op.To}
	}
	k, ok := reconcileKey(op)
	if !ok {
		return []string{op.Collection}, nil
	}
	return nil, []string{k}
}

// blocked says why op must wait, if it must.
func (g *gate) blocked(op schema.Op) (string, bool) {
	colls, keys := scope(op)
	for _, c := range colls {
		if why, ok := g.coll[c]; ok {
			return why, true
		}
		if why, ok := g.any[c]; ok {
			return why, true
		}
	}
	if why, ok := g.coll[op.Collection]; ok {
		return why, true
	}
	for _, k := range keys {
		if why, ok := g.key[k]; ok {
			return why, true
		}
	}
	return "", false
}

// hold records that op waits, so later ops depending on it wait too.
func (g *gate) hold(op schema.Op, why string) {
	colls, keys := scope(op)
	for _, c := range colls {
		g.coll[c] = why
		g.any[c] = why
	}
	for _, k := range keys {
		g.key[k] = why
		g.any[op.Collection] = why
	}
}

// sync applies what AutoApply allows from every migration file in number
// order and records what stays pending. An op that fails is recorded as
// failed in the ledger and is not retried on later saves (retryFailed, or
// Apply, retries it); only ops on the same field, index or collection
// wait behind it. failed counts ops that failed in this call.
func (e *Executor) sync(ctx context.Context, db *mdb.Database, dir string, r executor.Reporter, retryFailed bool) (summary []string, failed int, err error) {
	files, err := e.migrations(dir)
	if err != nil {
		return nil, 0, err
	}
	led := e.known
	type todo struct {
		f *migFile
		i int
	}
	var steps []todo
	for fi := range files {
		f := &files[fi]
		st := led.get(f.m.ID)
		for i := range f.m.Up {
			if !st.done(i) {
				steps = append(steps, todo{f, i})
			}
		}
	}
	g := newGate()
	pending := map[string][]pendingOp{}
	wait := func(t todo, why, failedWith string) {
		op := t.f.m.Up[t.i]
		p := pendingOp{migration: t.f.m.ID, index: t.i, op: op, why: why, failed: failedWith}
		if err != nil {
			p.why, p.down = "", "the database stopped answering: "+err.Error()
		}
		pending[t.f.rel] = append(pending[t.f.rel], p)
		hold := fmt.Sprintf("it waits for %s (%s)", op, t.f.m.ID)
		if failedWith != "" {
			hold = fmt.Sprintf("it waits for the failed %s (%s)", op, t.f.m.ID)
		}
		g.hold(op, hold)
	}
	ran := 0
	for n, t := range steps {
		op := t.f.m.Up[t.i]
		st := led.get(t.f.m.ID)
		if err != nil { // the connection broke: the rest waits
			wait(t, "", "")
			continue
		}
		if why, ok := g.blocked(op); ok {
			wait(t, why, "")
			continue
		}
		if msg, ok := st.failed[t.i]; ok && !retryFailed {
			wait(t, "", msg)
			continue
		}
		if !e.auto(op) {
			how := "it is destructive"
			if !op.Destructive {
				how = "database.autoApply is " + e.autoApply
			}
			wait(t, how, "")
			continue
		}
		r.Report(fmt.Sprintf("%s: %s", t.f.m.ID, op), n*100/len(steps))
		detail, aerr := e.applyOp(ctx, db, op)
		if aerr != nil {
			if transient(aerr) || ctx.Err() != nil {
				err = fmt.Errorf("%s: %s: %w", t.f.m.ID, op, aerr)
				wait(t, "", "")
				continue
			}
			failed++
			st.failed[t.i] = aerr.Error()
			summary = append(summary, fmt.Sprintf("failed %s (%s): %v", op, t.f.m.ID, aerr))
			if rerr := e.record(ctx, db, t.f.m.ID, len(t.f.m.Up), st); rerr != nil {
				err = rerr
			}
			wait(t, "", aerr.Error())
			continue
		}
		st.applied[t.i] = true
		delete(st.failed, t.i)
		if rerr := e.record(ctx, db, t.f.m.ID, len(t.f.m.Up), st); rerr != nil {
			err = rerr
			continue
		}
		ran++
		summary = append(summary, "applied "+op.String()+detail)
	}
	if ran > 0 {
		r.Report(fmt.Sprintf("applied %d schema operations", ran), 100)
	}
	e.pending = pending
	for _, rel := range sortedKeys(pending) {
		for _, p := range pending[rel] {
			if p.failed == "" {
				summary = append(summary, fmt.Sprintf("pending %s (%s)", p.op, p.migration))
			}
		}
	}
	return summary, failed, err
}

// walkDown computes what is pending while the database is unreachable,
// from the ledger as last read (or, never having read it, from the files
// written since start), and returns how many ops wait for the database.
func (e *Executor) walkDown(dir string) int {
	files, err := e.migrations(dir)
	if err != nil {
		e.log.Warn("list migrations", "err", err)
		return 0
	}
	led := e.known
	if led == nil {
		led = ledger{}
	}
	pending := map[string][]pendingOp{}
	waiting := 0
	for _, f := range files {
		if e.known == nil && !e.unsynced[f.rel] {
			continue
		}
		st := led.get(f.m.ID)
		for i, op := range f.m.Up {
			if st.done(i) {
				continue
			}
			p := pendingOp{migration: f.m.ID, index: i, op: op}
			switch {
			case st.failed[i] != "":
				p.failed = st.failed[i]
			case !e.auto(op) && op.Destructive:
				p.why = "it is destructive"
			case !e.auto(op):
				p.why = "database.autoApply is " + e.autoApply
			default:
				p.down = e.down
				waiting++
			}
			pending[f.rel] = append(pending[f.rel], p)
		}
	}
	e.pending = pending
	return waiting
}

func (e *Executor) auto(op schema.Op) bool {
	switch e.autoApply {
	case ApplyAll:
		return true
	case ApplyNone:
		return false
	}
	return !op.Destructive
}

// diagnostics builds the published set: one migration-pending diagnostic
// per pending or failed op at its model (or in the migration file for
// hand-written ops), invalid-migration diagnostics, and empty slices for
// paths cleared since the last call.
func (e *Executor) diagnostics() map[string][]facts.Diagnostic {
	out := map[string][]facts.Diagnostic{}
	for _, rel := range sortedKeys(e.pending) {
		for _, p := range e.pending[rel] {
			path, rng := p.op.Path, p.op.Range
			if path == "" {
				path, rng = rel, facts.Range{}
			}
			d := facts.Diagnostic{
				Path:     path,
				Range:    rng,
				Severity: facts.SeverityWarning,
				Code:     facts.CodeMigration,
				Related:  []facts.Related{{Path: rel, Message: "migration file"}},
			}
			apply := fmt.Sprintf("run \"Apply migration %s\" (farm.applyMigration)", p.migration)
			switch {
			case p.failed != "":
				d.Severity = facts.SeverityError
				d.Message = fmt.Sprintf("Migration %s: %s (%s) failed: %s. Nothing was changed and it is not retried on save; "+
					"unrelated migrations still apply. %s, then %s to retry (or farm.retry); or undo the model change to withdraw it",
					p.migration, p.op, mongoVerb(p.op), p.failed, fixHint(p.op, p.failed), apply)
			case p.down != "":
				d.Message = fmt.Sprintf("Pending migration %s: %s (%s) is not applied yet: %s. It is applied when the database is back (checked every %s), on farm.retry, or %s",
					p.migration, p.op, mongoVerb(p.op), p.down, e.opts.ReconnectInterval, apply)
			default:
				d.Message = fmt.Sprintf("Pending migration %s: %s (%s) was not applied because %s; %s",
					p.migration, p.op, mongoVerb(p.op), p.why, apply)
			}
			out[path] = append(out[path], d)
		}
	}
	for p, ds := range e.invalid {
		out[p] = append(out[p], ds...)
	}
	for p := range e.diagPaths {
		if _, ok := out[p]; !ok {
			out[p] = []facts.Diagnostic{}
		}
	}
	e.diagPaths = map[string]bool{}
	for p, ds := range out {
		if len(ds) > 0 {
			e.diagPaths[p] = true
		}
	}
	return out
}

// fixHint says what to change before retrying a failed op.
func fixHint(op schema.Op, msg string) string {
	if op.Kind == schema.CreateIndex && op.Index != nil && op.Index.Unique &&
		// MongoDB says E11000 duplicate key; FerretDB passes on SQLite's
		// UNIQUE constraint failure.
		(strings.Contains(msg, "E11000") || strings.Contains(strings.ToLower(msg), "duplicate key") ||
			strings.Contains(msg, "UNIQUE constraint failed")) {
		fields := make([]string, 0, len(op.Index.Keys))
		for _, k := range op.Index.Keys {
			fields = append(fields, k.Field)
		}
		return fmt.Sprintf("Existing documents of %s share values of %s: make them unique", op.Collection, strings.Join(fields, ", "))
	}
	return "Fix the cause in the database"
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// mongoVerb names the MongoDB operation an op runs, for messages.
func mongoVerb(op schema.Op) string {
	if eachPath(op.Field) && (op.Kind == schema.AddField || op.Kind == schema.RemoveField || op.Kind == schema.RenameField) {
		return "each document's " + strings.SplitN(op.Field, ".", 2)[0] + " rewritten"
	}
	switch op.Kind {
	case schema.AddField:
		return "$set where missing"
	case schema.RemoveField:
		return "$unset"
	case schema.RenameField:
		return "$rename"
	case schema.CreateIndex:
		return "createIndexes"
	case schema.DropIndex:
		return "dropIndexes"
	case schema.RenameCollection:
		return "renameCollection"
	case schema.CreateCollection:
		return "create"
	case schema.DropCollection:
		return "drop"
	}
	return string(op.Kind)
}

// database returns a connected, pinged handle on the URL's database,
// reusing the client while the URL stays the same.
func (e *Executor) database(ctx context.Context, rawURL string) (*mdb.Database, error) {
	cs, err := connstring.ParseAndValidate(rawURL)
	if err != nil {
		return nil, fmt.Errorf("database.url %q is invalid: %w", redact(rawURL), err)
	}
	name := cs.Database
	if name == "" {
		name = DefaultDatabase
	}
	if e.client != nil && e.clientURL != rawURL {
		if err := e.disconnect(ctx); err != nil {
			e.log.Warn("disconnect", "err", err)
		}
	}
	if e.client == nil {
		// A refused connection is known in microseconds; the driver would
		// wait out its whole server-selection timeout to say so, on every
		// save while the dev database is down.
		if err := dialAny(ctx, cs); err != nil {
			return nil, fmt.Errorf("database not reachable at %s: %w", redact(rawURL), err)
		}
		c, err := mdb.Connect(options.Client().ApplyURI(rawURL).
			SetServerSelectionTimeout(e.opts.Timeout).SetConnectTimeout(e.opts.Timeout))
		if err != nil {
			return nil, fmt.Errorf("database not reachable at %s: %w", redact(rawURL), err)
		}
		e.client, e.clientURL = c, rawURL
	}
	pctx, cancel := context.WithTimeout(ctx, e.opts.Timeout)
	defer cancel()
	if err := e.client.Ping(pctx, nil); err != nil {
		return nil, fmt.Errorf("database not reachable at %s: %w", redact(rawURL), err)
	}
	return e.client.Database(name), nil
}

// dialAny checks that some host of a plain mongodb:// URL accepts TCP
// connections (SRV URLs are left to the driver's lookup).
func dialAny(ctx context.Context, cs *connstring.ConnString) error {
	if cs.Scheme != connstring.SchemeMongoDB || len(cs.Hosts) == 0 {
		return nil
	}
	var d net.Dialer
	var last error
	for _, h := range cs.Hosts {
		if !strings.Contains(h, ":") {
			h = net.JoinHostPort(h, "27017")
		}
		dctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
		conn, err := d.DialContext(dctx, "tcp", h)
		cancel()
		if err == nil {
			conn.Close()
			return nil
		}
		last = err
	}
	return last
}

func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "<database.url>"
	}
	return u.Redacted()
}

func transient(err error) bool {
	var op *net.OpError
	return mdb.IsNetworkError(err) || mdb.IsTimeout(err) || errors.Is(err, context.DeadlineExceeded) || errors.As(err, &op)
}

// ledgerEntry is one document of the applied-migrations collection:
// which up ops of a migration were applied, withdrawn (undone in the
// models before they ever ran) or failed (with the error).
type ledgerEntry struct {
	ID        string        `bson:"_id"`
	Applied   []int         `bson:"applied"`
	Withdrawn []int         `bson:"withdrawn"`
	Failed    []failedEntry `bson:"failed"`
	Complete  bool          `bson:"complete"`
	UpdatedAt time.Time     `bson:"updatedAt"`
}

type failedEntry struct {
	Op    int    `bson:"op"`
	Error string `bson:"error"`
}

// migState is one migration's ledger entry in memory.
type migState struct {
	applied   map[int]bool
	withdrawn map[int]bool
	failed    map[int]string
}

func (s *migState) done(i int) bool { return s.applied[i] || s.withdrawn[i] }

// ledger is the applied-migrations collection in memory, by migration ID.
type ledger map[string]*migState

// get returns id's state, adding an empty one (to a non-nil ledger).
func (l ledger) get(id string) *migState {
	if st, ok := l[id]; ok {
		return st
	}
	st := &migState{applied: map[int]bool{}, withdrawn: map[int]bool{}, failed: map[int]string{}}
	if l != nil {
		l[id] = st
	}
	return st
}

// refreshLedger reads the ledger into e.known and records the withdrawals
// decided while the database was unreachable.
func (e *Executor) refreshLedger(ctx context.Context, db *mdb.Database) error {
	cur, err := db.Collection(e.opts.Ledger).Find(ctx, bson.D{})
	if err != nil {
		return fmt.Errorf("read ledger %s: %w", e.opts.Ledger, err)
	}
	var entries []ledgerEntry
	if err := cur.All(ctx, &entries); err != nil {
		return fmt.Errorf("read ledger %s: %w", e.opts.Ledger, err)
	}
	led := ledger{}
	for _, en := range entries {
		st := led.get(en.ID)
		for _, i := range en.Applied {
			st.applied[i] = true
		}
		for _, i := range en.Withdrawn {
			st.withdrawn[i] = true
		}
		for _, f := range en.Failed {
			st.failed[f.Op] = f.Error
		}
	}
	e.known = led
	e.unsynced = map[string]bool{}
	queued := e.queued
	e.queued = nil
	for _, w := range queued {
		st := led.get(w.id)
		if st.applied[w.index] {
			continue // applied meanwhile (another server): not ours to withdraw
		}
		st.withdrawn[w.index] = true
		delete(st.failed, w.index)
		if err := e.record(ctx, db, w.id, w.n, st); err != nil {
			e.queued = append(e.queued, w)
			return err
		}
	}
	return nil
}

func sortedInts(set map[int]bool) []int {
	out := make([]int, 0, len(set))
	for i, ok := range set {
		if ok {
			out = append(out, i)
		}
	}
	sort.Ints(out)
	return out
}

// record writes one migration's state to the ledger; n is len(up).
func (e *Executor) record(ctx context.Context, db *mdb.Database, id string, n int, st *migState) error {
	applied, withdrawn := sortedInts(st.applied), sortedInts(st.withdrawn)
	failed := make([]failedEntry, 0, len(st.failed))
	for i, msg := range st.failed {
		failed = append(failed, failedEntry{Op: i, Error: msg})
	}
	sort.Slice(failed, func(a, b int) bool { return failed[a].Op < failed[b].Op })
	done := 0
	for i := 0; i < n; i++ {
		if st.done(i) {
			done++
		}
	}
	_, err := db.Collection(e.opts.Ledger).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$set", Value: bson.D{
			{Key: "applied", Value: applied},
			{Key: "withdrawn", Value: withdrawn},
			{Key: "failed", Value: failed},
			{Key: "complete", Value: done >= n},
			{Key: "updatedAt", Value: time.Now().UTC()},
		}}},
		options.UpdateOne().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("record %s in ledger: %w", id, err)
	}
	return nil
}

// MongoDB error codes treated as "already done".
const (
	codeNamespaceNotFound = 26
	codeIndexNotFound     = 27
	codeNamespaceExists   = 48
)

func hasCode(err error, codes ...int) bool {
	var se mdb.ServerError
	if !errors.As(err, &se) {
		return false
	}
	for _, c := range codes {
		if se.HasErrorCode(c) {
			return true
		}
	}
	return false
}

// applyOp runs one operation; detail is a short note for the summary.
func (e *Executor) applyOp(ctx context.Context, db *mdb.Database, op schema.Op) (detail string, err error) {
	coll := db.Collection(op.Collection)
	switch op.Kind {
	case schema.CreateCollection:
		if err := db.CreateCollection(ctx, op.Collection); err != nil && !hasCode(err, codeNamespaceExists) {
			return "", err
		}
		return "", nil
	case schema.DropCollection:
		return "", coll.Drop(ctx)
	case schema.RenameCollection:
		cmd := bson.D{
			{Key: "renameCollection", Value: db.Name() + "." + op.Collection},
			{Key: "to", Value: db.Name() + "." + op.To},
		}
		err := db.Client().Database("admin").RunCommand(ctx, cmd).Err()
		if err != nil && !hasCode(err, codeNamespaceNotFound) {
			return "", err
		}
		return "", nil
	case schema.AddField:
		if !op.Backfill {
			return " (no backfill)", nil
		}
		if eachPath(op.Field) {
			n, err := rewriteEach(ctx, coll, op.Field, func(obj bson.D, name string) (bson.D, bool) {
				if hasKey(obj, name) {
					return obj, false
				}
				return append(obj[:len(obj):len(obj)], bson.E{Key: name, Value: op.Default}), true
			})
			return fmt.Sprintf(" (%d documents backfilled)", n), err
		}
		filter := bson.D{{Key: op.Field, Value: bson.D{{Key: "$exists", Value: false}}}}
		if i := strings.LastIndexByte(op.Field, '.'); i > 0 {
			// Only documents that hold the embedded object: a missing or
			// null one stays as it is.
			filter = append(bson.D{{Key: op.Field[:i], Value: bson.D{{Key: "$type", Value: "object"}}}}, filter...)
		}
		res, err := coll.UpdateMany(ctx, filter, bson.D{{Key: "$set", Value: bson.D{{Key: op.Field, Value: op.Default}}}})
		if err != nil {
			return "", err
		}
		return fmt.Sprintf(" (%d documents backfilled)", res.ModifiedCount), nil
	case schema.RemoveField:
		if eachPath(op.Field) {
			n, err := rewriteEach(ctx, coll, op.Field, func(obj bson.D, name string) (bson.D, bool) {
				i := keyIndex(obj, name)
				if i < 0 {
					return obj, false
				}
				return append(obj[:i:i], obj[i+1:]...), true
			})
			return fmt.Sprintf(" (%d documents)", n), err
		}
		res, err := coll.UpdateMany(ctx,
			bson.D{{Key: op.Field, Value: bson.D{{Key: "$exists", Value: true}}}},
			bson.D{{Key: "$unset", Value: bson.D{{Key: op.Field, Value: ""}}}})
		if err != nil {
			return "", err
		}
		return fmt.Sprintf(" (%d documents)", res.ModifiedCount), nil
	case schema.RenameField:
		if eachPath(op.Field) || eachPath(op.To) {
			from, to := op.Field, op.To
			i, j := strings.LastIndexByte(from, '.'), strings.LastIndexByte(to, '.')
			if i < 0 || j < 0 || from[:i] != to[:j] {
				return "", fmt.Errorf("rename-field %s → %s: both must name a field of the same embedded object", from, to)
			}
			newName := to[j+1:]
			n, err := rewriteEach(ctx, coll, from, func(obj bson.D, name string) (bson.D, bool) {
				k := keyIndex(obj, name)
				if k < 0 || hasKey(obj, newName) {
					return obj, false
				}
				out := append(bson.D(nil), obj...)
				out[k].Key = newName
				return out, true
			})
			return fmt.Sprintf(" (%d documents)", n), err
		}
		res, err := coll.UpdateMany(ctx,
			bson.D{{Key: op.Field, Value: bson.D{{Key: "$exists", Value: true}}}},
			bson.D{{Key: "$rename", Value: bson.D{{Key: op.Field, Value: op.To}}}})
		if err != nil {
			return "", err
		}
		return fmt.Sprintf(" (%d documents)", res.ModifiedCount), nil
	case schema.CreateIndex:
		if op.Index == nil || len(op.Index.Keys) == 0 {
			return "", errors.New("create-index without keys")
		}
		keys := bson.D{}
		for _, k := range op.Index.Keys {
			dir := k.Dir
			if dir == 0 {
				dir = 1
			}
			keys = append(keys, bson.E{Key: k.Field, Value: dir})
		}
		name := op.Index.Name
		if name == "" {
			name = schema.IndexName(op.Index.Keys)
		}
		io := options.Index().SetName(name)
		if op.Index.Unique {
			io.SetUnique(true)
		}
		_, err := coll.Indexes().CreateOne(ctx, mdb.IndexModel{Keys: keys, Options: io})
		return "", err
	case schema.DropIndex:
		if op.Index == nil || op.Index.Name == "" {
			return "", errors.New("drop-index without a name")
		}
		if err := coll.Indexes().DropOne(ctx, op.Index.Name); err != nil && !hasCode(err, codeIndexNotFound, codeNamespaceNotFound) {
			return "", err
		}
		return "", nil
	}
	return "", fmt.Errorf("unknown operation %q", op.Kind)
}

// SetOf is a snapshot's models with a resolver of the names their
// annotations and bases use, through the imports of their files (built on
// first use; the executor's lock serialises its use).
func SetOf(snap analysis.Snapshot) schema.Set {
	var ix *pymod.Index
	return schema.NewSet(ModelsOf(snap), func(path, name string) (facts.Model, string, bool) {
		if ix == nil {
			ix = pymod.New(snap.Python())
		}
		s := ix.Resolve(path, name)
		m := ix.Model(s)
		if m == nil {
			return facts.Model{}, "", false
		}
		return *m, s.File.Path, true
	})
}

// ModelsOf is a snapshot's models keyed by file (files without models left
// out).
func ModelsOf(snap analysis.Snapshot) map[string][]facts.Model {
	out := map[string][]facts.Model{}
	for _, f := range snap.Python() {
		if len(f.Models) > 0 {
			out[f.Path] = f.Models
		}
	}
	return out
}
