package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.lsp.dev/protocol"

	"github.com/farm-stack/farm-lsp/examples"
	"github.com/farm-stack/farm-lsp/lsp"
	"github.com/farm-stack/farm-lsp/lsp/lsptest"
	"github.com/farm-stack/farm-lsp/reload/atomicfile"
)

// session starts the real server (the production wiring) in-process on a
// fresh copy of the example app and initializes it.
func session(t testing.TB, initOpts any) (*lsptest.Client, string) {
	t.Helper()
	// Allows are remembered per user: never the real user's in a test.
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	root, err := examples.CopyFarmApp(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := examples.IsolatePorts(root); err != nil {
		t.Fatal(err)
	}
	root, _ = filepath.EvalSymlinks(root)
	c := lsptest.New(t, serverOptions(slog.New(slog.DiscardHandler)))
	params := &protocol.InitializeParams{
		RootURI: protocol.DocumentURI(lsptest.URI(root)),
		Capabilities: protocol.ClientCapabilities{
			Window: &protocol.WindowClientCapabilities{WorkDoneProgress: true},
		},
		InitializationOptions: initOpts,
	}
	if _, err := c.InitializeWith(params); err != nil {
		t.Fatal(err)
	}
	c.Notify("initialized", map[string]any{})
	c.AwaitLog("indexed")
	return c, root
}

func read(t testing.TB, root, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, rel))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// save writes new content (as an editor does) and sends didChange+didSave.
func save(t testing.TB, c *lsptest.Client, root, rel, text string) string {
	t.Helper()
	abs := filepath.Join(root, rel)
	// Written whole (temp + rename): on a loaded machine an in-place write
	// can be seen by the watcher truncated, which is not what this tests.
	if err := atomicfile.Write(abs, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	c.Change(abs, text)
	c.Save(abs, text)
	return abs
}

func planFor(c *lsptest.Client, abs string) (lsp.PlanMsg, lsp.ResultMsg) {
	uri := lsptest.URI(abs)
	p := c.AwaitPlan(func(p lsp.PlanMsg) bool { return p.Trigger.URI == uri })
	return p, c.AwaitResult(p.PlanID)
}

func TestEndToEndModelEdit(t *testing.T) {
	c, root := session(t, nil)
	rel := "apps/api/src/models/user.py"
	abs := filepath.Join(root, rel)
	orig := read(t, root, rel)
	c.Open(abs, orig)

	// A field added after a line with non-ASCII text: ranges are UTF-16.
	text := strings.Replace(orig, "    login_count: int = 0\n", "    login_count: int = 0  # naïve 😀 count\n    nickname: str = \"é\"\n", 1)
	save(t, c, root, rel, text)
	p, r := planFor(c, abs)
	if len(p.Changes) != 1 || p.Changes[0].Kind != "field-added" || p.Changes[0].Subject != "User.nickname" {
		t.Fatalf("changes = %+v", p.Changes)
	}
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "    nickname") && int(p.Changes[0].Range.Start.Line) != i {
			t.Errorf("change at line %d, want %d", p.Changes[0].Range.Start.Line, i)
		}
	}
	if p.Changes[0].URI != lsptest.URI(abs) {
		t.Errorf("change uri %q", p.Changes[0].URI)
	}
	kinds := map[string]bool{}
	for _, task := range p.Tasks {
		kinds[task.Kind] = true
		if task.DependsOn == nil {
			t.Errorf("task %s dependsOn is null", task.ID)
		}
	}
	for _, k := range []string{"database-schema-update", "type-generation", "frontend-hmr", "backend-reload"} {
		if !kinds[k] {
			t.Errorf("plan lacks %s: %+v", k, p.Tasks)
		}
	}
	if len(r.Tasks) != len(p.Tasks) {
		t.Fatalf("result has %d tasks, plan %d", len(r.Tasks), len(p.Tasks))
	}
	for _, tr := range r.Tasks {
		if tr.Status != "ok" && tr.Status != "failed" && tr.Status != "skipped" {
			t.Errorf("task %s status %q", tr.ID, tr.Status)
		}
		if tr.Status == "skipped" && tr.Message == "" {
			t.Errorf("task %s skipped without a reason", tr.ID)
		}
	}
	// Progress for the plan: begin ... end with the plan's token.
	c.AwaitProgress(p.PlanID, "begin")
	c.AwaitProgress(p.PlanID, "end")

	// `    nickname: str = "é"` ends at UTF-16 column 23 (24 in bytes).
	if r := p.Changes[0].Range; r.End.Line != r.Start.Line || r.End.Character != 23 {
		t.Errorf("field range %+v, want to end at UTF-16 column 23 of its line", r)
	}
	var st struct {
		Enabled  bool            `json:"enabled"`
		LastPlan json.RawMessage `json:"lastPlan"`
		Metrics  map[string]any  `json:"metrics"`
	}
	if err := c.Request("farm/status", nil, &st); err != nil {
		t.Fatal(err)
	}
	var last lsp.PlanMsg
	if err := json.Unmarshal(st.LastPlan, &last); err != nil || last.Trigger.URI != lsptest.URI(abs) {
		t.Errorf("farm/status lastPlan is not in farm/reloadPlan's shape: %s", st.LastPlan)
	}
	if !st.Enabled || !strings.Contains(string(st.LastPlan), p.PlanID) || st.Metrics["p95Ms"] == nil {
		t.Errorf("farm/status = %+v", st)
	}
}

