// Package scheduler turns a stream of analysed file changes into executed
// reload plans: it debounces and coalesces bursts into one plan, runs plans
// one at a time with their tasks in dependency order, retries transient
// failures with exponential backoff, falls back once when retries run out,
// recovers executor panics and records every outcome.
//
// One goroutine, Run, owns the scheduling state; a plan runs on a worker
// goroutine that Run starts and waits for. Submit, RunTasks and the setters
// never block and may be called from any goroutine, before or while Run runs.
// Callbacks (OnPlan, OnTaskStart, OnTaskDone, OnResult) are called from the
// worker goroutine, one plan at a time, in order; they must not block for
// long. A panicking callback is recovered and logged.
package scheduler

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/reload/executor"
	"github.com/farm-stack/farm-lsp/reload/metrics"
	"github.com/farm-stack/farm-lsp/reload/plan"
)

// Defaults (DESIGN.md "Configuration": watch.debounceMs, performance.*).
const (
	DefaultDebounce   = 100 * time.Millisecond
	DefaultMaxRetries = 3
	DefaultCooldown   = 5 * time.Second
	DefaultBackoff    = 2.0
	DefaultMaxDelay   = time.Minute
)

// Batch is the analysed result of one file event or save: the file and its
// semantic changes (possibly none: the plan then still reports the file).
type Batch struct {
	Path    string
	Kind    facts.Kind
	Changes []facts.Change
}

// PlanResult is the outcome of one plan (farm/reloadResult).
type PlanResult struct {
	PlanID   string                `json:"planId"`
	Duration time.Duration         `json:"-"`
	Tasks    []executor.TaskResult `json:"tasks"`
}

// Status is a snapshot for farm/status.
type Status struct {
	Enabled    bool `json:"enabled"`
	Processing bool `json:"processing"`
	// QueueLength counts batches and explicit runs waiting for a plan.
	QueueLength int `json:"queueLength"`
}

// RetryPolicy says how transient task failures are retried
// (development.hotReload.performance). Only results with Transient set are
// retried; a deterministic failure fails at once.
type RetryPolicy struct {
	// MaxRetries after the first attempt: 0 means DefaultMaxRetries,
	// negative means none.
	MaxRetries int
	// Cooldown is the wait before the first retry (the seed's
	// cooldownPeriod); 0 means DefaultCooldown.
	Cooldown time.Duration
	// Backoff multiplies the wait for each further retry; values below 1
	// mean DefaultBackoff (waits 5 s, 10 s, 20 s by default).
	Backoff float64
	// MaxDelay caps one wait; 0 means DefaultMaxDelay.
	MaxDelay time.Duration
}

func (p RetryPolicy) normalized() RetryPolicy {
	if p.MaxRetries == 0 {
		p.MaxRetries = DefaultMaxRetries
	}
	if p.MaxRetries < 0 {
		p.MaxRetries = 0
	}
	if p.Cooldown <= 0 {
		p.Cooldown = DefaultCooldown
	}
	if p.Backoff < 1 {
		p.Backoff = DefaultBackoff
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = DefaultMaxDelay
	}
	return p
}

// Delay is the wait before retry number n (1-based):
// Cooldown × Backoff^(n-1), capped at MaxDelay.
func (p RetryPolicy) Delay(n int) time.Duration {
	p = p.normalized()
	d := float64(p.Cooldown) * math.Pow(p.Backoff, float64(n-1))
	if d > float64(p.MaxDelay) {
		return p.MaxDelay
	}
	return time.Duration(d)
}

// Planner builds a plan from the coalesced batches of a burst: trig is the
// first batch's file, files every batch's file in arrival order, changes
// all their changes in order.
type Planner func(id string, trig plan.Trigger, files []string, changes []facts.Change) plan.Plan

