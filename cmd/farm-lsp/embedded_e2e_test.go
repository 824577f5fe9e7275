package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	mdb "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/farm-stack/farm-lsp/reload/mongo/devdb"
)

// TestEmbeddedModelFieldIsMigrated: a field added to Address, the
// BaseModel the example's User Document embeds, is planned as the User's
// database-schema-update and backfilled at users.address.<field> on the
// users that have an address, and only on them.
func TestEmbeddedModelFieldIsMigrated(t *testing.T) {
	ctx := context.Background()
	srv, err := devdb.Start(ctx, devdb.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = srv.Stop(30 * time.Second) }()
	url := srv.URL("farm_app")
	client, err := mdb.Connect(options.Client().ApplyURI(url))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = client.Disconnect(ctx) }()
	users := client.Database("farm_app").Collection("users")
	if _, err := users.InsertMany(ctx, []any{
		bson.D{{Key: "username", Value: "ada"}, {Key: "address", Value: bson.D{{Key: "street", Value: "Main 1"}, {Key: "city", Value: "Delft"}}}},
		bson.D{{Key: "username", Value: "bob"}, {Key: "address", Value: nil}},
		bson.D{{Key: "username", Value: "cy"}},
	}); err != nil {
		t.Fatal(err)
	}

	c, root := session(t, map[string]any{"trusted": true, "database": map[string]any{"url": url}})
	rel := "apps/api/src/models/user.py"
	orig := read(t, root, rel)
	const country = "    country: str = \"NL\"\n"
	if !strings.Contains(orig, country) {
		t.Fatalf("%s no longer has Address.country", rel)
	}
	abs := save(t, c, root, rel, strings.Replace(orig, country, country+"    unit: str = \"-\"\n", 1))
	p, r := planFor(c, abs)
	planned := false
	for _, task := range p.Tasks {
		planned = planned || (task.Kind == "database-schema-update" && task.Target == "User")
	}
	if !planned {
		t.Fatalf("no database-schema-update of User planned: %+v", p.Tasks)
	}
	var db string
	for _, tr := range r.Tasks {
		if tr.Kind == "database-schema-update" {
			db = tr.Status + ": " + tr.Message
		}
	}
	if !strings.HasPrefix(db, "ok: ") || !strings.Contains(db, "applied add-field users.address.unit (1 documents backfilled)") {
		t.Fatalf("database-schema-update = %q", db)
	}
	migs, _ := filepath.Glob(filepath.Join(root, "apps/api/migrations/*.json"))
	if len(migs) != 1 || !strings.Contains(read(t, root, "apps/api/migrations/"+filepath.Base(migs[0])), `"field": "address.unit"`) {
		t.Errorf("migration files = %v", migs)
	}
	got := map[string]bson.M{}
	cur, err := users.Find(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	var all []bson.M
	if err := cur.All(ctx, &all); err != nil {
		t.Fatal(err)
	}
	for _, u := range all {
		got[u["username"].(string)] = u
	}
	if a, _ := got["ada"]["address"].(bson.D); a == nil || fieldOf(a, "unit") != "-" {
		t.Errorf("ada.address = %#v, want unit \"-\"", got["ada"]["address"])
	}
	if a, ok := got["bob"]["address"]; !ok || a != nil {
		t.Errorf("bob.address = %#v, want null kept", a)
	}
	if _, ok := got["cy"]["address"]; ok {
		t.Errorf("cy got an address: %#v", got["cy"]["address"])
	}
}

func fieldOf(d bson.D, key string) any {
	for _, e := range d {
		if e.Key == key {
			return e.Value
		}
	}
	return nil
}
