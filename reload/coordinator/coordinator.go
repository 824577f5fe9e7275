package coordinator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/farm-stack/farm-lsp/analysis/classify"
	"github.com/farm-stack/farm-lsp/analysis/config"
	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/analysis/openapi"
	"github.com/farm-stack/farm-lsp/analysis/workspace"
	"github.com/farm-stack/farm-lsp/reload/codegen"
	"github.com/farm-stack/farm-lsp/reload/executor"
	"github.com/farm-stack/farm-lsp/reload/metrics"
	"github.com/farm-stack/farm-lsp/reload/plan"
	"github.com/farm-stack/farm-lsp/reload/scheduler"
	"github.com/farm-stack/farm-lsp/reload/trust"
	"github.com/farm-stack/farm-lsp/reload/watch"
)

// Options configure a Coordinator.
type Options struct {
	Root   string
	Logger *slog.Logger
	// NoWatch disables the engine's own fsnotify watcher (tests that drive
	// FileEvent themselves, or clients that watch everything).
	NoWatch bool
	// Getenv resolves process.env references in farm.config.ts (default
	// os.Getenv).
	Getenv func(string) string
	// Executors overrides or adds executors by task kind (tests, demo).
	Executors map[plan.TaskKind]executor.Executor
	// Gate, when set, is asked before every planned task runs, after the
	// workspace trust gate (trust.go); a non-empty answer skips the task
	// with that message. It runs on the task's lane and may block.
	Gate func(ctx context.Context, t plan.Task) (skip string)
	// Trusted runs the workspace's side effects without asking (tests, CI,
	// the demo on its own copy); otherwise they wait for the trust gate.
	Trusted bool
	// TrustStore remembers the user's allows (default: the store in
	// $XDG_STATE_HOME/farm-lsp).
	TrustStore *trust.Store
	// BackendOnly indexes only what the one-shot generate and openapi
	// commands read: the Python files, farm.config and plugin manifests
	// (no components, no generated outputs), as a workspace that is never
	// updated (workspace.Options.OneShot).
	BackendOnly bool
	// Facts, with BackendOnly, caches the facts extracted from Python files
	// across runs (analysis/factcache); nil caches nothing.
	Facts workspace.FactCache
}

// Coordinator is the Engine of one workspace root.
type Coordinator struct {
	root string
	log  *slog.Logger
	opts Options

	ws     *workspace.Workspace
	hashes *watch.Hashes
	trust  trustState
	sched  *scheduler.Scheduler
	ring   *metrics.Ring
	diags  *diagStore
	queue  *queue
	// watching is the watch.paths filter and the file watcher (settings.go).
	watching watchState

	// toggleMu orders farm.toggle against the scheduler's creation, so a
	// toggle made while executors are set up is not lost.
	toggleMu    sync.Mutex
	mu          sync.Mutex
	sink        Sink
	cfg         config.Config
	overrides   json.RawMessage
	enabled     bool
	planSeq     int
	lastPlan    *plan.Plan
	lastResult  *PlanResult
	executors   map[plan.TaskKind]executor.Executor
	commands    map[string]command
	closers     []func() error
	backendAddr string

	actionProviders  []actionProvider
	touched          map[string]bool // files a save or disk event changed since the index
	codegen          *codegen.Codegen
	afterAI          func(ctx context.Context) // refreshes the installed-models cache
	fieldChanges     []facts.Change            // breaking field changes still read somewhere
	fieldUsePaths    map[string]bool           // files carrying field-in-use warnings
	pydanticWarnPath string                    // farm.config file carrying the pydantic-pin warning

	analysing atomic.Bool   // the analysis loop is working on a batch
	version   atomic.Uint64 // the last workspace state handed to a plan
	// inputPending reports client messages not yet queued (SetInputPending).
	inputPending atomic.Pointer[func() bool]
	indexing     atomic.Bool   // the initial index is being built
	ready        chan struct{} // closed once executors and commands are set up
	readyOnce    sync.Once

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	closed bool
}

