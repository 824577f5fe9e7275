package ollama

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/reload/executor"
	"github.com/farm-stack/farm-lsp/reload/plan"
)

// fakeOllama speaks Ollama's documented REST protocol (RUNTIME.md).
type fakeOllama struct {
	*httptest.Server
	mu      sync.Mutex
	pulls   []string
	unloads []string
	deletes []string
	hooks   []map[string]any
	tags    []string
	loads   []string
}

func newFake(t *testing.T, installed ...string) *fakeOllama {
	f := &fakeOllama{tags: installed}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/tags", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		var models []map[string]any
		for _, m := range f.tags {
			models = append(models, map[string]any{"name": m, "model": m, "size": 1})
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"models": models})
	})
	mux.HandleFunc("POST /api/pull", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Model  string `json:"model"`
			Stream bool   `json:"stream"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || !req.Stream {
			http.Error(w, `{"error":"bad request"}`, http.StatusBadRequest)
			return
		}
		f.mu.Lock()
		f.pulls = append(f.pulls, req.Model)
		f.mu.Unlock()
		if req.Model == "missing" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"error":"pull model manifest: file does not exist"}`)
			return
		}
		w.Header().Set("Content-Type", "application/x-ndjson")
		fl := w.(http.Flusher)
		line := func(s string) { fmt.Fprintln(w, s); fl.Flush() }
		line(`{"status":"pulling manifest"}`)
		line(`{"status":"pulling sha256:aaa","digest":"sha256:aaa","total":2000,"completed":0}`)
		line(`{"status":"pulling sha256:aaa","digest":"sha256:aaa","total":2000,"completed":1000}`)
		if req.Model == "broken" {
			line(`{"error":"max retries exceeded: connection reset"}`)
			return
		}
		line(`{"status":"pulling sha256:aaa","digest":"sha256:aaa","total":2000,"completed":2000}`)
		line(`{"status":"verifying sha256 digest"}`)
		line(`{"status":"writing manifest"}`)
		// Installed before "success" is sent, as Ollama does: a client
		// that lists the tags right after must see it.
		f.mu.Lock()
		f.tags = append(f.tags, req.Model+":latest")
		f.mu.Unlock()
		line(`{"status":"success"}`)
	})
	mux.HandleFunc("POST /api/generate", func(w http.ResponseWriter, r *http.Request) {
		var req map[string]any
		_ = json.NewDecoder(r.Body).Decode(&req)
		if _, ok := req["keep_alive"]; !ok && req["prompt"] == nil {
			// No prompt: load the model into memory (Ollama's documented way).
			f.mu.Lock()
			f.loads = append(f.loads, req["model"].(string))
			f.mu.Unlock()
			fmt.Fprintf(w, `{"model":%q,"response":"","done":true,"done_reason":"load"}`, req["model"])
			return
		}
		if ka, ok := req["keep_alive"]; !ok || ka != float64(0) {
			http.Error(w, `{"error":"unexpected generate"}`, http.StatusBadRequest)
			return
		}
		f.mu.Lock()
		f.unloads = append(f.unloads, req["model"].(string))
		f.mu.Unlock()
		fmt.Fprintf(w, `{"model":%q,"response":"","done":true,"done_reason":"unload"}`, req["model"])
	})
	mux.HandleFunc("DELETE /api/delete", func(w http.ResponseWriter, r *http.Request) {
		var req map[string]string
		_ = json.NewDecoder(r.Body).Decode(&req)
		f.mu.Lock()
		f.deletes = append(f.deletes, req["model"])
		f.mu.Unlock()
	})
	mux.HandleFunc("POST /hook", func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		f.mu.Lock()
		f.hooks = append(f.hooks, body)
		f.mu.Unlock()
	})
	f.Server = httptest.NewServer(mux)
	t.Cleanup(f.Close)
	return f
}

func (f *fakeOllama) snapshot() (pulls, unloads, deletes []string, hooks []map[string]any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.pulls), slices.Clone(f.unloads), slices.Clone(f.deletes), slices.Clone(f.hooks)
}