// Options configure a Scheduler. Every field is optional.
type Options struct {
	// Debounce is the trailing quiet time after the last batch before a
	// plan starts (0: DefaultDebounce). SetDebounce changes it live.
	Debounce time.Duration
	// Planner builds plans (nil: plan.Build with plan.DefaultOptions, its
	// Files replaced by the batches' files).
	Planner Planner
	// Executors run tasks by kind; a kind without one is skipped
	// ("no executor for <kind>").
	Executors map[plan.TaskKind]executor.Executor
	// TaskTimeout bounds one attempt of a task (0: no bound beyond Run's ctx).
	TaskTimeout time.Duration

	// OnPlan is called for every plan, including empty ones, before it runs.
	OnPlan func(plan.Plan)
	// OnTaskStart is called before a task's first attempt (not for tasks
	// skipped because a dependency failed).
	OnTaskStart func(planID string, t plan.Task)
	// OnTaskDone is called for every task of a plan, skipped ones included.
	OnTaskDone func(planID string, r executor.TaskResult)
	// OnResult is called once a plan finished, for every plan.
	OnResult func(PlanResult)
	// OnDrop is called for each batch dropped because hot reload is
	// disabled (they are logged either way), on the goroutine that called
	// Submit or SetEnabled.
	OnDrop func(b Batch)
	// Reporter returns the progress reporter for a task (nil: discarded).
	Reporter func(planID string, t plan.Task) executor.Reporter

	// Metrics records each non-empty plan's outcome (nil: not recorded).
	Metrics *metrics.Ring
	// Retry is the policy for transient failures.
	Retry RetryPolicy
	// Fallback is consulted once when a task still fails transiently after
	// its last retry; when it returns true the returned task (of any kind,
	// e.g. a full restart) runs once and its result is the task's result.
	Fallback func(t plan.Task, last executor.Result) (plan.Task, bool)

	// Disabled starts the scheduler with hot reload off (see SetEnabled).
	Disabled bool
	// IDPrefix prefixes plan IDs (default "p": p1, p2, …).
	IDPrefix string
	// After waits between retries (nil: time.After); tests inject it.
	After func(time.Duration) <-chan time.Time
	// Logger (nil: slog.Default()).
	Logger *slog.Logger
}

// Scheduler debounces, plans and runs reloads. Create it with New and start
// it with Run.
type Scheduler struct {
	opts  Options
	log   *slog.Logger
	after func(time.Duration) <-chan time.Time

	wakeBatch    chan struct{} // cap 1: a batch was queued
	wakeExplicit chan struct{} // cap 1: an explicit run was queued

	mu         sync.Mutex
	pending    []Batch
	explicit   []explicitRun
	debounce   time.Duration
	enabled    bool
	processing bool
	seq        int
	retry      RetryPolicy
	executors  map[plan.TaskKind]executor.Executor
	last       *finished
	started    bool
	stopped    bool // Run returned: nothing will run any more
}

type explicitRun struct {
	id    string
	trig  plan.Trigger
	tasks []plan.Task
}

// finished remembers the last plan for RetryFailed.
type finished struct {
	plan    plan.Plan
	results []executor.TaskResult
}

// New returns a scheduler; nothing runs until Run.
func New(opts Options) *Scheduler {
	s := &Scheduler{
		opts:         opts,
		log:          opts.Logger,
		after:        opts.After,
		wakeBatch:    make(chan struct{}, 1),
		wakeExplicit: make(chan struct{}, 1),
		enabled:      !opts.Disabled,
		retry:        opts.Retry,
		executors:    make(map[plan.TaskKind]executor.Executor, len(opts.Executors)),
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.after == nil {
		s.after = time.After
	}
	if s.opts.IDPrefix == "" {
		s.opts.IDPrefix = "p"
	}
	if s.opts.Planner == nil {
		s.opts.Planner = func(id string, trig plan.Trigger, files []string, changes []facts.Change) plan.Plan {
			p := plan.Build(id, trig, changes, plan.DefaultOptions())
			p.Files = files
			return p
		}
	}
	for k, ex := range opts.Executors {
		s.executors[k] = ex
	}
	s.SetDebounce(opts.Debounce)
	return s
}

// SetDebounce changes the debounce window from the next batch on
// (≤ 0: DefaultDebounce).
func (s *Scheduler) SetDebounce(d time.Duration) {
	if d <= 0 {
		d = DefaultDebounce
	}
	s.mu.Lock()
	s.debounce = d
	s.mu.Unlock()
}

// SetRetry changes the retry policy for tasks started from now on.
func (s *Scheduler) SetRetry(p RetryPolicy) {
	s.mu.Lock()
	s.retry = p
	s.mu.Unlock()
}

// SetExecutor installs (or with nil removes) the executor for a kind.
func (s *Scheduler) SetExecutor(kind plan.TaskKind, ex executor.Executor) {
	s.mu.Lock()
	if ex == nil {
		delete(s.executors, kind)
	} else {
		s.executors[kind] = ex
	}
	s.mu.Unlock()
}

// SetEnabled turns hot reload on or off. While off, submitted batches are
// dropped (logged and passed to OnDrop), and batches still waiting for
// their plan are dropped too; a running plan finishes. Explicit RunTasks
// calls still run: they are user commands.
func (s *Scheduler) SetEnabled(on bool) {
	s.mu.Lock()
	s.enabled = on
	var dropped []Batch
	if !on {
		dropped, s.pending = s.pending, nil
	}
	s.mu.Unlock()
	s.log.Info("hot reload toggled", "enabled", on, "droppedBatches", len(dropped))
	for _, b := range dropped {
		s.drop(b)
	}
}

// Enabled reports whether hot reload is on.
func (s *Scheduler) Enabled() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.enabled
}