func TestEndToEndSyntaxErrorAndCosmetic(t *testing.T) {
	c, root := session(t, nil)
	rel := "apps/api/src/routes/items.py"
	abs := filepath.Join(root, rel)
	orig := read(t, root, rel)
	c.Open(abs, orig)

	// Comment-only: an empty plan, tasks [].
	save(t, c, root, rel, "# items API\n"+orig)
	p, r := planFor(c, abs)
	if len(p.Changes) != 0 || len(p.Tasks) != 0 || p.Tasks == nil || len(r.Tasks) != 0 {
		t.Fatalf("comment-only edit: changes %+v tasks %+v", p.Changes, p.Tasks)
	}

	// A syntax error: diagnostic at the line, nothing runs.
	broken := strings.Replace(orig, "router = APIRouter(", "router = APIRouter((", 1)
	save(t, c, root, rel, broken)
	p, r = planFor(c, abs)
	if len(p.Tasks) != 0 || len(r.Tasks) != 0 {
		t.Fatalf("broken file ran tasks %+v", p.Tasks)
	}
	d := c.AwaitDiagnostics(lsptest.URI(abs), func(d lsptest.DiagnosticsMsg) bool { return len(d.Diagnostics) > 0 })
	want := -1
	for i, l := range strings.Split(broken, "\n") {
		if strings.Contains(l, "APIRouter((") {
			want = i
		}
	}
	if got := int(d.Diagnostics[0].Range.Start.Line); got != want || d.Diagnostics[0].Source != "farm-lsp" || d.Diagnostics[0].Code != "syntax-error" {
		t.Errorf("diagnostic %+v, want line %d source farm-lsp code syntax-error", d.Diagnostics[0], want)
	}

	// Fixed: diagnostics cleared with [] (never null).
	save(t, c, root, rel, orig)
	planFor(c, abs)
	m := c.AwaitNotification("textDocument/publishDiagnostics", func(raw json.RawMessage) bool {
		return strings.Contains(string(raw), `"diagnostics":[]`) && strings.Contains(string(raw), "items.py")
	})
	if m.Method == "" {
		t.Fatal("no clearing publish")
	}
}

