package scheduler

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/farm-stack/farm-lsp/reload/executor"
	"github.com/farm-stack/farm-lsp/reload/plan"
)

// gateExec blocks each run until released (or its context ends) and
// reports the task it started.
type gateExec struct {
	started chan plan.Task
	release chan struct{}
}

func newGate() *gateExec {
	return &gateExec{started: make(chan plan.Task, 100), release: make(chan struct{})}
}

func (g *gateExec) Run(ctx context.Context, t plan.Task, _ executor.Reporter) executor.Result {
	g.started <- t
	select {
	case <-g.release:
		return executor.Result{Status: executor.OK, Message: "released"}
	case <-ctx.Done():
		return executor.Result{Status: executor.Failed, Message: "cancelled: " + ctx.Err().Error()}
	}
}

func task(id string, kind plan.TaskKind, target string, deps ...string) plan.Task {
	if deps == nil {
		deps = []string{}
	}
	return plan.Task{ID: id, Kind: kind, Target: target, DependsOn: deps}
}

func TestSlowLaneDoesNotHoldBackOthers(t *testing.T) {
	t.Parallel()
	pull := newGate()
	h := start(t, Options{Executors: map[plan.TaskKind]executor.Executor{
		plan.AIModelReload:  pull,
		plan.TypeGeneration: ok("types written"),
	}})
	defer close(pull.release)
	idPull := h.s.RunTasks(plan.Trigger{Path: "farm.config.ts"}, []plan.Task{task("t1", plan.AIModelReload, "ollama")})
	await(t, pull.started, "pull start")
	idTypes := h.s.RunTasks(plan.Trigger{Path: "user.py"}, []plan.Task{task("t1", plan.TypeGeneration, "types")})
	for {
		r := await(t, h.done, "task result")
		if r.Kind == plan.TypeGeneration {
			if r.Status != executor.OK {
				t.Fatalf("types %s: %s", r.Status, r.Message)
			}
			break
		}
		t.Fatalf("unexpected result before the types: %+v", r)
	}
	res := await(t, h.results, "plan result")
	if res.PlanID != idTypes {
		t.Fatalf("first finished plan %s, want the types plan %s (pull plan %s still running)", res.PlanID, idTypes, idPull)
	}
	st := h.s.Status()
	if ai := st.Lanes[LaneAI]; !ai.Busy || !strings.Contains(ai.Current, "ai-model-reload ollama") {
		t.Errorf("ai lane status %+v, want busy with the pull", ai)
	}
	if !st.Processing {
		t.Errorf("status %+v: processing should be true while the pull runs", st)
	}
}

func TestRetryBacksOffInsideItsLane(t *testing.T) {
	t.Parallel()
	waits := make(chan time.Duration, 10)
	never := make(chan time.Time)
	flaky := executor.Func(func(context.Context, plan.Task, executor.Reporter) executor.Result {
		return executor.Result{Status: executor.Failed, Transient: true, Message: "HTTP 500"}
	})
	h := start(t, Options{
		Executors: map[plan.TaskKind]executor.Executor{plan.AIModelReload: flaky, plan.BackendReload: ok("reloaded")},
		Retry:     RetryPolicy{MaxRetries: 3},
		After: func(d time.Duration) <-chan time.Time {
			waits <- d
			return never // the pull's backoff never ends during this test
		},
	})
	h.s.RunTasks(plan.Trigger{}, []plan.Task{task("t1", plan.AIModelReload, "ollama")})
	if d := await(t, waits, "backoff"); d != DefaultCooldown {
		t.Errorf("first wait %v, want %v", d, DefaultCooldown)
	}
	id := h.s.RunTasks(plan.Trigger{}, []plan.Task{task("t1", plan.BackendReload, "api")})
	r := await(t, h.results, "backend plan result")
	if r.PlanID != id || r.Tasks[0].Status != executor.OK {
		t.Fatalf("result %+v, want %s ok while the pull backs off", r, id)
	}
}