// Status reports whether a plan is running and how much is queued.
func (s *Scheduler) Status() Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Status{Enabled: s.enabled, Processing: s.processing, QueueLength: len(s.pending) + len(s.explicit)}
}

// Submit queues a batch; it never blocks. Batches within one debounce
// window (trailing: each batch restarts it) become one plan whose trigger is
// the first batch. While a plan runs, batches wait and coalesce into the
// next plan.
func (s *Scheduler) Submit(b Batch) {
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		s.log.Debug("scheduler stopped: change not planned", "path", b.Path)
		return
	}
	if !s.enabled {
		s.mu.Unlock()
		s.drop(b)
		return
	}
	s.pending = append(s.pending, b)
	s.mu.Unlock()
	signal(s.wakeBatch)
}

func (s *Scheduler) drop(b Batch) {
	s.log.Info("hot reload disabled: change not planned", "path", b.Path, "changes", len(b.Changes))
	if s.opts.OnDrop != nil {
		s.safe("OnDrop", func() { s.opts.OnDrop(b) })
	}
}

// RunTasks queues tasks to run as a new plan, without debounce and ahead
// of waiting batches (farm.retry, farm.regenerate). Dependencies on tasks
// not in tasks count as met. It returns the new plan's ID, or "" once Run
// has returned.
func (s *Scheduler) RunTasks(trig plan.Trigger, tasks []plan.Task) string {
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		s.log.Warn("scheduler stopped: tasks not run", "tasks", len(tasks))
		return ""
	}
	id := s.nextID()
	s.explicit = append(s.explicit, explicitRun{id: id, trig: trig, tasks: append([]plan.Task(nil), tasks...)})
	s.mu.Unlock()
	signal(s.wakeExplicit)
	return id
}

// RetryFailed re-runs, as a new plan, the tasks of the last finished plan
// that failed or were skipped because a dependency failed or the run was
// cancelled. It returns the new plan's ID, or false when there is nothing
// to retry.
func (s *Scheduler) RetryFailed() (string, bool) {
	s.mu.Lock()
	last := s.last
	s.mu.Unlock()
	if last == nil {
		return "", false
	}
	redo := map[string]bool{}
	for _, r := range last.results {
		if r.Status == executor.Failed ||
			(r.Status == executor.Skipped && (strings.HasPrefix(r.Message, skippedDep) || r.Message == skippedCancelled)) {
			redo[r.ID] = true
		}
	}
	var tasks []plan.Task
	for _, t := range last.plan.Tasks {
		if redo[t.ID] {
			tasks = append(tasks, t)
		}
	}
	if len(tasks) == 0 {
		return "", false
	}
	return s.RunTasks(last.plan.Trigger, tasks), true
}

const (
	skippedDep       = "skipped: dependency "
	skippedCancelled = "skipped: cancelled"
)

func (s *Scheduler) nextID() string {
	s.seq++
	return s.opts.IDPrefix + strconv.Itoa(s.seq)
}

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// job is one plan to run: coalesced batches or an explicit run.
type job struct {
	batches  []Batch
	explicit *explicitRun
}

// Run schedules and runs plans until ctx is done, then cancels the running
// plan's executors and waits for them; batches still queued are dropped and
// later Submits are ignored. It returns at once if the scheduler is already
// running (or ran).
func (s *Scheduler) Run(ctx context.Context) {
	s.mu.Lock()
	if s.started {
		s.mu.Unlock()
		s.log.Error("scheduler: Run called twice")
		return
	}
	s.started = true
	s.mu.Unlock()

	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
		s.mu.Lock()
		s.stopped = true
		s.pending, s.explicit = nil, nil
		s.mu.Unlock()
	}()

	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	var timerC <-chan time.Time
	due := false // the debounce window since the last batch has passed
	busy := false
	done := make(chan struct{}, 1)

	for {
		if !busy {
			if j, ok := s.take(&due); ok {
				busy = true
				wg.Add(1)
				go func() {
					defer wg.Done()
					s.execute(ctx, j)
					done <- struct{}{}
				}()
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-s.wakeBatch:
			s.mu.Lock()
			d := s.debounce
			s.mu.Unlock()
			due = false
			timer.Reset(d) // Go ≥ 1.23: no stale tick after Reset
			timerC = timer.C
		case <-timerC:
			timerC = nil
			due = true
		case <-s.wakeExplicit:
		case <-done:
			busy = false
		}
	}
}

