// Package config types farm.config.ts: it turns the statically read object
// (staticjs → facts.Value) into a Config with every default filled in,
// reports unknown keys (warning at the key, naming the closest known key:
// `hotRelaod: unknown key, ignored; did you mean "hotReload"?`) and values
// of the wrong type or that cannot be read statically (warning, default
// kept) at their source ranges, and applies LSP initializationOptions on
// top (Merge, where unknown keys are silent: the object carries other
// settings too). MissingPlugins diagnoses `plugins` entries without a
// manifest; FindRoot finds the app holding a directory.
//
// The recognised keys, their types, defaults and what they do (DESIGN.md
// "Configuration" and the seed's "Configuration Integration"). Every key
// here changes what farm-lsp does; a change to development.hotReload
// applies live.
//
//	name                               string; the OpenAPI document's title (farm-lsp openapi)
//	database.type                      "mongodb" (the only one; another value is a warning)
//	database.url                       string, "mongodb://127.0.0.1:27017/app": where migrations are
//	                                   applied (process.env.DATABASE_URL || '…' records the variable
//	                                   in Env; the server prefers the variable when set)
//	ai.providers.ollama.enabled        bool, true; false: no model is pulled or unloaded
//	ai.providers.ollama.url            string, "http://127.0.0.1:11434": the Ollama server
//	ai.providers.ollama.models         string[] (or [{name}]), []: added models are pulled, removed
//	                                   ones unloaded (never deleted)
//	ai.providers.ollama.defaultModel   string, the first model; pulled like the models
//	ai.providers.ollama.hookUrl        string, ""; after a change of the provider, farm-lsp POSTs
//	                                   {"provider", "config"} there (overrides aiModels.hookUrl)
//	plugins                            string[] of enabled plugin names; entries may also be
//	                                   ['name', {options}] or {name}. The plugin registry module
//	                                   imports their components; a name no manifest declares
//	                                   (paths.plugins) gets a warning at the entry
//	development.ports.frontend         int, 3000; the default of frontend.url
//	development.ports.backend          int, 8000: the backend's public port (farm-lsp's proxy when
//	                                   managed, the port it checks in external mode)
//	development.backend                object | true | false; absent/false → external mode (nil):
//	                                   you run the backend, farm-lsp checks it after a reload
//	development.backend.command        string[] (or one string, split on spaces),
//	                                   python3 -m uvicorn src.main:app --host {host} --port {port}
//	development.backend.cwd            string, "apps/api"
//	development.backend.health         string, "/openapi.json": GET that must answer < 400
//	development.backend.startTimeoutMs int, 15000
//	development.backend.env            {NAME: string}, extra environment for the backend process
//	development.frontend.url           string, "http://127.0.0.1:<ports.frontend>": the Vite dev
//	                                   server with the farm-reload plugin
//	development.hotReload              object | bool (bool = enabled); false: saves are analysed
//	                                   (diagnostics) but nothing is planned
//	  .watch                           object | bool (bool = enabled)
//	    .enabled                       true; false: no file watcher, only editor saves count
//	    .debounceMs                    100: quiet time before out-of-editor changes are planned
//	    .usePolling                    false; true: the watcher walks the tree every interval
//	                                   instead of using inotify (Docker bind mounts, WSL, NFS)
//	    .interval                      1000 (ms), the polling interval
//	    .paths                         [] = the whole workspace; else [{pattern, ignore[]}] (or
//	                                   pattern strings): only files an entry's pattern matches and
//	                                   none of its ignores do are planned, from saves and the watcher
//	                                   alike (farm.config is always); others still get diagnostics
//	  .typeGeneration                  object | bool: enabled true (false: no type generation),
//	                                   generateOnModelChange true,
//	                                   generateOnRouteChange true, outDir "apps/web/src" (where the
//	                                   paths.types… outputs go), pydantic (1 or 2: the rules the
//	                                   generated types follow; when set it wins over the pin in
//	                                   apps/api/requirements.txt or pyproject.toml, which decides
//	                                   otherwise (2 when none), and a conflict warns at the setting)
//	  .aiModels                        object | bool (bool = enabled; false: ai changes plan nothing)
//	    .hotSwap                       true; false: a model change is not applied while farm-lsp
//	                                   runs (no pull, unload or hook) but at the next start
//	    .preloadModels                 true: at start, once the workspace is trusted, configured
//	                                   models Ollama lacks are pulled and all are loaded
//	    .hookUrl                       string, "": see ai.providers.ollama.hookUrl
//	  .database                        object | bool (bool = enabled; false: no migrations)
//	    .autoApply                     "additive" ('additive' | 'none' | 'all'): which migration
//	                                   ops apply without the "Apply migration" code action
//	    .allowRemote                   false; true lets automatic migrations write to a
//	                                   database.url whose host is not loopback
//	  .performance                     object | bool (bool = enabled; false: no slow-reload warning)
//	    .slowReloadThreshold           5000 (ms): a plan slower than this is reported
//	    .maxRetries                    3: retries of a transiently failed task
//	    .cooldownPeriod                5000 (ms) between retries
//	  .errorRecovery                   object | bool (bool = enabled; false: no retries)
//	    .fallbackToRestart             true: after the retries, the full version of the task
//	                                   (backend restart, full regeneration, page reload)
//	    .logErrors                     true: a failed reload task is logged (level error) with its
//	                                   message; false: only the editor shows it
//	paths.models|routes|ai|backend|migrations|components|pages|hooks|frontend|vite|plugins
//	                                   doublestar globs classifying files (defaults: classify.DefaultPaths,
//	                                   e.g. models "apps/api/src/models/**/*.py", migrations
//	                                   "apps/api/migrations/*.json")
//	paths.types|apiTypes|client|queryHooks|pluginRegistry
//	                                   generated outputs relative to typeGeneration.outDir:
//	                                   types/models/index.ts, types/api.ts, services/api.ts,
//	                                   hooks/api.ts, plugins/registry.ts
//
// Keys of the FARM framework that farm-lsp leaves to it are accepted
// without a diagnostic and have no effect here: template, features, build,
// deployment; ai providers other than ollama, and a provider's apiKey,
// baseUrl, organization, timeout, rateLimiting and options.
package config

