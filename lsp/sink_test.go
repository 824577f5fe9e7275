package lsp_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.lsp.dev/protocol"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/lsp"
	"github.com/farm-stack/farm-lsp/lsp/lsptest"
	"github.com/farm-stack/farm-lsp/reload/coordinator"
	"github.com/farm-stack/farm-lsp/reload/executor"
	"github.com/farm-stack/farm-lsp/reload/plan"
)

var update = flag.Bool("update", false, "rewrite golden files")

func rng(l1, c1, l2, c2 int) facts.Range {
	return facts.Range{Start: facts.Pos{Line: l1, Char: c1}, End: facts.Pos{Line: l2, Char: c2}}
}

// golden compares the raw params of a notification with a golden file,
// the workspace URI replaced by file:///ROOT.
func golden(t *testing.T, name string, raw json.RawMessage, root string) {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		t.Fatal(err)
	}
	got := strings.ReplaceAll(buf.String(), lsptest.URI(root), "file:///ROOT") + "\n"
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (run with -update after checking):\n--- got\n%s--- want\n%s", name, got, want)
	}
}

func TestReloadPlanAndResultShapes(t *testing.T) {
	dir := workspace(t, ".")
	p := plan.Plan{
		ID:      "plan-7",
		Trigger: plan.Trigger{Path: "backend/models/user.py", Kind: facts.KindBackendModel},
		Files:   []string{"backend/models/user.py"},
		Changes: []facts.Change{{
			Kind: facts.FieldAdded, Path: "backend/models/user.py", FileKind: facts.KindBackendModel,
			Subject: "User.nickname", Detail: "field nickname: str | None added", Range: rng(12, 4, 12, 30),
		}},
		Tasks: []plan.Task{
			{ID: "t1", Kind: plan.TypeGeneration, Target: "User", Reason: "model User changed"}, // DependsOn nil
			{ID: "t2", Kind: plan.APIClientGeneration, Target: "api", DependsOn: []string{"t1"}, Reason: "types changed", Mode: "x"},
			{ID: "t3", Kind: plan.FrontendHMR, Target: "frontend/src/UserCard.tsx", DependsOn: []string{"t1", "t2"}, Reason: "imports User", Mode: plan.HMRFull},
		},
	}
	res := coordinator.PlanResult{PlanID: "plan-7", Duration: 12345678 * time.Nanosecond, Tasks: []executor.TaskResult{
		{ID: "t1", Kind: plan.TypeGeneration, Target: "User", Status: executor.OK, Duration: 3 * time.Millisecond, Message: "wrote types.ts"},
		{ID: "t2", Kind: plan.APIClientGeneration, Target: "api", Status: executor.Failed, Duration: 1500 * time.Microsecond, Message: "boom"},
		{ID: "t3", Kind: plan.FrontendHMR, Target: "frontend/src/UserCard.tsx", Status: executor.Skipped, Message: "dev server not reachable"},
	}}
	empty := plan.Plan{ID: "plan-8", Trigger: plan.Trigger{Path: "backend/models/user.py", Kind: facts.KindBackendModel}}
	fx := newFixture(t, dir, protocol.ClientCapabilities{}, func(e *fakeEngine) {
		e.onSave = func(e *fakeEngine, path string, _ []byte) {
			e.sink.Plan(e.root, p)
			e.sink.Result(e.root, res)
			e.sink.Plan(e.root, empty)
			e.sink.Result(e.root, coordinator.PlanResult{PlanID: "plan-8"})
		}
	})
	fx.f.get(t, dir).sinkOf(t)
	path := filepath.Join(dir, "backend/models/user.py")
	fx.c.Save(path, "class User: ...")

	m := fx.c.AwaitNotification(lsp.MethodReloadPlan, nil)
	golden(t, "reload_plan.golden.json", m.Params, dir)
	m = fx.c.AwaitNotification(lsp.MethodReloadResult, nil)
	golden(t, "reload_result.golden.json", m.Params, dir)

	// An empty plan still says so, with [] and not null.
	m = fx.c.AwaitNotification(lsp.MethodReloadPlan, nil)
	if !strings.Contains(string(m.Params), `"tasks":[]`) || !strings.Contains(string(m.Params), `"changes":[]`) {
		t.Errorf("empty plan: %s", m.Params)
	}
	r := fx.c.AwaitResult("plan-8")
	if r.Tasks == nil || len(r.Tasks) != 0 {
		t.Errorf("empty result tasks = %#v", r.Tasks)
	}
}

