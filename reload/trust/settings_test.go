package trust

import (
	"strings"
	"testing"

	"github.com/farm-stack/farm-lsp/analysis/config"
)

func exampleConfig() config.Config {
	c := config.Default()
	c.Development.Backend = &config.Backend{
		Command: []string{"sh", "-c", "touch marker; sleep 30"},
		Cwd:     "apps/api",
		Env:     map[string]string{"PYTHONPATH": "shims", "A": "it's"},
	}
	c.AI.Providers["ollama"] = config.Provider{Enabled: true, URL: "http://127.0.0.1:11434", Models: []string{"llama3.1"}}
	c.Database.URL = "mongodb://app:s3cret@127.0.0.1:27017/app"
	return c
}

func TestSettingsFromConfig(t *testing.T) {
	s := FromConfig("/w", exampleConfig())
	if s.Backend == nil || s.Backend.Dir != "/w/apps/api" || strings.Join(s.Backend.Env, " ") != "A=it's PYTHONPATH=shims" {
		t.Fatalf("backend = %+v", s.Backend)
	}
	if s.Ollama == nil || s.Ollama.URL != "http://127.0.0.1:11434" || len(s.Ollama.Models) != 1 {
		t.Fatalf("ollama = %+v", s.Ollama)
	}
	if s.ViteURL != "http://127.0.0.1:3000" || s.DatabaseURL != "mongodb://app:s3cret@127.0.0.1:27017/app" {
		t.Fatalf("urls = %q %q", s.ViteURL, s.DatabaseURL)
	}
	ext := FromConfig("/w", config.Default())
	if ext.Backend != nil || ext.Ollama != nil {
		t.Fatalf("defaults: %+v", ext)
	}
	off := exampleConfig()
	off.AI.Providers["ollama"] = config.Provider{Enabled: false, URL: "http://x"}
	if FromConfig("/w", off).Ollama != nil {
		t.Error("a disabled ollama provider is listed")
	}
}

func TestHash(t *testing.T) {
	base := FromConfig("/w", exampleConfig()).Hash()
	if !strings.HasPrefix(base, "sha256:") || len(base) != len("sha256:")+64 {
		t.Fatalf("hash = %q", base)
	}
	for i := 0; i < 20; i++ { // the env map is iterated in random order
		if h := FromConfig("/w", exampleConfig()).Hash(); h != base {
			t.Fatalf("hash not stable: %s vs %s", h, base)
		}
	}
	if h := FromConfig("/elsewhere/..", exampleConfig()); h.Hash() == base {
		t.Error("a different working directory gives the same hash")
	}
	changes := map[string]func(c *config.Config){
		"command":  func(c *config.Config) { c.Development.Backend.Command[2] = "touch other" },
		"cwd":      func(c *config.Config) { c.Development.Backend.Cwd = "." },
		"env":      func(c *config.Config) { c.Development.Backend.Env["PYTHONPATH"] = "x" },
		"database": func(c *config.Config) { c.Database.URL = "mongodb://db.example.com/app" },
		"models": func(c *config.Config) {
			p := c.AI.Providers["ollama"]
			p.Models = []string{"llama3.1", "big"}
			c.AI.Providers["ollama"] = p
		},
		"ollama": func(c *config.Config) {
			p := c.AI.Providers["ollama"]
			p.URL = "http://10.0.0.1:11434"
			c.AI.Providers["ollama"] = p
		},
		"vite":     func(c *config.Config) { c.Development.Frontend.URL = "http://10.0.0.2:3000" },
		"external": func(c *config.Config) { c.Development.Backend = nil },
	}
	for name, f := range changes {
		c := exampleConfig()
		f(&c)
		if FromConfig("/w", c).Hash() == base {
			t.Errorf("changing the %s keeps the hash", name)
		}
	}
	same := exampleConfig()
	same.Development.HotReload.Watch.DebounceMs = 7
	same.Name = "renamed"
	if FromConfig("/w", same).Hash() != base {
		t.Error("settings that run nothing changed the hash")
	}
}

func TestQuestionShowsWhatRuns(t *testing.T) {
	q := FromConfig("/w", exampleConfig()).Question()
	for _, want := range []string{
		"/w?",
		"backend command: sh -c 'touch marker; sleep 30'",
		"in directory: /w/apps/api",
		`with environment: 'A=it'\''s'`,
		"with environment: PYTHONPATH=shims",
		"mongodb://app:xxxxx@127.0.0.1:27017/app",
		"Ollama at http://127.0.0.1:11434: pull/unload models llama3.1",
		"Vite reload requests: http://127.0.0.1:3000",
	} {
		if !strings.Contains(q, want) {
			t.Errorf("question lacks %q:\n%s", want, q)
		}
	}
	if strings.Contains(q, "s3cret") {
		t.Errorf("question shows the database password:\n%s", q)
	}
	if q := FromConfig("/w", config.Default()).Question(); !strings.Contains(q, "backend: none started (external mode)") {
		t.Errorf("external mode question:\n%s", q)
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"python3": "python3", "--port": "--port", "{port}": "{port}", "": "''", "a b": "'a b'",
		"it's": `'it'\''s'`, "$HOME": "'$HOME'", "a,b": "'a,b'", "{a,b}": "'{a,b}'", "x;y": "'x;y'",
	} {
		if got := ShellQuote(in); got != want {
			t.Errorf("ShellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}