// take picks the next job: explicit runs first, then the pending batches
// once the debounce window has passed.
func (s *Scheduler) take(due *bool) (job, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.explicit) > 0 {
		e := s.explicit[0]
		s.explicit = s.explicit[1:]
		s.processing = true
		return job{explicit: &e}, true
	}
	if !*due {
		return job{}, false
	}
	*due = false
	if len(s.pending) == 0 {
		return job{}, false
	}
	b := s.pending
	s.pending = nil
	s.processing = true
	return job{batches: b}, true
}

// execute plans and runs one job on the worker goroutine.
func (s *Scheduler) execute(ctx context.Context, j job) {
	defer func() {
		if v := recover(); v != nil {
			s.log.Error("scheduler: plan run panicked", "panic", v, "stack", string(debug.Stack()))
		}
		s.mu.Lock()
		s.processing = false
		s.mu.Unlock()
	}()
	start := time.Now()
	p := s.makePlan(j)
	s.safe("OnPlan", func() {
		if s.opts.OnPlan != nil {
			s.opts.OnPlan(p)
		}
	})
	results := s.runPlan(ctx, p)
	dur := time.Since(start)

	ok := p.Err == ""
	for _, r := range results {
		if r.Status == executor.Failed {
			ok = false
		}
	}
	if s.opts.Metrics != nil && (len(p.Tasks) > 0 || p.Err != "") {
		kind := string(p.Trigger.Kind)
		if kind == "" {
			kind = "plan"
		}
		s.opts.Metrics.Record(kind, dur, ok)
	}
	s.mu.Lock()
	s.last = &finished{plan: p, results: results}
	s.mu.Unlock()
	res := PlanResult{PlanID: p.ID, Duration: dur, Tasks: results}
	s.log.Debug("plan finished", "plan", p.ID, "tasks", len(p.Tasks), "ok", ok, "ms", dur.Milliseconds())
	s.safe("OnResult", func() {
		if s.opts.OnResult != nil {
			s.opts.OnResult(res)
		}
	})
}

// makePlan builds the plan of a job and orders its tasks.
func (s *Scheduler) makePlan(j job) (p plan.Plan) {
	if e := j.explicit; e != nil {
		p = plan.Plan{ID: e.id, Trigger: e.trig, Tasks: e.tasks}
		seen := map[string]bool{}
		for _, t := range e.tasks {
			for _, f := range t.Files {
				if !seen[f] {
					seen[f] = true
					p.Files = append(p.Files, f)
				}
			}
			p.Changes = append(p.Changes, t.Changes...)
		}
	} else {
		s.mu.Lock()
		id := s.nextID()
		s.mu.Unlock()
		trig := plan.Trigger{Path: j.batches[0].Path, Kind: j.batches[0].Kind}
		var files []string
		var changes []facts.Change
		seen := map[string]bool{}
		for _, b := range j.batches {
			if b.Path != "" && !seen[b.Path] {
				seen[b.Path] = true
				files = append(files, b.Path)
			}
			changes = append(changes, b.Changes...)
		}
		if files == nil {
			files = []string{}
		}
		if changes == nil {
			changes = []facts.Change{}
		}
		func() {
			defer func() {
				if v := recover(); v != nil {
					s.log.Error("scheduler: planner panicked", "panic", v, "stack", string(debug.Stack()))
					p = plan.Plan{ID: id, Trigger: trig, Files: files, Changes: changes, Err: fmt.Sprintf("planner panicked: %v", v)}
				}
			}()
			p = s.opts.Planner(id, trig, files, changes)
			p.ID = id
		}()
	}
	if p.Err == "" {
		ordered, err := plan.Order(p.Tasks)
		if err != nil {
			p.Err = err.Error()
			p.Tasks = nil
		} else {
			p.Tasks = ordered
		}
	} else {
		p.Tasks = nil
	}
	if p.Tasks == nil {
		p.Tasks = []plan.Task{}
	}
	if p.Files == nil {
		p.Files = []string{}
	}
	if p.Changes == nil {
		p.Changes = []facts.Change{}
	}
	return p
}

