package mongo

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	mdb "go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/reload/executor"
	"github.com/farm-stack/farm-lsp/reload/mongo/mongotest"
	"github.com/farm-stack/farm-lsp/reload/plan"
	"github.com/farm-stack/farm-lsp/reload/schema"
)

const modelPath = "apps/api/src/models/user.py"

var (
	srvOnce sync.Once
	srv     *mongotest.Server
)

// server shares one FerretDB between the tests of this package; each test
// uses its own database.
func server(t testing.TB) *mongotest.Server {
	t.Helper()
	srvOnce.Do(func() { srv = mongotest.StartShared() })
	if srv == nil {
		t.Fatal("FerretDB did not start")
	}
	return srv
}

func TestMain(m *testing.M) {
	code := m.Run()
	mongotest.StopShared()
	os.Exit(code)
}

// workspace is a mutable set of models standing in for the analysis
// workspace.
type workspace struct {
	mu     sync.Mutex
	models map[string][]facts.Model
}

func (w *workspace) set(ms ...facts.Model) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.models = map[string][]facts.Model{modelPath: ms}
}

func (w *workspace) get() map[string][]facts.Model {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.models
}

func rng(line int) facts.Range {
	return facts.Range{Start: facts.Pos{Line: line, Char: 6}, End: facts.Pos{Line: line, Char: 10}}
}

func field(name, ann string, idx int, def string) facts.Field {
	return facts.Field{Name: name, Annotation: ann, Index: idx, Default: def, HasDefault: def != "", Range: rng(5 + idx)}
}

func user(fields []facts.Field, indexes ...facts.Index) facts.Model {
	return facts.Model{Name: "User", Bases: []string{"Document"}, Kind: facts.ModelDocument, Fields: fields,
		NameRange: rng(3), Settings: &facts.Settings{Name: "users", NameRange: rng(20), Indexes: indexes}}
}

func index(unique bool, keys ...facts.IndexKey) facts.Index {
	return facts.Index{Keys: keys, Unique: unique, Name: schema.IndexName(keys), Range: rng(21)}
}

type fixture struct {
	t    *testing.T
	root string
	url  string
	ws   *workspace
	ex   *Executor
	db   *mdb.Database
}

var dbSeq atomic.Int64

func newFixture(t *testing.T, mode string, initial ...facts.Model) *fixture {
	t.Helper()
	s := server(t)
	// Unique per run: the server is shared, and -count=N reruns a test.
	dbName := fmt.Sprintf("%s_%d", strings.NewReplacer("/", "_", " ", "_").Replace(t.Name()), dbSeq.Add(1))
	f := &fixture{t: t, root: t.TempDir(), url: s.DatabaseURL(dbName), ws: &workspace{}}
	f.ws.set(initial...)
	f.db = s.Client(t).Database(dbName)
	f.ex = f.executor(mode)
	return f
}

func (f *fixture) executor(mode string) *Executor {
	ex := New(Options{Root: f.root, URL: func() string { return f.url }, AutoApply: mode, Models: f.ws.get})
	f.t.Cleanup(func() { _ = ex.Close(context.Background()) })
	return ex
}

func (f *fixture) run(ex *Executor) executor.Result {
	f.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	rep := &recorder{}
	res := ex.Run(ctx, plan.Task{Kind: plan.DatabaseSchemaUpdate, Target: "User"}, rep)
	f.t.Logf("run: %s %s", res.Status, res.Message)
	return res
}

func (f *fixture) insert(docs ...bson.D) {
	f.t.Helper()
	if _, err := f.db.Collection("users").InsertMany(context.Background(), docs); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) docs() map[string]bson.M {
	f.t.Helper()
	return f.byKey("users", "name")
}

// byKey reads a collection's documents keyed by one of their string fields.
func (f *fixture) byKey(collection, key string) map[string]bson.M {
	f.t.Helper()
	cur, err := f.db.Collection(collection).Find(context.Background(), bson.D{})
	if err != nil {
		f.t.Fatal(err)
	}
	var all []bson.M
	if err := cur.All(context.Background(), &all); err != nil {
		f.t.Fatal(err)
	}
	out := map[string]bson.M{}
	for _, d := range all {
		out[d[key].(string)] = d
	}
	return out
}

func (f *fixture) indexes() map[string]bool {
	f.t.Helper()
	specs, err := f.db.Collection("users").Indexes().ListSpecifications(context.Background())
	if err != nil {
		f.t.Fatal(err)
	}
	out := map[string]bool{}
	for _, s := range specs {
		out[s.Name] = s.Unique != nil && *s.Unique
	}
	return out
}

type recorder struct {
	mu      sync.Mutex
	reports []string
}

func (r *recorder) Report(msg string, _ int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reports = append(r.reports, msg)
}