func TestDiagnostics(t *testing.T) {
	dir := workspace(t, ".")
	fx := newFixture(t, dir, protocol.ClientCapabilities{}, nil)
	e := fx.f.get(t, dir)
	sink := e.sinkOf(t)
	model := filepath.Join(dir, "backend/models/user.py")
	comp := filepath.Join(dir, "frontend/src/UserCard.tsx")
	uri := lsptest.URI(comp)

	d := facts.Diagnostic{
		Path: "frontend/src/UserCard.tsx", Range: rng(3, 10, 3, 18), Severity: facts.SeverityError,
		Code: facts.CodeFieldInUse, Message: "User.email was removed but is still read here",
		Related: []facts.Related{{Path: "backend/models/user.py", Range: rng(7, 4, 7, 9), Message: "removed here"}},
	}
	// Neovim opens at version 0: the version is still reported.
	fx.c.OpenAt(comp, "x", 0)
	from := 0
	e.awaitCall(t, &from, func(c call) bool { return c.Op == "open" })

	sink.Diagnostics(comp, []facts.Diagnostic{d})
	got := fx.c.AwaitDiagnostics(uri, nil)
	if got.Version == nil || *got.Version != 0 {
		t.Errorf("version = %v, want 0", got.Version)
	}
	if len(got.Diagnostics) != 1 {
		t.Fatalf("diagnostics = %+v", got.Diagnostics)
	}
	pd := got.Diagnostics[0]
	if pd.Source != "farm-lsp" || pd.Code != "field-in-use" || pd.Severity != protocol.DiagnosticSeverityError ||
		pd.Range.Start.Line != 3 || pd.Range.Start.Character != 10 || pd.Range.End.Character != 18 {
		t.Errorf("diagnostic = %+v", pd)
	}
	if len(pd.RelatedInformation) != 1 || string(pd.RelatedInformation[0].Location.URI) != lsptest.URI(model) ||
		pd.RelatedInformation[0].Location.Range.Start.Line != 7 || pd.RelatedInformation[0].Message != "removed here" {
		t.Errorf("relatedInformation = %+v", pd.RelatedInformation)
	}

	sink.Diagnostics(comp, []facts.Diagnostic{d}) // unchanged: not re-sent
	sink.Diagnostics(comp, nil)                   // cleared: [] not null
	sink.Diagnostics(comp, []facts.Diagnostic{})  // unchanged again
	sink.Diagnostics(model, nil)                  // a file never published: [] goes out, no version (not open)
	sink.Plan(dir, plan.Plan{ID: "barrier"})
	fx.c.AwaitPlan(func(p lsptest.PlanMsg) bool { return p.PlanID == "barrier" })

	var forComp []string
	for _, m := range fx.c.Notifications() {
		if m.Method == protocol.MethodTextDocumentPublishDiagnostics && strings.Contains(string(m.Params), uri) {
			forComp = append(forComp, string(m.Params))
		}
	}
	if len(forComp) != 2 {
		t.Fatalf("published %d times for the component, want 2 (set, clear):\n%s", len(forComp), strings.Join(forComp, "\n"))
	}
	if !strings.Contains(forComp[1], `"diagnostics":[]`) {
		t.Errorf("clear must be [] not null: %s", forComp[1])
	}
	cleared := fx.c.AwaitDiagnostics(uri, func(d lsptest.DiagnosticsMsg) bool { return len(d.Diagnostics) == 0 })
	if cleared.Diagnostics == nil {
		t.Error("cleared diagnostics decoded as null")
	}
	m := fx.c.AwaitDiagnostics(lsptest.URI(model), nil)
	if m.Version != nil {
		t.Errorf("closed file published with version %d", *m.Version)
	}
}

