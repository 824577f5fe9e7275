// Package scheduler is the reload engine's executor of plans (DESIGN.md
// "The engine"). Every service has a lane (codegen, database, backend,
// frontend, ai, plugins) that runs one task at a time; a plan's tasks enter
// their lanes as soon as the tasks they depend on have ended, so independent
// tasks of one plan, and tasks of different plans, run in parallel. A newer
// task for the same (kind, target) supersedes an older one that has not
// started, and cancels a running one where that is safe (code generation, a
// backend start); a database operation is never cut in half. Transient
// failures are retried with exponential backoff inside their own lane, and
// fall back once when retries run out. Each task's result is reported as it
// ends (OnTaskDone), the plan's summary when its last task ends (OnResult).
//
// Plans come from SubmitNow (an editor's save: planned at once), Submit
// (file-system events: debounced and coalesced into one plan) and RunTasks
// (commands). Submit, SubmitNow, RunTasks and the setters never block on
// running work and may be called from any goroutine, before or while Run
// runs. Callbacks are called one at a time, in causal order (a plan before
// its tasks' results, a task's result before its plan's summary); they must
// not block for long. A panicking callback is recovered and logged.
package scheduler

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"runtime/debug"
	"slices"
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
	// QueueLength counts batches waiting for their plan and tasks not yet
	// started (waiting for a dependency or queued in their lane).
	QueueLength int `json:"queueLength"`
	// Lanes is what each lane is doing.
	Lanes map[string]LaneStatus `json:"lanes"`
}

