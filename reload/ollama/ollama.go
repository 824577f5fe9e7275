// Package ollama is the ai-model-reload executor for the Ollama provider:
// it compares farm.config.ts's ai.providers.ollama with the previous
// version, pulls added models (streaming /api/pull progress to the
// reporter, skipping models already installed), unloads removed models
// (keep_alive 0, never deleted) and tells an optional backend hook about
// the new provider configuration.
//
// development.hotReload.aiModels.hotSwap (default true) is the swapping
// at runtime: when false, Run changes nothing while farm-lsp runs (no pull,
// no unload, no hook) and says so; the changes stay pending and apply once
// hotSwap is true again, or at the next start through Preload.
// aiModels.preloadModels (default true) is Preload: at start, pull the
// configured models Ollama lacks and load each into memory. Preload is a
// side effect on the user's machine (downloads); the caller decides whether
// the workspace is trusted before calling it.
package ollama

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/reload/executor"
	"github.com/farm-stack/farm-lsp/reload/plan"
)

var _ executor.Executor = (*Executor)(nil)

// DefaultURL is Ollama's default address.
const DefaultURL = "http://127.0.0.1:11434"

// Options configure an Executor.
type Options struct {
	// Config returns farm.config.ts's evaluated object (read on every run).
	Config func() *facts.Value
	// ConfigPath is farm.config.ts's workspace-relative path, where
	// diagnostics go (default "farm.config.ts").
	ConfigPath string
	// HTTP is the client for Ollama and the hook (default: a client
	// without an overall timeout, since pulls stream for minutes).
	HTTP   *http.Client
	Logger *slog.Logger
	// Timeout bounds the short requests: tags, unload, delete, hook
	// (default 5s).
	Timeout time.Duration
}

// Provider is ai.providers.ollama as farm-lsp reads it.
type Provider struct {
	Enabled      bool     `json:"enabled"`
	URL          string   `json:"url"`
	Models       []string `json:"models"`
	DefaultModel string   `json:"defaultModel,omitempty"`
	// HookURL is ai.providers.ollama.hookUrl, else
	// development.hotReload.aiModels.hookUrl.
	HookURL string `json:"-"`
	// Ranges locates each model string (models items and defaultModel)
	// in farm.config.ts.
	Ranges map[string]facts.Range `json:"-"`
	// AIModels is development.hotReload.aiModels.enabled (default true;
	// `aiModels: false` turns it off).
	AIModels bool `json:"-"`
	// HotSwap is aiModels.hotSwap (default true).
	HotSwap bool `json:"-"`
	// Preload is aiModels.preloadModels (default true).
	Preload bool `json:"-"`
	// raw is the provider object as JSON, for the hook.
	raw any
}

// ReadConfig reads the Ollama provider from farm.config.ts's value. A
// missing provider reads as disabled; a provider without `enabled` is
// enabled. defaultModel counts as a configured model.
func ReadConfig(cfg *facts.Value) Provider {
	p := Provider{URL: DefaultURL, Ranges: map[string]facts.Range{},
		HookURL:  cfg.Get("development.hotReload.aiModels.hookUrl").String(""),
		AIModels: true, HotSwap: true, Preload: true}
	switch am := cfg.Get("development.hotReload.aiModels"); {
	case am != nil && am.Kind == facts.ValueBool:
		p.AIModels = am.Bool
	case am != nil && am.Kind == facts.ValueObject:
		p.AIModels = am.Get("enabled").Boolean(true)
		p.HotSwap = am.Get("hotSwap").Boolean(true)
		p.Preload = am.Get("preloadModels").Boolean(true)
	}
	v := cfg.Get("ai.providers.ollama")
	if v == nil || v.Kind != facts.ValueObject {
		return p
	}
	p.Enabled = v.Get("enabled").Boolean(true)
	p.URL = strings.TrimRight(v.Get("url").String(DefaultURL), "/")
	if models := v.Get("models"); models != nil && models.Kind == facts.ValueArray {
		for _, it := range models.Items {
			if it != nil && it.Kind == facts.ValueString && it.Str != "" && !slices.Contains(p.Models, it.Str) {
				p.Models = append(p.Models, it.Str)
				p.Ranges[it.Str] = it.Range
			}
		}
	}
	if d := v.Get("defaultModel"); d != nil && d.Kind == facts.ValueString && d.Str != "" {
		p.DefaultModel = d.Str
		if !slices.Contains(p.Models, d.Str) {
			p.Models = append(p.Models, d.Str)
			p.Ranges[d.Str] = d.Range
		}
	}
	p.HookURL = v.Get("hookUrl").String(p.HookURL)
	p.raw = plain(v)
	return p
}