// Value builders.
func str(s string, line, char int) *facts.Value {
	return &facts.Value{Kind: facts.ValueString, Str: s, Range: facts.Range{
		Start: facts.Pos{Line: line, Char: char}, End: facts.Pos{Line: line, Char: char + len(s) + 2}}}
}

func obj(kv ...any) *facts.Value {
	v := &facts.Value{Kind: facts.ValueObject, Fields: map[string]*facts.Value{}}
	for i := 0; i < len(kv); i += 2 {
		k := kv[i].(string)
		v.Keys = append(v.Keys, k)
		v.Fields[k] = kv[i+1].(*facts.Value)
	}
	return v
}

func boolean(b bool) *facts.Value { return &facts.Value{Kind: facts.ValueBool, Bool: b} }

// config is farm.config.ts with the models array on line 4, one model per
// 20 columns.
func config(url string, hook string, models ...string) *facts.Value {
	items := &facts.Value{Kind: facts.ValueArray}
	for i, m := range models {
		items.Items = append(items.Items, str(m, 4, 10+20*i))
	}
	ollama := obj("enabled", boolean(true), "url", str(url, 3, 10), "models", items)
	root := obj("ai", obj("providers", obj("ollama", ollama)))
	if hook != "" {
		root.Keys = append(root.Keys, "development")
		root.Fields["development"] = obj("hotReload", obj("aiModels", obj("hookUrl", str(hook, 9, 4))))
	}
	return root
}

type cfgHolder struct {
	mu sync.Mutex
	v  *facts.Value
}

func (c *cfgHolder) set(v *facts.Value) { c.mu.Lock(); c.v = v; c.mu.Unlock() }
func (c *cfgHolder) get() *facts.Value  { c.mu.Lock(); defer c.mu.Unlock(); return c.v }

type report struct {
	msg     string
	percent int
}

type recorder struct {
	mu      sync.Mutex
	reports []report
}

func (r *recorder) Report(msg string, percent int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reports = append(r.reports, report{msg, percent})
}

func run(t *testing.T, ex *Executor) (executor.Result, *recorder) {
	t.Helper()
	rec := &recorder{}
	res := ex.Run(context.Background(), plan.Task{Kind: plan.AIModelReload, Target: "ollama"}, rec)
	t.Logf("run: %s %q", res.Status, res.Message)
	return res, rec
}

func setup(t *testing.T, f *fakeOllama, hook string, initial ...string) (*Executor, *cfgHolder) {
	c := &cfgHolder{}
	c.set(config(f.URL, hook, initial...))
	return New(Options{Config: c.get}), c
}

func TestPullAddedModelStreamsProgress(t *testing.T) {
	f := newFake(t, "present:latest")
	ex, c := setup(t, f, "", "present")
	c.set(config(f.URL, "", "present", "llama3.2"))
	res, rec := run(t, ex)
	if res.Status != executor.OK || res.Diagnostics != nil {
		t.Fatalf("result = %+v", res)
	}
	pulls, _, _, _ := f.snapshot()
	if !slices.Equal(pulls, []string{"llama3.2"}) {
		t.Errorf("pulls = %v, want only llama3.2", pulls)
	}
	r := rec.reports
	if len(r) < 4 {
		t.Fatalf("reports = %+v", r)
	}
	if first := r[0]; first.percent != 0 || !strings.Contains(first.msg, "pulling llama3.2") {
		t.Errorf("begin report = %+v", first)
	}
	if last := r[len(r)-1]; last.percent != 100 || !strings.Contains(last.msg, "pulled llama3.2") {
		t.Errorf("end report = %+v", last)
	}
	var pcts []int
	for _, x := range r[1 : len(r)-1] {
		if x.percent >= 0 {
			pcts = append(pcts, x.percent)
		}
	}
	if !slices.Equal(pcts, []int{0, 50, 100}) {
		t.Errorf("progress percents = %v, want [0 50 100] from completed/total", pcts)
	}
	if !slices.ContainsFunc(r, func(x report) bool { return strings.Contains(x.msg, "1000 B / 2.0 kB") }) {
		t.Errorf("no report with sizes: %+v", r)
	}
}

