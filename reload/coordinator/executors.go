package coordinator

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/analysis/openapi"
	"github.com/farm-stack/farm-lsp/reload/backend"
	"github.com/farm-stack/farm-lsp/reload/executor"
	"github.com/farm-stack/farm-lsp/reload/mongo"
	"github.com/farm-stack/farm-lsp/reload/plan"
	"github.com/farm-stack/farm-lsp/reload/scheduler"
	"github.com/farm-stack/farm-lsp/reload/trust"
	"github.com/farm-stack/farm-lsp/reload/vite"
)

// provider is what one executor contributes to the engine: the task kinds
// it runs, their lane, whether a newer task may cancel a running one, the
// commands it registers, its fallback after retries, and how it is built
// (build also registers its commands and code actions). The engine is
// assembled from providers: adding an executor is one provider and one
// line in that list.
type provider struct {
	name        string
	kinds       []plan.TaskKind
	lane        string
	cancellable bool
	commands    []string
	// fallback turns a task that still fails after its retries into the
	// task to run once instead (nil: none).
	fallback func(t plan.Task) (plan.Task, bool)
	build    func(c *Coordinator) (executor.Executor, error)
}

// providers is every executor the engine has.
var providers = []provider{
	{name: "codegen", kinds: []plan.TaskKind{plan.TypeGeneration, plan.APIClientGeneration},
		lane: scheduler.LaneCodegen, cancellable: true, commands: []string{"farm.regenerate"},
		fallback: func(t plan.Task) (plan.Task, bool) { t.Mode = "full"; return t, true },
		build:    func(c *Coordinator) (executor.Executor, error) { return c.newCodegen(), nil }},
	{name: "database", kinds: []plan.TaskKind{plan.DatabaseSchemaUpdate},
		lane: scheduler.LaneDatabase, commands: []string{"farm.applyMigration"},
		build: func(c *Coordinator) (executor.Executor, error) { return c.newDatabase(), nil }},
	{name: "backend", kinds: []plan.TaskKind{plan.BackendReload},
		lane: scheduler.LaneBackend, cancellable: true, commands: []string{"farm.restartBackend"},
		fallback: func(t plan.Task) (plan.Task, bool) { t.Mode = "restart"; return t, true },
		build: func(c *Coordinator) (executor.Executor, error) {
			m, err := c.newBackend()
			if err != nil {
				return nil, err
			}
			return m, nil
		}},
	{name: "frontend", kinds: []plan.TaskKind{plan.FrontendHMR}, lane: scheduler.LaneFrontend,
		fallback: func(t plan.Task) (plan.Task, bool) { t.Mode = plan.HMRFull; return t, true },
		build:    func(c *Coordinator) (executor.Executor, error) { return c.newVite() }},
	{name: "ai", kinds: []plan.TaskKind{plan.AIModelReload}, lane: scheduler.LaneAI, commands: []string{"farm.pullModel"},
		build: func(c *Coordinator) (executor.Executor, error) { return c.newOllama(), nil }},
	{name: "plugins", kinds: []plan.TaskKind{plan.PluginReload}, lane: scheduler.LanePlugins,
		build: func(c *Coordinator) (executor.Executor, error) { return c.newPlugins(), nil }},
}

// providerOf is the provider of a task kind (nil for none).
func providerOf(kind plan.TaskKind) *provider {
	for i := range providers {
		if slices.Contains(providers[i].kinds, kind) {
			return &providers[i]
		}
	}
	return nil
}

// laneOf is the lane of a task kind, from its provider.
func laneOf(kind plan.TaskKind) string {
	if p := providerOf(kind); p != nil {
		return p.lane
	}
	return scheduler.DefaultLane(kind)
}

// cancellable says whether a running task of kind may be cancelled by a
// newer one, from its provider.
func cancellable(kind plan.TaskKind) bool {
	p := providerOf(kind)
	return p != nil && p.cancellable
}

// providerCommands are the commands the providers register once built.
func providerCommands() []string {
	var out []string
	for _, p := range providers {
		out = append(out, p.commands...)
	}
	return out
}