// LaneStatus is one lane in farm/status.
type LaneStatus struct {
	Busy   bool `json:"busy"`
	Queued int  `json:"queued"`
	// Current names the running task ("type-generation types (p3)"), or "".
	Current string `json:"current"`
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

// Planner builds a plan from the batches of one submission: trig is the
// first batch's file, files every batch's file in arrival order, changes
// all their changes in order.
type Planner func(id string, trig plan.Trigger, files []string, changes []facts.Change) plan.Plan

// Lane names (DESIGN.md "The engine").
const (
	LaneCodegen  = "codegen"
	LaneDatabase = "database"
	LaneBackend  = "backend"
	LaneFrontend = "frontend"
	LaneAI       = "ai"
	LanePlugins  = "plugins"
)

// DefaultLane is the lane of a task kind when Options.Lane does not say.
func DefaultLane(kind plan.TaskKind) string {
	switch kind {
	case plan.TypeGeneration, plan.APIClientGeneration:
		return LaneCodegen
	case plan.DatabaseSchemaUpdate:
		return LaneDatabase
	case plan.BackendReload:
		return LaneBackend
	case plan.FrontendHMR:
		return LaneFrontend
	case plan.AIModelReload:
		return LaneAI
	case plan.PluginReload:
		return LanePlugins
	}
	return string(kind)
}

// DefaultCancellable says which running tasks a newer task of the same
// (kind, target) may cancel: code generation (its output is rewritten
// anyway) and a backend start (a newer version will be started). A
// database operation is never cut in half; a model pull goes on.
func DefaultCancellable(kind plan.TaskKind) bool {
	switch kind {
	case plan.TypeGeneration, plan.APIClientGeneration, plan.BackendReload:
		return true
	}
	return false
}

// Superseded is the status of a task that a newer one made stale.
const Superseded executor.Status = "superseded"

// Options configure a Scheduler. Every field is optional.
type Options struct {
	// Debounce is the trailing quiet time after the last Submit before the
	// submitted batches are planned (0: DefaultDebounce). It applies to
	// Submit only (file-system events); SubmitNow plans at once.
	Debounce time.Duration
	// Planner builds plans (nil: plan.Build with plan.DefaultOptions, its
	// Files replaced by the batches' files).
	Planner Planner
	// Executors run tasks by kind; a kind without one is skipped
	// ("no executor for <kind>").
	Executors map[plan.TaskKind]executor.Executor
	// Lane names the lane of a task kind (nil: DefaultLane).
	Lane func(plan.TaskKind) string
	// Cancellable says whether a running task of a kind may be cancelled
	// when a newer task supersedes it (nil: DefaultCancellable).
	Cancellable func(plan.TaskKind) bool
	// Gate, when set, is asked before each task runs; a non-empty answer
	// skips the task with that message (the workspace trust gate).
	Gate func(ctx context.Context, t plan.Task) (skip string)
	// TaskTimeout bounds one attempt of a task (0: no bound beyond Run's ctx).
	TaskTimeout time.Duration

	// OnPlan is called for every plan, including empty ones, before any of
	// its tasks starts.
	OnPlan func(plan.Plan)
	// OnTaskStart is called before a task's first attempt (not for tasks
	// skipped or superseded before they started).
	OnTaskStart func(planID string, t plan.Task)
	// OnTaskDone is called for every task of a plan as it ends, skipped and
	// superseded ones included.
	OnTaskDone func(planID string, r executor.TaskResult)
	// OnResult is called once every task of a plan has ended, for every plan.
	OnResult func(PlanResult)
	// OnDrop is called for each batch dropped because hot reload is
	// disabled (they are logged either way).
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

// Scheduler plans and runs reloads. Create it with New and start it with
// Run.
type Scheduler struct {
	opts  Options
	log   *slog.Logger
	after func(time.Duration) <-chan time.Time

	wakeBatch chan struct{} // cap 1: a debounced batch was queued

	mu        sync.Mutex
	pending   []Batch // debounced batches not yet planned
	debounce  time.Duration
	enabled   bool
	seq       int
	retry     RetryPolicy
	executors map[plan.TaskKind]executor.Executor
	lanes     map[string]*lane
	latest    map[taskKey]*node // the newest unfinished node per (kind, target)
	waiting   int               // nodes waiting for a dependency
	last      *finished
	ctx       context.Context // Run's; nil before Run
	started   bool
	stopped   bool // Run returned: nothing will run any more
	events    []func()
	laneWG    sync.WaitGroup

	cbMu sync.Mutex // serialises callbacks; events drain in order under it
}

type taskKey struct {
	kind   plan.TaskKind
	target string
}

// finished remembers the last finished plan for RetryFailed.
type finished struct {
	plan    plan.Plan
	results []executor.TaskResult
}

type nodeState int

const (
	stWaiting nodeState = iota // for a dependency
	stQueued                   // in its lane
	stRunning
	stDone
)

// node is one task of a running plan.
type node struct {
	run        *run
	t          plan.Task
	state      nodeState
	deps       int // dependencies not yet ended
	dependents []*node
	blocker    string // a dependency failed: its id (the task is skipped)
	supersede  string // the plan that made it stale
	abort      chan struct{}
	aborted    bool
	result     executor.TaskResult
}

// run is a plan in flight.
type run struct {
	p     plan.Plan
	seq   int
	start time.Time
	nodes []*node
	left  int
	done  bool
}

// lane runs one task at a time.
type lane struct {
	name    string
	queue   []*node
	current *node
	wake    chan struct{}
}

// New returns a scheduler; nothing runs until Run.
func New(opts Options) *Scheduler {
	s := &Scheduler{
		opts:      opts,
		log:       opts.Logger,
		after:     opts.After,
		wakeBatch: make(chan struct{}, 1),
		enabled:   !opts.Disabled,
		retry:     opts.Retry,
		executors: make(map[plan.TaskKind]executor.Executor, len(opts.Executors)),
		lanes:     map[string]*lane{},
		latest:    map[taskKey]*node{},
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
	if s.opts.Lane == nil {
		s.opts.Lane = DefaultLane
	}
	if s.opts.Cancellable == nil {
		s.opts.Cancellable = DefaultCancellable
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
	for _, name := range []string{LaneCodegen, LaneDatabase, LaneBackend, LaneFrontend, LaneAI, LanePlugins} {
		s.lanes[name] = &lane{name: name, wake: make(chan struct{}, 1)}
	}
	s.SetDebounce(opts.Debounce)
	return s
}

// SetDebounce changes the debounce window of Submit from the next batch on
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
// their plan are dropped too; running plans finish. Explicit RunTasks calls
// still run: they are user commands.
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

// Status reports what every lane does and how much is waiting.
func (s *Scheduler) Status() Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := Status{Enabled: s.enabled, Lanes: make(map[string]LaneStatus, len(s.lanes))}
	st.QueueLength = len(s.pending) + s.waiting
	st.Processing = s.waiting > 0
	for name, l := range s.lanes {
		ls := LaneStatus{Busy: l.current != nil, Queued: len(l.queue)}
		if l.current != nil {
			ls.Current = fmt.Sprintf("%s %s (%s)", l.current.t.Kind, l.current.t.Target, l.current.run.p.ID)
		}
		st.QueueLength += len(l.queue)
		st.Processing = st.Processing || ls.Busy || ls.Queued > 0
		st.Lanes[name] = ls
	}
	return st
}

// Submit queues a batch of a file-system event; it never blocks. Batches
// within one debounce window (trailing: each batch restarts it) become one
// plan whose trigger is the first batch.
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

// SubmitNow plans the batches as one plan at once (an editor's save, or
// everything analysed together) and starts its tasks. Batches still waiting
// for the debounce join it. It returns the plan's ID, or "" when nothing
// was planned (disabled, stopped, or no batch).
func (s *Scheduler) SubmitNow(batches ...Batch) string {
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		return ""
	}
	if !s.enabled {
		s.mu.Unlock()
		for _, b := range batches {
			s.drop(b)
		}
		return ""
	}
	all := append(s.pending, batches...)
	s.pending = nil
	if len(all) == 0 {
		s.mu.Unlock()
		return ""
	}
	id := s.nextID()
	s.mu.Unlock()
	p := s.planBatches(id, all)
	s.dispatch(p)
	return id
}

func (s *Scheduler) drop(b Batch) {
	s.log.Info("hot reload disabled: change not planned", "path", b.Path, "changes", len(b.Changes))
	if s.opts.OnDrop != nil {
		s.safe("OnDrop", func() { s.opts.OnDrop(b) })
	}
}

// RunTasks runs tasks as a new plan at once (farm.retry, farm.regenerate).
// Dependencies on tasks not in tasks count as met. It returns the new
// plan's ID, or "" once Run has returned.
func (s *Scheduler) RunTasks(trig plan.Trigger, tasks []plan.Task) string {
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		s.log.Warn("scheduler stopped: tasks not run", "tasks", len(tasks))
		return ""
	}
	id := s.nextID()
	s.mu.Unlock()
	p := plan.Plan{ID: id, Trigger: trig, Tasks: append([]plan.Task(nil), tasks...)}
	seen := map[string]bool{}
	for _, t := range tasks {
		for _, f := range t.Files {
			if !seen[f] {
				seen[f] = true
				p.Files = append(p.Files, f)
			}
		}
		p.Changes = append(p.Changes, t.Changes...)
	}
	s.dispatch(s.finishPlan(p))
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

// Run starts the lanes and plans debounced batches until ctx is done, then
// cancels running tasks and waits for them; tasks not started end
// "skipped: cancelled" and later submissions are ignored. It returns at once
// if the scheduler is already running (or ran).
func (s *Scheduler) Run(ctx context.Context) {
	s.mu.Lock()
	if s.started {
		s.mu.Unlock()
		s.log.Error("scheduler: Run called twice")
		return
	}
	s.started = true
	ctx, cancel := context.WithCancel(ctx)
	s.ctx = ctx
	for _, l := range s.lanes {
		s.startLane(l)
	}
	s.mu.Unlock()

	defer func() {
		cancel()
		s.laneWG.Wait()
		s.mu.Lock()
		s.stopped = true
		s.pending = nil
		s.mu.Unlock()
	}()

	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.wakeBatch:
			s.mu.Lock()
			d := s.debounce
			s.mu.Unlock()
			timer.Reset(d) // Go ≥ 1.23: no stale tick after Reset
		case <-timer.C:
			s.mu.Lock()
			b := s.pending
			s.pending = nil
			var id string
			if len(b) > 0 {
				id = s.nextID()
			}
			s.mu.Unlock()
			if len(b) > 0 {
				s.dispatch(s.planBatches(id, b))
			}
		}
	}
}

