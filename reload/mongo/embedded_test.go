package mongo

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/farm-stack/farm-lsp/analysis/config"
	"github.com/farm-stack/farm-lsp/analysis/facts"
	analysis "github.com/farm-stack/farm-lsp/analysis/workspace"
	"github.com/farm-stack/farm-lsp/reload/executor"
	"github.com/farm-stack/farm-lsp/reload/plan"
)

const (
	basePy = "apps/api/src/models/base.py"
	notePy = "apps/api/src/models/note.py"
)

// The Document stores Audit (imported as AuditInfo) directly, in a list
// and as dict values; Audit stores a Reviewer (two levels down).
const noteSrc = `from typing import Dict, List, Optional

from beanie import Document

from .base import Audit as AuditInfo


class Note(Document):
    title: str
    audit: Optional[AuditInfo] = None
    history: List[AuditInfo] = []
    by_lang: Dict[str, AuditInfo] = {}

    class Settings:
        name = "notes"
`

const noteIndexedSrc = `from typing import Dict, List, Optional

from beanie import Document

from .base import Audit as AuditInfo


class Note(Document):
    title: str
    audit: Optional[AuditInfo] = None
    history: List[AuditInfo] = []
    by_lang: Dict[str, AuditInfo] = {}

    class Settings:
        name = "notes"
        indexes = ["audit.reviewed_by"]
`

const baseV1 = `from typing import Optional

from pydantic import BaseModel


class Reviewer(BaseModel):
    name: str


class Audit(BaseModel):
    created_by: str
    reviewer: Optional[Reviewer] = None
`

const baseV2 = `from typing import Optional

from pydantic import BaseModel


class Reviewer(BaseModel):
    name: str
    team: str = "core"


class Audit(BaseModel):
    created_by: str
    reviewer: Optional[Reviewer] = None
    reviewed_by: str = "nobody"
`

// baseV3 removes Audit.created_by.
const baseV3 = `from typing import Optional

from pydantic import BaseModel


class Reviewer(BaseModel):
    name: str
    team: str = "core"


class Audit(BaseModel):
    reviewer: Optional[Reviewer] = None
    reviewed_by: str = "nobody"
`

type embeddedWS struct {
	t       *testing.T
	ws      *analysis.Workspace
	url     string
	version uint64
}

func (w *embeddedWS) state(files map[string]string) *plan.State {
	w.t.Helper()
	for p, src := range files {
		if _, err := w.ws.Update(context.Background(), p, []byte(src)); err != nil {
			w.t.Fatal(err)
		}
	}
	w.version++
	cfg := config.Default()
	cfg.Database.URL = w.url
	return &plan.State{Version: w.version, Snapshot: w.ws.Snapshot(), Config: cfg}
}

func (f *fixture) notes() map[string]bson.M {
	f.t.Helper()
	return f.byKey("notes", "title")
}

// at follows a path of keys and indexes through decoded documents.
func at(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(bson.M)
			if !ok {
				if d, isD := v.(bson.D); isD {
					m = bson.M{}
					for _, e := range d {
						m[e.Key] = e.Value
					}
				} else {
					return "<missing>"
				}
			}
			var has bool
			if v, has = m[k]; !has {
				return "<missing>"
			}
		case int:
			a, ok := v.(bson.A)
			if !ok || k >= len(a) {
				return "<missing>"
			}
			v = a[k]
		}
	}
	return v
}

