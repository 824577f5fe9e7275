// Package vite is the frontend-hmr executor: it tells a Vite dev server
// running the farm-reload plugin (editors/vite/farm-reload.js) what to
// reload, through POST /__farm/reload, and turns the compile errors Vite
// sends its HMR clients into diagnostics.
package vite

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/farm-stack/farm-lsp/reload/executor"
	"github.com/farm-stack/farm-lsp/reload/plan"
)

// Defaults.
const (
	DefaultURL     = "http://127.0.0.1:3000"
	ReloadPath     = "/__farm/reload"
	RemountEvent   = "farm:remount"
	requestTimeout = 10 * time.Second
)

// Options configure the executor.
type Options struct {
	// URL is the Vite dev server's base URL (default http://127.0.0.1:3000).
	URL string
	// Root is the workspace root: task files are relative to it.
	Root string
	// Logger receives farm-lsp's log records (default slog.Default()).
	Logger *slog.Logger
	// Client makes the reload requests (default: a client with a 10 s
	// timeout and no proxy).
	Client *http.Client
}

// Executor runs frontend-hmr tasks against Vite.
type Executor struct {
	base   *url.URL
	root   string
	log    *slog.Logger
	client *http.Client

	onConnected func() // test hook: the HMR socket is open
}

var _ executor.Executor = (*Executor)(nil)