// plain converts a Value to JSON-ready Go values.
func plain(v *facts.Value) any {
	if v == nil {
		return nil
	}
	switch v.Kind {
	case facts.ValueString:
		return v.Str
	case facts.ValueNumber:
		return v.Num
	case facts.ValueBool:
		return v.Bool
	case facts.ValueArray:
		out := make([]any, len(v.Items))
		for i, it := range v.Items {
			out[i] = plain(it)
		}
		return out
	case facts.ValueObject:
		out := make(map[string]any, len(v.Keys))
		for _, k := range v.Keys {
			out[k] = plain(v.Fields[k])
		}
		return out
	}
	return nil
}

// Executor runs ai-model-reload tasks. Runs are serialised.
type Executor struct {
	opts Options
	log  *slog.Logger

	mu     sync.Mutex
	prev   Provider
	failed map[string]bool // models whose last pull failed: retried next run
	// diagnosed says the last result carried diagnostics to clear later.
	diagnosed bool
}

// New returns an executor whose previous configuration is the current
// Config().
func New(opts Options) *Executor {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.HTTP == nil {
		opts.HTTP = &http.Client{}
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 5 * time.Second
	}
	if opts.ConfigPath == "" {
		opts.ConfigPath = "farm.config.ts"
	}
	if opts.Config == nil {
		opts.Config = func() *facts.Value { return nil }
	}
	return &Executor{
		opts:   opts,
		log:    opts.Logger.With("executor", string(plan.AIModelReload)),
		prev:   ReadConfig(opts.Config()),
		failed: map[string]bool{},
	}
}

// Run implements executor.Executor.
func (e *Executor) Run(ctx context.Context, task plan.Task, r executor.Reporter) (res executor.Result) {
	defer func() {
		if p := recover(); p != nil {
			e.log.Error("ai model reload panicked", "panic", p)
			res = executor.Result{Status: executor.Failed, Message: fmt.Sprintf("ai model reload panicked: %v", p)}
		}
	}()
	if r == nil {
		r = executor.NopReporter{}
	}
	e.mu.Lock()
	defer e.mu.Unlock()

	// The farm.config the task was planned from, not the live one.
	cfgValue := e.opts.Config()
	if task.State != nil {
		cfgValue = nil
		if f := task.State.Snapshot.Files[e.opts.ConfigPath]; f != nil {
			cfgValue = f.Config
		}
	}
	prev, cur := e.prev, ReadConfig(cfgValue)
	if !prev.Enabled {
		prev.Models = nil
	}
	if !cur.Enabled {
		cur.Models = nil
	}
	var added, removed []string
	if prev.URL != cur.URL {
		added = cur.Models // a new server: every model is new there
	} else {
		for _, m := range cur.Models {
			if !slices.Contains(prev.Models, m) || e.failed[m] {
				added = append(added, m)
			}
		}
	}
	for _, m := range prev.Models {
		if !slices.Contains(cur.Models, m) || prev.URL != cur.URL {
			removed = append(removed, m)
		}
	}
	changed := prevCanonical(prev) != prevCanonical(cur)
	if !cur.HotSwap && (len(added)+len(removed) > 0 || changed) {
		// Nothing is swapped at runtime; prev stays what Ollama has, so
		// the changes apply once hotSwap is true again.
		return executor.Result{Status: executor.Skipped, Message: "aiModels.hotSwap is false: " +
			describe(added, removed) + " not applied while farm-lsp runs (they apply at the next start, or when hotSwap is true)"}
	}
	e.prev = ReadConfig(cfgValue)

	for m := range e.failed {
		if !slices.Contains(cur.Models, m) {
			delete(e.failed, m)
		}
	}

	var notes []string
	var diags []facts.Diagnostic
	res = executor.Result{Status: executor.OK}
	if len(added)+len(removed) > 0 {
		res, diags = e.apply(ctx, prev.URL, cur, added, removed, r)
		if res.Status == executor.Skipped {
			return res
		}
		notes = append(notes, res.Message)
	}
	if len(diags) > 0 || e.diagnosed {
		if diags == nil {
			diags = []facts.Diagnostic{} // clears the earlier pull failures
		}
		res.Diagnostics = map[string][]facts.Diagnostic{e.opts.ConfigPath: diags}
	}
	e.diagnosed = len(diags) > 0
	if changed && cur.HookURL != "" {
		if err := e.hook(ctx, cur); err != nil {
			notes = append(notes, "backend hook: "+err.Error())
			e.log.Warn("ai hook", "url", cur.HookURL, "err", err)
		} else {
			notes = append(notes, "backend hook notified")
		}
	}
	if len(notes) == 0 {
		notes = append(notes, "no Ollama model changes")
	}
	res.Message = strings.Join(notes, "; ")
	return res
}