// Adding fields to a model embedded in a Document (directly, in a list, as
// dict values, through an aliased import, two levels down) backfills them
// at their dotted paths, only where the embedded object exists; an index
// on an embedded field is created; removing an embedded field waits for
// Apply like a top-level removal and then unsets it everywhere.
func TestEmbeddedModelFields(t *testing.T) {
	f := newFixture(t, "")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	w := &embeddedWS{t: t, ws: analysis.New(analysis.Options{}), url: f.url}
	v1 := w.state(map[string]string{basePy: baseV1, notePy: noteSrc})
	ex := New(Options{Root: f.root, URL: func() string { return f.url }, Snapshot: func() analysis.Snapshot { return v1.Snapshot }})
	t.Cleanup(func() { _ = ex.Close(context.Background()) })

	audit := func(by string, extra ...bson.E) bson.D {
		return append(bson.D{{Key: "created_by", Value: by}}, extra...)
	}
	reviewer := bson.E{Key: "reviewer", Value: bson.D{{Key: "name", Value: "rae"}}}
	if _, err := f.db.Collection("notes").InsertMany(ctx, []any{
		bson.D{{Key: "title", Value: "full"}, {Key: "audit", Value: audit("ada")},
			{Key: "history", Value: bson.A{audit("bob"), audit("cy", bson.E{Key: "reviewed_by", Value: "kim"})}},
			{Key: "by_lang", Value: bson.D{{Key: "en", Value: audit("dee", reviewer)}}}},
		bson.D{{Key: "title", Value: "null"}, {Key: "audit", Value: nil}},
		bson.D{{Key: "title", Value: "bare"}},
		bson.D{{Key: "title", Value: "nested"}, {Key: "audit", Value: audit("eve", reviewer)}, {Key: "history", Value: bson.A{}}},
	}); err != nil {
		t.Fatal(err)
	}

	res := ex.Run(ctx, plan.Task{Kind: plan.DatabaseSchemaUpdate, Target: "Note", State: w.state(map[string]string{basePy: baseV2, notePy: noteIndexedSrc})}, nil)
	t.Logf("run: %s %s", res.Status, res.Message)
	if res.Status != executor.OK || len(res.Written) != 1 {
		t.Fatalf("result = %+v", res)
	}
	for _, want := range []string{"add-field notes.audit.reviewed_by", "add-field notes.history.$[].reviewed_by",
		"add-field notes.by_lang.$*.reviewed_by", "add-field notes.audit.reviewer.team",
		"add-field notes.history.$[].reviewer.team", "create-index notes.audit.reviewed_by_1"} {
		if !strings.Contains(res.Message, "applied "+want) {
			t.Errorf("message does not say %q was applied: %s", want, res.Message)
		}
	}
	n := f.notes()
	checks := []struct {
		doc  string
		path []any
		want any
	}{
		{"full", []any{"audit", "reviewed_by"}, "nobody"},
		{"full", []any{"history", 0, "reviewed_by"}, "nobody"},
		{"full", []any{"history", 1, "reviewed_by"}, "kim"}, // kept
		{"full", []any{"by_lang", "en", "reviewed_by"}, "nobody"},
		{"full", []any{"by_lang", "en", "reviewer", "team"}, "core"},
		{"full", []any{"audit", "reviewer"}, "<missing>"}, // no reviewer: nothing created
		{"null", []any{"audit"}, nil},                     // a null embedded object stays null
		{"bare", []any{"audit"}, "<missing>"},
		{"bare", []any{"history"}, "<missing>"},
		{"nested", []any{"audit", "reviewer", "team"}, "core"},
		{"nested", []any{"audit", "reviewed_by"}, "nobody"},
		{"nested", []any{"history"}, bson.A{}},
	}
	for _, c := range checks {
		if got := at(n[c.doc], c.path...); !equalish(got, c.want) {
			t.Errorf("%s.%v = %#v, want %#v", c.doc, c.path, got, c.want)
		}
	}
	specs, err := f.db.Collection("notes").Indexes().ListSpecifications(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range specs {
		names = append(names, s.Name)
	}
	if !strings.Contains(strings.Join(names, ","), "audit.reviewed_by_1") {
		t.Errorf("indexes = %v, want audit.reviewed_by_1", names)
	}

	// Removing Audit.created_by is destructive: held, with a diagnostic at
	// Audit in base.py naming the migration; Apply unsets it everywhere.
	res = ex.Run(ctx, plan.Task{Kind: plan.DatabaseSchemaUpdate, Target: "Note", State: w.state(map[string]string{basePy: baseV3})}, nil)
	t.Logf("run: %s %s", res.Status, res.Message)
	if res.Status != executor.OK || len(res.Written) != 1 {
		t.Fatalf("result = %+v", res)
	}
	diags := res.Diagnostics[basePy]
	if len(diags) != 3 {
		t.Fatalf("diagnostics = %+v", res.Diagnostics)
	}
	for _, d := range diags {
		if d.Code != facts.CodeMigration || d.Range.Start.Line != 10 || !strings.Contains(d.Message, "destructive") ||
			len(d.Related) != 1 || d.Related[0].Path != res.Written[0] {
			t.Errorf("diagnostic = %+v", d)
		}
	}
	if got := at(f.notes()["full"], "history", 0, "created_by"); got != "bob" {
		t.Fatalf("a destructive op ran without Apply: %#v", got)
	}
	if err := ex.Apply(ctx, res.Written[0]); err != nil {
		t.Fatal(err)
	}
	n = f.notes()
	for _, p := range [][]any{{"audit", "created_by"}, {"history", 0, "created_by"}, {"history", 1, "created_by"}, {"by_lang", "en", "created_by"}} {
		if got := at(n["full"], p...); got != "<missing>" {
			t.Errorf("full.%v = %#v after Apply, want it unset", p, got)
		}
	}
	if got := at(n["full"], "history", 1, "reviewed_by"); got != "kim" {
		t.Errorf("history[1].reviewed_by = %#v after Apply", got)
	}
	if got := ex.Diagnostics()[basePy]; len(got) != 0 {
		t.Errorf("diagnostics after Apply = %+v", got)
	}
}

func equalish(a, b any) bool {
	if x, ok := a.(bson.A); ok {
		y, ok := b.(bson.A)
		return ok && len(x) == len(y) && len(x) == 0
	}
	return a == b
}

// Re-adding an embedded field whose removal waits for Apply withdraws the
// removal, as for a top-level field: nothing is unset, no diagnostic stays.
func TestEmbeddedRemovalWithdrawn(t *testing.T) {
	f := newFixture(t, "")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	w := &embeddedWS{t: t, ws: analysis.New(analysis.Options{}), url: f.url}
	v2 := w.state(map[string]string{basePy: baseV2, notePy: noteSrc})
	ex := New(Options{Root: f.root, URL: func() string { return f.url }, Snapshot: func() analysis.Snapshot { return v2.Snapshot }})
	t.Cleanup(func() { _ = ex.Close(context.Background()) })
	if _, err := f.db.Collection("notes").InsertOne(ctx, bson.D{{Key: "title", Value: "one"},
		{Key: "history", Value: bson.A{bson.D{{Key: "created_by", Value: "ada"}, {Key: "reviewed_by", Value: "bob"}}}}}); err != nil {
		t.Fatal(err)
	}
	res := ex.Run(ctx, plan.Task{Kind: plan.DatabaseSchemaUpdate, Target: "Note", State: w.state(map[string]string{basePy: baseV3})}, nil)
	if res.Status != executor.OK || len(res.Diagnostics[basePy]) != 3 {
		t.Fatalf("removal: %+v", res)
	}
	res = ex.Run(ctx, plan.Task{Kind: plan.DatabaseSchemaUpdate, Target: "Note", State: w.state(map[string]string{basePy: baseV2})}, nil)
	t.Logf("run: %s %s", res.Status, res.Message)
	if res.Status != executor.OK || !strings.Contains(res.Message, "withdrew remove-field notes.history.$[].created_by") {
		t.Fatalf("re-adding: %+v", res)
	}
	if ds := res.Diagnostics[basePy]; len(ds) != 0 {
		t.Errorf("diagnostics after the withdrawal: %+v", ds)
	}
	if got := at(f.notes()["one"], "history", 0, "created_by"); got != "ada" {
		t.Errorf("history[0].created_by = %#v", got)
	}
}