func TestEndToEndCommandsAndBadInput(t *testing.T) {
	c, root := session(t, nil)
	var res map[string]any
	if err := c.Request("workspace/executeCommand", map[string]any{"command": "farm.toggle",
		"arguments": []any{map[string]any{"enabled": false}}}, &res); err != nil || res["enabled"] != false {
		t.Fatalf("farm.toggle: %v %v", res, err)
	}
	if err := c.Request("workspace/executeCommand", map[string]any{"command": "farm.toggle"}, &res); err != nil || res["enabled"] != true {
		t.Fatalf("farm.toggle back: %v %v", res, err)
	}
	err := c.Request("workspace/executeCommand", map[string]any{"command": "farm.nope"}, nil)
	if err == nil || lsptest.Code(err) == 0 {
		t.Errorf("unknown command: err %v (code must be a JSON-RPC code, not 0)", err)
	}
	// Malformed frame, then the connection still answers.
	if err := c.WriteRaw([]byte("Content-Length: 12\r\n\r\n{not json!!}")); err != nil {
		t.Fatal(err)
	}
	if err := c.Request("farm/status", nil, &res); err != nil {
		t.Fatalf("after a malformed frame: %v", err)
	}
	// Invalid UTF-8 and binary bytes in a saved Python file.
	rel := "apps/api/src/models/item.py"
	abs := save(t, c, root, rel, "class Item(BaseModel):\n    name: str = '\xff\xfe'\n\x00\x01")
	planFor(c, abs)
	if err := c.Request("farm/status", nil, &res); err != nil {
		t.Fatalf("after binary content: %v", err)
	}
}

// TestDemo runs `farm-lsp demo` (in-process) and checks it narrates every
// step and exits cleanly.
func TestDemo(t *testing.T) {
	var out bytes.Buffer
	if err := runDemo(context.Background(), &out, slog.New(slog.DiscardHandler), false, 60*time.Second); err != nil {
		t.Fatalf("demo failed: %v\n%s", err, out.String())
	}
	for i, s := range demoSteps {
		if !strings.Contains(out.String(), fmt.Sprintf("▶ %d. %s", i+1, s.title)) {
			t.Errorf("step %d not narrated", i+1)
		}
	}
	if !strings.Contains(out.String(), "Demo complete") {
		t.Errorf("demo did not complete:\n%s", out.String())
	}
	// The database steps run against the embedded dev database, each
	// checked with the driver: a backfill, an index, a held removal
	// applied through its code action.
	for _, want := range []string{
		"Dev database: FerretDB v",
		"seeded 25 users",
		"✓ database-schema-update   ok",
		"applied add-field users.newsletter (25 documents backfilled)",
		"checked with the MongoDB driver: 25 of 25 users have newsletter = false",
		"applied create-index users.is_active_1",
		"checked with the MongoDB driver: users has index is_active_1",
		"pending remove-field users.login_count",
		"[migration-pending] Pending migration 0004_user_remove_field_login_count",
		"checked with the MongoDB driver: all 25 users still have login_count",
		`code action at apps/api/src/models/user.py:26: "Apply migration 0004_user_remove_field_login_count.json"`,
		"workspace/executeCommand farm.applyMigration → {\"applied\":\"apps/api/migrations/0004_user_remove_field_login_count.json\"}",
		"checked with the MongoDB driver: login_count removed from all 25 users; the diagnostic cleared",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
	if strings.Contains(out.String(), "did not start") || regexp.MustCompile(`database-schema-update +(skipped|failed)`).MatchString(out.String()) {
		t.Errorf("a database step did not run:\n%s", out.String())
	}
}

// TestBinaryLifecycle builds the real binary and drives it over stdio:
// initialize, a save, shutdown, exit → exit code 0; and exit without
// shutdown → 1.
func TestBinaryLifecycle(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary; skipped in -short mode")
	}
	bin := filepath.Join(t.TempDir(), "farm-lsp")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	root, err := examples.CopyFarmApp(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	root, _ = filepath.EvalSymlinks(root)
	for _, clean := range []bool{true, false} {
		bc := lsptest.StartBinary(t, bin, "--log-level", "debug")
		c := bc.Client
		if _, err := c.Initialize(lsptest.URI(root), protocol.ClientCapabilities{}); err != nil {
			t.Fatal(err)
		}
		c.Notify("initialized", map[string]any{})
		c.AwaitLog("indexed")
		if clean {
			rel := "apps/web/src/components/UserCard.tsx"
			orig := read(t, root, rel)
			abs := save(t, c, root, rel, strings.Replace(orig, "  compact?: boolean;\n", "  compact?: boolean;\n  dense?: boolean;\n", 1))
			p, _ := planFor(c, abs)
			if len(p.Changes) != 1 || p.Changes[0].Kind != "props-changed" {
				t.Errorf("binary plan changes = %+v", p.Changes)
			}
			if err := c.Shutdown(); err != nil { // shutdown, then exit
				t.Fatal(err)
			}
		} else {
			c.Notify("exit", nil)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		code, err := bc.ExitCode(ctx)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		if want := map[bool]int{true: 0, false: 1}[clean]; code != want {
			t.Errorf("exit code (shutdown first=%v) = %d, want %d", clean, code, want)
		}
	}
}

// BenchmarkSaveToPlan2000 measures save → farm/reloadPlan through the
// protocol on a generated 2,000-file workspace, with the debounce set to
// 1 ms so the figure is the server's own work plus the pipe; the plan's
// execution is not timed.
func BenchmarkSaveToPlan2000(b *testing.B) {
	root := genWorkspace(b, 2000)
	c := lsptest.New(b, serverOptions(slog.New(slog.DiscardHandler)))
	if _, err := c.InitializeWith(&protocol.InitializeParams{RootURI: protocol.DocumentURI(lsptest.URI(root)),
		InitializationOptions: map[string]any{"development": map[string]any{"hotReload": map[string]any{"watch": map[string]any{"debounceMs": 1}}}},
	}); err != nil {
		b.Fatal(err)
	}
	c.Notify("initialized", map[string]any{})
	c.AwaitLog("indexed")
	seq := 0
	for _, tc := range []struct{ name, rel, from, to string }{
		{"component", "apps/web/src/components/gen/G7.tsx", "useState(0)", "useState(1)"},
		{"model", "apps/api/src/models/gen/g7.py", "a: int = 0", "a: int = 1"},
	} {
		abs := filepath.Join(root, tc.rel)
		orig := read(b, root, tc.rel)
		variants := []string{strings.Replace(orig, tc.from, tc.to, 1), orig}
		b.Run(tc.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				c.Save(abs, variants[i%2])
				seq++
				id := fmt.Sprintf("p%d", seq)
				c.AwaitPlan(func(p lsp.PlanMsg) bool { return p.PlanID == id })
				// Plans run one at a time: let this one's tasks (codegen of
				// 1,000 models, an external backend check) finish untimed.
				b.StopTimer()
				c.AwaitResult(id)
				b.StartTimer()
			}
		})
	}
}