// describe lists model changes for a message.
func describe(added, removed []string) string {
	var parts []string
	if len(added) > 0 {
		parts = append(parts, "added "+strings.Join(added, ", "))
	}
	if len(removed) > 0 {
		parts = append(parts, "removed "+strings.Join(removed, ", "))
	}
	if len(parts) == 0 {
		return "the provider change"
	}
	return "model changes (" + strings.Join(parts, "; ") + ")"
}

// Preload is aiModels.preloadModels: it pulls the configured models Ollama
// does not have (progress to r) and loads every configured model into
// memory (POST /api/generate without a prompt). It does nothing, Skipped,
// when preloadModels or aiModels is off or the provider is disabled, and
// is Skipped (transient) when Ollama is not reachable.
func (e *Executor) Preload(ctx context.Context, r executor.Reporter) executor.Result {
	if r == nil {
		r = executor.NopReporter{}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	cur := ReadConfig(e.opts.Config())
	switch {
	case !cur.Enabled:
		return executor.Result{Status: executor.Skipped, Message: "ai.providers.ollama is not enabled: nothing to preload"}
	case !cur.AIModels:
		return executor.Result{Status: executor.Skipped, Message: "aiModels is disabled: nothing preloaded"}
	case !cur.Preload:
		return executor.Result{Status: executor.Skipped, Message: "aiModels.preloadModels is false: models load on first use"}
	case len(cur.Models) == 0:
		return executor.Result{Status: executor.OK, Message: "no Ollama models configured"}
	}
	installed, err := e.tags(ctx, cur.URL)
	if err != nil {
		return executor.Result{Status: executor.Skipped, Transient: true,
			Message: fmt.Sprintf("ollama not reachable at %s: %v", cur.URL, err)}
	}
	res := executor.Result{Status: executor.OK}
	var notes []string
	for i, m := range cur.Models {
		if !installed[normalize(m)] {
			if err := e.pull(ctx, cur.URL, m, scaledReporter{r: r, index: i, count: len(cur.Models)}); err != nil {
				e.failed[m] = true
				res.Status = executor.Failed
				res.Transient = res.Transient || isTransient(err)
				notes = append(notes, err.Error())
				continue
			}
			notes = append(notes, "pulled "+m)
		}
		r.Report("loading "+m, -1)
		if err := e.load(ctx, cur.URL, m); err != nil {
			res.Status = executor.Failed
			notes = append(notes, fmt.Sprintf("load %s: %v", m, err))
			continue
		}
		notes = append(notes, "loaded "+m)
	}
	res.Message = "preload: " + strings.Join(notes, "; ")
	return res
}

// load asks Ollama to load a model into memory: /api/generate with no
// prompt (Ollama's documented way), not bounded by Options.Timeout since
// loading a large model takes a while.
func (e *Executor) load(ctx context.Context, base, model string) error {
	resp, err := e.do(ctx, http.MethodPost, base+"/api/generate", map[string]any{"model": model, "stream": false}, false)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.Body.Close()
}

func prevCanonical(p Provider) string {
	b, _ := json.Marshal(p.raw)
	return fmt.Sprintf("%v|%s|%v|%s", p.Enabled, p.URL, p.Models, b)
}

// apply unloads removed models and pulls added ones that are not
// installed; it returns the pull-failure diagnostics.
func (e *Executor) apply(ctx context.Context, oldURL string, cur Provider, added, removed []string, r executor.Reporter) (executor.Result, []facts.Diagnostic) {
	// /api/tags doubles as the reachability check (of the old server when
	// there is nothing to pull).
	check := cur.URL
	if len(added) == 0 {
		check = oldURL
	}
	installed, err := e.tags(ctx, check)
	if err != nil {
		for _, m := range added {
			e.failed[m] = true // pull when Ollama is back
		}
		return executor.Result{Status: executor.Skipped, Transient: true,
			Message: fmt.Sprintf("ollama not reachable at %s: %v", check, err)}, nil
	}
	var notes []string
	for _, m := range removed {
		if err := e.unload(ctx, oldURL, m); err != nil {
			notes = append(notes, fmt.Sprintf("unload %s: %v", m, err))
			e.log.Warn("unload", "model", m, "err", err)
		} else {
			notes = append(notes, "unloaded "+m)
		}
	}
	res := executor.Result{Status: executor.OK}
	var diags []facts.Diagnostic
	for i, m := range added {
		if installed[normalize(m)] {
			delete(e.failed, m)
			notes = append(notes, m+" already present")
			continue
		}
		scaled := scaledReporter{r: r, index: i, count: len(added)}
		if err := e.pull(ctx, cur.URL, m, scaled); err != nil {
			e.failed[m] = true
			res.Status = executor.Failed
			res.Transient = res.Transient || isTransient(err)
			notes = append(notes, err.Error())
			diags = append(diags, facts.Diagnostic{
				Path:     e.opts.ConfigPath,
				Range:    cur.Ranges[m],
				Severity: facts.SeverityError,
				Code:     facts.CodeReloadFailed,
				Message:  fmt.Sprintf("Ollama could not pull %q: %v", m, errors.Unwrap(err)),
			})
			continue
		}
		delete(e.failed, m)
		notes = append(notes, "pulled "+m)
	}
	res.Message = strings.Join(notes, "; ")
	return res, diags
}

// scaledReporter maps one model's 0..100 onto its share of the whole run.
type scaledReporter struct {
	r            executor.Reporter
	index, count int
}

func (s scaledReporter) Report(msg string, percent int) {
	if percent >= 0 {
		percent = (s.index*100 + percent) / s.count
	}
	s.r.Report(msg, percent)
}

// normalize adds the implicit ":latest" tag.
func normalize(model string) string {
	if i := strings.LastIndex(model, ":"); i < 0 || strings.Contains(model[i:], "/") {
		return model + ":latest"
	}
	return model
}

// Pull pulls a model from the configured Ollama (farm.pullModel),
// reporting progress.
func (e *Executor) Pull(ctx context.Context, model string, r executor.Reporter) error {
	if r == nil {
		r = executor.NopReporter{}
	}
	return e.pull(ctx, e.url(), model, r)
}

// Delete removes a model from Ollama's disk. It is destructive and only
// runs on an explicit request; Run never deletes.
func (e *Executor) Delete(ctx context.Context, model string) error {
	resp, err := e.do(ctx, http.MethodDelete, e.url()+"/api/delete", map[string]any{"model": model}, true)
	if err != nil {
		return fmt.Errorf("delete %s: %w", model, err)
	}
	_ = resp.Body.Close()
	return nil
}

// Installed returns the models Ollama has (GET /api/tags), names
// normalised with their tag ("llama3.2:latest").
func (e *Executor) Installed(ctx context.Context) ([]string, error) {
	set, err := e.tags(ctx, e.url())
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(set))
	for m := range set {
		out = append(out, m)
	}
	slices.Sort(out)
	return out, nil
}

