package mongo

import (
	"context"
	"errors"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/farm-stack/farm-lsp/analysis/config"
	"github.com/farm-stack/farm-lsp/analysis/facts"
	analysis "github.com/farm-stack/farm-lsp/analysis/workspace"
	"github.com/farm-stack/farm-lsp/reload/executor"
	"github.com/farm-stack/farm-lsp/reload/plan"
	"github.com/farm-stack/farm-lsp/reload/schema"
)

// colorDocs is how many documents the recovery tests seed. FerretDB's
// SQLite handler updates each document with a table scan, so the count
// stays moderate; what matters is that every one is backfilled.
const colorDocs = 300

func colorModel(colorAnn string, extra []facts.Field, indexes ...facts.Index) facts.Model {
	fields := []facts.Field{field("name", "str", 0, ""), field("color", colorAnn, 1, `"red"`)}
	return user(append(fields, extra...), indexes...)
}

func seedColors(t *testing.T, f *fixture, n int) {
	t.Helper()
	docs := make([]any, n)
	for i := range docs {
		docs[i] = bson.D{{Key: "name", Value: "u" + string(rune('a'+i%26)) + strings.Repeat("x", i/26)}, {Key: "color", Value: "red"}}
	}
	if _, err := f.db.Collection("users").InsertMany(context.Background(), docs); err != nil {
		t.Fatal(err)
	}
}