var _ Engine = (*Coordinator)(nil)

// New creates the engine for a root that holds farm.config.ts. Nothing
// runs until Start.
func New(opts Options) (*Coordinator, error) {
	root, err := filepath.Abs(opts.Root)
	if err != nil {
		return nil, fmt.Errorf("coordinator: root %q: %w", opts.Root, err)
	}
	if root, err = filepath.EvalSymlinks(root); err != nil {
		return nil, fmt.Errorf("coordinator: root %q: %w", opts.Root, err)
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Getenv == nil {
		opts.Getenv = os.Getenv
	}
	c := &Coordinator{
		root:    root,
		log:     opts.Logger.With("root", root),
		opts:    opts,
		hashes:  &watch.Hashes{},
		diags:   newDiagStore(),
		queue:   newQueue(),
		cfg:     config.Default(),
		enabled: true,
		touched: map[string]bool{},
		ready:   make(chan struct{}),
	}
	c.ring = metrics.New(metrics.DefaultSize, metrics.DefaultSlow, c.log)
	wsOpts := workspace.Options{Classifier: classify.Default(), OneShot: opts.BackendOnly}
	if opts.BackendOnly {
		wsOpts.Facts = opts.Facts
	}
	c.ws = workspace.New(wsOpts)
	c.commands = c.builtinCommands()
	c.setupTrust()
	return c, nil
}

// Root is the workspace root (absolute, symlinks resolved).
func (c *Coordinator) Root() string { return c.root }

// Workspace exposes the analysed state (read-only use).
func (c *Coordinator) Workspace() *workspace.Workspace { return c.ws }

// Config returns the effective configuration.
func (c *Coordinator) Config() config.Config {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cfg
}

// Start indexes the workspace, then starts the analysis loop, the
// scheduler and (unless NoWatch) the file watcher.
func (c *Coordinator) Start(ctx context.Context, sink Sink) error {
	c.mu.Lock()
	if c.ctx != nil {
		c.mu.Unlock()
		return errors.New("coordinator: already started")
	}
	c.sink = sink
	c.ctx, c.cancel = context.WithCancel(ctx)
	c.mu.Unlock()

	t0 := time.Now()
	c.indexing.Store(true)
	n, err := c.index(c.ctx)
	c.indexing.Store(false)
	if err != nil {
		c.markReady() // commands fail at once instead of waiting
		return fmt.Errorf("coordinator: index %s: %w", c.root, err)
	}
	// Files the editor opened while the index was built: their opened
	// text is the baseline (a save may already be on disk), and it must be
	// in place before the executors take their first view of the models,
	// or a save made right after start-up diffs to nothing.
	for _, e := range c.queue.takeOpens() {
		var none batch
		c.handle(c.ctx, e, &none)
	}
	c.loadConfig()
	c.removeLeftovers()
	c.message(slog.LevelInfo, fmt.Sprintf("farm-lsp: indexed %d files of %s in %d ms", n, c.root, time.Since(t0).Milliseconds()), false)

	c.setupExecutors()
	cfg := c.Config()
	c.toggleMu.Lock()
	sched := scheduler.New(c.schedulerOptions(cfg))
	c.mu.Lock()
	c.sched = sched
	c.mu.Unlock()
	c.toggleMu.Unlock()
	c.goRun("trust", c.watchTrust)
	c.goRun("scheduler", func(ctx context.Context) { sched.Run(ctx) })
	c.goRun("analysis", c.analysisLoop)
	c.markReady()
	if !c.opts.NoWatch {
		if err := c.startWatcher(cfg); err != nil {
			// The editor still sends saves; out-of-editor changes go unseen.
			c.message(slog.LevelWarn, "file watcher unavailable: "+err.Error(), false)
		}
	}
	return nil
}

// markReady releases commands waiting for the index (once).
func (c *Coordinator) markReady() {
	c.readyOnce.Do(func() { close(c.ready) })
}

// goRun starts an owned goroutine that recovers panics. After Close began
// it starts nothing: Close's wg.Wait must not race with an Add (a Start
// still setting up when the client shuts down).
func (c *Coordinator) goRun(name string, f func(ctx context.Context)) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.wg.Add(1)
	c.mu.Unlock()
	go func() {
		defer c.wg.Done()
		defer func() {
			if r := recover(); r != nil {
				c.log.Error("goroutine panicked", "name", name, "panic", r)
				c.message(slog.LevelError, fmt.Sprintf("farm-lsp internal error in %s: %v", name, r), false)
			}
		}()
		f(c.ctx)
	}()
}