// New checks opts.
func New(opts Options) (*Executor, error) {
	if opts.URL == "" {
		opts.URL = DefaultURL
	}
	u, err := url.Parse(opts.URL)
	if err != nil {
		return nil, fmt.Errorf("vite: dev server URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("vite: dev server URL %q: want http(s)://host:port", opts.URL)
	}
	root, err := filepath.Abs(opts.Root)
	if err != nil {
		return nil, fmt.Errorf("vite: workspace root: %w", err)
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	client := opts.Client
	if client == nil {
		client = &http.Client{Timeout: requestTimeout, Transport: &http.Transport{Proxy: nil}}
	}
	return &Executor{base: u, root: root, log: log.With("component", "vite"), client: client}, nil
}

// Request is the body of POST /__farm/reload.
type Request struct {
	Kind  string   `json:"kind"`            // "full", "modules", "custom"
	Files []string `json:"files,omitempty"` // absolute paths
	Event string   `json:"event,omitempty"` // custom
	Data  any      `json:"data,omitempty"`  // custom
}

// Reply is the plugin's answer.
type Reply struct {
	OK       bool     `json:"ok"`
	Reloaded int      `json:"reloaded"`
	Clients  int      `json:"clients"`
	Missing  []string `json:"missing,omitempty"`
	Error    string   `json:"error,omitempty"`
}

// RemountData is the payload of the farm:remount custom event.
type RemountData struct {
	Files []string `json:"files"` // absolute paths
}

// RequestFor maps a frontend-hmr task to the plugin request: body-only
// changes update the modules, hook changes remount, anything else (export
// shape, regenerated types, no mode) reloads the page.
func (e *Executor) RequestFor(task plan.Task) Request {
	files := make([]string, 0, len(task.Files))
	for _, f := range task.Files {
		if !filepath.IsAbs(f) {
			f = filepath.Join(e.root, filepath.FromSlash(f))
		}
		files = append(files, filepath.ToSlash(f))
	}
	switch {
	case task.Mode == plan.HMRModules && len(files) > 0:
		return Request{Kind: "modules", Files: files}
	case task.Mode == plan.HMRRemount:
		return Request{Kind: "custom", Event: RemountEvent, Data: RemountData{Files: files}}
	default:
		return Request{Kind: "full"}
	}
}

// Run implements executor.Executor.
func (e *Executor) Run(ctx context.Context, task plan.Task, r executor.Reporter) (res executor.Result) {
	defer func() {
		if p := recover(); p != nil {
			e.log.Error("frontend reload panicked", "panic", p)
			res = executor.Result{Status: executor.Failed, Message: fmt.Sprintf("frontend reload: internal error: %v", p)}
		}
	}()
	if r == nil {
		r = executor.NopReporter{}
	}
	req := e.RequestFor(task)
	r.Report("asking Vite for a "+describe(req), 50)
	reply, err := e.Send(ctx, req)
	if err != nil {
		return e.errorResult(err)
	}
	return executor.Result{Status: executor.OK, Message: summary(req, reply)}
}

func describe(req Request) string {
	switch req.Kind {
	case "modules":
		return "module update"
	case "custom":
		return req.Event + " event"
	}
	return "full reload"
}

func summary(req Request, reply Reply) string {
	browsers := fmt.Sprintf("%d browser(s)", reply.Clients)
	if reply.Clients == 0 {
		browsers = "no browser connected"
	}
	switch req.Kind {
	case "modules":
		msg := fmt.Sprintf("%d module(s) updated; %s", reply.Reloaded, browsers)
		if len(reply.Missing) > 0 {
			msg += fmt.Sprintf("; %d file(s) not loaded yet", len(reply.Missing))
		}
		return msg
	case "custom":
		return req.Event + " sent; " + browsers
	}
	return "full reload sent; " + browsers
}

// Errors Send returns.
var (
	// ErrUnreachable: nothing listens at the URL (Vite not running).
	ErrUnreachable = errors.New("dev server not reachable")
	// ErrNoPlugin: Vite answers but the farm-reload plugin is not loaded.
	ErrNoPlugin = errors.New("the farm-reload Vite plugin is not installed (add editors/vite/farm-reload.js to vite.config plugins)")
)

// Send posts req to the plugin and decodes its reply.
func (e *Executor) Send(ctx context.Context, req Request) (Reply, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return Reply{}, fmt.Errorf("encode reload request: %w", err)
	}
	u := e.base.JoinPath(ReloadPath)
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return Reply{}, fmt.Errorf("reload request: %w", err)
	}
	hreq.Header.Set("Content-Type", "application/json")
	resp, err := e.client.Do(hreq)
	if err != nil {
		if isUnreachable(err) {
			return Reply{}, fmt.Errorf("%w at %s", ErrUnreachable, e.base.Host)
		}
		return Reply{}, fmt.Errorf("POST %s: %w", u, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return Reply{}, fmt.Errorf("read reload reply: %w", err)
	}
	var reply Reply
	if jerr := json.Unmarshal(b, &reply); jerr != nil || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if resp.StatusCode == http.StatusNotFound || resp.StatusCode < 300 {
			// Vite's SPA fallback or a 404: the middleware is not there.
			return Reply{}, ErrNoPlugin
		}
		return Reply{}, &StatusError{Code: resp.StatusCode, Body: strings.TrimSpace(string(b))}
	}
	if resp.StatusCode != http.StatusOK || !reply.OK {
		return reply, &StatusError{Code: resp.StatusCode, Body: reply.Error}
	}
	return reply, nil
}

// StatusError is a non-OK answer of the plugin.
type StatusError struct {
	Code int
	Body string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("vite answered HTTP %d: %s", e.Code, e.Body)
}

func isUnreachable(err error) bool {
	var op *net.OpError
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EHOSTUNREACH) ||
		(errors.As(err, &op) && op.Op == "dial")
}

func (e *Executor) errorResult(err error) executor.Result {
	var se *StatusError
	switch {
	case errors.Is(err, ErrUnreachable):
		return executor.Result{Status: executor.Skipped, Message: fmt.Sprintf(
			"skipped: dev server not reachable at %s (start Vite there, e.g. `npm run dev` in the web app, or set development.frontend.url)", e.base)}
	case errors.Is(err, ErrNoPlugin):
		return executor.Result{Status: executor.Failed, Message: err.Error()}
	case errors.As(err, &se):
		return executor.Result{Status: executor.Failed, Message: "frontend reload failed: " + se.Error(), Transient: se.Code >= 500}
	case errors.Is(err, context.Canceled):
		return executor.Result{Status: executor.Failed, Message: "frontend reload cancelled"}
	}
	// Timeouts and broken connections.
	return executor.Result{Status: executor.Failed, Message: "frontend reload failed: " + err.Error(), Transient: true}
}