// startLane starts a lane's worker (s.mu held).
func (s *Scheduler) startLane(l *lane) {
	s.laneWG.Add(1)
	ctx := s.ctx
	go func() {
		defer s.laneWG.Done()
		s.laneLoop(ctx, l)
	}()
}

// laneOf returns a task's lane, creating it for a kind no lane names
// (s.mu held).
func (s *Scheduler) laneOf(kind plan.TaskKind) *lane {
	name := s.opts.Lane(kind)
	l := s.lanes[name]
	if l == nil {
		l = &lane{name: name, wake: make(chan struct{}, 1)}
		s.lanes[name] = l
		if s.ctx != nil && !s.stopped {
			s.startLane(l)
		}
	}
	return l
}

// planBatches builds the plan of coalesced batches and orders its tasks.
func (s *Scheduler) planBatches(id string, batches []Batch) (p plan.Plan) {
	trig := plan.Trigger{Path: batches[0].Path, Kind: batches[0].Kind}
	var files []string
	var changes []facts.Change
	seen := map[string]bool{}
	for _, b := range batches {
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
	return s.finishPlan(p)
}

// finishPlan orders a plan's tasks and fills nil slices.
func (s *Scheduler) finishPlan(p plan.Plan) plan.Plan {
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

// dispatch reports a plan, supersedes the stale work it replaces and puts
// its ready tasks in their lanes.
func (s *Scheduler) dispatch(p plan.Plan) {
	s.emit(func() {
		if s.opts.OnPlan != nil {
			s.opts.OnPlan(p)
		}
	})
	s.mu.Lock()
	r := &run{p: p, start: time.Now(), left: len(p.Tasks)}
	r.seq, _ = strconv.Atoi(strings.TrimPrefix(p.ID, s.opts.IDPrefix))
	byID := make(map[string]*node, len(p.Tasks))
	for _, t := range p.Tasks {
		n := &node{run: r, t: t, abort: make(chan struct{})}
		r.nodes = append(r.nodes, n)
		byID[t.ID] = n
	}
	for _, n := range r.nodes {
		for _, d := range n.t.DependsOn {
			if dep, ok := byID[d]; ok {
				n.deps++
				dep.dependents = append(dep.dependents, n)
			}
		}
	}
	if len(r.nodes) == 0 {
		s.finishRun(r)
		s.mu.Unlock()
		s.drain()
		return
	}
	for _, n := range r.nodes {
		s.supersede(n)
	}
	s.waiting += len(r.nodes)
	for _, n := range r.nodes {
		if n.deps == 0 && n.state == stWaiting {
			s.ready(n)
		}
	}
	s.mu.Unlock()
	s.drain()
}

// supersedable says whether newer work n makes an unfinished older task
// old of the same (kind, target) stale. A module hot update only replaces
// one for the same files, or when the newer one reloads the page anyway.
func supersedable(old, n *node) bool {
	if old.t.Kind != plan.FrontendHMR {
		return true
	}
	if n.t.Mode == plan.HMRFull {
		return true
	}
	return old.t.Mode == n.t.Mode && slices.Equal(old.t.Files, n.t.Files)
}

// supersede makes the older unfinished task of n's (kind, target) stale
// (s.mu held): one not started ends "superseded" at once, a running one is
// cancelled where that is safe.
func (s *Scheduler) supersede(n *node) {
	k := taskKey{n.t.Kind, n.t.Target}
	old := s.latest[k]
	s.latest[k] = n
	if old == nil || old.run == n.run || old.run.seq > n.run.seq || !supersedable(old, n) {
		return
	}
	switch old.state {
	case stWaiting, stQueued:
		if old.state == stQueued {
			l := s.laneOf(old.t.Kind)
			l.queue = slices.DeleteFunc(l.queue, func(x *node) bool { return x == old })
		}
		old.supersede = n.run.p.ID
		s.complete(old, s.supersededResult(old))
	case stRunning:
		if s.opts.Cancellable(old.t.Kind) && !old.aborted {
			old.supersede = n.run.p.ID
			old.aborted = true
			close(old.abort)
		}
	}
}

func (s *Scheduler) supersededResult(n *node) executor.TaskResult {
	msg := "superseded by " + n.supersede
	return executor.TaskResult{ID: n.t.ID, Kind: n.t.Kind, Target: n.t.Target, Status: Superseded, Message: msg,
		Result: executor.Result{Status: Superseded, Message: msg}}
}

// ready puts a task whose dependencies ended into its lane, or ends it at
// once when a dependency failed (s.mu held).
func (s *Scheduler) ready(n *node) {
	if n.blocker != "" {
		s.complete(n, skipped(n.t, skippedDep+n.blocker+" failed"))
		return
	}
	if n.supersede != "" {
		s.complete(n, s.supersededResult(n))
		return
	}
	if s.stopped || (s.ctx != nil && s.ctx.Err() != nil) {
		s.complete(n, skipped(n.t, skippedCancelled))
		return
	}
	n.state = stQueued
	s.waiting--
	l := s.laneOf(n.t.Kind)
	l.queue = append(l.queue, n)
	signal(l.wake)
}

// complete records a task's result and releases its dependents (s.mu
// held); the callbacks it causes are queued for drain.
func (s *Scheduler) complete(n *node, res executor.TaskResult) {
	if n.state == stDone {
		return
	}
	if n.state == stWaiting {
		s.waiting--
	}
	n.state = stDone
	n.result = res
	k := taskKey{n.t.Kind, n.t.Target}
	if s.latest[k] == n {
		delete(s.latest, k)
	}
	r := n.run
	r.left--
	planID := r.p.ID
	s.events = append(s.events, func() {
		if s.opts.OnTaskDone != nil {
			s.opts.OnTaskDone(planID, res)
		}
	})
	for _, d := range n.dependents {
		switch {
		case res.Status == executor.Failed:
			d.blocker = n.t.ID
		case n.blocker != "" && d.blocker == "":
			d.blocker = n.blocker
		case res.Status == Superseded && d.supersede == "":
			d.supersede = n.supersede
		case res.Status == executor.Skipped && res.Message == skippedCancelled:
			d.blocker = ""
			d.deps--
			if d.deps == 0 && d.state == stWaiting {
				s.complete(d, skipped(d.t, skippedCancelled))
			}
			continue
		}
		d.deps--
		if d.deps == 0 && d.state == stWaiting {
			s.ready(d)
		}
	}
	if r.left == 0 {
		s.finishRun(r)
	}
}

// finishRun reports a plan's summary and records it (s.mu held).
func (s *Scheduler) finishRun(r *run) {
	if r.done {
		return
	}
	r.done = true
	p := r.p
	dur := time.Since(r.start)
	results := make([]executor.TaskResult, 0, len(r.nodes))
	for _, n := range r.nodes {
		results = append(results, n.result)
	}
	ok := p.Err == ""
	ran := false
	for _, res := range results {
		switch res.Status {
		case executor.Failed:
			ok = false
		case executor.OK:
			ran = true
		}
	}
	if s.opts.Metrics != nil && (len(p.Tasks) > 0 || p.Err != "") {
		kind := string(p.Trigger.Kind)
		if kind == "" {
			kind = "plan"
		}
		status := metrics.StatusOK
		switch {
		case !ok:
			status = metrics.StatusFailed
		case !ran:
			status = metrics.StatusSkipped
		}
		s.opts.Metrics.RecordStatus(kind, dur, status)
	}
	s.last = &finished{plan: p, results: results}
	res := PlanResult{PlanID: p.ID, Duration: dur, Tasks: results}
	s.log.Debug("plan finished", "plan", p.ID, "tasks", len(p.Tasks), "ok", ok, "ms", dur.Milliseconds())
	s.events = append(s.events, func() {
		if s.opts.OnResult != nil {
			s.opts.OnResult(res)
		}
	})
}

// emit queues one callback and drains.
func (s *Scheduler) emit(f func()) {
	s.mu.Lock()
	s.events = append(s.events, f)
	s.mu.Unlock()
	s.drain()
}

// drain calls queued callbacks in the order they were queued, one at a
// time.
func (s *Scheduler) drain() {
	s.cbMu.Lock()
	defer s.cbMu.Unlock()
	for {
		s.mu.Lock()
		evs := s.events
		s.events = nil
		s.mu.Unlock()
		if len(evs) == 0 {
			return
		}
		for _, f := range evs {
			s.safe("callback", f)
		}
	}
}

// laneLoop runs a lane's tasks one at a time until ctx is done; then the
// tasks still queued end "skipped: cancelled".
func (s *Scheduler) laneLoop(ctx context.Context, l *lane) {
	for {
		s.mu.Lock()
		var n *node
		if ctx.Err() == nil && len(l.queue) > 0 {
			n = l.queue[0]
			l.queue[0] = nil
			l.queue = l.queue[1:]
			n.state = stRunning
			l.current = n
		}
		s.mu.Unlock()
		if n != nil {
			s.execute(ctx, l, n)
			continue
		}
		select {
		case <-ctx.Done():
			s.mu.Lock()
			q := l.queue
			l.queue = nil
			for _, n := range q {
				n.state = stRunning // leaves the queue, not the waiting count
				s.complete(n, skipped(n.t, skippedCancelled))
			}
			s.mu.Unlock()
			s.drain()
			return
		case <-l.wake:
		}
	}
}

// execute runs one task in its lane and records its result.
func (s *Scheduler) execute(ctx context.Context, l *lane, n *node) {
	var res executor.TaskResult
	func() {
		defer func() {
			if v := recover(); v != nil {
				s.log.Error("scheduler: task run panicked", "panic", v, "stack", string(debug.Stack()))
				res = executor.TaskResult{ID: n.t.ID, Kind: n.t.Kind, Target: n.t.Target, Status: executor.Failed,
					Message: fmt.Sprintf("internal error: %v", v), Result: executor.Result{Status: executor.Failed}}
			}
		}()
		res = s.runTask(ctx, n)
	}()
	s.mu.Lock()
	l.current = nil
	s.complete(n, res)
	s.mu.Unlock()
	s.drain()
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

// runTask runs one task with retries and fallback. A supersede (n.abort)
// cancels a cancellable task's attempt and ends any backoff wait.
func (s *Scheduler) runTask(ctx context.Context, n *node) executor.TaskResult {
	t, planID := n.t, n.run.p.ID
	start := time.Now()
	if s.opts.Gate != nil {
		var msg string
		s.safe("Gate", func() { msg = s.opts.Gate(ctx, t) })
		if msg != "" {
			r := skipped(t, msg)
			r.Duration = time.Since(start)
			return r
		}
	}
	ex := s.executor(t.Kind)
	if ex == nil {
		return skipped(t, "no executor for "+string(t.Kind))
	}
	s.emit(func() {
		if s.opts.OnTaskStart != nil {
			s.opts.OnTaskStart(planID, t)
		}
	})
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

	// A cancellable task's attempts stop when it is superseded.
	actx := ctx
	if s.opts.Cancellable(t.Kind) {
		var cancel context.CancelFunc
		actx, cancel = context.WithCancel(ctx)
		defer cancel()
		go func() {
			select {
			case <-n.abort:
				cancel()
			case <-actx.Done():
			}
		}()
	}
	isAborted := func() bool {
		select {
		case <-n.abort:
			return true
		default:
			return false
		}
	}
	superseded := func() executor.TaskResult {
		s.mu.Lock()
		r := s.supersededResult(n)
		s.mu.Unlock()
		r.Duration = time.Since(start)
		return r
	}

	res := s.attempt(actx, ex, t, rep)
	attempts := 1
	if isAborted() && s.opts.Cancellable(t.Kind) {
		return superseded()
	}
	for retries := 0; res.Status == executor.Failed && res.Transient && retries < pol.MaxRetries; retries++ {
		wait := pol.Delay(retries + 1)
		s.log.Info("retrying task after transient failure", "plan", planID, "task", t.ID, "kind", t.Kind,
			"attempt", attempts+1, "of", pol.MaxRetries+1, "waitMs", wait.Milliseconds(), "error", res.Message)
		select {
		case <-s.after(wait):
		case <-ctx.Done():
		case <-n.abort:
		}
		if isAborted() {
			return superseded()
		}
		if ctx.Err() != nil {
			break
		}
		res = s.attempt(actx, ex, t, rep)
		attempts++
		if isAborted() && s.opts.Cancellable(t.Kind) {
			return superseded()
		}
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
				res = s.attempt(actx, fex, ft, rep)
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