// setupExecutors builds every provider's executor. Tests and the demo may
// override any kind through Options.Executors. An executor whose service
// is absent reports "skipped" with the reason when it runs.
func (c *Coordinator) setupExecutors() {
	execs := map[plan.TaskKind]executor.Executor{}
	for _, p := range providers {
		ex, err := p.build(c)
		if err != nil {
			c.message(slog.LevelWarn, fmt.Sprintf("%s reload unavailable: %v", p.name, err), p.name == "backend")
			continue
		}
		for _, k := range p.kinds {
			execs[k] = ex
		}
	}
	for k, v := range c.opts.Executors {
		execs[k] = v
	}
	c.mu.Lock()
	c.executors = execs
	c.mu.Unlock()
}

// newVite builds the frontend-hmr executor and the listener that turns
// Vite's compile errors into diagnostics.
func (c *Coordinator) newVite() (*vite.Executor, error) {
	vx, err := vite.New(vite.Options{URL: c.Config().Development.Frontend.URL, Root: c.root, Logger: c.log})
	if err != nil {
		return nil, err
	}
	c.goRun("vite-errors", func(ctx context.Context) { c.listenVite(ctx, vx) })
	return vx, nil
}

// newDatabase builds the database-schema-update executor, farm.applyMigration,
// the database part of farm.retry and the "Apply migration …" action.
func (c *Coordinator) newDatabase() *mongo.Executor {
	cfg := c.Config()
	db := mongo.New(mongo.Options{
		Root:       c.root,
		Migrations: func() string { return c.Config().Paths.Migrations },
		URL:        c.databaseURL, // "" while untrusted or remote (trust.go)
		AutoApply:  cfg.Development.HotReload.Database.AutoApply,
		Models:     c.modelsByFile,
		Snapshot:   c.ws.Snapshot,
		Logger:     c.log,
		// Migrations that waited for the database apply when it is back.
		OnBackground: func(res executor.Result) {
			c.publishTaskDiagnostics(plan.DatabaseSchemaUpdate, res)
			c.message(slog.LevelInfo, res.Message, res.Status == executor.Failed)
		},
	})
	c.addCloser(func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return db.Close(ctx)
	})
	c.register("farm.applyMigration", func(ctx context.Context, args []json.RawMessage) (any, error) {
		var a struct {
			Path string `json:"path"`
		}
		if len(args) == 0 || json.Unmarshal(args[0], &a) != nil || a.Path == "" {
			return nil, fmt.Errorf("%w: farm.applyMigration takes {\"path\": \"apps/api/migrations/NNNN_x.json\"}", ErrInvalidArgs)
		}
		if err := c.commandTrust(ctx, "farm.applyMigration"); err != nil {
			return nil, err
		}
		if err := trust.CheckDatabaseWrite(c.Config()); err != nil {
			return nil, err
		}
		if err := db.Apply(ctx, a.Path); err != nil {
			return nil, err
		}
		c.publishTaskDiagnostics(plan.DatabaseSchemaUpdate, executor.Result{Diagnostics: db.Diagnostics()})
		return map[string]any{"applied": a.Path}, nil
	})
	// farm.retry also applies migrations that wait for the database or
	// failed before.
	c.mu.Lock()
	retry := c.commands["farm.retry"]
	c.mu.Unlock()
	if retry != nil {
		c.register("farm.retry", func(ctx context.Context, args []json.RawMessage) (any, error) {
			res, ok := db.Retry(ctx)
			if !ok {
				return retry(ctx, args)
			}
			c.publishTaskDiagnostics(plan.DatabaseSchemaUpdate, res)
			out, err := retry(ctx, args)
			if m, isMap := out.(map[string]any); isMap && err == nil {
				m["retried"], m["database"] = true, string(res.Status)+": "+res.Message
			}
			return out, err
		})
	}
	c.addActions(func(rel string, rng facts.Range, diags []facts.Diagnostic) []Action {
		var out []Action
		for _, d := range diags {
			if d.Code != facts.CodeMigration || !overlaps(d.Range, rng) {
				continue
			}
			// The diagnostic points at its migration file.
			for _, r := range d.Related {
				if strings.HasSuffix(r.Path, ".json") {
					out = append(out, Action{Title: "Apply migration " + filepath.Base(r.Path), Kind: "quickfix",
						Command: "farm.applyMigration", Args: []json.RawMessage{jsonArg(map[string]string{"path": r.Path})},
						Diagnostics: []facts.Diagnostic{d}})
				}
			}
		}
		return out
	})

	return db
}