func TestPullFailuresBecomeDiagnostics(t *testing.T) {
	tests := []struct {
		model   string
		wantMsg string
	}{
		{"missing", "HTTP 404: pull model manifest: file does not exist"},
		{"broken", "max retries exceeded: connection reset"},
	}
	for _, tt := range tests {
		t.Run(tt.model, func(t *testing.T) {
			f := newFake(t)
			ex, c := setup(t, f, "", "a")
			f.tags = []string{"a:latest"}
			c.set(config(f.URL, "", "a", tt.model))
			res, _ := run(t, ex)
			if res.Status != executor.Failed || res.Transient {
				t.Fatalf("result = %+v", res)
			}
			ds := res.Diagnostics["farm.config.ts"]
			if len(ds) != 1 {
				t.Fatalf("diagnostics = %+v", res.Diagnostics)
			}
			d := ds[0]
			wantRange := facts.Range{Start: facts.Pos{Line: 4, Char: 30}, End: facts.Pos{Line: 4, Char: 32 + len(tt.model)}}
			if d.Code != facts.CodeReloadFailed || d.Range != wantRange || !strings.Contains(d.Message, tt.wantMsg) {
				t.Errorf("diagnostic = %+v, want %s at %v", d, tt.wantMsg, wantRange)
			}
			// A failed model is tried again on the next run.
			if res, _ := run(t, ex); res.Status != executor.Failed {
				t.Errorf("retry = %+v", res)
			}
			if pulls, _, _, _ := f.snapshot(); len(pulls) != 2 {
				t.Errorf("pulls = %v, want two attempts", pulls)
			}
			// Removing it from the config clears the diagnostic.
			c.set(config(f.URL, "", "a"))
			res, _ = run(t, ex)
			if ds, ok := res.Diagnostics["farm.config.ts"]; res.Status != executor.OK || !ok || len(ds) != 0 {
				t.Errorf("after removal = %+v, want the diagnostics cleared", res)
			}
		})
	}
}

func TestAlreadyPresentModelNotPulled(t *testing.T) {
	f := newFake(t, "llama3.2:latest", "qwen2.5:7b")
	ex, c := setup(t, f, "")
	c.set(config(f.URL, "", "llama3.2", "qwen2.5:7b"))
	res, _ := run(t, ex)
	if res.Status != executor.OK || !strings.Contains(res.Message, "llama3.2 already present") {
		t.Fatalf("result = %+v", res)
	}
	if pulls, _, _, _ := f.snapshot(); len(pulls) != 0 {
		t.Errorf("pulled %v", pulls)
	}
}

func TestRemovedModelUnloadedNotDeleted(t *testing.T) {
	f := newFake(t, "a:latest", "b:latest")
	ex, c := setup(t, f, "", "a", "b")
	c.set(config(f.URL, "", "a"))
	res, _ := run(t, ex)
	if res.Status != executor.OK || !strings.Contains(res.Message, "unloaded b") {
		t.Fatalf("result = %+v", res)
	}
	pulls, unloads, deletes, _ := f.snapshot()
	if !slices.Equal(unloads, []string{"b"}) || len(deletes) != 0 || len(pulls) != 0 {
		t.Errorf("unloads %v deletes %v pulls %v", unloads, deletes, pulls)
	}
}

func TestOllamaDownSkips(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + l.Addr().String()
	_ = l.Close()
	c := &cfgHolder{}
	c.set(config(url, ""))
	ex := New(Options{Config: c.get})
	c.set(config(url, "", "llama3.2"))
	res, _ := run(t, ex)
	if res.Status != executor.Skipped || !res.Transient || !strings.HasPrefix(res.Message, "ollama not reachable at "+url) {
		t.Fatalf("result = %+v", res)
	}
}

