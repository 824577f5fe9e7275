package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"go.lsp.dev/protocol"
	"go.mongodb.org/mongo-driver/v2/bson"
	mdb "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/lsp"
	"github.com/farm-stack/farm-lsp/reload/mongo/devdb"
)

// demoUsers is how many users the demo seeds before the first save.
const demoUsers = 25

// demoDB is the demo's dev database, seen through the MongoDB driver.
type demoDB struct {
	url   string
	users *mdb.Collection
}

// startDemoDB starts the embedded dev database in the demo's copy of the
// app (as `farm-lsp devdb` would, on a free port), seeds the users the
// migration steps work on and says what it is.
func startDemoDB(ctx context.Context, out io.Writer, root string) (*demoDB, func(), error) {
	srv, err := devdb.Start(ctx, devdb.Options{Dir: filepath.Join(root, filepath.FromSlash(devdb.DataDir))})
	if err != nil {
		return nil, nil, err
	}
	name, _ := appDatabase(ctx, root)
	url := srv.URL(name)
	client, err := mdb.Connect(options.Client().ApplyURI(url).SetServerSelectionTimeout(10 * time.Second))
	if err != nil {
		_ = srv.Stop(30 * time.Second)
		return nil, nil, err
	}
	stop := func() {
		dctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = client.Disconnect(dctx)
		_ = srv.Stop(30 * time.Second)
	}
	db := &demoDB{url: url, users: client.Database(name).Collection("users")}
	docs := make([]any, demoUsers)
	now := time.Now().UTC()
	for i := range docs {
		docs[i] = bson.D{
			{Key: "email", Value: fmt.Sprintf("user%02d@example.com", i+1)},
			{Key: "username", Value: fmt.Sprintf("user%02d", i+1)},
			{Key: "role", Value: "member"},
			{Key: "is_active", Value: true},
			{Key: "tags", Value: bson.A{}},
			{Key: "login_count", Value: int64(i)},
			{Key: "created_at", Value: now},
		}
	}
	if _, err := db.users.InsertMany(ctx, docs); err != nil {
		stop()
		return nil, nil, fmt.Errorf("seed users: %w", err)
	}
	fmt.Fprintf(out, "Dev database: %s\n  at %s, data in the copy's %s (what `farm-lsp devdb` runs); seeded %d users.\n",
		devdb.Label(), url, devdb.DataDir, demoUsers)
	return db, stop, nil
}

func (d *demoDB) count(ctx context.Context, filter bson.D) (int64, error) {
	return d.users.CountDocuments(ctx, filter)
}

// dbTask checks the plan's database-schema-update task ended ok and its
// message says want.
func dbTask(want string) func(lsp.PlanMsg, lsp.ResultMsg, []protocol.Diagnostic) error {
	return func(_ lsp.PlanMsg, r lsp.ResultMsg, _ []protocol.Diagnostic) error {
		for _, t := range r.Tasks {
			if t.Kind != "database-schema-update" {
				continue
			}
			if t.Status != "ok" || !strings.Contains(t.Message, want) {
				return fmt.Errorf("database-schema-update %s: %q, want ok with %q", t.Status, t.Message, want)
			}
			return nil
		}
		return fmt.Errorf("no database-schema-update task in %+v", r.Tasks)
	}
}

