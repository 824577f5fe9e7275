package scheduler

import (
	"context"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/reload/executor"
	"github.com/farm-stack/farm-lsp/reload/metrics"
	"github.com/farm-stack/farm-lsp/reload/plan"
)

const wait = 10 * time.Second // failure guard only; nothing waits this long when tests pass

var quiet = slog.New(slog.DiscardHandler)

type harness struct {
	s       *Scheduler
	plans   chan plan.Plan
	results chan PlanResult
	starts  chan string
	done    chan executor.TaskResult
	drops   chan Batch
}

// start runs a scheduler until the test ends; its callbacks feed channels.
func start(t *testing.T, opts Options) *harness {
	t.Helper()
	h := &harness{
		plans:   make(chan plan.Plan, 1000),
		results: make(chan PlanResult, 1000),
		starts:  make(chan string, 1000),
		done:    make(chan executor.TaskResult, 1000),
		drops:   make(chan Batch, 1000),
	}
	opts.OnPlan = func(p plan.Plan) { h.plans <- p }
	opts.OnResult = func(r PlanResult) { h.results <- r }
	opts.OnTaskStart = func(_ string, task plan.Task) { h.starts <- task.ID }
	opts.OnTaskDone = func(_ string, r executor.TaskResult) { h.done <- r }
	opts.OnDrop = func(b Batch) { h.drops <- b }
	if opts.Logger == nil {
		opts.Logger = quiet
	}
	h.s = New(opts)
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() {
		h.s.Run(ctx)
		close(stopped)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-stopped:
		case <-time.After(wait):
			t.Error("Run did not return after cancel")
		}
	})
	return h
}