func TestHookGetsNewProviderConfig(t *testing.T) {
	f := newFake(t, "a:latest", "b:latest")
	ex, c := setup(t, f, f.URL+"/hook", "a")
	c.set(config(f.URL, f.URL+"/hook", "a", "b"))
	res, _ := run(t, ex)
	if res.Status != executor.OK || !strings.Contains(res.Message, "backend hook notified") {
		t.Fatalf("result = %+v", res)
	}
	_, _, _, hooks := f.snapshot()
	if len(hooks) != 1 {
		t.Fatalf("hooks = %v", hooks)
	}
	cfg, _ := hooks[0]["config"].(map[string]any)
	if hooks[0]["provider"] != "ollama" || fmt.Sprint(cfg["models"]) != "[a b]" {
		t.Errorf("hook body = %v", hooks[0])
	}
	// No change → no hook call.
	run(t, ex)
	if _, _, _, hooks := f.snapshot(); len(hooks) != 1 {
		t.Errorf("hook called without a change: %v", hooks)
	}
}

func TestPullAndDeleteCommands(t *testing.T) {
	f := newFake(t)
	ex, _ := setup(t, f, "")
	rec := &recorder{}
	if err := ex.Pull(context.Background(), "llama3.2", rec); err != nil {
		t.Fatal(err)
	}
	if err := ex.Pull(context.Background(), "missing", rec); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("Pull(missing) = %v", err)
	}
	installed, err := ex.Installed(context.Background())
	if err != nil || !slices.Equal(installed, []string{"llama3.2:latest"}) {
		t.Errorf("Installed = %v, %v", installed, err)
	}
	if err := ex.Delete(context.Background(), "llama3.2"); err != nil {
		t.Fatal(err)
	}
	if _, _, deletes, _ := f.snapshot(); !slices.Equal(deletes, []string{"llama3.2"}) {
		t.Errorf("deletes = %v", deletes)
	}
}

func TestReadConfig(t *testing.T) {
	v := obj("ai", obj("providers", obj("ollama", obj(
		"models", &facts.Value{Kind: facts.ValueArray, Items: []*facts.Value{str("a", 1, 1), str("a", 1, 9)}},
		"defaultModel", str("b", 2, 3),
		"hookUrl", str("http://x/hook", 3, 3)))))
	p := ReadConfig(v)
	if !p.Enabled || p.URL != DefaultURL || !slices.Equal(p.Models, []string{"a", "b"}) || p.DefaultModel != "b" ||
		p.HookURL != "http://x/hook" || p.Ranges["b"].Start.Line != 2 {
		t.Errorf("ReadConfig = %+v", p)
	}
	if p := ReadConfig(nil); p.Enabled || p.URL != DefaultURL {
		t.Errorf("ReadConfig(nil) = %+v", p)
	}
}

func TestProviderRemovedUnloadsAndNotifies(t *testing.T) {
	f := newFake(t, "a:latest")
	c := &cfgHolder{}
	c.set(config(f.URL, f.URL+"/hook", "a"))
	ex := New(Options{Config: c.get})
	// ai.providers.ollama gone; the hook stays under development.
	c.set(obj("development", obj("hotReload", obj("aiModels", obj("hookUrl", str(f.URL+"/hook", 9, 4))))))
	res, _ := run(t, ex)
	if res.Status != executor.OK {
		t.Fatalf("result = %+v", res)
	}
	_, unloads, deletes, hooks := f.snapshot()
	if !slices.Equal(unloads, []string{"a"}) || len(deletes) != 0 {
		t.Errorf("unloads %v deletes %v", unloads, deletes)
	}
	if len(hooks) != 1 || hooks[0]["config"] != nil {
		t.Errorf("hooks = %v, want one call with a null config", hooks)
	}
}