var base = []facts.Field{field("name", "str", 0, ""), field("nickname", "str | None", 1, "None")}

func TestAddFieldBackfillsOnlyMissing(t *testing.T) {
	f := newFixture(t, "", user(base))
	f.insert(bson.D{{Key: "name", Value: "ada"}}, bson.D{{Key: "name", Value: "bob"}},
		bson.D{{Key: "name", Value: "cy"}, {Key: "age", Value: int64(42)}})

	f.ws.set(user(append(base[:2:2], field("age", "int", 2, "18"))))
	res := f.run(f.ex)
	if res.Status != executor.OK || len(res.Written) != 1 {
		t.Fatalf("result = %+v", res)
	}
	if !strings.Contains(res.Message, "2 documents backfilled") {
		t.Errorf("message %q does not count 2 backfilled documents", res.Message)
	}
	if _, err := os.Stat(filepath.Join(f.root, res.Written[0])); err != nil {
		t.Errorf("migration file: %v", err)
	}
	docs := f.docs()
	for name, want := range map[string]int64{"ada": 18, "bob": 18, "cy": 42} {
		if got := docs[name]["age"]; got != want {
			t.Errorf("%s.age = %#v, want %d", name, got, want)
		}
	}

	// The ledger keeps the backfill from running again, even from a new
	// executor (a restarted server) on the same workspace and database.
	f.insert(bson.D{{Key: "name", Value: "dee"}})
	for _, ex := range []*Executor{f.ex, f.executor("")} {
		if res := f.run(ex); res.Status != executor.OK || len(res.Written) != 0 {
			t.Fatalf("rerun = %+v", res)
		}
		if _, ok := f.docs()["dee"]["age"]; ok {
			t.Fatalf("add-field applied twice: dee got an age")
		}
	}
}

func TestAddFieldWithoutDefaultDoesNotBackfill(t *testing.T) {
	f := newFixture(t, "", user(base))
	f.insert(bson.D{{Key: "name", Value: "ada"}})
	f.ws.set(user(append(base[:2:2], field("age", "int", 2, ""))))
	res := f.run(f.ex)
	if res.Status != executor.OK || !strings.Contains(res.Message, "no backfill") {
		t.Fatalf("result = %+v", res)
	}
	if _, ok := f.docs()["ada"]["age"]; ok {
		t.Errorf("a field without default was backfilled")
	}
}

func TestIndexCreatedAndListed(t *testing.T) {
	f := newFixture(t, "", user(base))
	f.insert(bson.D{{Key: "name", Value: "ada"}})
	f.ws.set(user(base, index(true, facts.IndexKey{Field: "name", Dir: 1}), index(false,
		facts.IndexKey{Field: "nickname", Dir: 1}, facts.IndexKey{Field: "name", Dir: -1})))
	if res := f.run(f.ex); res.Status != executor.OK {
		t.Fatalf("result = %+v", res)
	}
	got := f.indexes()
	if unique, ok := got["name_1"]; !ok || !unique {
		t.Errorf("indexes = %v, want unique name_1", got)
	}
	if _, ok := got["nickname_1_name_-1"]; !ok {
		t.Errorf("indexes = %v, want nickname_1_name_-1", got)
	}
}