// databaseSteps narrate the migration story against the dev database:
// a backfill, an index, a field removal held until "Apply migration".
func databaseSteps(db *demoDB) []demoStep {
	const model = "apps/api/src/models/user.py"
	return []demoStep{
		{
			title:  "Add a field with a default (existing documents are backfilled)",
			file:   model,
			edit:   replaceOnce("    login_count: int = 0\n", "    login_count: int = 0\n    newsletter: bool = False\n"),
			expect: dbTask(fmt.Sprintf("(%d documents backfilled)", demoUsers)),
			after: func(ctx context.Context, out io.Writer, _ *demoEnv) error {
				n, err := db.count(ctx, bson.D{{Key: "newsletter", Value: false}})
				if err != nil || n != demoUsers {
					return fmt.Errorf("%d of %d users have newsletter = false (%v)", n, demoUsers, err)
				}
				fmt.Fprintf(out, "   checked with the MongoDB driver: %d of %d users have newsletter = false\n", n, demoUsers)
				return nil
			},
		},
		{
			title:  "Declare an index (created in the dev database)",
			file:   model,
			edit:   replaceOnce("            \"role\",\n", "            \"role\",\n            \"is_active\",\n"),
			expect: dbTask("applied create-index users.is_active_1"),
			after: func(ctx context.Context, out io.Writer, _ *demoEnv) error {
				specs, err := db.users.Indexes().ListSpecifications(ctx)
				if err != nil {
					return err
				}
				for _, s := range specs {
					if s.Name == "is_active_1" {
						fmt.Fprintf(out, "   checked with the MongoDB driver: users has index is_active_1 (over %d documents)\n", demoUsers)
						return nil
					}
				}
				return fmt.Errorf("index is_active_1 not in the database: %+v", specs)
			},
		},
		{
			title: "Remove a field (destructive: held until you apply it)",
			file:  model,
			edit:  replaceOnce("    login_count: int = 0\n", ""),
			expect: func(p lsp.PlanMsg, r lsp.ResultMsg, diags []protocol.Diagnostic) error {
				if err := dbTask("pending remove-field users.login_count")(p, r, diags); err != nil {
					return err
				}
				if pendingDiagnostic(diags) == nil {
					return errors.New("no migration-pending diagnostic on the model")
				}
				return nil
			},
			after: func(ctx context.Context, out io.Writer, env *demoEnv) error {
				has := bson.D{{Key: "login_count", Value: bson.D{{Key: "$exists", Value: true}}}}
				n, err := db.count(ctx, has)
				if err != nil || n != demoUsers {
					return fmt.Errorf("before apply: %d of %d users have login_count (%v)", n, demoUsers, err)
				}
				fmt.Fprintf(out, "   checked with the MongoDB driver: all %d users still have login_count\n", n)
				return applyMigration(ctx, out, env, db, has)
			},
		},
	}
}

func pendingDiagnostic(diags []protocol.Diagnostic) *protocol.Diagnostic {
	for i, d := range diags {
		if code, _ := d.Code.(string); code == facts.CodeMigration {
			return &diags[i]
		}
	}
	return nil
}

// applyMigration asks for the code actions at the migration-pending
// diagnostic, runs "Apply migration …" through workspace/executeCommand
// as an editor would, and checks the field is gone and the diagnostic
// cleared.
func applyMigration(ctx context.Context, out io.Writer, env *demoEnv, db *demoDB, has bson.D) error {
	d := pendingDiagnostic(env.diags)
	var actions []protocol.CodeAction
	if err := env.call("textDocument/codeAction", map[string]any{
		"textDocument": map[string]any{"uri": env.uri},
		"range":        d.Range,
		"context":      map[string]any{"diagnostics": []protocol.Diagnostic{*d}},
	}, &actions); err != nil {
		return fmt.Errorf("textDocument/codeAction: %w", err)
	}
	var apply *protocol.Command
	for _, a := range actions {
		if a.Command != nil && a.Command.Command == "farm.applyMigration" {
			apply = a.Command
			break
		}
	}
	if apply == nil {
		return fmt.Errorf("no \"Apply migration\" code action at the diagnostic: %+v", actions)
	}
	fmt.Fprintf(out, "   code action at %s:%d: %q\n", relURI(env.root, env.uri), d.Range.Start.Line+1, apply.Title)
	env.client.drain("textDocument/publishDiagnostics")
	var res json.RawMessage
	if err := env.call("workspace/executeCommand", map[string]any{"command": apply.Command, "arguments": apply.Arguments}, &res); err != nil {
		return fmt.Errorf("workspace/executeCommand %s: %w", apply.Command, err)
	}
	fmt.Fprintf(out, "   workspace/executeCommand %s → %s\n", apply.Command, res)
	wctx, cancel := context.WithTimeout(ctx, env.timeout)
	defer cancel()
	if _, err := env.client.await(wctx, "the migration-pending diagnostic to clear", func(n notification) bool {
		var p lsp.PublishDiagnosticsParams
		return n.method == "textDocument/publishDiagnostics" && json.Unmarshal(n.params, &p) == nil &&
			p.URI == env.uri && pendingDiagnostic(p.Diagnostics) == nil
	}); err != nil {
		return err
	}
	n, err := db.count(ctx, has)
	if err != nil || n != 0 {
		return fmt.Errorf("after apply: %d users still have login_count (%v)", n, err)
	}
	fmt.Fprintf(out, "   checked with the MongoDB driver: login_count removed from all %d users; the diagnostic cleared\n", demoUsers)
	return nil
}