// withAIModels adds development.hotReload.aiModels to a config value.
func withAIModels(root *facts.Value, aiModels *facts.Value) *facts.Value {
	root.Keys = append(root.Keys, "development")
	root.Fields["development"] = obj("hotReload", obj("aiModels", aiModels))
	return root
}

// TestHotSwapFalseChangesNothingAtRuntime: aiModels.hotSwap false → a
// model change neither pulls, unloads nor calls the hook; it applies once
// hotSwap is true again.
func TestHotSwapFalseChangesNothingAtRuntime(t *testing.T) {
	f := newFake(t, "old:latest")
	hook := f.URL + "/hook"
	c := &cfgHolder{}
	c.set(withAIModels(config(f.URL, "", "old"), obj("hotSwap", boolean(false), "hookUrl", str(hook, 9, 4))))
	ex := New(Options{Config: c.get})
	c.set(withAIModels(config(f.URL, "", "new"), obj("hotSwap", boolean(false), "hookUrl", str(hook, 9, 4))))
	res, _ := run(t, ex)
	if res.Status != executor.Skipped || !strings.Contains(res.Message, "aiModels.hotSwap is false") ||
		!strings.Contains(res.Message, "added new; removed old") {
		t.Fatalf("result = %+v", res)
	}
	pulls, unloads, _, hooks := f.snapshot()
	if len(pulls)+len(unloads)+len(hooks) != 0 {
		t.Fatalf("hotSwap false still swapped: pulls %v unloads %v hooks %d", pulls, unloads, len(hooks))
	}
	// hotSwap back on: the pending change applies.
	c.set(withAIModels(config(f.URL, "", "new"), obj("hotSwap", boolean(true), "hookUrl", str(hook, 9, 4))))
	if res, _ := run(t, ex); res.Status != executor.OK {
		t.Fatalf("after hotSwap true: %+v", res)
	}
	pulls, unloads, _, _ = f.snapshot()
	if !slices.Equal(pulls, []string{"new"}) || !slices.Equal(unloads, []string{"old"}) {
		t.Errorf("after hotSwap true: pulls %v unloads %v, want [new] [old]", pulls, unloads)
	}
}

// TestPreload: aiModels.preloadModels → Preload pulls what is missing and
// loads every configured model; false → nothing.
func TestPreload(t *testing.T) {
	f := newFake(t, "present:latest")
	c := &cfgHolder{}
	c.set(config(f.URL, "", "present", "llama3.2")) // preloadModels defaults to true
	ex := New(Options{Config: c.get})
	rec := &recorder{}
	res := ex.Preload(context.Background(), rec)
	if res.Status != executor.OK || res.Message != "preload: loaded present; pulled llama3.2; loaded llama3.2" {
		t.Fatalf("result = %+v", res)
	}
	f.mu.Lock()
	pulls, loads := slices.Clone(f.pulls), slices.Clone(f.loads)
	f.mu.Unlock()
	if !slices.Equal(pulls, []string{"llama3.2"}) || !slices.Equal(loads, []string{"present", "llama3.2"}) {
		t.Errorf("pulls %v loads %v", pulls, loads)
	}
	if len(rec.reports) == 0 {
		t.Error("no progress reported")
	}

	for name, ai := range map[string]*facts.Value{
		"preloadModels false": obj("preloadModels", boolean(false)),
		"aiModels false":      boolean(false),
	} {
		g := newFake(t)
		c.set(withAIModels(config(g.URL, "", "llama3.2"), ai))
		res := ex.Preload(context.Background(), nil)
		g.mu.Lock()
		n := len(g.pulls) + len(g.loads)
		g.mu.Unlock()
		if res.Status != executor.Skipped || n != 0 {
			t.Errorf("%s: %+v, %d requests", name, res, n)
		}
	}
	closed := newFake(t)
	closed.Close()
	c.set(config(closed.URL, "", "llama3.2"))
	if res := ex.Preload(context.Background(), nil); res.Status != executor.Skipped || !res.Transient || !strings.Contains(res.Message, "not reachable") {
		t.Errorf("unreachable: %+v", res)
	}
}