func await[T any](t *testing.T, c <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-c:
		return v
	case <-time.After(wait):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

// none asserts nothing is buffered on c right now.
func none[T any](t *testing.T, c <-chan T, what string) {
	t.Helper()
	select {
	case v := <-c:
		t.Fatalf("unexpected %s: %+v", what, v)
	default:
	}
}

func ok(msg string) executor.Executor {
	return executor.Func(func(context.Context, plan.Task, executor.Reporter) executor.Result {
		return executor.Result{Status: executor.OK, Message: msg}
	})
}

// onePerPlan plans one backend-reload task for any non-empty change set.
func onePerPlan(id string, trig plan.Trigger, files []string, changes []facts.Change) plan.Plan {
	p := plan.Plan{ID: id, Trigger: trig, Files: files, Changes: changes}
	if len(changes) > 0 {
		p.Tasks = []plan.Task{{ID: "t1", Kind: plan.BackendReload, Target: "api", DependsOn: []string{}}}
	}
	return p
}

func batch(path string) Batch {
	return Batch{Path: path, Kind: facts.KindBackendSource, Changes: []facts.Change{
		{Kind: facts.SourceChanged, Path: path, FileKind: facts.KindBackendSource},
	}}
}

func statuses(rs []executor.TaskResult) []string {
	out := []string{}
	for _, r := range rs {
		out = append(out, r.ID+" "+string(r.Status)+" "+r.Message)
	}
	return out
}

func TestBurstCoalescesIntoOnePlan(t *testing.T) {
	t.Parallel()
	// A generous window: 500 non-blocking Submits take far less than this,
	// so they all land inside it however busy the machine is.
	h := start(t, Options{Debounce: 500 * time.Millisecond, Planner: onePerPlan,
		Executors: map[plan.TaskKind]executor.Executor{plan.BackendReload: ok("reloaded")}})
	for i := 0; i < 500; i++ {
		h.s.Submit(batch(fmt.Sprintf("apps/api/src/f%03d.py", i)))
	}
	p := await(t, h.plans, "plan")
	r := await(t, h.results, "result")
	if len(p.Files) != 500 || len(p.Changes) != 500 {
		t.Fatalf("plan covers %d files / %d changes, want 500 / 500", len(p.Files), len(p.Changes))
	}
	if p.Trigger.Path != "apps/api/src/f000.py" || p.Trigger.Kind != facts.KindBackendSource {
		t.Errorf("trigger = %+v, want the first batch", p.Trigger)
	}
	if r.PlanID != p.ID || len(r.Tasks) != 1 || r.Tasks[0].Status != executor.OK {
		t.Errorf("result = %+v", r)
	}
	// Every batch is in this plan and nothing is queued, so no other plan
	// can follow.
	if st := h.s.Status(); st.QueueLength != 0 {
		t.Errorf("status after the plan = %+v", st)
	}
	none(t, h.plans, "second plan")
}

func TestBurstBeforeRunIsOnePlan(t *testing.T) {
	t.Parallel()
	h := &harness{plans: make(chan plan.Plan, 10)}
	s := New(Options{Debounce: time.Millisecond, Planner: onePerPlan, Logger: quiet,
		OnPlan: func(p plan.Plan) { h.plans <- p }})
	for i := 0; i < 500; i++ {
		s.Submit(batch(fmt.Sprintf("f%d.py", i)))
	}
	if st := s.Status(); st.QueueLength != 500 || st.Processing {
		t.Fatalf("status before Run = %+v", st)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.Run(ctx)
	if p := await(t, h.plans, "plan"); len(p.Files) != 500 {
		t.Fatalf("plan has %d files, want 500", len(p.Files))
	}
}

func TestBatchDuringRunningPlanGoesToNextPlan(t *testing.T) {
	t.Parallel()
	started := make(chan string, 10)
	release := make(chan struct{})
	blocking := executor.Func(func(ctx context.Context, task plan.Task, _ executor.Reporter) executor.Result {
		started <- task.ID
		<-release
		return executor.Result{Status: executor.OK}
	})
	h := start(t, Options{Debounce: 5 * time.Millisecond, Planner: onePerPlan,
		Executors: map[plan.TaskKind]executor.Executor{plan.BackendReload: blocking}})

	h.s.Submit(batch("a.py"))
	p1 := await(t, h.plans, "first plan")
	await(t, started, "first plan's task")
	h.s.Submit(batch("b.py"))
	h.s.Submit(batch("c.py"))
	if st := h.s.Status(); !st.Processing || st.QueueLength != 2 {
		t.Errorf("status while running = %+v, want processing with 2 queued", st)
	}
	close(release)
	await(t, h.results, "first result")
	p2 := await(t, h.plans, "second plan")
	await(t, h.results, "second result")
	if !reflect.DeepEqual(p1.Files, []string{"a.py"}) {
		t.Errorf("first plan files %q", p1.Files)
	}
	if !reflect.DeepEqual(p2.Files, []string{"b.py", "c.py"}) || p2.Trigger.Path != "b.py" {
		t.Errorf("second plan files %q trigger %q, want [b.py c.py] from b.py", p2.Files, p2.Trigger.Path)
	}
	if p1.ID == p2.ID {
		t.Errorf("plans share id %q", p1.ID)
	}
}

func TestDependentsSkippedWhenDependencyFails(t *testing.T) {
	t.Parallel()
	fail := executor.Func(func(context.Context, plan.Task, executor.Reporter) executor.Result {
		return executor.Result{Status: executor.Failed, Message: "mongo refused the update"}
	})
	all := map[plan.TaskKind]executor.Executor{
		plan.DatabaseSchemaUpdate: fail,
		plan.TypeGeneration:       ok("types written"),
		plan.BackendReload:        ok("reloaded"),
		plan.FrontendHMR:          ok("reloaded page"),
	}
	// The real planner: database-schema-update → backend-reload, and
	// type-generation → frontend-hmr, independent of the migration.
	h := start(t, Options{Debounce: time.Millisecond, Executors: all, Retry: RetryPolicy{MaxRetries: 5}})
	h.s.Submit(Batch{Path: "apps/api/src/models/user.py", Kind: facts.KindBackendModel, Changes: []facts.Change{{
		Kind: facts.FieldAdded, Path: "apps/api/src/models/user.py", FileKind: facts.KindBackendModel,
		Subject: "User.email", ModelKind: facts.ModelDocument,
	}}})
	await(t, h.plans, "plan")
	r := await(t, h.results, "result")
	want := []string{
		"t1 failed mongo refused the update",
		"t2 ok types written",
		"t3 skipped skipped: dependency t1 failed",
		"t4 ok reloaded page",
	}
	if got := statuses(r.Tasks); !reflect.DeepEqual(got, want) {
		t.Errorf("results\n got %q\nwant %q", got, want)
	}
	if r.Tasks[0].Attempts != 1 {
		t.Errorf("deterministic failure ran %d times, want 1", r.Tasks[0].Attempts)
	}
	started := map[string]bool{}
	for i := 0; i < 3; i++ {
		started[await(t, h.starts, "task start")] = true
	}
	if !started["t1"] || !started["t2"] || !started["t4"] {
		t.Errorf("started tasks %v, want t1, t2, t4", started)
	}
	none(t, h.starts, "start of a skipped task")
	for i := 0; i < 4; i++ {
		await(t, h.done, "OnTaskDone")
	}

	// An independent task still runs, and the failure is retried on demand.
	tasks := []plan.Task{
		{ID: "t1", Kind: plan.TypeGeneration, Target: "types", DependsOn: []string{}},
		{ID: "t2", Kind: plan.FrontendHMR, Target: "web", DependsOn: []string{"t1"}},
		{ID: "t3", Kind: plan.BackendReload, Target: "api", DependsOn: []string{}},
	}
	h.s.SetExecutor(plan.TypeGeneration, fail)
	h.s.RunTasks(plan.Trigger{Path: "x"}, tasks)
	await(t, h.plans, "explicit plan")
	r = await(t, h.results, "explicit result")
	want = []string{"t1 failed mongo refused the update", "t2 skipped skipped: dependency t1 failed", "t3 ok reloaded"}
	if got := statuses(r.Tasks); !reflect.DeepEqual(got, want) {
		t.Errorf("explicit results\n got %q\nwant %q", got, want)
	}

	h.s.SetExecutor(plan.TypeGeneration, ok("types written"))
	id, retried := h.s.RetryFailed()
	if !retried {
		t.Fatal("RetryFailed found nothing to retry")
	}
	p := await(t, h.plans, "retry plan")
	r = await(t, h.results, "retry result")
	if p.ID != id || r.PlanID != id {
		t.Errorf("retry plan id %q / result %q, want %q", p.ID, r.PlanID, id)
	}
	want = []string{"t1 ok types written", "t2 ok reloaded page"}
	if got := statuses(r.Tasks); !reflect.DeepEqual(got, want) {
		t.Errorf("retry results\n got %q\nwant %q", got, want)
	}
	if _, again := h.s.RetryFailed(); again {
		t.Error("RetryFailed after a clean plan reported work")
	}
}

func TestRetryAndFallback(t *testing.T) {
	t.Parallel()
	type attempt struct {
		status    executor.Status
		transient bool
	}
	fT := attempt{executor.Failed, true}
	fD := attempt{executor.Failed, false}
	okA := attempt{executor.OK, false}
	tests := []struct {
		name         string
		attempts     []attempt // results of successive attempts (last repeats)
		fallback     bool
		policy       RetryPolicy
		wantStatus   executor.Status
		wantAttempts int
		wantWaits    []time.Duration
		wantMsg      string
		wantFallback bool
	}{
		{"transient, retried with backoff, then fallback", []attempt{fT}, true,
			RetryPolicy{Cooldown: 10 * time.Millisecond}, executor.OK, 5,
			[]time.Duration{10 * time.Millisecond, 20 * time.Millisecond, 40 * time.Millisecond},
			"fallback backend-reload: restarted", true},
		{"transient, retries exhausted, no fallback", []attempt{fT}, false,
			RetryPolicy{MaxRetries: 2, Cooldown: time.Millisecond, Backoff: 3}, executor.Failed, 3,
			[]time.Duration{time.Millisecond, 3 * time.Millisecond}, "attempt 3 failed", false},
		{"transient, then ok", []attempt{fT, okA}, true,
			RetryPolicy{Cooldown: time.Millisecond}, executor.OK, 2,
			[]time.Duration{time.Millisecond}, "attempt 2 ok", false},
		{"backoff capped", []attempt{fT}, false,
			RetryPolicy{MaxRetries: 3, Cooldown: 10 * time.Millisecond, MaxDelay: 15 * time.Millisecond}, executor.Failed, 4,
			[]time.Duration{10 * time.Millisecond, 15 * time.Millisecond, 15 * time.Millisecond}, "attempt 4 failed", false},
		{"no retries, fallback at once", []attempt{fT}, true,
			RetryPolicy{MaxRetries: -1}, executor.OK, 2, nil, "fallback backend-reload: restarted", true},
		{"deterministic failure: no retry, no fallback", []attempt{fD}, true,
			RetryPolicy{Cooldown: time.Millisecond}, executor.Failed, 1, nil, "attempt 1 failed", false},
		{"ok first time", []attempt{okA}, true, RetryPolicy{}, executor.OK, 1, nil, "attempt 1 ok", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			var waits []time.Duration
			n := 0
			fellBack := false
			ex := executor.Func(func(_ context.Context, task plan.Task, _ executor.Reporter) executor.Result {
				mu.Lock()
				defer mu.Unlock()
				if task.Target == "restart" {
					fellBack = true
					return executor.Result{Status: executor.OK, Message: "restarted"}
				}
				n++
				a := tt.attempts[min(n, len(tt.attempts))-1]
				return executor.Result{Status: a.status, Transient: a.transient, Message: fmt.Sprintf("attempt %d %s", n, a.status)}
			})
			opts := Options{
				Debounce:  time.Millisecond,
				Planner:   onePerPlan,
				Executors: map[plan.TaskKind]executor.Executor{plan.BackendReload: ex},
				Retry:     tt.policy,
				After: func(d time.Duration) <-chan time.Time {
					mu.Lock()
					waits = append(waits, d)
					mu.Unlock()
					c := make(chan time.Time, 1)
					c <- time.Time{}
					return c
				},
			}
			if tt.fallback {
				opts.Fallback = func(task plan.Task, last executor.Result) (plan.Task, bool) {
					if !last.Transient {
						t.Errorf("fallback consulted for a deterministic failure")
					}
					task.Target = "restart"
					return task, true
				}
			}
			h := start(t, opts)
			h.s.Submit(batch("a.py"))
			r := await(t, h.results, "result")
			got := r.Tasks[0]
			mu.Lock()
			defer mu.Unlock()
			if got.Status != tt.wantStatus || got.Attempts != tt.wantAttempts || got.Message != tt.wantMsg {
				t.Errorf("result %s attempts=%d %q, want %s attempts=%d %q",
					got.Status, got.Attempts, got.Message, tt.wantStatus, tt.wantAttempts, tt.wantMsg)
			}
			if !reflect.DeepEqual(waits, tt.wantWaits) {
				t.Errorf("waits %v, want %v", waits, tt.wantWaits)
			}
			if fellBack != tt.wantFallback {
				t.Errorf("fallback ran = %v, want %v", fellBack, tt.wantFallback)
			}
		})
	}
}

func TestRetryDelay(t *testing.T) {
	t.Parallel()
	p := RetryPolicy{}
	want := []time.Duration{5 * time.Second, 10 * time.Second, 20 * time.Second, 40 * time.Second, time.Minute}
	for i, w := range want {
		if got := p.Delay(i + 1); got != w {
			t.Errorf("default Delay(%d) = %v, want %v", i+1, got, w)
		}
	}
}

func TestExecutorPanicRecovered(t *testing.T) {
	t.Parallel()
	boom := executor.Func(func(context.Context, plan.Task, executor.Reporter) executor.Result {
		panic("nil map in executor")
	})
	ring := metrics.New(0, 0, quiet)
	h := start(t, Options{Debounce: time.Millisecond, Metrics: ring, Executors: map[plan.TaskKind]executor.Executor{
		plan.APIClientGeneration: boom,
		plan.BackendReload:       ok("reloaded"),
		plan.FrontendHMR:         ok("page reloaded"),
	}})
	h.s.Submit(Batch{Path: "apps/api/src/routes/users.py", Kind: facts.KindBackendRoute, Changes: []facts.Change{{
		Kind: facts.RouteAdded, Path: "apps/api/src/routes/users.py", FileKind: facts.KindBackendRoute, Subject: "GET /users",
	}}})
	r := await(t, h.results, "result")
	want := []string{
		"t1 failed api-client-generation executor panicked: nil map in executor",
		"t2 ok reloaded",
		"t3 skipped skipped: dependency t1 failed",
	}
	if got := statuses(r.Tasks); !reflect.DeepEqual(got, want) {
		t.Errorf("results\n got %q\nwant %q", got, want)
	}
	// The scheduler survives and runs the next plan.
	h.s.Submit(batch("apps/api/src/db.py"))
	r = await(t, h.results, "next result")
	if got := statuses(r.Tasks); !reflect.DeepEqual(got, []string{"t1 ok reloaded"}) {
		t.Errorf("next plan results %q", got)
	}
	if s := ring.Summary(); s.Total != 2 || s.Failed != 1 || s.OK != 1 {
		t.Errorf("metrics %+v, want 1 failed and 1 ok", s)
	}
}

func TestEmptyPlanStillReported(t *testing.T) {
	t.Parallel()
	ring := metrics.New(0, 0, quiet)
	h := start(t, Options{Debounce: time.Millisecond, Metrics: ring})
	tests := []struct {
		name string
		b    Batch
	}{
		{"no changes", Batch{Path: "apps/api/src/db.py", Kind: facts.KindBackendSource}},
		{"syntax error", Batch{Path: "apps/api/src/db.py", Kind: facts.KindBackendSource, Changes: []facts.Change{
			{Kind: facts.SyntaxError, Path: "apps/api/src/db.py"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.s.Submit(tt.b)
			p := await(t, h.plans, "plan")
			r := await(t, h.results, "result")
			if p.Tasks == nil || len(p.Tasks) != 0 || r.Tasks == nil || len(r.Tasks) != 0 {
				t.Errorf("plan tasks %v result tasks %v, want empty non-nil", p.Tasks, r.Tasks)
			}
			if !reflect.DeepEqual(p.Files, []string{"apps/api/src/db.py"}) {
				t.Errorf("files %q", p.Files)
			}
		})
	}
	if s := ring.Summary(); s.Total != 0 {
		t.Errorf("empty plans recorded in metrics: %+v", s)
	}
}

func TestNoExecutorSkips(t *testing.T) {
	t.Parallel()
	h := start(t, Options{Debounce: time.Millisecond})
	h.s.Submit(Batch{Path: "farm.config.ts", Kind: facts.KindFarmConfig, Changes: []facts.Change{
		{Kind: facts.AIProviderAdded, Path: "farm.config.ts", FileKind: facts.KindFarmConfig, Subject: "ai.providers.ollama"}}})
	r := await(t, h.results, "result")
	if got := statuses(r.Tasks); !reflect.DeepEqual(got, []string{"t1 skipped no executor for ai-model-reload"}) {
		t.Errorf("results %q", got)
	}
}

func TestCycleReportedNotRun(t *testing.T) {
	t.Parallel()
	h := start(t, Options{Executors: map[plan.TaskKind]executor.Executor{plan.BackendReload: ok("x")}})
	h.s.RunTasks(plan.Trigger{}, []plan.Task{
		{ID: "a", Kind: plan.BackendReload, DependsOn: []string{"b"}},
		{ID: "b", Kind: plan.BackendReload, Target: "2", DependsOn: []string{"a"}},
	})
	p := await(t, h.plans, "plan")
	r := await(t, h.results, "result")
	if !strings.Contains(p.Err, "dependency cycle: a → b → a") || len(p.Tasks) != 0 || len(r.Tasks) != 0 {
		t.Errorf("plan err %q tasks %d results %d", p.Err, len(p.Tasks), len(r.Tasks))
	}
	none(t, h.starts, "task start")
}

func TestDisabledDropsBatches(t *testing.T) {
	t.Parallel()
	h := start(t, Options{Debounce: time.Millisecond, Planner: onePerPlan,
		Executors: map[plan.TaskKind]executor.Executor{plan.BackendReload: ok("r")}})
	h.s.SetEnabled(false)
	if h.s.Enabled() || h.s.Status().Enabled {
		t.Fatal("still enabled")
	}
	h.s.Submit(batch("dropped.py"))
	if b := await(t, h.drops, "drop"); b.Path != "dropped.py" {
		t.Errorf("dropped %q", b.Path)
	}
	h.s.SetEnabled(true)
	h.s.Submit(batch("kept.py"))
	if p := await(t, h.plans, "plan"); !reflect.DeepEqual(p.Files, []string{"kept.py"}) {
		t.Errorf("plan files %q", p.Files)
	}
}

func TestCancelStopsRunningExecutor(t *testing.T) {
	t.Parallel()
	entered := make(chan struct{})
	sawCancel := make(chan struct{})
	ex := executor.Func(func(ctx context.Context, _ plan.Task, _ executor.Reporter) executor.Result {
		close(entered)
		<-ctx.Done()
		close(sawCancel)
		return executor.Result{Status: executor.Failed, Message: ctx.Err().Error()}
	})
	s := New(Options{Debounce: time.Millisecond, Planner: onePerPlan, Logger: quiet,
		Executors: map[plan.TaskKind]executor.Executor{plan.BackendReload: ex}})
	ctx, cancel := context.WithCancel(context.Background())
	returned := make(chan struct{})
	go func() {
		s.Run(ctx)
		close(returned)
	}()
	s.Submit(batch("a.py"))
	await(t, entered, "executor start")
	cancel()
	await(t, sawCancel, "executor context cancelled")
	await(t, returned, "Run to return")
	s.Submit(batch("late.py"))
	if st := s.Status(); st.QueueLength != 0 || st.Processing {
		t.Errorf("status after Run returned = %+v", st)
	}
	if id := s.RunTasks(plan.Trigger{}, nil); id != "" {
		t.Errorf("RunTasks after Run returned gave id %q", id)
	}
}

func TestTaskTimeout(t *testing.T) {
	t.Parallel()
	ex := executor.Func(func(ctx context.Context, _ plan.Task, _ executor.Reporter) executor.Result {
		<-ctx.Done()
		return executor.Result{Status: executor.Failed, Message: ctx.Err().Error()}
	})
	h := start(t, Options{Debounce: time.Millisecond, Planner: onePerPlan, TaskTimeout: time.Millisecond,
		Executors: map[plan.TaskKind]executor.Executor{plan.BackendReload: ex}})
	h.s.Submit(batch("a.py"))
	r := await(t, h.results, "result")
	if got := statuses(r.Tasks); !reflect.DeepEqual(got, []string{"t1 failed context deadline exceeded"}) {
		t.Errorf("results %q", got)
	}
}

func TestPanickingCallbacksAndPlanner(t *testing.T) {
	t.Parallel()
	results := make(chan PlanResult, 10)
	calls := 0
	s := New(Options{Debounce: time.Millisecond, Logger: quiet,
		Planner: func(id string, trig plan.Trigger, files []string, changes []facts.Change) plan.Plan {
			calls++
			if calls == 1 {
				panic("planner bug")
			}
			return onePerPlan(id, trig, files, changes)
		},
		Executors:  map[plan.TaskKind]executor.Executor{plan.BackendReload: ok("r")},
		OnPlan:     func(plan.Plan) { panic("client gone") },
		OnTaskDone: func(string, executor.TaskResult) { panic("client gone") },
		OnResult:   func(r PlanResult) { results <- r },
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.Run(ctx)
	s.Submit(batch("a.py"))
	if r := await(t, results, "result after planner panic"); len(r.Tasks) != 0 {
		t.Errorf("planner panic produced tasks %v", r.Tasks)
	}
	s.Submit(batch("b.py"))
	if r := await(t, results, "result after callback panics"); len(r.Tasks) != 1 || r.Tasks[0].Status != executor.OK {
		t.Errorf("result %+v", r)
	}
}

func TestReporterReceivesProgress(t *testing.T) {
	t.Parallel()
	msgs := make(chan string, 10)
	ex := executor.Func(func(_ context.Context, _ plan.Task, r executor.Reporter) executor.Result {
		r.Report("pulling llama3.1", 40)
		return executor.Result{Status: executor.OK}
	})
	h := start(t, Options{Debounce: time.Millisecond, Planner: onePerPlan,
		Executors: map[plan.TaskKind]executor.Executor{plan.BackendReload: ex},
		Reporter: func(planID string, task plan.Task) executor.Reporter {
			return reporterFunc(func(m string, pct int) { msgs <- fmt.Sprintf("%s/%s %s %d", planID, task.ID, m, pct) })
		}})
	h.s.Submit(batch("a.py"))
	p := await(t, h.plans, "plan")
	if got, want := await(t, msgs, "progress"), p.ID+"/t1 pulling llama3.1 40"; got != want {
		t.Errorf("progress %q, want %q", got, want)
	}
}

type reporterFunc func(string, int)

func (f reporterFunc) Report(m string, p int) { f(m, p) }

func BenchmarkSubmitToResult(b *testing.B) {
	results := make(chan PlanResult, 1)
	s := New(Options{Debounce: time.Microsecond, Logger: quiet,
		Executors: map[plan.TaskKind]executor.Executor{plan.BackendReload: ok("r")},
		OnResult:  func(r PlanResult) { results <- r }})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.Run(ctx)
	for b.Loop() {
		s.Submit(batch("a.py"))
		<-results
	}
}
