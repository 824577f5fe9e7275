package coordinator

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/reload/ollama"
	"github.com/farm-stack/farm-lsp/reload/plan"
	"github.com/farm-stack/farm-lsp/reload/plugins"
)

// configFile is the workspace's farm.config file (nil when absent) and its
// path (the preferred name when absent).
func (c *Coordinator) configFile() (*facts.File, string) {
	for _, name := range configFiles {
		if f := c.ws.File(name); f != nil {
			return f, name
		}
	}
	return nil, configFiles[0]
}

// farmConfig is farm.config.ts's evaluated object (nil when absent).
func (c *Coordinator) farmConfig() (*facts.Value, string) {
	f, name := c.configFile()
	if f == nil {
		return nil, name
	}
	return f.Config, name
}

// newOllama builds the ai-model-reload executor, farm.pullModel and the
// "Pull model …" code action on model strings Ollama does not have yet.
func (c *Coordinator) newOllama() *ollama.Executor {
	_, cfgPath := c.farmConfig()
	ox := ollama.New(ollama.Options{
		Config:     func() *facts.Value { v, _ := c.farmConfig(); return v },
		ConfigPath: cfgPath,
		Logger:     c.log,
	})
	installed := &modelCache{}
	refresh := func(ctx context.Context) {
		if !c.trust.gate.Trusted() {
			return // a request to a URL of the repository's choosing
		}
		rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if models, err := ox.Installed(rctx); err == nil {
			installed.set(models)
		}
	}
	c.goRun("ollama-tags", refresh)

	c.register("farm.pullModel", func(ctx context.Context, args []json.RawMessage) (any, error) {
		var a struct {
			Provider string `json:"provider"`
			Model    string `json:"model"`
		}
		if len(args) == 0 || json.Unmarshal(args[0], &a) != nil || a.Model == "" {
			return nil, fmt.Errorf("%w: farm.pullModel takes {\"provider\": \"ollama\", \"model\": \"llama3.1\"}", ErrInvalidArgs)
		}
		if a.Provider != "" && a.Provider != "ollama" {
			return nil, fmt.Errorf("%w: only the ollama provider can pull models, not %q", ErrInvalidArgs, a.Provider)
		}
		if err := c.commandTrust(ctx, "farm.pullModel"); err != nil {
			return nil, err
		}
		token := "pull-" + a.Model
		sink := c.sinkOrNil()
		if sink != nil {
			sink.Progress(c.root, Progress{Token: token, Kind: ProgressBegin, Title: "Pulling " + a.Model, Percent: 0})
		}
		err := ox.Pull(ctx, a.Model, &pullReporter{c: c, token: token})
		if sink != nil {
			msg := "done"
			if err != nil {
				msg = err.Error()
			}
			sink.Progress(c.root, Progress{Token: token, Kind: ProgressEnd, Message: msg, Percent: 100})
		}
		refresh(ctx)
		if err != nil {
			return nil, err
		}
		return map[string]any{"pulled": a.Model}, nil
	})
	c.addActions(func(rel string, rng facts.Range, _ []facts.Diagnostic) []Action {
		if c.ws.Kind(rel) != facts.KindFarmConfig {
			return nil // most code-action requests: nothing to read
		}
		v, cfgRel := c.farmConfig()
		if rel != cfgRel || v == nil {
			return nil
		}
		p := ollama.ReadConfig(v)
		var out []Action
		for _, m := range p.Models {
			r, ok := p.Ranges[m]
			if !ok || !overlaps(r, rng) || installed.has(m) {
				continue
			}
			out = append(out, Action{Title: "Pull model " + m, Kind: "quickfix", Command: "farm.pullModel",
				Args: []json.RawMessage{jsonArg(map[string]string{"provider": "ollama", "model": m})}})
		}
		return out
	})
	c.afterAI = func(ctx context.Context) { refresh(ctx) }
	c.preloadModels(ox)
	return ox
}

// pullReporter forwards pull progress of a command as work-done progress.
type pullReporter struct {
	c     *Coordinator
	token string
}

func (r *pullReporter) Report(message string, percent int) {
	if sink := r.c.sinkOrNil(); sink != nil {
		sink.Progress(r.c.root, Progress{Token: r.token, Kind: ProgressReport, Message: message, Percent: percent})
	}
}

// modelCache is the set of models Ollama reported installed (names with
// and without the ":latest" tag both match).
type modelCache struct {
	mu     sync.Mutex
	models map[string]bool
}

func (m *modelCache) set(models []string) {
	set := map[string]bool{}
	for _, name := range models {
		set[name] = true
		set[strings.TrimSuffix(name, ":latest")] = true
	}
	m.mu.Lock()
	m.models = set
	m.mu.Unlock()
}

func (m *modelCache) has(name string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.models[name]
}

// newPlugins builds the plugin-reload executor: it regenerates the plugin
// registry module from the enabled plugins' manifests.
func (c *Coordinator) newPlugins() *plugins.Executor {
	return plugins.New(plugins.Options{
		Root:      c.root,
		Enabled:   func() []string { return c.Config().Plugins },
		Manifests: func() map[string]*facts.Value { return plugins.ManifestsOf(c.ws.Snapshot()) },
		OutFile:   c.Config().Outputs().PluginRegistry,
		Logger:    c.log,
	})
}

// aiDone refreshes what follows an ai-model-reload (the installed set).
func (c *Coordinator) aiDone(kind plan.TaskKind) {
	if kind == plan.AIModelReload && c.afterAI != nil {
		go c.afterAI(context.Background())
	}
}
