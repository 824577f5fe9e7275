// Package trust decides whether farm-lsp may run a workspace's side
// effects: start its backend command, write to its database, pull or
// unload Ollama models, call its Vite plugin. Those settings come from the
// repository (farm.config.ts), so opening a folder must not act on them
// until the user allows it, the way `direnv allow` guards an .envrc.
//
// Settings is what a workspace would run, read from its analysed
// configuration; Hash identifies it. Store remembers, per workspace root
// and hash, that the user allowed it ($XDG_STATE_HOME/farm-lsp). Gate is
// the per-root decision: the client's declaration (initializationOptions
// `trusted`), a grant (the farm.trust command or `farm-lsp trust`), a
// remembered allow, or else a question through an Asker on the first side
// effect. A changed command has another hash and is asked about again.
package trust

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"path/filepath"
	"sort"
	"strings"

	"github.com/farm-stack/farm-lsp/analysis/config"
)

// Settings are the side-effect settings of one workspace: everything
// farm-lsp would run or contact on its behalf.
type Settings struct {
	// Root is the workspace root (absolute, symlinks resolved). It names
	// the workspace and is not part of the hash (the store keys on it).
	Root string `json:"root"`
	// Backend is nil in external mode (farm-lsp starts no process).
	Backend *Backend `json:"backend,omitempty"`
	// DatabaseURL is where migrations are applied.
	DatabaseURL string `json:"databaseUrl,omitempty"`
	// Ollama is nil when no enabled ollama provider is configured.
	Ollama *Ollama `json:"ollama,omitempty"`
	// ViteURL is the dev server whose farm plugin receives reload requests.
	ViteURL string `json:"viteUrl,omitempty"`
}

// Backend is the process farm-lsp would start.
type Backend struct {
	Command []string `json:"command"`
	Dir     string   `json:"dir"`           // absolute working directory
	Env     []string `json:"env,omitempty"` // NAME=value added to the environment, sorted
}

// Ollama is the model server and the models farm-lsp would pull.
type Ollama struct {
	URL    string   `json:"url"`
	Models []string `json:"models,omitempty"`
}

// FromConfig reads the side-effect settings of the workspace at root from
// its effective configuration (farm.config.ts with process.env resolved
// and initializationOptions applied).
func FromConfig(root string, cfg config.Config) Settings {
	s := Settings{Root: root, DatabaseURL: cfg.Database.URL, ViteURL: cfg.Development.Frontend.URL}
	if b := cfg.Development.Backend; b != nil && len(b.Command) > 0 {
		dir := b.Cwd
		switch {
		case dir == "":
			dir = root
		case !filepath.IsAbs(dir):
			dir = filepath.Join(root, dir)
		}
		be := &Backend{Command: append([]string(nil), b.Command...), Dir: filepath.Clean(dir)}
		for k, v := range b.Env {
			be.Env = append(be.Env, k+"="+v)
		}
		sort.Strings(be.Env)
		s.Backend = be
	}
	if p, ok := cfg.AI.Providers["ollama"]; ok && p.Enabled {
		s.Ollama = &Ollama{URL: p.URL, Models: append([]string(nil), p.Models...)}
	}
	return s
}

// hashVersion changes when the hashed form changes, so that an allow made
// by an older farm-lsp for a different form is not mistaken for this one.
const hashVersion = "farm-lsp trust v1\n"

// Hash is a stable identifier of what the settings would run:
// "sha256:<hex>" over a canonical JSON form (Root excluded).
func (s Settings) Hash() string {
	c := s
	c.Root = ""
	b, err := json.Marshal(c) // struct fields marshal in declaration order
	if err != nil {
		panic(fmt.Sprintf("trust: settings do not marshal: %v", err)) // only strings and slices
	}
	sum := sha256.Sum256(append([]byte(hashVersion), b...))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// Runs reports whether the settings contain anything to guard at all.
func (s Settings) Runs() bool {
	return s.Backend != nil || s.DatabaseURL != "" || s.Ollama != nil || s.ViteURL != ""
}

// Lines describes, one item a line, exactly what the settings would run:
// the command line (shell-quoted), its working directory and environment,
// the database (password hidden), the models and the Vite URL.
func (s Settings) Lines() []string {
	var out []string
	if b := s.Backend; b != nil {
		out = append(out, "backend command: "+ShellJoin(b.Command))
		out = append(out, "  in directory: "+b.Dir)
		for _, e := range b.Env {
			out = append(out, "  with environment: "+ShellQuote(e))
		}
	} else {
		out = append(out, "backend: none started (external mode)")
	}
	if s.DatabaseURL != "" {
		out = append(out, "database (migrations applied to): "+RedactURL(s.DatabaseURL))
	}
	if o := s.Ollama; o != nil {
		models := "no models"
		if len(o.Models) > 0 {
			models = "models " + strings.Join(o.Models, ", ")
		}
		out = append(out, fmt.Sprintf("Ollama at %s: pull/unload %s", o.URL, models))
	}
	if s.ViteURL != "" {
		out = append(out, "Vite reload requests: "+s.ViteURL)
	}
	return out
}

// Question is the text shown when asking whether to trust the settings.
func (s Settings) Question() string {
	var b strings.Builder
	fmt.Fprintf(&b, "farm-lsp: trust the workspace %s? It would run:\n", s.Root)
	for _, l := range s.Lines() {
		b.WriteString("  " + l + "\n")
	}
	b.WriteString("Diagnostics and generated types work either way.")
	return b.String()
}

// RedactURL hides a URL's password ("mongodb://u:xxxxx@host/db"); text
// that does not parse as a URL is returned as it is.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	return u.Redacted()
}

// ShellJoin quotes argv so that a POSIX shell would split it back into the
// same words.
func ShellJoin(argv []string) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		q[i] = ShellQuote(a)
	}
	return strings.Join(q, " ")
}

// ShellQuote quotes one word for a POSIX shell when it needs quoting.
func ShellQuote(s string) string {
	if s == "" {
		return "''"
	}
	safe := true
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=@%+{}", r)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