import (
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/farm-stack/farm-lsp/analysis/classify"
	"github.com/farm-stack/farm-lsp/analysis/facts"
)

// Config is farm.config.ts with defaults applied.
type Config struct {
	Name        string      `json:"name,omitempty"`
	Template    string      `json:"template,omitempty"`
	Database    Database    `json:"database"`
	AI          AI          `json:"ai"`
	Plugins     []string    `json:"plugins"`
	Development Development `json:"development"`
	Paths       Paths       `json:"paths"`
	// Env maps a dotted key ("database.url", "ai.providers.openai.apiKey")
	// to the environment variable written for it
	// (`process.env.DATABASE_URL || '…'`). The field holds the static
	// default; ResolveEnv prefers the variable when it is set.
	Env map[string]string `json:"env,omitempty"`
}

// Database is the `database` section.
type Database struct {
	Type string `json:"type"` // "mongodb"
	URL  string `json:"url"`  // mongodb://127.0.0.1:27017/app
}

// AI is the `ai` section.
type AI struct {
	// Providers by name ("ollama", "openai", …).
	Providers map[string]Provider `json:"providers"`
}

// Names returns the provider names, sorted.
func (a AI) Names() []string {
	out := make([]string, 0, len(a.Providers))
	for n := range a.Providers {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Provider is one `ai.providers.<name>` entry.
type Provider struct {
	Enabled      bool     `json:"enabled"`
	URL          string   `json:"url,omitempty"`
	APIKey       string   `json:"apiKey,omitempty"`
	Models       []string `json:"models"`
	DefaultModel string   `json:"defaultModel,omitempty"`
	// HookURL receives the provider's configuration after an ai change
	// (overrides aiModels.hookUrl).
	HookURL string `json:"hookUrl,omitempty"`
}

// Development is the `development` section.
type Development struct {
	Ports Ports `json:"ports"`
	// Backend is nil in external mode (the user runs uvicorn --reload);
	// set, farm-lsp runs and proxies the backend itself.
	Backend   *Backend  `json:"backend,omitempty"`
	Frontend  Frontend  `json:"frontend"`
	HotReload HotReload `json:"hotReload"`
}

// Ports are development.ports.
type Ports struct {
	Frontend int `json:"frontend"` // 3000
	Backend  int `json:"backend"`  // 8000: the public backend port
}

// Backend is development.backend: how farm-lsp starts the backend.
type Backend struct {
	// Command is the argv; "{port}" and "{host}" are filled in by farm-lsp.
	Command        []string `json:"command"`
	Cwd            string   `json:"cwd"`            // workspace-relative, "apps/api"
	Health         string   `json:"health"`         // GET path that must answer 2xx, "/openapi.json"
	StartTimeoutMs int      `json:"startTimeoutMs"` // 15000
	// Env is added to the backend's environment (PYTHONPATH, DATABASE_URL…).
	Env map[string]string `json:"env,omitempty"`
}

// Frontend is development.frontend.
type Frontend struct {
	URL string `json:"url"` // the Vite dev server with the farm reload plugin
}

// HotReload is development.hotReload (the seed's schema).
type HotReload struct {
	Enabled        bool              `json:"enabled"`
	Watch          Watch             `json:"watch"`
	TypeGeneration TypeGeneration    `json:"typeGeneration"`
	AIModels       AIModels          `json:"aiModels"`
	Database       HotReloadDatabase `json:"database"`
	Performance    Performance       `json:"performance"`
	ErrorRecovery  ErrorRecovery     `json:"errorRecovery"`
}

// Watch is hotReload.watch.
type Watch struct {
	Enabled    bool        `json:"enabled"`
	DebounceMs int         `json:"debounceMs"` // 100
	UsePolling bool        `json:"usePolling"`
	Interval   int         `json:"interval"` // polling interval, ms: 1000
	Paths      []WatchPath `json:"paths,omitempty"`
}

// WatchPath is one hotReload.watch.paths entry.
type WatchPath struct {
	Pattern string   `json:"pattern"`
	Ignore  []string `json:"ignore,omitempty"`
}

// TypeGeneration is hotReload.typeGeneration.
type TypeGeneration struct {
	Enabled               bool   `json:"enabled"`
	GenerateOnModelChange bool   `json:"generateOnModelChange"`
	GenerateOnRouteChange bool   `json:"generateOnRouteChange"`
	OutDir                string `json:"outDir"`   // "apps/web/src"
	Pydantic              int    `json:"pydantic"` // 1 or 2
	// PydanticSet says pydantic was given explicitly: it then wins over
	// the version the backend's requirements pin. PydanticPath and
	// PydanticRange locate the value, for diagnostics.
	PydanticSet   bool        `json:"-"`
	PydanticPath  string      `json:"-"`
	PydanticRange facts.Range `json:"-"`
}

// AIModels is hotReload.aiModels.
type AIModels struct {
	Enabled       bool `json:"enabled"`
	HotSwap       bool `json:"hotSwap"`
	PreloadModels bool `json:"preloadModels"`
	// HookURL is the backend URL told about a changed provider
	// configuration (POST {"provider", "config"}); "" = none.
	HookURL string `json:"hookUrl,omitempty"`
}

// Auto-apply modes for hotReload.database.autoApply.
const (
	AutoApplyAdditive = "additive" // additive ops in dev; destructive ones wait for a code action
	AutoApplyNone     = "none"
	AutoApplyAll      = "all"
)

// HotReloadDatabase is hotReload.database.
type HotReloadDatabase struct {
	Enabled   bool   `json:"enabled"`
	AutoApply string `json:"autoApply"` // AutoApplyAdditive, AutoApplyNone or AutoApplyAll
	// AllowRemote lets automatic migrations write to a database whose
	// host is not loopback; false (the default) keeps them to local ones.
	AllowRemote bool `json:"allowRemote"`
}

// Performance is hotReload.performance.
type Performance struct {
	Enabled             bool `json:"enabled"`
	SlowReloadThreshold int  `json:"slowReloadThreshold"` // ms, 5000
	MaxRetries          int  `json:"maxRetries"`          // 3
	CooldownPeriod      int  `json:"cooldownPeriod"`      // ms, 5000
}

// ErrorRecovery is hotReload.errorRecovery.
type ErrorRecovery struct {
	Enabled           bool `json:"enabled"`
	FallbackToRestart bool `json:"fallbackToRestart"`
	LogErrors         bool `json:"logErrors"`
}

// Paths are the `paths` section: classification globs and generated
// output locations.
type Paths struct {
	Models     string `json:"models"`
	Routes     string `json:"routes"`
	AI         string `json:"ai"`
	Backend    string `json:"backend"`
	Migrations string `json:"migrations"`
	Components string `json:"components"`
	Pages      string `json:"pages"`
	Hooks      string `json:"hooks"`
	Frontend   string `json:"frontend"`
	Vite       string `json:"vite"`
	Plugins    string `json:"plugins"`
	// Generated outputs, relative to development.hotReload.typeGeneration.outDir.
	Types          string `json:"types"`          // types/models/index.ts
	APITypes       string `json:"apiTypes"`       // types/api.ts
	Client         string `json:"client"`         // services/api.ts
	QueryHooks     string `json:"queryHooks"`     // hooks/api.ts
	PluginRegistry string `json:"pluginRegistry"` // plugins/registry.ts
}

// Default is the configuration of a workspace whose farm.config.ts says
// nothing.
func Default() Config {
	cp := classify.DefaultPaths()
	return Config{
		Database: Database{Type: "mongodb", URL: "mongodb://127.0.0.1:27017/app"},
		AI:       AI{Providers: map[string]Provider{}},
		Plugins:  []string{},
		Development: Development{
			Ports:    Ports{Frontend: 3000, Backend: 8000},
			Frontend: Frontend{URL: "http://127.0.0.1:3000"},
			HotReload: HotReload{
				Enabled: true,
				Watch:   Watch{Enabled: true, DebounceMs: 100, Interval: 1000},
				TypeGeneration: TypeGeneration{Enabled: true, GenerateOnModelChange: true,
					GenerateOnRouteChange: true, OutDir: "apps/web/src", Pydantic: 2},
				AIModels:      AIModels{Enabled: true, HotSwap: true, PreloadModels: true},
				Database:      HotReloadDatabase{Enabled: true, AutoApply: AutoApplyAdditive},
				Performance:   Performance{Enabled: true, SlowReloadThreshold: 5000, MaxRetries: 3, CooldownPeriod: 5000},
				ErrorRecovery: ErrorRecovery{Enabled: true, FallbackToRestart: true, LogErrors: true},
			},
		},
		Paths: Paths{
			Models: cp.Models, Routes: cp.Routes, AI: cp.AI, Backend: cp.Backend, Migrations: cp.Migrations,
			Components: cp.Components, Pages: cp.Pages, Hooks: cp.Hooks, Frontend: cp.Frontend, Vite: cp.Vite,
			Plugins: cp.Plugins,
			Types:   "types/models/index.ts", APITypes: "types/api.ts", Client: "services/api.ts",
			QueryHooks: "hooks/api.ts", PluginRegistry: "plugins/registry.ts",
		},
	}
}

// DefaultBackend is what `development.backend: true` (or `{}`) means.
func DefaultBackend() *Backend {
	return &Backend{
		Command:        []string{"python3", "-m", "uvicorn", "src.main:app", "--host", "{host}", "--port", "{port}"},
		Cwd:            "apps/api",
		Health:         "/openapi.json",
		StartTimeoutMs: 15000,
	}
}

// providerURL is the default URL of well-known providers.
func providerURL(name string) string {
	switch name {
	case "ollama":
		return "http://127.0.0.1:11434"
	case "openai":
		return "https://api.openai.com/v1"
	}
	return ""
}

// Outputs are the generated files' workspace-relative paths.
type Outputs struct {
	Types, APITypes, Client, QueryHooks, PluginRegistry string
}

// All lists the outputs.
func (o Outputs) All() []string {
	return []string{o.Types, o.APITypes, o.Client, o.QueryHooks, o.PluginRegistry}
}

// Outputs resolves the generated files under typeGeneration.outDir.
func (c Config) Outputs() Outputs {
	dir := c.Development.HotReload.TypeGeneration.OutDir
	j := func(p string) string { return path.Clean(path.Join(dir, p)) }
	return Outputs{
		Types: j(c.Paths.Types), APITypes: j(c.Paths.APITypes), Client: j(c.Paths.Client),
		QueryHooks: j(c.Paths.QueryHooks), PluginRegistry: j(c.Paths.PluginRegistry),
	}
}

// ClassifyPaths is the classifier configuration: the globs plus the
// generated outputs.
func (c Config) ClassifyPaths() classify.Paths {
	p := c.Paths
	return classify.Paths{
		Models: p.Models, Routes: p.Routes, AI: p.AI, Backend: p.Backend, Migrations: p.Migrations,
		Components: p.Components, Pages: p.Pages, Hooks: p.Hooks, Frontend: p.Frontend, Vite: p.Vite,
		Plugins: p.Plugins, Generated: c.Outputs().All(),
	}
}

// ResolveEnv returns c with every key recorded in Env replaced by its
// environment variable's value when getenv returns a non-empty one.
// getenv is os.Getenv in the server; analysis itself never reads the
// environment.
func (c Config) ResolveEnv(getenv func(string) string) Config {
	if len(c.Env) == 0 || getenv == nil {
		return c
	}
	c = c.clone()
	keys := make([]string, 0, len(c.Env))
	for k := range c.Env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if val := getenv(c.Env[k]); val != "" {
			setString(&c, k, val)
		}
	}
	return c
}

// setString sets the string or int field at a dotted key.
func setString(c *Config, key, val string) {
	atoi := func(dst *int) {
		if n, err := strconv.Atoi(val); err == nil {
			*dst = n
		}
	}
	switch key {
	case "database.url":
		c.Database.URL = val
	case "database.type":
		c.Database.Type = val
	case "development.frontend.url":
		c.Development.Frontend.URL = val
	case "development.ports.frontend":
		atoi(&c.Development.Ports.Frontend)
	case "development.ports.backend":
		atoi(&c.Development.Ports.Backend)
	case "development.backend.cwd":
		if c.Development.Backend != nil {
			c.Development.Backend.Cwd = val
		}
	default:
		var name, field string
		if n, ok := strings.CutPrefix(key, "ai.providers."); ok {
			for i := len(n) - 1; i >= 0; i-- {
				if n[i] == '.' {
					name, field = n[:i], n[i+1:]
					break
				}
			}
		}
		p, ok := c.AI.Providers[name]
		if !ok {
			return
		}
		switch field {
		case "url":
			p.URL = val
		case "apiKey":
			p.APIKey = val
		case "defaultModel":
			p.DefaultModel = val
		default:
			return
		}
		c.AI.Providers[name] = p
	}
}

// clone deep-copies the maps and slices of c.
func (c Config) clone() Config {
	out := c
	out.Plugins = append([]string(nil), c.Plugins...)
	out.AI.Providers = make(map[string]Provider, len(c.AI.Providers))
	for k, p := range c.AI.Providers {
		p.Models = append([]string(nil), p.Models...)
		out.AI.Providers[k] = p
	}
	if c.Development.Backend != nil {
		b := *c.Development.Backend
		b.Command = append([]string(nil), b.Command...)
		if b.Env != nil {
			env := make(map[string]string, len(b.Env))
			for k, v := range b.Env {
				env[k] = v
			}
			b.Env = env
		}
		out.Development.Backend = &b
	}
	w := c.Development.HotReload.Watch.Paths
	out.Development.HotReload.Watch.Paths = make([]WatchPath, len(w))
	for i, p := range w {
		p.Ignore = append([]string(nil), p.Ignore...)
		out.Development.HotReload.Watch.Paths[i] = p
	}
	if c.Env != nil {
		out.Env = make(map[string]string, len(c.Env))
		for k, v := range c.Env {
			out.Env[k] = v
		}
	}
	return out
}
