package coordinator

import (
	"context"
	"fmt"
	"log/slog"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/farm-stack/farm-lsp/analysis/config"
	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/analysis/workspace"
	"github.com/farm-stack/farm-lsp/reload/executor"
	"github.com/farm-stack/farm-lsp/reload/plugins"
	"github.com/farm-stack/farm-lsp/reload/watch"
)

// The settings of development.hotReload.watch and errorRecovery.logErrors
// (analysis/config documents them):
//
//   - watch.paths: a file no entry covers (or one its entry ignores) is
//     analysed and gets diagnostics, but plans nothing — a save of it gets
//     an empty plan, a disk event none. farm.config is always acted on.
//   - watch.enabled, usePolling, interval: whether the file watcher runs,
//     and whether it polls; a change restarts it live.
//   - logErrors: a failed task is logged at level error.

// watchState is the watch.paths filter and the running watcher.
type watchState struct {
	mu     sync.Mutex
	filter *watch.Filter
	active bool   // Start asked for a watcher (not NoWatch)
	key    string // the settings the running watcher was started with
	stop   context.CancelFunc
	w      *watch.Watcher // the running one
}

// filterOf builds the watch.paths filter (nil: every file).
func filterOf(cfg config.Config) (*watch.Filter, error) {
	ps := cfg.Development.HotReload.Watch.Paths
	if len(ps) == 0 {
		return nil, nil
	}
	paths := make([]watch.Path, 0, len(ps))
	for _, p := range ps {
		paths = append(paths, watch.Path{Pattern: p.Pattern, Ignore: p.Ignore})
	}
	return watch.NewFilter(paths)
}

// watcherKey is what a running watcher depends on; "" when it is off.
func watcherKey(cfg config.Config) string {
	w := cfg.Development.HotReload.Watch
	if !w.Enabled {
		return ""
	}
	return fmt.Sprintf("poll=%v interval=%d outputs=%s", w.UsePolling, w.Interval, strings.Join(cfg.Outputs().All(), ","))
}

// applyWatch takes a new configuration's watch settings: the filter at
// once, the watcher restarted when its settings changed (loadConfig).
func (c *Coordinator) applyWatch(cfg config.Config) {
	f, err := filterOf(cfg)
	if err != nil { // the config reader already warned at the pattern
		c.log.Warn("watch.paths ignored", "err", err)
	}
	c.watching.mu.Lock()
	c.watching.filter = f
	active := c.watching.active
	c.watching.mu.Unlock()
	if active {
		if err := c.startWatcher(cfg); err != nil {
			c.message(slog.LevelWarn, "file watcher unavailable: "+err.Error(), false)
		}
	}
}

// watched reports whether a change of rel may plan reloads (watch.paths).
func (c *Coordinator) watched(rel string) bool {
	for _, n := range configFiles {
		if rel == n {
			return true
		}
	}
	c.watching.mu.Lock()
	f := c.watching.filter
	c.watching.mu.Unlock()
	return f.Watched(rel)
}

// unwatched drops the changes of a file watch.paths leaves out; it reports
// whether the change should not reach the scheduler at all (a disk event:
// there is no client waiting for a plan).
func (c *Coordinator) unwatched(res *workspace.Result, fromSave bool) bool {
	if c.watched(res.Path) {
		return false
	}
	c.log.Debug("not in watch.paths: no plan", "path", res.Path, "changes", len(res.Changes))
	res.Changes = nil
	return !fromSave
}

// startWatcher runs the file watcher over the root for changes made
// outside the editor (git checkout, codegen by other tools, a terminal),
// as watch.enabled/usePolling/interval say. Called again with the same
// settings it does nothing; with others it replaces the running one.
func (c *Coordinator) startWatcher(cfg config.Config) error {
	c.watching.mu.Lock()
	defer c.watching.mu.Unlock()
	c.watching.active = true
	key := watcherKey(cfg)
	if c.watching.stop != nil && key == c.watching.key {
		return nil
	}
	if c.watching.stop != nil {
		c.watching.stop()
		c.watching.stop, c.watching.w = nil, nil
		c.log.Info("file watcher restarted for new watch settings", "settings", key)
	}
	c.watching.key = key
	if key == "" {
		return nil // watch.enabled false: editor saves only
	}
	c.mu.Lock()
	parent := c.ctx
	c.mu.Unlock()
	if parent == nil {
		return nil
	}
	w := cfg.Development.HotReload.Watch
	// Our generated outputs are watched too: a write of ours is recognised
	// by its hash (recorded when the task ends), a deletion or a hand edit
	// is written again.
	ignore := []string{"**/.venv/**", "**/venv/**"}
	wt, err := watch.New(c.root, watch.Options{Ignore: ignore, Logger: c.log,
		Poll: w.UsePolling, Interval: time.Duration(w.Interval) * time.Millisecond})
	if err != nil {
		c.watching.key = ""
		return err
	}
	ctx, cancel := context.WithCancel(parent)
	c.watching.stop, c.watching.w = cancel, wt
	c.goRun("watcher", func(context.Context) { wt.Run(ctx) })
	c.goRun("watch-events", func(context.Context) { c.settle(ctx, wt.Events()) })
	return nil
}

// Watching reports whether the file watcher runs, whether it polls and
// at which interval.
func (c *Coordinator) Watching() (running, polling bool, interval time.Duration) {
	c.watching.mu.Lock()
	defer c.watching.mu.Unlock()
	if c.watching.w == nil {
		return false, false, 0
	}
	return true, c.watching.w.Polling(), c.watching.w.Interval()
}

// logTaskFailure logs a failed task when errorRecovery.logErrors is on.
func (c *Coordinator) logTaskFailure(planID string, r executor.TaskResult) {
	if r.Status != executor.Failed || !c.Config().Development.HotReload.ErrorRecovery.LogErrors {
		return
	}
	c.log.Error("reload task failed", "plan", planID, "task", r.ID, "kind", r.Kind, "target", r.Target,
		"attempts", r.Attempts, "message", r.Message)
}

// pluginDiagnostics are the `plugins` entries no manifest declares.
func (c *Coordinator) pluginDiagnostics(v *facts.Value, cfgPath string) []facts.Diagnostic {
	names := map[string]bool{}
	for rel, f := range c.ws.Snapshot().Files {
		if f.Kind == facts.KindPluginConfig && f.Config != nil {
			if m, _ := plugins.FromValue(path.Dir(rel), f.Config); m.Name != "" {
				names[m.Name] = true
			}
		}
	}
	return config.MissingPlugins(v, cfgPath, func(n string) bool { return names[n] })
}

// logConfigDiagnostics writes farm.config's diagnostics to the log as
// path:line:col, so `farm-lsp serve` shows them in its log (stderr or
// --log-file) too, not only the editor.
func (c *Coordinator) logConfigDiagnostics(diags []facts.Diagnostic) {
	for _, d := range diags {
		level := slog.LevelWarn
		if d.Severity == facts.SeverityError {
			level = slog.LevelError
		}
		c.log.Log(context.Background(), level, fmt.Sprintf("%s:%d:%d: %s", c.abs(d.Path), d.Range.Start.Line+1, d.Range.Start.Char+1, d.Message),
			"code", d.Code)
	}
}