func TestNewerTaskSupersedesQueuedAndCancelsRunningCodegen(t *testing.T) {
	t.Parallel()
	gen := newGate()
	h := start(t, Options{Executors: map[plan.TaskKind]executor.Executor{
		plan.TypeGeneration: gen,
		plan.FrontendHMR:    ok("page reloaded"),
	}})
	p1 := h.s.RunTasks(plan.Trigger{}, []plan.Task{task("t1", plan.TypeGeneration, "types"), task("t2", plan.FrontendHMR, "web", "t1")})
	await(t, gen.started, "first generation")
	p2 := h.s.RunTasks(plan.Trigger{}, []plan.Task{task("t1", plan.TypeGeneration, "types")})
	// p1's running generation is cancelled: superseded, and its page reload
	// with it.
	r1 := await(t, h.results, "p1 result")
	if r1.PlanID != p1 {
		t.Fatalf("first result %s, want %s", r1.PlanID, p1)
	}
	got := statuses(r1.Tasks)
	if r1.Tasks[0].Status != Superseded || r1.Tasks[1].Status != Superseded || !strings.Contains(got[0], "superseded by "+p2) {
		t.Errorf("p1 results %q, want both superseded by %s", got, p2)
	}
	await(t, gen.started, "second generation")
	// A third plan supersedes p2's running one; a fourth supersedes the
	// third while it waits in the lane.
	p3 := h.s.RunTasks(plan.Trigger{}, []plan.Task{task("t1", plan.TypeGeneration, "types")})
	r2 := await(t, h.results, "p2 result")
	if r2.PlanID != p2 || r2.Tasks[0].Status != Superseded {
		t.Errorf("p2 result %+v", r2)
	}
	await(t, gen.started, "third generation")
	close(gen.release)
	r3 := await(t, h.results, "p3 result")
	if r3.PlanID != p3 || r3.Tasks[0].Status != executor.OK {
		t.Errorf("p3 result %s %q, want ok", r3.PlanID, statuses(r3.Tasks))
	}
}

func TestQueuedTaskSupersededNotRun(t *testing.T) {
	t.Parallel()
	db := newGate()
	gen := newGate()
	h := start(t, Options{Executors: map[plan.TaskKind]executor.Executor{
		plan.DatabaseSchemaUpdate: db,
		plan.TypeGeneration:       gen,
	}})
	// A database task blocks its lane; two more for User queue behind it:
	// the older queued one is superseded, the running one is never cut.
	p1 := h.s.RunTasks(plan.Trigger{}, []plan.Task{task("t1", plan.DatabaseSchemaUpdate, "User")})
	await(t, db.started, "first migration")
	p2 := h.s.RunTasks(plan.Trigger{}, []plan.Task{task("t1", plan.DatabaseSchemaUpdate, "User")})
	p3 := h.s.RunTasks(plan.Trigger{}, []plan.Task{task("t1", plan.DatabaseSchemaUpdate, "User")})
	r := await(t, h.results, "p2 result")
	if r.PlanID != p2 || r.Tasks[0].Status != Superseded || r.Tasks[0].Message != "superseded by "+p3 {
		t.Fatalf("p2 result %s %q, want superseded by %s", r.PlanID, statuses(r.Tasks), p3)
	}
	close(db.release)
	r = await(t, h.results, "p1 result")
	if r.PlanID != p1 || r.Tasks[0].Status != executor.OK {
		t.Errorf("p1 (running database op) %s %q, want ok: never cut in half", r.PlanID, statuses(r.Tasks))
	}
	r = await(t, h.results, "p3 result")
	if r.PlanID != p3 || r.Tasks[0].Status != executor.OK {
		t.Errorf("p3 %s %q", r.PlanID, statuses(r.Tasks))
	}
	close(gen.release)
}

func TestSubmitNowPlansAtOnceAndResultsStreamBeforeSummary(t *testing.T) {
	t.Parallel()
	order := make(chan string, 100)
	s := New(Options{Debounce: time.Hour, Planner: onePerPlan, Logger: quiet,
		Executors:  map[plan.TaskKind]executor.Executor{plan.BackendReload: ok("reloaded")},
		OnPlan:     func(p plan.Plan) { order <- "plan " + strings.Join(p.Files, ",") },
		OnTaskDone: func(_ string, r executor.TaskResult) { order <- "task " + string(r.Status) },
		OnResult:   func(r PlanResult) { order <- "summary" },
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.Run(ctx)
	s.Submit(batch("watched.py")) // waits an hour for its debounce…
	s.SubmitNow(batch("saved.py"))
	want := []string{"plan watched.py,saved.py", "task ok", "summary"}
	for _, w := range want {
		if got := await(t, order, w); got != w {
			t.Fatalf("got %q, want %q (a save plans at once, taking waiting batches along; results before the summary)", got, w)
		}
	}
}

func TestGateSkipsTask(t *testing.T) {
	t.Parallel()
	ran := make(chan string, 10)
	h := start(t, Options{
		Executors: map[plan.TaskKind]executor.Executor{
			plan.BackendReload: executor.Func(func(_ context.Context, t plan.Task, _ executor.Reporter) executor.Result {
				ran <- t.ID
				return executor.Result{}
			}),
			plan.TypeGeneration: ok("types written"),
		},
		Gate: func(_ context.Context, t plan.Task) string {
			if t.Kind == plan.BackendReload {
				return "skipped: workspace not trusted"
			}
			return ""
		},
	})
	h.s.RunTasks(plan.Trigger{}, []plan.Task{task("t1", plan.TypeGeneration, "types"), task("t2", plan.BackendReload, "api")})
	r := await(t, h.results, "result")
	got := statuses(r.Tasks)
	if got[0] != "t1 ok types written" || got[1] != "t2 skipped skipped: workspace not trusted" {
		t.Errorf("results %q", got)
	}
	none(t, ran, "a gated task's executor run")
}
