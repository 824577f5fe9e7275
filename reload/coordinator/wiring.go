package coordinator

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/farm-stack/farm-lsp/analysis/classify"
	"github.com/farm-stack/farm-lsp/analysis/config"
	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/reload/executor"
	"github.com/farm-stack/farm-lsp/reload/plan"
	"github.com/farm-stack/farm-lsp/reload/scheduler"
	"github.com/farm-stack/farm-lsp/reload/watch"
)

// configFiles are the names farm.config may have, in preference order.
var configFiles = []string{"farm.config.ts", "farm.config.mts", "farm.config.js", "farm.config.mjs"}

// loadConfig evaluates farm.config.ts from the workspace's facts, applies
// initializationOptions over it, and reconfigures everything live: the
// debounce, the retry policy, the slow threshold, the classifier, and
// hot reload on/off. Values the static reader could not evaluate keep
// their defaults and are reported at the expression.
func (c *Coordinator) loadConfig() {
	cfg := config.Default()
	f, cfgPath := c.configFile()
	if f != nil {
		var diags []facts.Diagnostic
		if f.Config != nil {
			cfg, diags = config.FromValue(f.Config, cfgPath)
			diags = append(diags, c.pluginDiagnostics(f.Config, cfgPath)...)
		} else {
			diags = []facts.Diagnostic{{Path: cfgPath, Severity: facts.SeverityWarning, Code: facts.CodeConfig,
				Message: "farm.config: no `export default defineConfig({...})` object found; using defaults"}}
		}
		c.publish(cfgPath, srcConfig, diags)
		c.logConfigDiagnostics(diags)
	} else {
		cfgPath = ""
	}
	cfg = cfg.ResolveEnv(c.opts.Getenv)
	c.mu.Lock()
	overrides := c.overrides
	c.mu.Unlock()
	if len(overrides) > 0 {
		merged, err := config.Merge(cfg, overrides)
		if err != nil {
			c.message(slog.LevelWarn, "initializationOptions ignored: "+err.Error(), false)
		} else {
			cfg = merged
		}
	}
	cls, err := classify.New(cfg.ClassifyPaths())
	if err != nil {
		if cfgPath != "" {
			c.publish(cfgPath, srcConfig, append(c.diags.get(c.abs(cfgPath), srcConfig), facts.Diagnostic{
				Path: cfgPath, Severity: facts.SeverityWarning, Code: facts.CodeConfig,
				Message: "farm.config paths: " + err.Error() + "; default layout used"}))
		}
		cls = classify.Default()
	}
	c.ws.SetClassifier(cls)

	c.mu.Lock()
	prevEnabled := c.cfg.Development.HotReload.Enabled
	c.cfg = cfg
	if cfg.Development.HotReload.Enabled != prevEnabled {
		c.enabled = cfg.Development.HotReload.Enabled
	}
	enabled := c.enabled
	sched := c.sched
	c.mu.Unlock()
	c.trustConfigured(cfg)

	c.applyWatch(cfg)
	hr := cfg.Development.HotReload
	c.ring.SetThreshold(time.Duration(hr.Performance.SlowReloadThreshold) * time.Millisecond)
	if sched != nil {
		sched.SetRetry(retryOf(cfg))
		sched.SetEnabled(enabled)
	}
}

func debounceOf(cfg config.Config) time.Duration {
	ms := cfg.Development.HotReload.Watch.DebounceMs
	if ms <= 0 {
		return scheduler.DefaultDebounce
	}
	return time.Duration(ms) * time.Millisecond
}

// fsDebounce is how long the tree must be quiet before file-system events
// are read and analysed: watch.debounceMs (bursts such as a git checkout
// become one plan), at least settleWindow. Editor saves never wait.
func (c *Coordinator) fsDebounce() time.Duration {
	return max(settleWindow, debounceOf(c.Config()))
}