func migrationFiles(t *testing.T, root, dir string) []string {
	t.Helper()
	list, err := schema.ListMigrations(root, dir)
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func count(t *testing.T, f *fixture, filter bson.D) int64 {
	t.Helper()
	n, err := f.db.Collection("users").CountDocuments(context.Background(), filter)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// Issue 13 item 5: a refused create-index, reverted, must not leave a
// destructive drop-index behind nor block a later backfill.
func TestRefusedIndexRevertedDoesNotPoisonLaterMigrations(t *testing.T) {
	f := newFixture(t, "", colorModel("str", nil))
	seedColors(t, f, colorDocs)
	colorIdx := facts.Index{Keys: []facts.IndexKey{{Field: "color", Dir: 1}}, Unique: true, Name: "color_1", Range: rng(6)}

	// color: Indexed(str, unique=True) — every document has "red".
	f.ws.set(colorModel("Indexed(str, unique=True)", nil, colorIdx))
	res := f.run(f.ex)
	if res.Status != executor.Failed || len(res.Written) != 1 {
		t.Fatalf("unique index on duplicates: %+v", res)
	}
	first := res.Written[0]
	ds := res.Diagnostics[modelPath]
	if len(ds) != 1 || ds[0].Severity != facts.SeverityError || ds[0].Code != facts.CodeMigration || ds[0].Range != rng(6) {
		t.Fatalf("failure diagnostics = %+v", res.Diagnostics)
	}
	for _, want := range []string{"create-index users.color_1", "failed", "share values of color", "Apply migration " + strings.TrimSuffix(filepath.Base(first), ".json"), "withdraw"} {
		if !strings.Contains(ds[0].Message, want) {
			t.Errorf("failure diagnostic %q does not say %q", ds[0].Message, want)
		}
	}
	if len(ds[0].Related) != 1 || ds[0].Related[0].Path != first {
		t.Errorf("failure diagnostic does not point at %s: %+v", first, ds[0].Related)
	}

	// Revert the line: no drop-index for an index that never existed.
	f.ws.set(colorModel("str", nil))
	res = f.run(f.ex)
	if res.Status != executor.OK || len(res.Written) != 0 {
		t.Fatalf("revert: %+v", res)
	}
	if !strings.Contains(res.Message, "withdrew create-index users.color_1") {
		t.Errorf("revert message %q does not say the index was withdrawn", res.Message)
	}
	if got := migrationFiles(t, f.root, ""); len(got) != 1 {
		t.Errorf("migrations after revert = %v, want only %s", got, first)
	}
	if ds, ok := res.Diagnostics[modelPath]; !ok || len(ds) != 0 {
		t.Errorf("the failure diagnostic is not cleared: %+v", res.Diagnostics)
	}

	// A later additive change backfills every document, and nothing
	// retries the withdrawn index — not even a restarted server.
	f.ws.set(colorModel("str", []facts.Field{field("rating", "int", 2, "5")}))
	res = f.run(f.ex)
	if res.Status != executor.OK || len(res.Written) != 1 {
		t.Fatalf("add rating: %+v", res)
	}
	if strings.Contains(res.Message, "color_1") {
		t.Errorf("the withdrawn index ran again: %q", res.Message)
	}
	if n := count(t, f, bson.D{{Key: "rating", Value: int64(5)}}); n != colorDocs {
		t.Errorf("rating backfilled on %d of %d documents", n, colorDocs)
	}
	if res := f.run(f.executor("")); res.Status != executor.OK || len(res.Diagnostics[modelPath]) != 0 {
		t.Errorf("restarted executor: %+v", res)
	}
	if _, ok := f.indexes()["color_1"]; ok {
		t.Errorf("the withdrawn index exists")
	}
}

// A failed op holds back only what depends on it; fixing the data and
// applying the migration retries it.
func TestFailedOpDoesNotBlockUnrelatedOnes(t *testing.T) {
	f := newFixture(t, "", colorModel("str", nil))
	seedColors(t, f, 50)
	colorIdx := facts.Index{Keys: []facts.IndexKey{{Field: "color", Dir: 1}}, Unique: true, Name: "color_1", Range: rng(6)}

	// One save adds the refused index and a backfilled field: the same
	// migration, the same collection, unrelated operations.
	f.ws.set(colorModel("Indexed(str, unique=True)", []facts.Field{field("rating", "int", 2, "5")}, colorIdx))
	res := f.run(f.ex)
	if res.Status != executor.Failed || len(res.Written) != 1 {
		t.Fatalf("result = %+v", res)
	}
	if n := count(t, f, bson.D{{Key: "rating", Value: int64(5)}}); n != 50 {
		t.Errorf("rating backfilled on %d of 50 documents behind a failed index", n)
	}
	// Later saves neither retry it nor fail because of it.
	f.ws.set(colorModel("Indexed(str, unique=True)", []facts.Field{field("rating", "int", 2, "5"), field("level", "int", 3, "1")}, colorIdx))
	res = f.run(f.ex)
	if res.Status != executor.OK || strings.Contains(res.Message, "color_1") {
		t.Fatalf("later save: %+v", res)
	}
	if n := count(t, f, bson.D{{Key: "level", Value: int64(1)}}); n != 50 {
		t.Errorf("level backfilled on %d of 50", n)
	}
	if ds := res.Diagnostics[modelPath]; len(ds) != 1 || ds[0].Severity != facts.SeverityError {
		t.Errorf("the failure is no longer reported: %+v", res.Diagnostics)
	}

	// Make the colors unique, then Apply retries the index.
	cur, err := f.db.Collection("users").Find(context.Background(), bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	var all []bson.M
	if err := cur.All(context.Background(), &all); err != nil {
		t.Fatal(err)
	}
	for _, d := range all {
		if _, err := f.db.Collection("users").UpdateByID(context.Background(), d["_id"],
			bson.D{{Key: "$set", Value: bson.D{{Key: "color", Value: d["name"]}}}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.ex.Apply(context.Background(), res.Written[0]); err != nil && len(res.Written) > 0 {
		t.Fatal(err)
	}
	first := migrationFiles(t, f.root, "")[0]
	if err := f.ex.Apply(context.Background(), first); err != nil {
		t.Fatal(err)
	}
	if unique, ok := f.indexes()["color_1"]; !ok || !unique {
		t.Errorf("indexes after Apply = %v", f.indexes())
	}
	if d := f.ex.Diagnostics(); d[modelPath] == nil || len(d[modelPath]) != 0 {
		t.Errorf("diagnostics after Apply = %+v", d)
	}
}

// Re-adding an index whose drop waits for Apply withdraws the drop: a
// later Apply must not drop an index the model declares.
func TestReAddedIndexWithdrawsPendingDrop(t *testing.T) {
	nick := index(false, facts.IndexKey{Field: "nickname", Dir: 1})
	f := newFixture(t, "", user(base, nick))
	f.insert(bson.D{{Key: "name", Value: "ada"}})
	// Create it through the executor first.
	f.ws.set(user(base))
	f.ex = f.executor("")
	f.ws.set(user(base, nick))
	if res := f.run(f.ex); res.Status != executor.OK || len(res.Written) != 1 {
		t.Fatalf("create: %+v", res)
	}
	f.ws.set(user(base))
	res := f.run(f.ex)
	if len(res.Written) != 1 || len(res.Diagnostics[modelPath]) != 1 {
		t.Fatalf("drop pending: %+v", res)
	}
	drop := res.Written[0]
	f.ws.set(user(base, nick))
	res = f.run(f.ex)
	if res.Status != executor.OK || len(res.Written) != 0 || !strings.Contains(res.Message, "withdrew drop-index users.nickname_1") {
		t.Fatalf("re-add: %+v", res)
	}
	if ds, ok := res.Diagnostics[modelPath]; !ok || len(ds) != 0 {
		t.Errorf("pending drop still reported: %+v", res.Diagnostics)
	}
	if err := f.ex.Apply(context.Background(), drop); err != nil {
		t.Fatal(err)
	}
	if _, ok := f.indexes()["nickname_1"]; !ok {
		t.Errorf("Apply dropped a withdrawn index: %v", f.indexes())
	}
}

// flakyDB is a loopback port that forwards to FerretDB while up and
// refuses connections while down.
type flakyDB struct {
	t      *testing.T
	addr   string
	target string
	mu     sync.Mutex
	l      net.Listener
	conns  []net.Conn
}

func newFlakyDB(t *testing.T, target string) *flakyDB {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	d := &flakyDB{t: t, addr: addr, target: target}
	t.Cleanup(d.down)
	return d
}

func (d *flakyDB) url(db string) string { return "mongodb://" + d.addr + "/" + db }

func (d *flakyDB) up() {
	d.t.Helper()
	var l net.Listener
	var err error
	for i := 0; i < 50; i++ { // the port was ours a moment ago
		if l, err = net.Listen("tcp", d.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		d.t.Fatalf("re-listen on %s: %v", d.addr, err)
	}
	d.mu.Lock()
	d.l = l
	d.mu.Unlock()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", d.target)
			if err != nil {
				c.Close()
				continue
			}
			d.mu.Lock()
			d.conns = append(d.conns, c, s)
			d.mu.Unlock()
			go func() { _, _ = io.Copy(s, c); s.Close() }()
			go func() { _, _ = io.Copy(c, s); c.Close() }()
		}
	}()
}

func (d *flakyDB) down() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.l != nil {
		d.l.Close()
		d.l = nil
	}
	for _, c := range d.conns {
		c.Close()
	}
	d.conns = nil
}

func hostOf(t *testing.T, uri string) string {
	u, err := url.Parse(uri)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}

// Issue 12 item 5: a migration written while the database is down is
// reported pending and applied when the database comes back.
func TestMigrationWrittenWhileDownAppliesOnReconnect(t *testing.T) {
	f := newFixture(t, "", user(base))
	f.insert(bson.D{{Key: "name", Value: "ada"}}, bson.D{{Key: "name", Value: "bob"}})
	flaky := newFlakyDB(t, hostOf(t, server(t).URI))
	dbName := f.db.Name()
	f.url = flaky.url(dbName)
	back := make(chan executor.Result, 4)
	ex := New(Options{Root: f.root, URL: func() string { return f.url }, Models: f.ws.get,
		Timeout: 2 * time.Second, ReconnectInterval: 50 * time.Millisecond,
		OnBackground: func(r executor.Result) { back <- r }})
	t.Cleanup(func() { _ = ex.Close(context.Background()) })

	f.ws.set(user(append(base[:2:2], field("age", "int", 2, "7"))))
	res := f.run(ex)
	if res.Status != executor.Skipped || !res.Transient || len(res.Written) != 1 {
		t.Fatalf("down: %+v", res)
	}
	ds := res.Diagnostics[modelPath]
	if len(ds) != 1 || ds[0].Code != facts.CodeMigration || ds[0].Range != rng(7) ||
		!strings.Contains(ds[0].Message, "not applied yet: database not reachable at mongodb://"+flaky.addr) ||
		!strings.Contains(ds[0].Message, "applied when the database is back") ||
		len(ds[0].Related) != 1 || ds[0].Related[0].Path != res.Written[0] {
		t.Fatalf("pending diagnostics while down = %+v", res.Diagnostics)
	}
	if got := ex.Pending(); len(got) != 1 || got[0] != res.Written[0] {
		t.Errorf("Pending() = %v", got)
	}

	flaky.up()
	var got executor.Result
	select {
	case got = <-back:
	case <-time.After(30 * time.Second):
		t.Fatal("the database came back but nothing was applied")
	}
	if got.Status != executor.OK || !strings.Contains(got.Message, "2 documents backfilled") {
		t.Errorf("background result = %+v", got)
	}
	if ds, ok := got.Diagnostics[modelPath]; !ok || len(ds) != 0 {
		t.Errorf("background result does not clear the pending diagnostic: %+v", got.Diagnostics)
	}
	docs := f.docs()
	if docs["ada"]["age"] != int64(7) || docs["bob"]["age"] != int64(7) {
		t.Errorf("after reconnect: %v", docs)
	}
	if len(ex.Pending()) != 0 {
		t.Errorf("still pending: %v", ex.Pending())
	}
}

// farm.retry applies what waits for the database without waiting for the
// watcher.
func TestRetryAppliesPendingWhenBack(t *testing.T) {
	f := newFixture(t, "", user(base))
	f.insert(bson.D{{Key: "name", Value: "ada"}})
	flaky := newFlakyDB(t, hostOf(t, server(t).URI))
	f.url = flaky.url(f.db.Name())
	ex := New(Options{Root: f.root, URL: func() string { return f.url }, Models: f.ws.get,
		Timeout: 2 * time.Second, ReconnectInterval: time.Hour})
	t.Cleanup(func() { _ = ex.Close(context.Background()) })
	if _, ok := ex.Retry(context.Background()); ok {
		t.Fatal("Retry with nothing pending did something")
	}
	f.ws.set(user(append(base[:2:2], field("age", "int", 2, "3"))))
	if res := f.run(ex); res.Status != executor.Skipped {
		t.Fatalf("down: %+v", res)
	}
	res, ok := ex.Retry(context.Background())
	if !ok || res.Status != executor.Skipped || len(res.Diagnostics[modelPath]) != 1 {
		t.Fatalf("retry while down = %v %+v", ok, res)
	}
	flaky.up()
	res, ok = ex.Retry(context.Background())
	if !ok || res.Status != executor.OK || !strings.Contains(res.Message, "1 documents backfilled") {
		t.Fatalf("retry when back = %v %+v", ok, res)
	}
	if f.docs()["ada"]["age"] != int64(3) {
		t.Errorf("age not backfilled: %v", f.docs()["ada"])
	}
}

// paths.migrations moves the migrations directory.
func TestMigrationsDirFromConfig(t *testing.T) {
	f := newFixture(t, "", user(base))
	f.insert(bson.D{{Key: "name", Value: "ada"}})
	glob := "backend/db/migrations/*.json"
	ex := New(Options{Root: f.root, URL: func() string { return f.url }, Models: f.ws.get,
		Migrations: func() string { return glob }})
	t.Cleanup(func() { _ = ex.Close(context.Background()) })
	f.ws.set(user(append(base[:2:2], field("age", "int", 2, "9"))))
	res := f.run(ex)
	if res.Status != executor.OK || len(res.Written) != 1 || !strings.HasPrefix(res.Written[0], "backend/db/migrations/0001_") {
		t.Fatalf("result = %+v", res)
	}
	if _, err := os.Stat(filepath.Join(f.root, schema.MigrationsDir)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the default directory exists: %v", err)
	}
	if f.docs()["ada"]["age"] != int64(9) {
		t.Errorf("not applied from the configured directory")
	}
	// A hand-written migration in the configured directory is applied.
	hand := `{"up": [{"op": "add-field", "collection": "users", "field": "tier", "backfill": true, "default": "free"}], "down": []}`
	if err := os.WriteFile(filepath.Join(f.root, "backend", "db", "migrations", "0002_tier.json"), []byte(hand), 0o644); err != nil {
		t.Fatal(err)
	}
	if res := ex.Run(context.Background(), plan.Task{Kind: plan.DatabaseSchemaUpdate, Target: plan.TargetMigrations}, nil); res.Status != executor.OK {
		t.Fatalf("hand-written: %+v", res)
	}
	if f.docs()["ada"]["tier"] != "free" {
		t.Errorf("hand-written migration in paths.migrations not applied: %v", f.docs()["ada"])
	}

	glob = "../outside/*.json"
	res = ex.Run(context.Background(), plan.Task{Kind: plan.DatabaseSchemaUpdate}, nil)
	if res.Status != executor.Failed || !strings.Contains(res.Message, "outside the workspace") {
		t.Errorf("escaping paths.migrations: %+v", res)
	}
}

// A task carrying its planned state is diffed and configured from it:
// paths.migrations and database.url of that state, and a state older than
// one already diffed changes no model.
func TestTaskStateConfiguresRun(t *testing.T) {
	f := newFixture(t, "")
	f.insert(bson.D{{Key: "name", Value: "ada"}})
	ctx := context.Background()
	ws := analysis.New(analysis.Options{})
	state := func(version uint64, src string) *plan.State {
		if _, err := ws.Update(ctx, modelPath, []byte(src)); err != nil {
			t.Fatal(err)
		}
		cfg := config.Default()
		cfg.Database.URL = f.url
		cfg.Paths.Migrations = "db/migrations/*.json"
		return &plan.State{Version: version, Snapshot: ws.Snapshot(), Config: cfg}
	}
	const v1 = "from beanie import Document\n\nclass User(Document):\n    name: str\n\n    class Settings:\n        name = \"users\"\n"
	const v2 = "from beanie import Document\n\nclass User(Document):\n    name: str\n    level: int = 4\n\n    class Settings:\n        name = \"users\"\n"
	// The executor's live closures know nothing: only the state counts.
	older := state(1, v1)
	initial := ModelsOf(older.Snapshot)
	if len(initial[modelPath]) != 1 {
		t.Fatalf("models of v1 = %+v", initial)
	}
	ex := New(Options{Root: f.root, Models: func() map[string][]facts.Model { return initial }})
	t.Cleanup(func() { _ = ex.Close(ctx) })
	newer := state(2, v2)
	res := ex.Run(ctx, plan.Task{Kind: plan.DatabaseSchemaUpdate, State: newer}, nil)
	if res.Status != executor.OK || len(res.Written) != 1 || !strings.HasPrefix(res.Written[0], "db/migrations/") {
		t.Fatalf("run with state: %+v", res)
	}
	if f.docs()["ada"]["level"] != int64(4) {
		t.Errorf("level not backfilled from the task's state: %v", f.docs()["ada"])
	}
	res = ex.Run(ctx, plan.Task{Kind: plan.DatabaseSchemaUpdate, State: older}, nil)
	if res.Status != executor.OK || len(res.Written) != 0 {
		t.Errorf("an older state wrote a migration (a reverse diff): %+v", res)
	}
}