func (e *Executor) url() string {
	return ReadConfig(e.opts.Config()).URL
}

// apiError is Ollama's error body and mid-stream error line.
type apiError struct {
	Error string `json:"error"`
}

// HTTPError is a non-2xx reply from Ollama or the hook.
type HTTPError struct {
	Status  int
	Message string // the {"error"} text, or the body
}

func (e *HTTPError) Error() string {
	return fmt.Sprintf("HTTP %d: %s", e.Status, e.Message)
}

// do sends a JSON request; short requests are bounded by Options.Timeout.
// A non-2xx status becomes an *HTTPError (body consumed and closed).
func (e *Executor) do(ctx context.Context, method, url string, body any, short bool) (*http.Response, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	cancel := context.CancelFunc(func() {})
	if short {
		ctx, cancel = context.WithTimeout(ctx, e.opts.Timeout)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		cancel()
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := e.opts.HTTP.Do(req)
	if err != nil {
		cancel()
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		defer cancel()
		defer resp.Body.Close()
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		var ae apiError
		msg := strings.TrimSpace(string(data))
		if json.Unmarshal(data, &ae) == nil && ae.Error != "" {
			msg = ae.Error
		}
		return nil, &HTTPError{Status: resp.StatusCode, Message: msg}
	}
	resp.Body = cancelOnClose{resp.Body, cancel}
	return resp, nil
}

type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (c cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}

func (e *Executor) tags(ctx context.Context, base string) (map[string]bool, error) {
	resp, err := e.do(ctx, http.MethodGet, base+"/api/tags", nil, true)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var body struct {
		Models []struct {
			Name  string `json:"name"`
			Model string `json:"model"`
		} `json:"models"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return nil, fmt.Errorf("decode /api/tags: %w", err)
	}
	out := map[string]bool{}
	for _, m := range body.Models {
		for _, n := range []string{m.Name, m.Model} {
			if n != "" {
				out[normalize(n)] = true
			}
		}
	}
	return out, nil
}

// unload asks Ollama to drop a model from memory (keep_alive 0). A model
// Ollama does not know is already unloaded.
func (e *Executor) unload(ctx context.Context, base, model string) error {
	resp, err := e.do(ctx, http.MethodPost, base+"/api/generate", map[string]any{"model": model, "keep_alive": 0}, true)
	var he *HTTPError
	if errors.As(err, &he) && he.Status == http.StatusNotFound {
		return nil
	}
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.Body.Close()
}

// progress is one NDJSON line of /api/pull.
type progress struct {
	Status    string `json:"status"`
	Digest    string `json:"digest"`
	Total     int64  `json:"total"`
	Completed int64  `json:"completed"`
	Error     string `json:"error"`
}

// pull streams POST /api/pull into r: a 0% report first, one report per
// progress line (percent from completed/total of the layer, -1 when
// unknown) and a 100% report on success. Errors wrap the cause.
func (e *Executor) pull(ctx context.Context, base, model string, r executor.Reporter) error {
	r.Report("pulling "+model, 0)
	resp, err := e.do(ctx, http.MethodPost, base+"/api/pull", map[string]any{"model": model, "stream": true}, false)
	if err != nil {
		return fmt.Errorf("pull %s: %w", model, err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var p progress
		if err := json.Unmarshal(line, &p); err != nil {
			e.log.Warn("pull: undecodable line", "model", model, "line", string(line))
			continue
		}
		if p.Error != "" {
			return fmt.Errorf("pull %s: %w", model, errors.New(p.Error))
		}
		if p.Status == "success" {
			r.Report("pulled "+model, 100)
			return nil
		}
		pct, msg := -1, fmt.Sprintf("%s: %s", model, p.Status)
		if p.Total > 0 {
			pct = int(p.Completed * 100 / p.Total)
			msg = fmt.Sprintf("%s: %s (%s / %s)", model, p.Status, size(p.Completed), size(p.Total))
		}
		r.Report(msg, pct)
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("pull %s: %w", model, err)
	}
	return fmt.Errorf("pull %s: %w", model, io.ErrUnexpectedEOF)
}

func size(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f kB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// hook POSTs the new provider configuration to the backend hook URL:
// {"provider":"ollama","config":{…ai.providers.ollama…}}.
func (e *Executor) hook(ctx context.Context, p Provider) error {
	resp, err := e.do(ctx, http.MethodPost, p.HookURL, map[string]any{"provider": "ollama", "config": p.raw}, true)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.Body.Close()
}

func isTransient(err error) bool {
	var ne net.Error
	var he *HTTPError
	switch {
	case errors.As(err, &he):
		return he.Status >= 500
	case errors.Is(err, io.ErrUnexpectedEOF), errors.As(err, &ne):
		return true
	}
	return false
}