// newBackend builds the backend-reload executor: managed (farm-lsp runs the
// backend behind its proxy on ports.backend) when development.backend is
// configured, external (it checks the user's own server) otherwise.
func (c *Coordinator) newBackend() (*backend.Manager, error) {
	cfg := c.Config()
	port := cfg.Development.Ports.Backend
	if cfg.Development.Backend != nil && len(cfg.Development.Backend.Command) > 0 {
		// Managed: the proxy listens on the port. Another root of this
		// process with the same (default) port gets a port of its own.
		p, other, err := claimPort(c.root, port)
		if err != nil {
			return nil, err
		}
		if other != "" {
			c.message(slog.LevelWarn, fmt.Sprintf("backend port %d is used by %s: the backend of %s is served on port %d", port, other, c.root, p), true)
		}
		port = p
		c.addCloser(func() error { releasePort(c.root); return nil })
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	c.mu.Lock()
	c.backendAddr = addr
	c.mu.Unlock()
	opts := backend.Options{
		Root:       c.root,
		PublicAddr: addr,
		Logger:     c.log,
		Log:        func(line string) { c.message(slog.LevelInfo, "backend: "+line, false) },
		// A serving backend that crashes is restarted once; its traceback
		// (or the restart's outcome) reaches the editor like a reload's.
		OnCrash: func(res executor.Result) {
			c.publishTaskDiagnostics(plan.BackendReload, res)
			c.message(slog.LevelWarn, fmt.Sprintf("backend crashed; restart %s: %s", res.Status, res.Message), res.Status == executor.Failed)
		},
		Broken: func() []string {
			var py []string
			for _, f := range c.ws.Broken() {
				if filepath.Ext(f) == ".py" {
					py = append(py, f)
				}
			}
			return py
		},
		// No process, not even the warm standby, before trust.
		Allowed: c.trust.gate.Trusted,
	}
	if b := cfg.Development.Backend; b != nil {
		opts.Command = b.Command
		opts.Cwd = b.Cwd
		opts.HealthPath = b.Health
		opts.StartTimeout = time.Duration(b.StartTimeoutMs) * time.Millisecond
		for k, v := range b.Env {
			opts.Env = append(opts.Env, k+"="+v)
		}
		sort.Strings(opts.Env)
	} else {
		// External mode confirms a change by the API it serves, compared
		// with the API the workspace had at start.
		opts.InitialFiles = c.ws.Snapshot().Python()
		c.mu.Lock()
		cg := c.codegen
		c.mu.Unlock()
		if cg != nil {
			// One document per planned state: type generation's, in the
			// app's Pydantic mode and with its .env, not a second build.
			opts.Document = func(st *plan.State) *openapi.Document { doc, _ := cg.Document(st); return doc }
			opts.InitialState = &plan.State{Snapshot: c.ws.Snapshot(), Config: cfg}
		}
	}
	m, err := backend.New(opts)
	if err != nil {
		return nil, err
	}
	c.addCloser(m.Close)
	c.register("farm.restartBackend", func(ctx context.Context, _ []json.RawMessage) (any, error) {
		if err := c.commandTrust(ctx, "farm.restartBackend"); err != nil {
			return nil, err
		}
		res := m.Restart(ctx)
		c.publishTaskDiagnostics(plan.BackendReload, res)
		if res.Status == executor.Failed {
			return nil, fmt.Errorf("restart failed: %s", res.Message)
		}
		return map[string]any{"status": res.Status, "message": res.Message}, nil
	})
	if m.Managed() {
		// Start the first backend now, in the background: the editor is
		// usable while it boots.
		// Only once the workspace is trusted: this is the first side
		// effect of opening a folder, so an undecided workspace asks here.
		var start func(ctx context.Context)
		start = func(ctx context.Context) {
			if msg := c.requireTrust(ctx); msg != "" {
				c.trust.backendWaiting.Store(true)
				c.message(slog.LevelInfo, "backend start: skipped: "+msg, false)
				// Trusted meanwhile: watchTrust may have looked before the
				// flag was set.
				if ctx.Err() == nil && c.trust.gate.Trusted() && c.trust.backendWaiting.CompareAndSwap(true, false) {
					start(ctx)
				}
				return
			}
			res := m.Restart(ctx)
			c.publishTaskDiagnostics(plan.BackendReload, res)
			c.message(slog.LevelInfo, fmt.Sprintf("backend start: %s %s", res.Status, res.Message), res.Status == executor.Failed)
		}
		c.trust.startBackend.Store(&start)
		c.goRun("backend-start", start)
	}
	return m, nil
}

// publishTaskDiagnostics publishes an executor result's diagnostics under
// its task kind (as onTaskDone does for planned tasks).
func (c *Coordinator) publishTaskDiagnostics(kind plan.TaskKind, res executor.Result) {
	for rel, ds := range res.Diagnostics {
		c.publish(rel, srcTaskPref+string(kind), ds)
	}
}

// listenVite maps compile errors Vite reports to diagnostics at their file
// and line, and clears them when Vite pushes the next update.
func (c *Coordinator) listenVite(ctx context.Context, vx *vite.Executor) {
	if !c.awaitTrusted(ctx) { // the socket is at a URL the repository chose
		return
	}
	var mu sync.Mutex
	reported := map[string][]facts.Diagnostic{}
	onError := func(d facts.Diagnostic) {
		mu.Lock()
		for _, old := range reported[d.Path] {
			if old.Range == d.Range && old.Message == d.Message {
				mu.Unlock()
				return // Vite repeats an error for every client that loads the module
			}
		}
		reported[d.Path] = append(reported[d.Path], d)
		ds := append([]facts.Diagnostic(nil), reported[d.Path]...)
		mu.Unlock()
		c.publish(d.Path, srcVite, ds)
	}
	onUpdate := func() {
		mu.Lock()
		paths := make([]string, 0, len(reported))
		for p := range reported {
			paths = append(paths, p)
		}
		reported = map[string][]facts.Diagnostic{}
		mu.Unlock()
		for _, p := range paths {
			c.publish(p, srcVite, nil)
		}
	}
	if err := vx.ListenUpdates(ctx, onError, onUpdate); err != nil {
		c.log.Debug("vite listener stopped", "err", err)
	}
}

// modelsByFile is the current models keyed by file, kinds resolved.
func (c *Coordinator) modelsByFile() map[string][]facts.Model {
	return mongo.ModelsOf(c.ws.Snapshot())
}

// ports claimed by the managed backends of this process's roots.
var (
	portsMu sync.Mutex
	ports   = map[string]int{} // root → port
)

// claimPort claims the backend port for root; when another root of this
// process has it, a free port is picked instead and that root is named.
func claimPort(root string, want int) (port int, other string, err error) {
	portsMu.Lock()
	defer portsMu.Unlock()
	for r, p := range ports {
		if p == want && r != root {
			other = r
		}
	}
	if other == "" {
		ports[root] = want
		return want, "", nil
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, "", fmt.Errorf("backend port %d is used by %s and no free port was found: %w", want, other, err)
	}
	port = l.Addr().(*net.TCPAddr).Port
	l.Close()
	ports[root] = port
	return port, other, nil
}

func releasePort(root string) {
	portsMu.Lock()
	delete(ports, root)
	portsMu.Unlock()
}