func TestProgress(t *testing.T) {
	events := []coordinator.Progress{
		{Token: "plan-1", Kind: coordinator.ProgressBegin, Title: "Reloading", Message: "3 tasks", Percent: 0},
		{Token: "plan-1", Kind: coordinator.ProgressReport, Message: "types", Percent: 33},
		{Token: "plan-1", Kind: coordinator.ProgressReport, Message: "client", Percent: 66}, // same instant: throttled
		{Token: "plan-1", Kind: coordinator.ProgressReport, Message: "hmr", Percent: -1},    // 150 ms later
		{Token: "plan-1", Kind: coordinator.ProgressEnd, Message: "ok"},
	}
	// The clock moves only before the last report; timers fire only when
	// the test says so.
	var clock time.Time = time.Unix(1000, 0)
	timers := &manualTimers{}
	now := func() time.Time { return clock }
	emit := func(t *testing.T, sink coordinator.Sink, dir string) {
		for i, ev := range events {
			if i == 3 {
				clock = clock.Add(150 * time.Millisecond)
			}
			sink.Progress(dir, ev)
		}
		sink.Plan(dir, plan.Plan{ID: "barrier"})
	}

	t.Run("client supports workDoneProgress", func(t *testing.T) {
		dir := workspace(t, ".")
		f := newFactory(nil)
		c := lsptest.New(t, lsp.WithClock(optsFor(t, f), now, timers.after))
		if _, err := c.Initialize(lsptest.URI(dir), protocol.ClientCapabilities{Window: &protocol.WindowClientCapabilities{WorkDoneProgress: true}}); err != nil {
			t.Fatal(err)
		}
		emit(t, f.get(t, dir).sinkOf(t), dir)
		create := c.AwaitServerRequest(protocol.MethodWorkDoneProgressCreate)
		if string(create.Params) != `{"token":"plan-1"}` {
			t.Errorf("create params %s, want token plan-1 (pitfall 1: not {})", create.Params)
		}
		c.AwaitPlan(func(p lsptest.PlanMsg) bool { return p.PlanID == "barrier" })
		// $/progress waits for the answer to create; other messages do not.
		c.AwaitProgress("plan-1", "end")
		var kinds []string
		for _, p := range c.Progress() {
			if string(p.Token) != `"plan-1"` {
				t.Errorf("progress token %s", p.Token)
			}
			kinds = append(kinds, p.Kind+":"+p.Message)
		}
		want := "begin:3 tasks report:types report:hmr end:ok"
		if strings.Join(kinds, " ") != want {
			t.Errorf("progress = %v, want %s", kinds, want)
		}
		for _, m := range c.Notifications() {
			if m.Method == protocol.MethodWindowLogMessage {
				t.Errorf("logMessage sent although progress is supported: %s", m.Params)
			}
		}
	})

	t.Run("a client slow to answer create holds back only that token's progress", func(t *testing.T) {
		dir := workspace(t, ".")
		f := newFactory(nil)
		c := lsptest.New(t, lsp.WithClock(optsFor(t, f), now, timers.after))
		answer := make(chan struct{})
		c.HandleServerRequests(func(method string, _ json.RawMessage) (any, *lsptest.RespError) {
			if method == protocol.MethodWorkDoneProgressCreate {
				<-answer
			}
			return nil, nil
		})
		if _, err := c.Initialize(lsptest.URI(dir), protocol.ClientCapabilities{Window: &protocol.WindowClientCapabilities{WorkDoneProgress: true}}); err != nil {
			t.Fatal(err)
		}
		emit(t, f.get(t, dir).sinkOf(t), dir)
		// The plan goes out while create is unanswered; before, every
		// notification queued behind the client's answer.
		c.AwaitPlan(func(p lsptest.PlanMsg) bool { return p.PlanID == "barrier" })
		if p := c.Progress(); len(p) != 0 {
			t.Errorf("$/progress before the client answered create: %+v", p)
		}
		close(answer)
		c.AwaitProgress("plan-1", "end")
		var kinds []string
		for _, p := range c.Progress() {
			kinds = append(kinds, p.Kind+":"+p.Message)
		}
		if want := "begin:3 tasks report:types report:hmr end:ok"; strings.Join(kinds, " ") != want {
			t.Errorf("progress = %v, want %s", kinds, want)
		}
	})

	t.Run("client without workDoneProgress", func(t *testing.T) {
		dir := workspace(t, ".")
		f := newFactory(nil)
		c := lsptest.New(t, lsp.WithClock(optsFor(t, f), now, timers.after))
		if _, err := c.Initialize(lsptest.URI(dir), protocol.ClientCapabilities{}); err != nil {
			t.Fatal(err)
		}
		emit(t, f.get(t, dir).sinkOf(t), dir)
		c.AwaitPlan(func(p lsptest.PlanMsg) bool { return p.PlanID == "barrier" })
		if p := c.Progress(); len(p) != 0 {
			t.Errorf("$/progress sent to a client without support: %+v", p)
		}
		for _, m := range c.ServerRequests() {
			if m.Method == protocol.MethodWorkDoneProgressCreate {
				t.Errorf("workDoneProgress/create sent to a client without support")
			}
		}
		c.AwaitLog("Reloading 3 tasks")
		c.AwaitLog("types (33%)")
		c.AwaitLog("ok (done)")
	})

	t.Run("a throttled report is sent when its interval is over", func(t *testing.T) {
		dir := workspace(t, ".")
		f := newFactory(nil)
		timers := &manualTimers{}
		c := lsptest.New(t, lsp.WithClock(optsFor(t, f), now, timers.after))
		if _, err := c.Initialize(lsptest.URI(dir), protocol.ClientCapabilities{Window: &protocol.WindowClientCapabilities{WorkDoneProgress: true}}); err != nil {
			t.Fatal(err)
		}
		sink := f.get(t, dir).sinkOf(t)
		sink.Progress(dir, coordinator.Progress{Token: "p2", Kind: coordinator.ProgressBegin, Title: "Reloading", Percent: -1})
		sink.Progress(dir, coordinator.Progress{Token: "p2", Kind: coordinator.ProgressReport, Message: "a", Percent: -1})
		sink.Progress(dir, coordinator.Progress{Token: "p2", Kind: coordinator.ProgressReport, Message: "b", Percent: -1})
		sink.Progress(dir, coordinator.Progress{Token: "p2", Kind: coordinator.ProgressReport, Message: "c", Percent: -1})
		if n := timers.fire(); n != 1 {
			t.Errorf("%d timers pending, want 1", n)
		}
		sink.Progress(dir, coordinator.Progress{Token: "p2", Kind: coordinator.ProgressEnd, Message: "done"})
		c.AwaitProgress("p2", "end")
		var got []string
		for _, p := range c.Progress() {
			got = append(got, p.Kind+":"+p.Message)
		}
		if want := "begin: report:a report:c end:done"; strings.Join(got, " ") != want {
			t.Errorf("progress = %v, want %s", got, want)
		}
	})

	t.Run("client refuses the token", func(t *testing.T) {
		dir := workspace(t, ".")
		f := newFactory(nil)
		c := lsptest.New(t, lsp.WithClock(optsFor(t, f), now, timers.after))
		c.HandleServerRequests(func(method string, _ json.RawMessage) (any, *lsptest.RespError) {
			if method == protocol.MethodWorkDoneProgressCreate {
				return nil, &lsptest.RespError{Code: -32603, Message: "no"}
			}
			return nil, nil
		})
		if _, err := c.Initialize(lsptest.URI(dir), protocol.ClientCapabilities{Window: &protocol.WindowClientCapabilities{WorkDoneProgress: true}}); err != nil {
			t.Fatal(err)
		}
		emit(t, f.get(t, dir).sinkOf(t), dir)
		c.AwaitPlan(func(p lsptest.PlanMsg) bool { return p.PlanID == "barrier" })
		if p := c.Progress(); len(p) != 0 {
			t.Errorf("$/progress sent for a refused token: %+v", p)
		}
	})
}