func TestDestructiveWaitsForApply(t *testing.T) {
	f := newFixture(t, "", user(base))
	f.insert(bson.D{{Key: "name", Value: "ada"}, {Key: "nickname", Value: "a"}})
	// Create the indexes through the executor first (additive).
	f.ws.set(user(base, index(false, facts.IndexKey{Field: "nickname", Dir: 1}), index(false, facts.IndexKey{Field: "name", Dir: 1})))
	if res := f.run(f.ex); res.Status != executor.OK {
		t.Fatalf("result = %+v", res)
	}
	if got := f.indexes(); len(got) != 3 { // _id_, nickname_1, name_1
		t.Fatalf("indexes = %v", got)
	}

	// Remove nickname and the nickname_1 index: both destructive.
	f.ws.set(user(base[:1], index(false, facts.IndexKey{Field: "name", Dir: 1})))
	res := f.run(f.ex)
	if res.Status != executor.OK || len(res.Written) != 1 {
		t.Fatalf("result = %+v", res)
	}
	diags := res.Diagnostics[modelPath]
	if len(diags) != 2 {
		t.Fatalf("diagnostics = %+v", res.Diagnostics)
	}
	for _, d := range diags {
		if d.Code != facts.CodeMigration || d.Path != modelPath || d.Severity != facts.SeverityWarning ||
			!strings.Contains(d.Message, "farm.applyMigration") {
			t.Errorf("diagnostic = %+v", d)
		}
	}
	if diags[0].Range != rng(3) || !strings.Contains(diags[0].Message, "remove-field users.nickname ($unset)") {
		t.Errorf("first diagnostic = %+v", diags[0])
	}
	if got := f.ex.Pending(); len(got) != 1 || got[0] != res.Written[0] {
		t.Errorf("Pending() = %v", got)
	}
	if _, ok := f.docs()["ada"]["nickname"]; !ok {
		t.Fatalf("nickname removed before Apply")
	}
	if _, ok := f.indexes()["nickname_1"]; !ok {
		t.Fatalf("index dropped before Apply")
	}

	ctx := context.Background()
	if err := f.ex.Apply(ctx, res.Written[0]); err != nil {
		t.Fatal(err)
	}
	if _, ok := f.docs()["ada"]["nickname"]; ok {
		t.Errorf("nickname still there after Apply")
	}
	if _, ok := f.indexes()["nickname_1"]; ok {
		t.Errorf("nickname_1 still there after Apply")
	}
	if len(f.ex.Pending()) != 0 {
		t.Errorf("still pending: %v", f.ex.Pending())
	}
	if d := f.ex.Diagnostics(); d[modelPath] == nil || len(d[modelPath]) != 0 {
		t.Errorf("diagnostics after apply = %+v, want the model path cleared", d)
	}

	// Applying again (or running again) does nothing: the ledger says done.
	f.insert(bson.D{{Key: "name", Value: "bob"}, {Key: "nickname", Value: "b"}})
	if err := f.ex.Apply(ctx, filepath.Join(f.root, res.Written[0])); err != nil {
		t.Fatal(err)
	}
	if res := f.run(f.ex); res.Status != executor.OK || len(res.Diagnostics[modelPath]) != 0 {
		t.Fatalf("rerun = %+v", res)
	}
	if _, ok := f.docs()["bob"]["nickname"]; !ok {
		t.Errorf("remove-field applied twice")
	}
}

func TestRenameFieldPendingThenApplied(t *testing.T) {
	f := newFixture(t, "", user(base))
	f.insert(bson.D{{Key: "name", Value: "ada"}, {Key: "nickname", Value: "a"}})
	f.ws.set(user([]facts.Field{base[0], field("alias", "str | None", 1, "None")}))
	res := f.run(f.ex)
	if res.Status != executor.OK || len(res.Diagnostics[modelPath]) != 1 ||
		!strings.Contains(res.Diagnostics[modelPath][0].Message, "rename-field users.nickname → alias ($rename)") {
		t.Fatalf("result = %+v", res)
	}
	if err := f.ex.Apply(context.Background(), res.Written[0]); err != nil {
		t.Fatal(err)
	}
	d := f.docs()["ada"]
	if d["alias"] != "a" || d["nickname"] != nil {
		t.Errorf("after rename: %v", d)
	}
}

func TestAutoApplyModes(t *testing.T) {
	tests := []struct {
		mode        string
		wantAge     bool
		wantPending int
	}{
		{"none", false, 2},
		{"additive", true, 1},
		{"all", true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			f := newFixture(t, tt.mode, user(base))
			f.insert(bson.D{{Key: "name", Value: "ada"}, {Key: "nickname", Value: "a"}})
			// Add age (additive) and drop nickname (destructive).
			f.ws.set(user([]facts.Field{base[0], field("age", "int", 2, "1")}))
			res := f.run(f.ex)
			if res.Status != executor.OK {
				t.Fatalf("result = %+v", res)
			}
			if got := len(res.Diagnostics[modelPath]); got != tt.wantPending {
				t.Errorf("pending diagnostics = %d, want %d: %+v", got, tt.wantPending, res.Diagnostics)
			}
			d := f.docs()["ada"]
			if _, ok := d["age"]; ok != tt.wantAge {
				t.Errorf("age applied = %v, want %v", ok, tt.wantAge)
			}
			if _, ok := d["nickname"]; ok != (tt.mode != "all") {
				t.Errorf("nickname present = %v in mode %s", ok, tt.mode)
			}
		})
	}
}

func TestDatabaseDownSkipsButWritesFile(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close() // nothing listens there now
	ws := &workspace{}
	ws.set(user(base))
	root := t.TempDir()
	ex := New(Options{Root: root, URL: func() string { return "mongodb://" + addr + "/app" },
		Models: ws.get, Timeout: 500 * time.Millisecond})
	defer func() { _ = ex.Close(context.Background()) }()
	ws.set(user(append(base[:2:2], field("age", "int", 2, "0"))))
	res := ex.Run(context.Background(), plan.Task{Kind: plan.DatabaseSchemaUpdate}, executor.NopReporter{})
	if res.Status != executor.Skipped || !res.Transient {
		t.Fatalf("result = %+v", res)
	}
	if !strings.Contains(res.Message, "database not reachable at mongodb://"+addr) {
		t.Errorf("message = %q", res.Message)
	}
	if len(res.Written) != 1 {
		t.Fatalf("written = %v", res.Written)
	}
	if _, err := os.Stat(filepath.Join(root, res.Written[0])); err != nil {
		t.Errorf("migration not written: %v", err)
	}
	if err := ex.Apply(context.Background(), res.Written[0]); err == nil || !strings.Contains(err.Error(), "not reachable") {
		t.Errorf("Apply with the database down = %v", err)
	}
}

