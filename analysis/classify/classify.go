// Package classify decides what kind of file a workspace path is (DESIGN.md
// "File kinds") from an ordered list of doublestar glob rules: the first
// matching rule wins. The defaults follow the FARM layout; farm.config.ts
// may override any of them.
package classify

import (
	"fmt"
	"path"
	"strings"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/farm-stack/farm-lsp/analysis/facts"
)

// Rule maps a glob over workspace-relative slash paths to a kind.
type Rule struct {
	Pattern string
	Kind    facts.Kind
}

// Paths are the configurable locations (farm.config.ts `paths`). Empty
// fields keep their defaults.
type Paths struct {
	Models, Routes, AI, Backend, Migrations  string
	Components, Pages, Hooks, Frontend, Vite string
	Plugins                                  string
	Generated                                []string // exact generated output paths
}

// DefaultPaths is the FARM template layout.
func DefaultPaths() Paths {
	return Paths{
		Models:     "apps/api/src/models/**/*.py",
		Routes:     "apps/api/src/routes/**/*.py",
		AI:         "apps/api/src/ai/**/*.py",
		Backend:    "apps/api/**/*.py",
		Migrations: "apps/api/migrations/*.json",
		Components: "apps/web/src/components/**/*.{ts,tsx,js,jsx}",
		Pages:      "apps/web/src/pages/**/*.{ts,tsx,js,jsx}",
		Hooks:      "apps/web/src/hooks/**/*.{ts,tsx,js,jsx}",
		Frontend:   "apps/web/**/*.{ts,tsx,js,jsx,mts,cts}",
		Vite:       "**/vite.config.{ts,js,mts,mjs}",
		Plugins:    "plugins/*/plugin.{ts,json}",
	}
}

// Classifier classifies paths. It is immutable and safe for concurrent use.
type Classifier struct {
	rules []Rule
}

// New builds a classifier from paths; empty fields take DefaultPaths.
func New(p Paths) (*Classifier, error) {
	d := DefaultPaths()
	pick := func(v, def string) string {
		if v == "" {
			return def
		}
		return v
	}
	var rules []Rule
	for _, g := range p.Generated {
		rules = append(rules, Rule{Pattern: g, Kind: facts.KindGenerated})
	}
	rules = append(rules,
		Rule{"farm.config.{ts,js,mts,mjs}", facts.KindFarmConfig},
		Rule{pick(p.Plugins, d.Plugins), facts.KindPluginConfig},
		Rule{pick(p.Migrations, d.Migrations), facts.KindDatabaseMigration},
		Rule{pick(p.Vite, d.Vite), facts.KindViteConfig},
		Rule{pick(p.Models, d.Models), facts.KindBackendModel},
		Rule{pick(p.Routes, d.Routes), facts.KindBackendRoute},
		Rule{pick(p.AI, d.AI), facts.KindAIConfig},
		Rule{pick(p.Backend, d.Backend), facts.KindBackendSource},
		Rule{pick(p.Components, d.Components), facts.KindFrontendComponent},
		Rule{pick(p.Pages, d.Pages), facts.KindFrontendPage},
		Rule{pick(p.Hooks, d.Hooks), facts.KindFrontendHook},
		Rule{pick(p.Frontend, d.Frontend), facts.KindFrontendSource},
		// Outside the configured layout, the extension still tells a lot.
		Rule{"**/*.py", facts.KindBackendSource},
		Rule{"**/*.{ts,tsx,js,jsx,mts,cts}", facts.KindFrontendSource},
		Rule{"**/*.{css,scss,sass,less,styl,pcss}", facts.KindStyle},
		Rule{"**/*.{png,jpg,jpeg,gif,svg,webp,ico,woff,woff2,ttf,otf,mp3,mp4,webm,wasm}", facts.KindAsset},
	)
	for _, r := range rules {
		if !doublestar.ValidatePattern(r.Pattern) {
			return nil, fmt.Errorf("classify: invalid glob %q for %s", r.Pattern, r.Kind)
		}
	}
	return &Classifier{rules: rules}, nil
}

// Default is the classifier for DefaultPaths.
func Default() *Classifier {
	c, err := New(Paths{})
	if err != nil {
		panic(err) // the defaults are constants; a test covers them
	}
	return c
}

// Kind classifies a workspace-relative path (slash or OS separators).
func (c *Classifier) Kind(rel string) facts.Kind {
	rel = strings.TrimPrefix(path.Clean(strings.ReplaceAll(rel, "\\", "/")), "./")
	for _, r := range c.rules {
		if ok, _ := doublestar.Match(r.Pattern, rel); ok {
			return r.Kind
		}
	}
	return facts.KindUnknown
}
