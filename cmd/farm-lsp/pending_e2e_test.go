package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.lsp.dev/protocol"
	"go.mongodb.org/mongo-driver/v2/bson"
	mdb "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/farm-stack/farm-lsp/lsp"
	"github.com/farm-stack/farm-lsp/lsp/lsptest"
	"github.com/farm-stack/farm-lsp/reload/mongo/devdb"
)

// migrationDiag reports whether m publishes diagnostics for uri
// (isPublish) holding a migration-pending one whose message contains
// substr (found).
func migrationDiag(m lsptest.Message, uri, substr string) (found, isPublish bool) {
	if m.Method != protocol.MethodTextDocumentPublishDiagnostics {
		return false, false
	}
	var d lsptest.DiagnosticsMsg
	if json.Unmarshal(m.Params, &d) != nil || normPath(d.URI) != normPath(uri) {
		return false, false
	}
	for _, x := range d.Diagnostics {
		if code, _ := x.Code.(string); code == "migration-pending" && strings.Contains(x.Message, substr) {
			return true, true
		}
	}
	return false, true
}

func normPath(uri string) string {
	if p, ok := lsp.PathFromURI(uri); ok {
		return p
	}
	return uri
}

// TestPendingMigrationAppliesWhenDatabaseComesBack: a migration written
// while the database is down is a migration-pending diagnostic with its
// "Apply migration" code action, and is applied — the diagnostic cleared —
// when the database comes back, with no further save.
func TestPendingMigrationAppliesWhenDatabaseComesBack(t *testing.T) {
	ctx := context.Background()
	// A dev database holding 5 users, stopped: its data stays on disk.
	dataDir := t.TempDir()
	srv, err := devdb.Start(ctx, devdb.Options{Dir: dataDir})
	if err != nil {
		t.Fatal(err)
	}
	seed, err := mdb.Connect(options.Client().ApplyURI(srv.URL("farm_app")))
	if err != nil {
		t.Fatal(err)
	}
	users := make([]any, 5)
	for i := range users {
		users[i] = bson.D{{Key: "email", Value: fmt.Sprintf("u%d@example.com", i)}, {Key: "username", Value: fmt.Sprintf("u%d", i)}}
	}
	if _, err := seed.Database("farm_app").Collection("users").InsertMany(ctx, users); err != nil {
		t.Fatal(err)
	}
	_ = seed.Disconnect(ctx)
	if err := srv.Stop(30 * time.Second); err != nil {
		t.Fatal(err)
	}
	// The app's database.url names a port where nothing listens yet.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	url := "mongodb://" + addr + "/farm_app"

	c, root := session(t, map[string]any{"trusted": true, "database": map[string]any{"url": url}})
	rel := "apps/api/src/models/user.py"
	abs := filepath.Join(root, rel)
	uri := lsptest.URI(abs)
	orig := read(t, root, rel)
	c.Open(abs, orig)
	save(t, c, root, rel, strings.Replace(orig, "    login_count: int = 0\n", "    login_count: int = 0\n    newsletter: bool = False\n", 1))
	_, r := planFor(c, abs)
	var dbTask string
	for _, tr := range r.Tasks {
		if tr.Kind == "database-schema-update" {
			dbTask = tr.Status + ": " + tr.Message
		}
	}
	if !strings.HasPrefix(dbTask, "skipped: ") || !strings.Contains(dbTask, "database not reachable at "+url) ||
		!strings.Contains(dbTask, "applied when the database is back") {
		t.Fatalf("database-schema-update while down = %q", dbTask)
	}
	pending := c.Await("a migration-pending diagnostic while the database is down", func(m lsptest.Message) bool {
		found, _ := migrationDiag(m, uri, "not applied yet: database not reachable at "+url)
		return found
	})
	var d lsptest.DiagnosticsMsg
	_ = json.Unmarshal(pending.Params, &d)
	var actions []protocol.CodeAction
	if err := c.Request("textDocument/codeAction", map[string]any{
		"textDocument": map[string]any{"uri": uri}, "range": d.Diagnostics[0].Range,
		"context": map[string]any{"diagnostics": d.Diagnostics},
	}, &actions); err != nil {
		t.Fatal(err)
	}
	apply := false
	for _, a := range actions {
		apply = apply || (a.Command != nil && a.Command.Command == "farm.applyMigration" && strings.HasPrefix(a.Title, "Apply migration 0001_user_add_field_newsletter"))
	}
	if !apply {
		t.Errorf("no Apply migration action on the pending diagnostic: %+v", actions)
	}

	// farm.retry tries the database again at once (still down here).
	var retried map[string]any
	if err := c.Request("workspace/executeCommand", map[string]any{"command": "farm.retry"}, &retried); err != nil {
		t.Fatal(err)
	}
	if msg, _ := retried["database"].(string); retried["retried"] != true ||
		!strings.HasPrefix(msg, "skipped: database not reachable at "+url) || !strings.Contains(msg, "1 operation(s) pending") {
		t.Errorf("farm.retry while down = %v", retried)
	}

	// The database comes back on that port, with its data.
	var back *devdb.Server
	for i := 0; i < 50 && back == nil; i++ {
		if back, err = devdb.Start(ctx, devdb.Options{Dir: dataDir, Addr: addr}); err != nil {
			time.Sleep(50 * time.Millisecond)
		}
	}
	if back == nil {
		t.Fatalf("restart the database on %s: %v", addr, err)
	}
	defer func() { _ = back.Stop(30 * time.Second) }()
	c.Await("the pending diagnostic cleared once the database is back", func(m lsptest.Message) bool {
		found, publish := migrationDiag(m, uri, "")
		return publish && !found && m.Seq > pending.Seq
	})
	c.AwaitLog("database back")
	check, err := mdb.Connect(options.Client().ApplyURI(back.URL("farm_app")))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = check.Disconnect(ctx) }()
	n, err := check.Database("farm_app").Collection("users").CountDocuments(ctx, bson.D{{Key: "newsletter", Value: false}})
	if err != nil || n != 5 {
		t.Errorf("after the database came back: %d of 5 users have newsletter = false (%v)", n, err)
	}
}