func retryOf(cfg config.Config) scheduler.RetryPolicy {
	hr := cfg.Development.HotReload
	p := scheduler.RetryPolicy{
		MaxRetries: hr.Performance.MaxRetries,
		Cooldown:   time.Duration(hr.Performance.CooldownPeriod) * time.Millisecond,
	}
	if !hr.ErrorRecovery.Enabled || p.MaxRetries == 0 {
		p.MaxRetries = -1 // none
	}
	return p
}

// planOptions maps the configuration onto the planner's switches.
func planOptions(cfg config.Config) plan.Options {
	hr := cfg.Development.HotReload
	return plan.Options{
		DisableTypeGeneration: !hr.TypeGeneration.Enabled,
		NoTypesOnModelChange:  !hr.TypeGeneration.GenerateOnModelChange,
		NoClientOnRouteChange: !hr.TypeGeneration.GenerateOnRouteChange,
		DisableAI:             !hr.AIModels.Enabled,
		DisableDatabase:       !hr.Database.Enabled,
	}
}

// schedulerOptions wires the scheduler's callbacks to the sink.
func (c *Coordinator) schedulerOptions(cfg config.Config) scheduler.Options {
	return scheduler.Options{
		Debounce: debounceOf(cfg),
		// Plans are built on the analysis goroutine right after their batch
		// (SubmitNow): the state they carry is exactly what was analysed.
		Planner: func(id string, trig plan.Trigger, files []string, changes []facts.Change) plan.Plan {
			cfg := c.Config()
			p := plan.Build(id, trig, mergeChanges(changes), planOptions(cfg))
			p.Files = files
			st := &plan.State{Version: c.version.Add(1), Snapshot: c.ws.Snapshot(), Config: cfg}
			for i := range p.Tasks {
				p.Tasks[i].State = st
			}
			return p
		},
		Executors:   c.executorMap(),
		Gate:        c.gateTask,
		OnPlan:      c.onPlan,
		OnTaskStart: c.onTaskStart,
		OnTaskDone:  c.onTaskDone,
		OnResult:    c.onResult,
		OnDrop: func(b scheduler.Batch) {
			c.message(slog.LevelInfo, fmt.Sprintf("hot reload is disabled: %s analysed, nothing planned", b.Path), false)
		},
		Reporter: func(planID string, t plan.Task) executor.Reporter {
			return &taskReporter{c: c, token: planID, task: t}
		},
		Lane:        laneOf,
		Cancellable: cancellable,
		Metrics:     c.ring,
		Retry:       retryOf(cfg),
		Fallback:    c.fallback,
		Disabled:    !c.Status().Enabled,
		Logger:      c.log,
	}
}

func (c *Coordinator) sinkOrNil() Sink {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sink
}

func (c *Coordinator) onPlan(p plan.Plan) {
	c.mu.Lock()
	cp := p
	c.lastPlan = &cp
	c.mu.Unlock()
	if p.Err != "" {
		c.message(slog.LevelError, fmt.Sprintf("plan %s could not be ordered: %s", p.ID, p.Err), true)
	}
	sink := c.sinkOrNil()
	if sink == nil {
		return
	}
	sink.Plan(c.root, p)
	if len(p.Tasks) > 0 {
		sink.Progress(c.root, Progress{Token: p.ID, Kind: ProgressBegin, Title: "farm-lsp reload",
			Message: planSummary(p), Percent: 0})
	}
}

// mergeChanges folds repeated changes of one subject within a burst (two
// quick saves of the same field) into one net change: the first Before,
// the last After and range. Order follows first appearance.
func mergeChanges(in []facts.Change) []facts.Change {
	type key struct {
		path, subject string
		kind          facts.ChangeKind
	}
	idx := map[key]int{}
	out := make([]facts.Change, 0, len(in))
	for _, ch := range in {
		k := key{ch.Path, ch.Subject, ch.Kind}
		if i, ok := idx[k]; ok && ch.Kind != facts.SyntaxError {
			before := out[i].Before
			out[i] = ch
			out[i].Before = before
			continue
		}
		idx[k] = len(out)
		out = append(out, ch)
	}
	return out
}

