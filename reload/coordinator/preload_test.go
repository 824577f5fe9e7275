package coordinator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// ollamaLoads is an Ollama speaking its documented protocol that records
// the models loaded (/api/generate without a prompt) and pulled.
type ollamaLoads struct {
	*httptest.Server
	mu           sync.Mutex
	loads, pulls []string
	installed    []string
}

func newOllamaLoads(t *testing.T, installed ...string) *ollamaLoads {
	o := &ollamaLoads{installed: installed}
	o.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o.mu.Lock()
		defer o.mu.Unlock()
		var req map[string]any
		_ = json.NewDecoder(r.Body).Decode(&req)
		switch r.URL.Path {
		case "/api/tags":
			var models []map[string]string
			for _, m := range o.installed {
				models = append(models, map[string]string{"name": m + ":latest"})
			}
			json.NewEncoder(w).Encode(map[string]any{"models": models})
		case "/api/pull":
			m, _ := req["model"].(string)
			o.pulls = append(o.pulls, m)
			o.installed = append(o.installed, m)
			w.Header().Set("Content-Type", "application/x-ndjson")
			fmt.Fprintln(w, `{"status":"pulling manifest"}`)
			fmt.Fprintln(w, `{"status":"success"}`)
		case "/api/generate":
			m, _ := req["model"].(string)
			if _, unload := req["keep_alive"]; !unload {
				o.loads = append(o.loads, m)
			}
			fmt.Fprintf(w, `{"model":%q,"done":true}`, m)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(o.Close)
	return o
}

func (o *ollamaLoads) seen() (loads, pulls []string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.loads), slices.Clone(o.pulls)
}

// withOllama points the example's ollama provider at url and sets
// aiModels.preloadModels.
func withOllama(t *testing.T, url string, preload bool) func(root string) {
	return func(root string) {
		p := filepath.Join(root, "farm.config.ts")
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		s := strings.Replace(string(b), "url: 'http://127.0.0.1:11434'", "url: '"+url+"'", 1)
		s = strings.Replace(s, "preloadModels: true", fmt.Sprintf("preloadModels: %v", preload), 1)
		os.WriteFile(p, []byte(s), 0o644)
	}
}

// TestPreloadModels: aiModels.preloadModels pulls a missing configured
// model and loads it once the workspace is trusted — not before, and not
// at all when false.
func TestPreloadModels(t *testing.T) {
	awaitLoad := func(o *ollamaLoads) []string {
		deadline := time.Now().Add(20 * time.Second)
		for time.Now().Before(deadline) {
			if loads, _ := o.seen(); len(loads) > 0 {
				return loads
			}
			time.Sleep(10 * time.Millisecond)
		}
		return nil
	}
	t.Run("trusted", func(t *testing.T) {
		o := newOllamaLoads(t)
		start(t, Options{NoWatch: true, Trusted: true}, withOllama(t, o.URL, true))
		loads := awaitLoad(o)
		if _, pulls := o.seen(); !slices.Equal(loads, []string{"llama3.1"}) || !slices.Equal(pulls, []string{"llama3.1"}) {
			t.Fatalf("loads %v pulls %v, want llama3.1 pulled and loaded", loads, pulls)
		}
	})
	t.Run("untrusted until declared", func(t *testing.T) {
		o := newOllamaLoads(t, "llama3.1")
		c, rec, root := start(t, Options{NoWatch: true}, withOllama(t, o.URL, true))
		abs, text := edit(t, root, userPy, "    login_count: int = 0\n", "    # a comment\n    login_count: int = 0\n")
		c.Save(abs, text)
		rec.awaitPlan(t, 0)
		if loads, pulls := o.seen(); len(loads)+len(pulls) != 0 {
			t.Fatalf("untrusted workspace: loads %v pulls %v", loads, pulls)
		}
		c.Trust().Declare(true)
		if loads := awaitLoad(o); !slices.Equal(loads, []string{"llama3.1"}) {
			t.Fatalf("after trust: loads %v", loads)
		}
	})
	t.Run("false", func(t *testing.T) {
		o := newOllamaLoads(t)
		c, rec, root := start(t, Options{NoWatch: true, Trusted: true}, withOllama(t, o.URL, false))
		abs, text := edit(t, root, userPy, "    login_count: int = 0\n", "    # a comment\n    login_count: int = 0\n")
		c.Save(abs, text)
		rec.awaitPlan(t, 0)
		if loads, pulls := o.seen(); len(loads)+len(pulls) != 0 {
			t.Fatalf("preloadModels false: loads %v pulls %v", loads, pulls)
		}
	})
}
