package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/farm-stack/farm-lsp/lsp/lsptest"
)

// TestFieldInUseOverTheProtocol: removing a model field a component reads
// warns in the component at the read, with relatedInformation pointing at
// the model; putting the field back clears it.
func TestFieldInUseOverTheProtocol(t *testing.T) {
	c, root := session(t, nil)
	model := "apps/api/src/models/user.py"
	card := filepath.Join(root, "apps/web/src/components/UserCard.tsx")
	orig := read(t, root, model)
	abs := save(t, c, root, model, strings.Replace(orig, "    login_count: int = 0\n", "", 1))
	planFor(c, abs)
	d := c.AwaitDiagnostics(lsptest.URI(card), func(d lsptest.DiagnosticsMsg) bool {
		for _, x := range d.Diagnostics {
			if x.Code == "field-in-use" {
				return true
			}
		}
		return false
	})
	cardLines := strings.Split(read(t, root, "apps/web/src/components/UserCard.tsx"), "\n")
	for _, x := range d.Diagnostics {
		if x.Code != "field-in-use" {
			continue
		}
		if !strings.Contains(cardLines[x.Range.Start.Line], "login_count") || x.Severity != 2 {
			t.Errorf("field-in-use at %d (%q) severity %v", x.Range.Start.Line, cardLines[x.Range.Start.Line], x.Severity)
		}
		if len(x.RelatedInformation) == 0 || !strings.HasSuffix(string(x.RelatedInformation[0].Location.URI), "models/user.py") {
			t.Errorf("relatedInformation = %+v", x.RelatedInformation)
		}
	}
	save(t, c, root, model, orig)
	planFor(c, abs)
	c.AwaitDiagnostics(lsptest.URI(card), func(d lsptest.DiagnosticsMsg) bool {
		for _, x := range d.Diagnostics {
			if x.Code == "field-in-use" {
				return false
			}
		}
		return true
	})
}

// TestOllamaPullProgressOverTheProtocol: a model added in farm.config.ts is
// pulled from a local server speaking Ollama's NDJSON protocol, with
// begin/report/end work-done progress reaching the client.
func TestOllamaPullProgressOverTheProtocol(t *testing.T) {
	var mu sync.Mutex
	var pulls []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/tags":
			json.NewEncoder(w).Encode(map[string]any{"models": []map[string]string{{"name": "llama3.1:latest"}}})
		case "/api/pull":
			var req struct{ Model string }
			json.NewDecoder(r.Body).Decode(&req)
			mu.Lock()
			pulls = append(pulls, req.Model)
			mu.Unlock()
			enc := json.NewEncoder(w)
			enc.Encode(map[string]any{"status": "pulling manifest"})
			for _, done := range []int{0, 512, 1024} {
				enc.Encode(map[string]any{"status": "pulling sha256:feed", "digest": "sha256:feed", "total": 1024, "completed": done})
				w.(http.Flusher).Flush()
			}
			enc.Encode(map[string]any{"status": "success"})
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()

	c, root := session(t, trusted(nil))
	cfg := read(t, root, "farm.config.ts")
	cfg = strings.Replace(cfg, "url: 'http://127.0.0.1:11434'", "url: '"+srv.URL+"'", 1)
	// Point the provider at the local server first (a config change of the
	// provider's url), then add a model.
	abs := save(t, c, root, "farm.config.ts", cfg)
	planFor(c, abs)
	abs = save(t, c, root, "farm.config.ts", strings.Replace(cfg, "models: ['llama3.1'],", "models: ['llama3.1', 'qwen2.5'],", 1))
	p, r := planFor(c, abs)
	if st := taskStatus(r, "ai-model-reload"); st != "ok" {
		t.Fatalf("ai-model-reload %s: %+v", st, r.Tasks)
	}
	c.AwaitProgress(p.PlanID, "begin")
	rep := c.AwaitProgress(p.PlanID, "report")
	c.AwaitProgress(p.PlanID, "end")
	if rep.TokenString() != p.PlanID {
		t.Errorf("progress token %s, want the plan id %s", rep.Token, p.PlanID)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(pulls) != 1 || pulls[0] != "qwen2.5" {
		t.Errorf("pulls = %v, want only qwen2.5 (llama3.1 is installed)", pulls)
	}
}