// planSummary is a one-line description of a plan for progress titles.
func planSummary(p plan.Plan) string {
	kinds := make([]string, 0, len(p.Tasks))
	for _, t := range p.Tasks {
		kinds = append(kinds, string(t.Kind))
	}
	return fmt.Sprintf("%d change(s) in %s → %s", len(p.Changes), p.Trigger.Path, strings.Join(kinds, ", "))
}

func (c *Coordinator) onTaskStart(planID string, t plan.Task) {
	if sink := c.sinkOrNil(); sink != nil {
		sink.Progress(c.root, Progress{Token: planID, Kind: ProgressReport, Message: fmt.Sprintf("%s: %s", t.Kind, t.Target), Percent: -1})
	}
}

// onTaskDone publishes a task's diagnostics and its result as it ends,
// before the plan's other tasks finish.
func (c *Coordinator) onTaskDone(planID string, r executor.TaskResult) {
	c.logTaskFailure(planID, r)
	c.taskFinished(r.Kind, r.Result)
	if sink := c.sinkOrNil(); sink != nil {
		sink.TaskResult(c.root, planID, r)
	}
}

func (c *Coordinator) onResult(r scheduler.PlanResult) {
	res := PlanResult{PlanID: r.PlanID, Duration: r.Duration, Tasks: r.Tasks}
	c.mu.Lock()
	c.lastResult = &res
	last := c.lastPlan
	c.mu.Unlock()

	// reload-failed diagnostics live on the file that triggered the plan;
	// a plan whose tasks all pass clears them.
	if last != nil && last.ID == r.PlanID && last.Trigger.Path != "" && len(r.Tasks) > 0 {
		var diags []facts.Diagnostic
		rng := facts.Range{}
		for _, ch := range last.Changes {
			if ch.Path == last.Trigger.Path {
				rng = ch.Range
				break
			}
		}
		for _, t := range r.Tasks {
			if t.Status == executor.Failed {
				diags = append(diags, facts.Diagnostic{Path: last.Trigger.Path, Range: rng, Severity: facts.SeverityError,
					Code: facts.CodeReloadFailed, Message: fmt.Sprintf("%s (%s) failed: %s", t.Kind, t.Target, t.Message)})
			}
		}
		c.publish(last.Trigger.Path, srcReload, diags)
	}

	sink := c.sinkOrNil()
	if sink == nil {
		return
	}
	sink.Result(c.root, res)
	if len(r.Tasks) > 0 {
		failed := 0
		for _, t := range r.Tasks {
			if t.Status == executor.Failed {
				failed++
			}
		}
		msg := fmt.Sprintf("done in %d ms", r.Duration.Milliseconds())
		if failed > 0 {
			msg = fmt.Sprintf("%d task(s) failed after %d ms", failed, r.Duration.Milliseconds())
		}
		sink.Progress(c.root, Progress{Token: r.PlanID, Kind: ProgressEnd, Message: msg, Percent: 100})
	}
	perf := c.Config().Development.HotReload.Performance
	threshold := time.Duration(perf.SlowReloadThreshold) * time.Millisecond
	if perf.Enabled && threshold > 0 && r.Duration > threshold && len(r.Tasks) > 0 {
		c.message(slog.LevelWarn, fmt.Sprintf("slow reload: plan %s took %d ms (threshold %d ms)",
			r.PlanID, r.Duration.Milliseconds(), threshold.Milliseconds()), true)
	}
}

// taskReporter forwards executor progress as plan progress reports.
type taskReporter struct {
	c     *Coordinator
	token string
	task  plan.Task
}

