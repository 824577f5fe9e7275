package coordinator

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"

	"github.com/farm-stack/farm-lsp/analysis/config"
	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/reload/plan"
	"github.com/farm-stack/farm-lsp/reload/trust"
)

// The workspace trust gate (reload/trust). Untrusted, the engine analyses,
// plans, publishes diagnostics and writes generated files; everything that
// acts on what farm.config.ts names — starting the backend or its warm
// standby, database writes, Ollama pulls and unloads, requests to the Vite
// plugin — waits for trust or is skipped "workspace not trusted".

// Diagnostic codes of the trust gate, on farm.config.ts.
const (
	CodeUntrusted      = "workspace-untrusted"
	CodeRemoteDatabase = "remote-database"
)

// srcTrust is the diagnostics source of the gate.
const srcTrust = "trust"

// gatedKinds are the task kinds with side effects outside the generated
// files.
var gatedKinds = map[plan.TaskKind]bool{
	plan.BackendReload:        true,
	plan.DatabaseSchemaUpdate: true,
	plan.AIModelReload:        true,
	plan.FrontendHMR:          true,
}

// trustState is the coordinator's part of the gate.
type trustState struct {
	gate *trust.Gate
	// backendWaiting is set when the first backend start was held back
	// for trust: trusting starts it.
	backendWaiting atomic.Bool
	startBackend   atomic.Pointer[func(ctx context.Context)]
}

// setupTrust creates the gate (New): remembered allows come from
// Options.TrustStore or the user's state directory; Options.Trusted
// declares the workspace trusted (tests, the demo).
func (c *Coordinator) setupTrust() {
	store := c.opts.TrustStore
	if store == nil {
		s, err := trust.OpenDefaultStore(c.opts.Getenv)
		if err != nil {
			c.log.Warn("trust: allows are not remembered across sessions", "error", err)
		} else {
			store = s
		}
	}
	c.trust.gate = trust.NewGate(trust.Settings{Root: c.root}, trust.GateOptions{Store: store, Logger: c.log})
	if c.opts.Trusted {
		c.trust.gate.Declare(true)
	}
	c.commands["farm.trust"] = func(context.Context, []json.RawMessage) (any, error) {
		err := c.trust.gate.Grant()
		if err != nil {
			c.message(slog.LevelWarn, "farm.trust: trusted for this session only: "+err.Error(), true)
		}
		st := c.trust.gate.State()
		return map[string]any{"trusted": st.Trusted, "hash": st.Hash}, nil
	}
	c.addActions(c.trustActions)
}

// Trust is the workspace's gate (lsp gives it the editor to ask and the
// client's declaration).
func (c *Coordinator) Trust() *trust.Gate { return c.trust.gate }

// trustConfigured hands the gate the settings of a (re)loaded
// configuration and refreshes the gate's diagnostics.
func (c *Coordinator) trustConfigured(cfg config.Config) {
	c.trust.gate.Update(trust.FromConfig(c.root, cfg))
	c.publishTrust()
}

// watchTrust follows the gate (Start): its diagnostics change with it,
// trust granted after a held-back backend start starts the backend, and the
// installed-models probe skipped while untrusted runs.
func (c *Coordinator) watchTrust(ctx context.Context) {
	was := false
	for {
		ch := c.trust.gate.Changed()
		c.publishTrust()
		now := c.trust.gate.Trusted()
		if now && c.trust.backendWaiting.CompareAndSwap(true, false) {
			if f := c.trust.startBackend.Load(); f != nil {
				c.goRun("backend-start", *f)
			}
		}
		if now && !was && c.afterAI != nil {
			c.goRun("ollama-tags", c.afterAI) // skipped while untrusted
		}
		was = now
		select {
		case <-ch:
		case <-ctx.Done():
			return
		}
	}
}

// awaitTrusted waits, without asking, until the workspace is trusted
// (false when ctx ends first): for background connections that are no
// reason to ask, such as Vite's HMR socket.
func (c *Coordinator) awaitTrusted(ctx context.Context) bool {
	for {
		ch := c.trust.gate.Changed()
		if c.trust.gate.Trusted() {
			return true
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return false
		}
	}
}

// requireTrust waits for the gate (asking the user when nothing is
// decided) and returns the message to skip with, or "".
func (c *Coordinator) requireTrust(ctx context.Context) string {
	err := c.trust.gate.Require(ctx)
	if err == nil {
		return ""
	}
	c.publishTrust()
	if ctx.Err() != nil {
		return trust.ErrNotTrusted.Error() + " (no answer yet)"
	}
	return err.Error()
}

// gateTask is scheduler.Options.Gate: the trust gate, then Options.Gate.
// Tasks with side effects wait for trust, and an automatic migration never
// writes to a database that is not local unless
// hotReload.database.allowRemote says so. Executors given in
// Options.Executors are the embedding program's own and run as given.
func (c *Coordinator) gateTask(ctx context.Context, t plan.Task) string {
	if msg := c.trustTask(ctx, t); msg != "" || c.opts.Gate == nil {
		return msg
	}
	return c.opts.Gate(ctx, t)
}