// Close stops every goroutine and executor; it is idempotent.
func (c *Coordinator) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	cancel := c.cancel
	closers := c.closers
	c.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	c.trust.gate.Close() // withdraws a question still open
	c.queue.close()
	c.wg.Wait()
	var errs []error
	for _, f := range closers {
		if err := f(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// rel maps an absolute path into the workspace, or ok=false outside it.
func (c *Coordinator) rel(abs string) (string, bool) {
	abs = filepath.Clean(abs)
	r, err := filepath.Rel(c.root, abs)
	if err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
		// The editor may name the file through a symlinked root.
		if real, e := filepath.EvalSymlinks(abs); e == nil && real != abs {
			return c.rel(real)
		}
		return "", false
	}
	return filepath.ToSlash(r), true
}

func (c *Coordinator) abs(rel string) string { return filepath.Join(c.root, filepath.FromSlash(rel)) }

// message sends a user-facing log line (and logs it).
func (c *Coordinator) message(level slog.Level, text string, show bool) {
	c.log.Log(context.Background(), level, text)
	c.mu.Lock()
	sink := c.sink
	c.mu.Unlock()
	if sink != nil {
		sink.Message(level, text, show)
	}
}

// publish sends a path's diagnostics union when it changed.
func (c *Coordinator) publish(rel, source string, diags []facts.Diagnostic) {
	abs := c.abs(rel)
	if u, ok := c.diags.set(abs, source, diags); ok {
		c.mu.Lock()
		sink := c.sink
		c.mu.Unlock()
		if sink != nil {
			sink.Diagnostics(abs, u)
		}
	}
}

// Status reports the engine state (farm/status).
func (c *Coordinator) Status() Status {
	c.mu.Lock()
	st := Status{Enabled: c.enabled, LastPlan: c.lastPlan, Metrics: c.ring.Summary(), Backend: c.backendAddr}
	sched := c.sched
	c.mu.Unlock()
	ts := c.trust.gate.State()
	st.Trust = &ts
	st.Indexing = c.indexing.Load()
	queued := c.queue.len()
	st.Processing = st.Indexing || c.analysing.Load() || queued > 0
	st.QueueLength = queued
	if sched != nil {
		s := sched.Status()
		st.Processing = st.Processing || s.Processing
		st.QueueLength += s.QueueLength
		st.Lanes = s.Lanes
	}
	if st.Lanes == nil {
		st.Lanes = map[string]scheduler.LaneStatus{}
	}
	return st
}

// SetEnabled turns hot reload on or off (farm.toggle).
func (c *Coordinator) SetEnabled(on bool) {
	c.toggleMu.Lock()
	defer c.toggleMu.Unlock()
	c.mu.Lock()
	c.enabled = on
	sched := c.sched
	c.mu.Unlock()
	if sched != nil {
		sched.SetEnabled(on)
	}
	state := "disabled"
	if on {
		state = "enabled"
	}
	c.message(slog.LevelInfo, "hot reload "+state, false)
}

// Configure applies initializationOptions over farm.config.ts.
func (c *Coordinator) Configure(overrides json.RawMessage) error {
	if len(overrides) == 0 || string(overrides) == "null" {
		return nil
	}
	c.mu.Lock()
	cfg := c.cfg
	c.mu.Unlock()
	if _, err := config.Merge(cfg, overrides); err != nil {
		return fmt.Errorf("initializationOptions: %w", err)
	}
	c.mu.Lock()
	c.overrides = append(json.RawMessage(nil), overrides...)
	c.mu.Unlock()
	c.loadConfig()
	return nil
}

// Index builds an engine for root and indexes it without starting
// anything (no scheduler, watcher or executors): the one-shot commands
// (plan, generate, openapi) read the workspace through it.
func Index(ctx context.Context, root string) (*Coordinator, error) {
	return indexWith(ctx, Options{Root: root, NoWatch: true})
}

// IndexBackend is Index for the commands that read only the backend and
// farm.config (generate, openapi): see Options.BackendOnly. With a
// fact cache the Python facts are cached there (Options.Facts).
func IndexBackend(ctx context.Context, root string, facts workspace.FactCache) (*Coordinator, error) {
	return indexWith(ctx, Options{Root: root, NoWatch: true, BackendOnly: true, Facts: facts})
}

func indexWith(ctx context.Context, opts Options) (*Coordinator, error) {
	c, err := New(opts)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(c.root, "farm.config.ts")); err != nil {
		c.log.Debug("no farm.config.ts: defaults apply", "root", c.root)
	}
	if _, err := c.index(ctx); err != nil {
		return nil, err
	}
	c.loadConfig()
	return c, nil
}