func (r *taskReporter) Report(message string, percent int) {
	if sink := r.c.sinkOrNil(); sink != nil {
		sink.Progress(r.c.root, Progress{Token: r.token, Kind: ProgressReport,
			Message: fmt.Sprintf("%s: %s", r.task.Kind, message), Percent: percent})
	}
}

// fallback is the seed's last resort after retries: the full version of
// the failed task, as its provider says (full backend restart, full
// regeneration, full frontend reload), when errorRecovery.fallbackToRestart
// allows it.
func (c *Coordinator) fallback(t plan.Task, last executor.Result) (plan.Task, bool) {
	if !c.Config().Development.HotReload.ErrorRecovery.FallbackToRestart {
		return plan.Task{}, false
	}
	p := providerOf(t.Kind)
	if p == nil || p.fallback == nil {
		return plan.Task{}, false
	}
	ft, ok := p.fallback(t)
	if !ok {
		return plan.Task{}, false
	}
	ft.Reason = "fallback after retries: " + last.Message
	return ft, true
}

// settleWindow is how long the tree must be quiet before out-of-editor
// events are read: a write seen mid-way (truncate, then write) would
// otherwise look like every model removed and re-added. The seed's
// watcher does the same with chokidar's awaitWriteFinish.
const settleWindow = 50 * time.Millisecond

// maxHold bounds how long settle holds events behind a running plan.
const maxHold = 30 * time.Second

func heldSince(t *time.Time) time.Time {
	if t.IsZero() {
		*t = time.Now()
	}
	return *t
}

// writingLanes are the lanes whose tasks write workspace files (generated
// code, migrations, the plugin registry).
var writingLanes = []string{scheduler.LaneCodegen, scheduler.LaneDatabase, scheduler.LanePlugins}

// planRunning reports whether a task that writes workspace files is
// running or queued: the watcher holds its events until then, so the
// echoes of our own writes are recognised. A model pull or a backend start
// holds nothing back.
func (c *Coordinator) planRunning() bool {
	c.mu.Lock()
	sched := c.sched
	c.mu.Unlock()
	if sched == nil {
		return false
	}
	st := sched.Status()
	for _, l := range writingLanes {
		if ls := st.Lanes[l]; ls.Busy || ls.Queued > 0 {
			return true
		}
	}
	return false
}

// settle collects watcher events until none arrived for settleWindow, then
// hands the last event of each path to the analysis queue.
func (c *Coordinator) settle(ctx context.Context, events <-chan watch.Event) {
	pending := map[string]bool{} // path -> deleted
	var order []string
	var held time.Time
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case ev, ok := <-events:
			if !ok {
				return
			}
			if ev.Dir && ev.Op == watch.Create {
				continue // the files already inside follow as their own events
			}
			if _, seen := pending[ev.Path]; !seen {
				order = append(order, ev.Path)
			}
			pending[ev.Path] = ev.Op == watch.Remove || ev.Op == watch.Rename
			timer.Reset(c.fsDebounce())
		case <-timer.C:
			// While a plan runs, its executors may be writing files (a
			// migration, generated types): their hashes are recorded when
			// the task finishes, so hold events until then and the echoes
			// of our own writes are recognised. A stuck plan holds them at
			// most maxHold.
			if c.planRunning() && time.Since(heldSince(&held)) < maxHold {
				timer.Reset(settleWindow)
				continue
			}
			held = time.Time{}
			for _, p := range order {
				c.FileEvent(p, pending[p])
			}
			pending, order = map[string]bool{}, nil
		}
	}
}

// executorMap is the executors the scheduler starts with.
func (c *Coordinator) executorMap() map[plan.TaskKind]executor.Executor {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[plan.TaskKind]executor.Executor, len(c.executors))
	for k, v := range c.executors {
		out[k] = v
	}
	return out
}

// addCloser adds a function that Close runs once.
func (c *Coordinator) addCloser(f func() error) {
	c.mu.Lock()
	c.closers = append(c.closers, f)
	c.mu.Unlock()
}