// trustTask is the trust gate's answer for a planned task.
func (c *Coordinator) trustTask(ctx context.Context, t plan.Task) string {
	if !gatedKinds[t.Kind] || c.opts.Executors[t.Kind] != nil {
		return ""
	}
	if msg := c.requireTrust(ctx); msg != "" {
		return msg
	}
	if t.Kind == plan.DatabaseSchemaUpdate {
		cfg := c.Config()
		if t.State != nil {
			cfg = t.State.Config
		}
		if err := trust.CheckDatabaseWrite(cfg); err != nil {
			return err.Error()
		}
	}
	return ""
}

// databaseURL is database.url for the database executor's own connections
// (farm.applyMigration, syncing pending migrations when the database comes
// back): "" — no database — while the workspace is not trusted or the
// database is remote and not allowed.
func (c *Coordinator) databaseURL() string {
	cfg := c.Config()
	if !c.trust.gate.Trusted() || trust.CheckDatabaseWrite(cfg) != nil {
		return ""
	}
	return cfg.Database.URL
}

// commandTrust is what commands with side effects check first
// (farm.restartBackend, farm.pullModel, farm.applyMigration): the user
// asked for it, so an undecided workspace asks now.
func (c *Coordinator) commandTrust(ctx context.Context, name string) error {
	if msg := c.requireTrust(ctx); msg != "" {
		return fmt.Errorf("%s: %s (run farm.trust, or `farm-lsp trust`, to allow what %s runs)", name, msg, c.root)
	}
	return nil
}

// publishTrust sets the gate's diagnostics on farm.config.ts: one saying
// the workspace is not trusted (when it was refused, the client declared it
// untrusted, or nobody can be asked) and one naming a remote database that
// automatic migrations will not write to.
func (c *Coordinator) publishTrust() {
	v, cfgPath := c.farmConfig()
	if f, _ := c.configFile(); f == nil {
		return
	}
	cfg := c.Config()
	var ds []facts.Diagnostic
	st := c.trust.gate.State()
	s := c.trust.gate.Settings()
	if !st.Trusted && st.Reason != "" && s.Runs() {
		ds = append(ds, facts.Diagnostic{Path: cfgPath, Range: trustRange(v), Severity: facts.SeverityWarning,
			Code: CodeUntrusted, Message: untrustedMessage(s)})
	}
	hr := cfg.Development.HotReload
	if err := trust.CheckDatabaseWrite(cfg); err != nil && hr.Enabled && hr.Database.Enabled {
		rng := facts.Range{}
		if u := v.Get("database.url"); u != nil {
			rng = u.Range
		}
		ds = append(ds, facts.Diagnostic{Path: cfgPath, Range: rng, Severity: facts.SeverityWarning,
			Code: CodeRemoteDatabase, Message: err.Error()})
	}
	c.publish(cfgPath, srcTrust, ds)
}

// trustRange is where the untrusted diagnostic goes: the backend command
// when there is one, else the start of the file.
func trustRange(v *facts.Value) facts.Range {
	for _, k := range []string{"development.backend.command", "development.backend", "database.url"} {
		if x := v.Get(k); x != nil {
			return x.Range
		}
	}
	return facts.Range{}
}

func untrustedMessage(s trust.Settings) string {
	var runs []string
	if s.Backend != nil {
		runs = append(runs, "the backend ("+trust.ShellJoin(s.Backend.Command)+")")
	}
	if s.DatabaseURL != "" {
		runs = append(runs, "database migrations")
	}
	if s.Ollama != nil {
		runs = append(runs, "Ollama model pulls")
	}
	if s.ViteURL != "" {
		runs = append(runs, "Vite reloads")
	}
	return "workspace not trusted: " + strings.Join(runs, ", ") + " do not run. " +
		"Diagnostics and generated types work. Use \"Trust this workspace\" (farm.trust) or `farm-lsp trust` to allow them."
}

// trustActions offers "Trust this workspace" anywhere in farm.config.ts
// while the workspace is not trusted.
func (c *Coordinator) trustActions(rel string, rng facts.Range, diags []facts.Diagnostic) []Action {
	if _, cfgPath := c.configFile(); rel != cfgPath || c.trust.gate.Trusted() || !c.trust.gate.Settings().Runs() {
		return nil
	}
	a := Action{Title: trust.ActionTrust, Kind: "quickfix", Command: "farm.trust"}
	for _, d := range diags {
		if d.Code == CodeUntrusted && overlaps(d.Range, rng) {
			a.Diagnostics = append(a.Diagnostics, d)
		}
	}
	return []Action{a}
}