// PlanFor answers `farm-lsp plan`: the analysis result and plan if file
// changed from the content before to its current content on disk. Nothing
// is executed.
func PlanFor(ctx context.Context, root, file string, before []byte) (plan.Plan, workspace.Result, error) {
	c, err := Index(ctx, root)
	if err != nil {
		return plan.Plan{}, workspace.Result{}, err
	}
	abs, err := filepath.Abs(file)
	if err != nil {
		return plan.Plan{}, workspace.Result{}, err
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	}
	rel, ok := c.rel(abs)
	if !ok {
		return plan.Plan{}, workspace.Result{}, fmt.Errorf("%s is not inside the workspace %s", file, c.root)
	}
	after, err := os.ReadFile(abs)
	if err != nil {
		return plan.Plan{}, workspace.Result{}, err
	}
	// Make `before` the baseline, then analyse the current content.
	if _, err := c.ws.Update(ctx, rel, before); err != nil {
		return plan.Plan{}, workspace.Result{}, err
	}
	res, err := c.ws.Update(ctx, rel, after)
	if err != nil {
		return plan.Plan{}, workspace.Result{}, err
	}
	p := plan.Build("plan", plan.Trigger{Path: rel, Kind: res.Kind}, res.Changes, planOptions(c.Config()))
	p.Files = []string{rel}
	return p, res, nil
}

// OpenAPI is the backend's OpenAPI document derived statically.
func (c *Coordinator) OpenAPI() (*openapi.Document, []facts.Diagnostic) {
	return openapi.Build(c.ws.Snapshot().Python(), openapi.Options{Pydantic: c.pydanticMode(), Title: c.Config().Name, ReadFile: openapi.DirReader(c.root)})
}

// Generate writes the generated TypeScript (check=false) or lists the
// outputs that are missing or stale (check=true), with the analysis
// diagnostics of the backend.
func (c *Coordinator) Generate(ctx context.Context, check bool) (paths []string, diags []facts.Diagnostic, err error) {
	cfg := c.Config()
	opts := codegen.Options{
		Root:     c.root,
		OutDir:   cfg.Development.HotReload.TypeGeneration.OutDir,
		Files:    func() []*facts.File { return c.ws.Snapshot().Python() },
		Pydantic: c.pydanticMode,
		Title:    cfg.Name,
		OneShot:  true, // one run: nothing to keep for a next one
	}
	if check {
		stale, err := codegen.Check(c.root, c.ws.Snapshot().Python(), opts)
		return stale, nil, err
	}
	res := codegen.New(opts).WriteAll(ctx, nil)
	for _, ds := range res.Diagnostics {
		diags = append(diags, ds...)
	}
	if res.Status == executor.Failed {
		return res.Written, diags, errors.New(res.Message)
	}
	return res.Written, diags, nil
}