func TestMessages(t *testing.T) {
	dir := workspace(t, ".")
	fx := newFixture(t, dir, protocol.ClientCapabilities{}, nil)
	sink := fx.f.get(t, dir).sinkOf(t)
	sink.Message(slog.LevelInfo, "indexed 12 files", false)
	sink.Message(slog.LevelWarn, "slow reload: 2.1 s", true)
	sink.Message(slog.LevelError, "traceback line with a bad byte \xff here", false)
	if got := fx.c.AwaitLog("indexed 12 files"); got.Type != protocol.MessageTypeInfo {
		t.Errorf("type %v", got.Type)
	}
	if got := fx.c.AwaitLog("slow reload"); got.Type != protocol.MessageTypeWarning {
		t.Errorf("type %v", got.Type)
	}
	// Invalid UTF-8 from a tool's output still goes out as valid JSON.
	if got := fx.c.AwaitLog("bad byte \uFFFD here"); got.Type != protocol.MessageTypeError {
		t.Errorf("type %v", got.Type)
	}
	m := fx.c.AwaitNotification(protocol.MethodWindowShowMessage, nil)
	if !strings.Contains(string(m.Params), "slow reload") {
		t.Errorf("showMessage %s", m.Params)
	}
}

// manualTimers stands in for time.AfterFunc: timers fire when the test
// calls fire.
type manualTimers struct {
	mu  sync.Mutex
	fns []func()
}

func (m *manualTimers) after(_ time.Duration, f func()) func() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	i := len(m.fns)
	m.fns = append(m.fns, f)
	return func() bool {
		m.mu.Lock()
		defer m.mu.Unlock()
		stopped := m.fns[i] != nil
		m.fns[i] = nil
		return stopped
	}
}

// fire runs every pending timer and returns how many ran.
func (m *manualTimers) fire() int {
	m.mu.Lock()
	var run []func()
	for i, f := range m.fns {
		if f != nil {
			run = append(run, f)
			m.fns[i] = nil
		}
	}
	m.mu.Unlock()
	for _, f := range run {
		f()
	}
	return len(run)
}