// runPlan runs the (ordered) tasks one after another. A task whose
// dependency failed (directly or through a skipped dependency) is skipped
// naming the failed task.
func (s *Scheduler) runPlan(ctx context.Context, p plan.Plan) []executor.TaskResult {
	results := make([]executor.TaskResult, 0, len(p.Tasks))
	blockedBy := map[string]string{} // task id → the failed task that blocks its dependents
	for _, t := range p.Tasks {
		var r executor.TaskResult
		blocker := ""
		for _, d := range t.DependsOn {
			if b, ok := blockedBy[d]; ok {
				blocker = b
				break
			}
		}
		switch {
		case ctx.Err() != nil:
			r = skipped(t, skippedCancelled)
			blockedBy[t.ID] = t.ID
		case blocker != "":
			r = skipped(t, skippedDep+blocker+" failed")
			blockedBy[t.ID] = blocker
		default:
			s.safe("OnTaskStart", func() {
				if s.opts.OnTaskStart != nil {
					s.opts.OnTaskStart(p.ID, t)
				}
			})
			r = s.runTask(ctx, p.ID, t)
			if r.Status == executor.Failed {
				blockedBy[t.ID] = t.ID
			}
		}
		results = append(results, r)
		s.safe("OnTaskDone", func() {
			if s.opts.OnTaskDone != nil {
				s.opts.OnTaskDone(p.ID, r)
			}
		})
	}
	return results
}

func skipped(t plan.Task, msg string) executor.TaskResult {
	return executor.TaskResult{
		ID: t.ID, Kind: t.Kind, Target: t.Target, Status: executor.Skipped, Message: msg,
		Result: executor.Result{Status: executor.Skipped, Message: msg},
	}
}

func (s *Scheduler) executor(kind plan.TaskKind) executor.Executor {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.executors[kind]
}

// runTask runs one task with retries and fallback.
func (s *Scheduler) runTask(ctx context.Context, planID string, t plan.Task) executor.TaskResult {
	start := time.Now()
	ex := s.executor(t.Kind)
	if ex == nil {
		return skipped(t, "no executor for "+string(t.Kind))
	}
	var rep executor.Reporter = executor.NopReporter{}
	if s.opts.Reporter != nil {
		s.safe("Reporter", func() {
			if r := s.opts.Reporter(planID, t); r != nil {
				rep = r
			}
		})
	}
	s.mu.Lock()
	pol := s.retry.normalized()
	s.mu.Unlock()

	res := s.attempt(ctx, ex, t, rep)
	attempts := 1
	for retries := 0; res.Status == executor.Failed && res.Transient && retries < pol.MaxRetries; retries++ {
		wait := pol.Delay(retries + 1)
		s.log.Info("retrying task after transient failure", "plan", planID, "task", t.ID, "kind", t.Kind,
			"attempt", attempts+1, "of", pol.MaxRetries+1, "waitMs", wait.Milliseconds(), "error", res.Message)
		select {
		case <-s.after(wait):
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		res = s.attempt(ctx, ex, t, rep)
		attempts++
	}
	msg := res.Message
	if res.Status == executor.Failed && res.Transient && s.opts.Fallback != nil && ctx.Err() == nil {
		var ft plan.Task
		use := false
		s.safe("Fallback", func() { ft, use = s.opts.Fallback(t, res) })
		if use {
			s.log.Warn("task failed after retries; running fallback", "plan", planID, "task", t.ID,
				"kind", t.Kind, "fallback", ft.Kind, "attempts", attempts, "error", res.Message)
			if fex := s.executor(ft.Kind); fex != nil {
				res = s.attempt(ctx, fex, ft, rep)
				attempts++
				msg = "fallback " + string(ft.Kind) + ": " + res.Message
			} else {
				msg = res.Message + " (fallback " + string(ft.Kind) + ": no executor)"
			}
		}
	}
	return executor.TaskResult{
		ID: t.ID, Kind: t.Kind, Target: t.Target, Status: res.Status,
		Duration: time.Since(start), Message: msg, Attempts: attempts, Result: res,
	}
}

// attempt runs an executor once, turning a panic into a failure. An empty
// Status counts as OK.
func (s *Scheduler) attempt(ctx context.Context, ex executor.Executor, t plan.Task, rep executor.Reporter) (res executor.Result) {
	if s.opts.TaskTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.opts.TaskTimeout)
		defer cancel()
	}
	defer func() {
		if v := recover(); v != nil {
			s.log.Error("executor panicked", "kind", t.Kind, "task", t.ID, "panic", v, "stack", string(debug.Stack()))
			res = executor.Result{Status: executor.Failed, Message: fmt.Sprintf("%s executor panicked: %v", t.Kind, v)}
		}
	}()
	res = ex.Run(ctx, t, rep)
	if res.Status == "" {
		res.Status = executor.OK
	}
	return res
}

// safe calls a user callback, recovering and logging a panic.
func (s *Scheduler) safe(name string, f func()) {
	defer func() {
		if v := recover(); v != nil {
			s.log.Error("scheduler: callback panicked", "callback", name, "panic", v, "stack", string(debug.Stack()))
		}
	}()
	f()
}
