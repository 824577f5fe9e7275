package lsp_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.lsp.dev/protocol"

	"github.com/farm-stack/farm-lsp/examples"
	"github.com/farm-stack/farm-lsp/lsp"
	"github.com/farm-stack/farm-lsp/lsp/lsptest"
	"github.com/farm-stack/farm-lsp/reload/coordinator"
	"github.com/farm-stack/farm-lsp/reload/executor"
	"github.com/farm-stack/farm-lsp/reload/plan"
)

// TestEndToEndRealEngine drives the real coordinator on a copy of the
// example app through the protocol: save → plan → result, a comment-only
// edit → an empty plan, a syntax error → a diagnostic, fixed → cleared.
// Executors are replaced by ones that skip at once: this test is about the
// protocol path, not about running reloads.
func TestEndToEndRealEngine(t *testing.T) {
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := examples.CopyFarmApp(dir); err != nil {
		t.Fatal(err)
	}
	execs := skipExecutors()
	log := testLogger(t)
	c := lsptest.New(t, lsp.Options{Logger: log, NewEngine: func(root string) (coordinator.Engine, error) {
		return coordinator.New(coordinator.Options{Root: root, Logger: log, NoWatch: true, Executors: execs, Getenv: func(string) string { return "" }})
	}})
	if _, err := c.Initialize(lsptest.URI(dir), protocol.ClientCapabilities{}); err != nil {
		t.Fatal(err)
	}
	// The test writes files to disk: wait for the initial index so the
	// engine's baseline is the original content.
	c.AwaitLog("indexed")
	path := filepath.Join(dir, "apps/api/src/models/user.py")
	uri := lsptest.URI(path)
	orig, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	src := string(orig)
	c.Open(path, src)

	save := func(text string) {
		t.Helper()
		c.Change(path, text)
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		c.Save(path, text)
	}

	added := strings.Replace(src, "    login_count: int = 0\n", "    login_count: int = 0\n    nickname: Optional[str] = None\n", 1)
	if added == src {
		t.Fatal("example user.py changed: login_count line not found")
	}
	save(added)
	p := c.AwaitPlan(func(p lsptest.PlanMsg) bool { return p.Trigger.URI == uri })
	var found bool
	for _, ch := range p.Changes {
		if ch.Kind == "field-added" && ch.Subject == "User.nickname" && ch.URI == uri {
			found = true
		}
	}
	if !found || len(p.Tasks) == 0 {
		t.Errorf("plan for an added field: %+v", p)
	}
	r := c.AwaitResult(p.PlanID)
	if len(r.Tasks) != len(p.Tasks) {
		t.Errorf("result has %d tasks, plan %d", len(r.Tasks), len(p.Tasks))
	}

	save(strings.Replace(added, "class User(Document):\n", "class User(Document):  # a comment\n", 1))
	p = c.AwaitPlan(func(p lsptest.PlanMsg) bool { return p.Trigger.URI == uri })
	if len(p.Tasks) != 0 {
		t.Errorf("comment-only edit planned tasks: %+v", p.Tasks)
	}

	broken := strings.Replace(added, "    login_count: int = 0\n", "    login_count: int = (\n", 1)
	save(broken)
	d := c.AwaitDiagnostics(uri, func(d lsptest.DiagnosticsMsg) bool {
		for _, x := range d.Diagnostics {
			if x.Code == "syntax-error" {
				return true
			}
		}
		return false
	})
	if d.Diagnostics[0].Source != "farm-lsp" {
		t.Errorf("diagnostic %+v", d.Diagnostics[0])
	}
	save(added)
	c.AwaitDiagnostics(uri, func(d lsptest.DiagnosticsMsg) bool { return len(d.Diagnostics) == 0 })

	if err := c.Shutdown(); err != nil {
		t.Fatal(err)
	}
	if code := c.ExitCode(); code != 0 {
		t.Errorf("exit code %d", code)
	}
}

// skipExecutors replaces every executor by one that skips at once.
func skipExecutors() map[plan.TaskKind]executor.Executor {
	skip := executor.Func(func(context.Context, plan.Task, executor.Reporter) executor.Result {
		return executor.Result{Status: executor.Skipped, Message: "skipped by the test"}
	})
	execs := map[plan.TaskKind]executor.Executor{}
	for _, k := range []plan.TaskKind{plan.TypeGeneration, plan.APIClientGeneration, plan.FrontendHMR, plan.BackendReload,
		plan.DatabaseSchemaUpdate, plan.AIModelReload, plan.PluginReload} {
		execs[k] = skip
	}
	return execs
}