// TestSaveBeforeIndexIsDiffedAgainstDisk: a save that arrives before the
// initial index finished is still diffed against the file's previous
// content, not planned as if every model were new.
func TestSaveBeforeIndexIsDiffedAgainstDisk(t *testing.T) {
	for i := 0; i < 5; i++ {
		root, err := examples.CopyFarmApp(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		root, _ = filepath.EvalSymlinks(root)
		c := lsptest.New(t, serverOptions(slog.New(slog.DiscardHandler)))
		if _, err := c.Initialize(lsptest.URI(root), protocol.ClientCapabilities{}); err != nil {
			t.Fatal(err)
		}
		c.Notify("initialized", map[string]any{})
		rel := "apps/api/src/models/user.py"
		orig := read(t, root, rel)
		abs := filepath.Join(root, rel)
		c.Open(abs, orig)
		save(t, c, root, rel, strings.Replace(orig, "    login_count: int = 0\n", "    login_count: int = 0\n    karma: int = 0\n", 1))
		p, _ := planFor(c, abs)
		if len(p.Changes) != 1 || p.Changes[0].Kind != "field-added" {
			var kinds []string
			for _, ch := range p.Changes {
				kinds = append(kinds, ch.Kind+" "+ch.Subject)
			}
			t.Fatalf("run %d: early save planned %v, want one field-added", i, kinds)
		}
		c.Shutdown()
	}
}
