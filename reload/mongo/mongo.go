// Package mongo is the database-schema-update executor: it diffs the
// workspace's Beanie Document models against the previous snapshot, writes
// the migration file, applies additive operations to the development
// database with the MongoDB driver (one updateMany per backfilled field,
// createIndexes, create collection) and leaves destructive ones pending
// until Apply is called. An applied-migrations ledger collection in the
// database keeps any operation from being applied twice.
package mongo

import (
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

// Options configure an Executor.
type Options struct {
	// Root is the workspace root; migrations go under apps/api/migrations.
	Root string
	// URL returns database.url from farm.config.ts (read on every run).
	URL func() string
	// AutoApply is ApplyAdditive (the default), ApplyNone or ApplyAll.
	AutoApply string
	// Models returns the current models keyed by the workspace-relative
	// path of their file, with Kind resolved. Only Documents are used.
	Models func() map[string][]facts.Model
	Logger *slog.Logger
	// Timeout bounds server selection and the ping (default 3s).
	Timeout time.Duration
	// Ledger is the applied-migrations collection (default DefaultLedger).
	Ledger string
}

// Executor runs database-schema-update tasks. It is safe for concurrent
// use; runs and applies are serialised.
type Executor struct {
	opts Options
	log  *slog.Logger

	mu        sync.Mutex
	autoApply string
	prev      map[string][]facts.Model
	client    *mdb.Client
	clientURL string
	// pending is the last known set of unapplied ops, by migration path.
	pending map[string][]pendingOp
	// diagPaths are the paths the last published diagnostics covered.
	diagPaths map[string]bool
	// invalid holds validation diagnostics of unreadable migration files.
	invalid map[string][]facts.Diagnostic
	// failure is the reload-failed diagnostic of the op that last failed.
	failure *facts.Diagnostic
}

type pendingOp struct {
	migration string // migration ID
	index     int    // position in up
	op        schema.Op
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
	if opts.Models == nil {
		opts.Models = func() map[string][]facts.Model { return nil }
	}
	e := &Executor{
		opts:      opts,
		log:       opts.Logger.With("executor", string(plan.DatabaseSchemaUpdate)),
		pending:   map[string][]pendingOp{},
		diagPaths: map[string]bool{},
		invalid:   map[string][]facts.Diagnostic{},
	}
	e.setAutoApply(opts.AutoApply)
	e.prev = snapshot(opts.Models())
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

// Close disconnects the database client.
func (e *Executor) Close(ctx context.Context) error {
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

// Run implements executor.Executor: diff the models against the previous
// snapshot, write the migration file, then bring the database up to date
// with every migration file under the workspace (additive ops applied
// according to AutoApply, the rest reported as migration-pending).
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

	cur := snapshot(e.opts.Models())
	ops := schema.DiffFiles(e.prev, cur)
	var written []string
	var notes []string
	if len(ops) > 0 {
		path, err := schema.WriteMigration(e.opts.Root, ops)
		if err != nil {
			return executor.Result{Status: executor.Failed, Message: err.Error()}
		}
		written = append(written, path)
		notes = append(notes, "wrote "+path)
		r.Report("wrote "+path, -1)
	}
	// The snapshot moves on once the change is recorded in a file: the
	// file, not the snapshot, is what later runs apply.
	e.prev = cur

	rawURL := e.opts.URL()
	if rawURL == "" {
		return executor.Result{Status: executor.Skipped, Written: written,
			Message: join(append(notes, "no database.url configured: nothing applied"))}
	}
	db, err := e.database(ctx, rawURL)
	if err != nil {
		return executor.Result{Status: executor.Skipped, Transient: true, Written: written,
			Message: join(append(notes, err.Error()))}
	}
	summary, err := e.sync(ctx, db, r)
	res = executor.Result{Status: executor.OK, Written: written, Diagnostics: e.diagnostics()}
	if err != nil {
		res.Status = executor.Failed
		res.Transient = transient(err)
		notes = append(notes, err.Error())
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
// destructive ones included (farm.applyMigration, "Apply migration …").
// migrationPath is workspace-relative or absolute.
func (e *Executor) Apply(ctx context.Context, migrationPath string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
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
	if err != nil {
		return fmt.Errorf("apply migration %s: %w", m.ID, err)
	}
	applied, err := e.ledgerEntries(ctx, db)
	if err != nil {
		return fmt.Errorf("apply migration %s: %w", m.ID, err)
	}
	done := applied[m.ID]
	for i, op := range m.Up {
		if done[i] {
			continue
		}
		if _, err := e.applyOp(ctx, db, op); err != nil {
			return fmt.Errorf("apply migration %s: %s: %w", m.ID, op, err)
		}
		done = e.markApplied(done, i)
		if err := e.record(ctx, db, m, done); err != nil {
			return fmt.Errorf("apply migration %s: %w", m.ID, err)
		}
		e.log.Info("applied", "migration", m.ID, "op", op.String())
	}
	delete(e.pending, rel)
	return nil
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

func (e *Executor) markApplied(done map[int]bool, i int) map[int]bool {
	if done == nil {
		done = map[int]bool{}
	}
	done[i] = true
	return done
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
		return schema.Migration{}, fmt.Errorf("read migration %s: %w", rel, err)
	}
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
	return m, nil
}

// sync applies what AutoApply allows from every migration file in number
// order and records what stays pending.
func (e *Executor) sync(ctx context.Context, db *mdb.Database, r executor.Reporter) ([]string, error) {
	files, err := schema.ListMigrations(e.opts.Root)
	if err != nil {
		return nil, err
	}
	applied, err := e.ledgerEntries(ctx, db)
	if err != nil {
		return nil, err
	}
	type todo struct {
		rel string
		m   schema.Migration
		i   int
	}
	var run []todo
	pending := map[string][]pendingOp{}
	for _, rel := range files {
		_, abs := e.paths(rel)
		m, err := e.readMigration(rel, abs)
		if err != nil {
			e.log.Warn("skipping migration", "path", rel, "err", err)
			continue
		}
		for i, op := range m.Up {
			if applied[m.ID][i] {
				continue
			}
			if e.auto(op) {
				run = append(run, todo{rel, m, i})
			} else {
				pending[rel] = append(pending[rel], pendingOp{migration: m.ID, index: i, op: op})
			}
		}
	}
	var summary []string
	var firstErr error
	e.failure = nil
	for n, t := range run {
		op := t.m.Up[t.i]
		r.Report(fmt.Sprintf("%s: %s", t.m.ID, op), n*100/len(run))
		detail, err := e.applyOp(ctx, db, op)
		if err != nil {
			firstErr = fmt.Errorf("%s: %s: %w", t.m.ID, op, err)
			path, rng := op.Path, op.Range
			if path == "" {
				path, rng = t.rel, facts.Range{}
			}
			e.failure = &facts.Diagnostic{Path: path, Range: rng, Severity: facts.SeverityError,
				Code: facts.CodeReloadFailed, Message: "schema update failed: " + firstErr.Error(),
				Related: []facts.Related{{Path: t.rel, Message: "migration file"}}}
			// This op and the rest of its migration stay pending.
			for _, rest := range run[n:] {
				pending[rest.rel] = append(pending[rest.rel], pendingOp{migration: rest.m.ID, index: rest.i, op: rest.m.Up[rest.i]})
			}
			break
		}
		applied[t.m.ID] = e.markApplied(applied[t.m.ID], t.i)
		if err := e.record(ctx, db, t.m, applied[t.m.ID]); err != nil {
			firstErr = err
			break
		}
		summary = append(summary, "applied "+op.String()+detail)
	}
	if len(run) > 0 && firstErr == nil {
		r.Report(fmt.Sprintf("applied %d schema operations", len(run)), 100)
	}
	e.pending = pending
	for _, ops := range pending {
		for _, p := range ops {
			summary = append(summary, fmt.Sprintf("pending %s (%s)", p.op, p.migration))
		}
	}
	return summary, firstErr
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
// per pending op at its model (or in the migration file for hand-written
// ops), invalid-migration diagnostics, and empty slices for paths cleared
// since the last call.
func (e *Executor) diagnostics() map[string][]facts.Diagnostic {
	out := map[string][]facts.Diagnostic{}
	for _, rel := range sortedKeys(e.pending) {
		for _, p := range e.pending[rel] {
			path, rng := p.op.Path, p.op.Range
			if path == "" {
				path, rng = rel, facts.Range{}
			}
			how := "it is destructive"
			if !p.op.Destructive {
				how = "database.autoApply is " + e.autoApply
			}
			out[path] = append(out[path], facts.Diagnostic{
				Path:     path,
				Range:    rng,
				Severity: facts.SeverityWarning,
				Code:     facts.CodeMigration,
				Message: fmt.Sprintf("Pending migration %s: %s (%s) was not applied because %s; run \"Apply migration %s\" (farm.applyMigration)",
					p.migration, p.op, mongoVerb(p.op), how, p.migration),
				Related: []facts.Related{{Path: rel, Message: "migration file"}},
			})
		}
	}
	for p, ds := range e.invalid {
		out[p] = append(out[p], ds...)
	}
	if e.failure != nil {
		out[e.failure.Path] = append(out[e.failure.Path], *e.failure)
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

// ledgerEntry is one document of the applied-migrations collection.
type ledgerEntry struct {
	ID        string    `bson:"_id"`
	Applied   []int     `bson:"applied"`
	Complete  bool      `bson:"complete"`
	UpdatedAt time.Time `bson:"updatedAt"`
}

// ledgerEntries returns, per migration ID, the indexes of applied up ops.
func (e *Executor) ledgerEntries(ctx context.Context, db *mdb.Database) (map[string]map[int]bool, error) {
	cur, err := db.Collection(e.opts.Ledger).Find(ctx, bson.D{})
	if err != nil {
		return nil, fmt.Errorf("read ledger %s: %w", e.opts.Ledger, err)
	}
	var entries []ledgerEntry
	if err := cur.All(ctx, &entries); err != nil {
		return nil, fmt.Errorf("read ledger %s: %w", e.opts.Ledger, err)
	}
	out := map[string]map[int]bool{}
	for _, en := range entries {
		set := map[int]bool{}
		for _, i := range en.Applied {
			set[i] = true
		}
		out[en.ID] = set
	}
	return out, nil
}

func (e *Executor) record(ctx context.Context, db *mdb.Database, m schema.Migration, done map[int]bool) error {
	idx := make([]int, 0, len(done))
	for i := range done {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	_, err := db.Collection(e.opts.Ledger).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: m.ID}},
		bson.D{{Key: "$set", Value: bson.D{
			{Key: "applied", Value: idx},
			{Key: "complete", Value: len(idx) >= len(m.Up)},
			{Key: "updatedAt", Value: time.Now().UTC()},
		}}},
		options.UpdateOne().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("record %s in ledger: %w", m.ID, err)
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
		res, err := coll.UpdateMany(ctx,
			bson.D{{Key: op.Field, Value: bson.D{{Key: "$exists", Value: false}}}},
			bson.D{{Key: "$set", Value: bson.D{{Key: op.Field, Value: op.Default}}}})
		if err != nil {
			return "", err
		}
		return fmt.Sprintf(" (%d documents backfilled)", res.ModifiedCount), nil
	case schema.RemoveField:
		res, err := coll.UpdateMany(ctx,
			bson.D{{Key: op.Field, Value: bson.D{{Key: "$exists", Value: true}}}},
			bson.D{{Key: "$unset", Value: bson.D{{Key: op.Field, Value: ""}}}})
		if err != nil {
			return "", err
		}
		return fmt.Sprintf(" (%d documents)", res.ModifiedCount), nil
	case schema.RenameField:
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