func TestDatabaseBackAppliesEarlierMigration(t *testing.T) {
	f := newFixture(t, "", user(base))
	f.insert(bson.D{{Key: "name", Value: "ada"}})
	good := f.url
	f.url = "mongodb://127.0.0.1:1/app"
	f.ex.opts.Timeout = 300 * time.Millisecond
	f.ws.set(user(append(base[:2:2], field("age", "int", 2, "7"))))
	if res := f.run(f.ex); res.Status != executor.Skipped {
		t.Fatalf("down: %+v", res)
	}
	f.url = good
	res := f.run(f.ex)
	if res.Status != executor.OK || len(res.Written) != 0 {
		t.Fatalf("up again: %+v", res)
	}
	if got := f.docs()["ada"]["age"]; got != int64(7) {
		t.Errorf("age = %#v after the database came back", got)
	}
}

func TestInvalidMigrationFileDiagnosed(t *testing.T) {
	f := newFixture(t, "", user(base))
	dir := filepath.Join(f.root, schema.MigrationsDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "0001_broken.json"), []byte("{\"up\": [\n  {\"op\": \"nope\", \"collection\": \"users\"}]}"), 0o644); err != nil {
		t.Fatal(err)
	}
	res := f.run(f.ex)
	ds := res.Diagnostics[schema.MigrationsDir+"/0001_broken.json"]
	if len(ds) != 1 || ds[0].Code != schema.CodeInvalid || ds[0].Range.Start.Line != 1 {
		t.Fatalf("diagnostics = %+v", res.Diagnostics)
	}
}

func TestCollectionRenameWaitsForApply(t *testing.T) {
	f := newFixture(t, "", user(base))
	f.insert(bson.D{{Key: "name", Value: "ada"}})
	renamed := user(base)
	renamed.Settings = &facts.Settings{Name: "people", NameRange: rng(20)}
	f.ws.set(renamed)
	res := f.run(f.ex)
	ds := res.Diagnostics[modelPath]
	if res.Status != executor.OK || len(ds) != 1 || ds[0].Range != rng(20) ||
		!strings.Contains(ds[0].Message, "rename-collection users → people (renameCollection)") {
		t.Fatalf("result = %+v", res)
	}
	if err := f.ex.Apply(context.Background(), res.Written[0]); err != nil {
		t.Fatal(err)
	}
	n, err := f.db.Collection("people").CountDocuments(context.Background(), bson.D{})
	if err != nil || n != 1 {
		t.Errorf("people has %d documents (%v), want 1", n, err)
	}
	if n, _ := f.db.Collection("users").CountDocuments(context.Background(), bson.D{}); n != 0 {
		t.Errorf("users still has %d documents", n)
	}
}

// Parsed migrations are cached by content: a file edited after it was
// read is read again, valid or not.
func TestEditedMigrationFileReread(t *testing.T) {
	f := newFixture(t, "", user(base))
	f.insert(bson.D{{Key: "name", Value: "ada"}})
	dir := filepath.Join(f.root, schema.MigrationsDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	rel := schema.MigrationsDir + "/0001_tier.json"
	write := func(s string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(f.root, filepath.FromSlash(rel)), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	valid := `{"up": [{"op": "add-field", "collection": "users", "field": "tier", "backfill": true, "default": "free"}], "down": []}`
	write(valid)
	if res := f.run(f.ex); res.Status != executor.OK || len(res.Diagnostics[rel]) != 0 {
		t.Fatalf("valid: %+v", res)
	}
	if f.docs()["ada"]["tier"] != "free" {
		t.Fatalf("not applied: %v", f.docs()["ada"])
	}
	write("{\"up\": [\n  {\"op\": \"nope\", \"collection\": \"users\"}]}")
	if ds := f.run(f.ex).Diagnostics[rel]; len(ds) != 1 || ds[0].Code != schema.CodeInvalid {
		t.Fatalf("edited to invalid: diagnostics = %+v", ds)
	}
	write(valid)
	if ds, ok := f.run(f.ex).Diagnostics[rel]; !ok || len(ds) != 0 {
		t.Fatalf("fixed: diagnostics = %+v (present %v), want cleared", ds, ok)
	}
}
