package vite

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/analysis/textpos"
)

// CodeFrontendError is the diagnostic code of errors Vite reports.
const CodeFrontendError = "frontend-error"

// hmrProtocol is the subprotocol Vite's browser client speaks.
const hmrProtocol = "vite-hmr"

// hmrMessage is the subset of Vite's HMR payloads Listen reads.
type hmrMessage struct {
	Type string `json:"type"`
	Err  *struct {
		Message string `json:"message"`
		ID      string `json:"id"`
		Plugin  string `json:"plugin"`
		Frame   string `json:"frame"`
		Loc     *struct {
			File   string `json:"file"`
			Line   int    `json:"line"`   // 1-based
			Column int    `json:"column"` // 0-based
		} `json:"loc"`
	} `json:"err"`
}

// Listen connects to Vite's HMR WebSocket as a browser would (subprotocol
// vite-hmr, no Origin header, so no token is needed) and calls onError for
// each compile error Vite reports that has a location in the workspace.
// It reconnects when Vite is down or restarts, and returns nil when ctx
// ends.
func (e *Executor) Listen(ctx context.Context, onError func(facts.Diagnostic)) error {
	return e.ListenUpdates(ctx, onError, nil)
}

// ListenUpdates is Listen with onUpdate, called when Vite pushes an update
// or a full reload: errors reported before may be fixed, so the caller
// clears them (a browser that still fails reports them again).
func (e *Executor) ListenUpdates(ctx context.Context, onError func(facts.Diagnostic), onUpdate func()) error {
	wait := 250 * time.Millisecond
	for {
		connected, err := e.listenOnce(ctx, onError, onUpdate)
		if ctx.Err() != nil {
			return nil
		}
		if connected {
			wait = 250 * time.Millisecond
		}
		e.log.Debug("vite HMR socket closed; reconnecting", "err", err, "in", wait)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
		wait = min(wait*2, 5*time.Second)
	}
}

// listenOnce reads one connection until it fails; connected reports
// whether the handshake succeeded.
func (e *Executor) listenOnce(ctx context.Context, onError func(facts.Diagnostic), onUpdate func()) (connected bool, err error) {
	u := *e.base
	switch u.Scheme {
	case "https":
		u.Scheme = "wss"
	default:
		u.Scheme = "ws"
	}
	if u.Path == "" {
		u.Path = "/"
	}
	dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	c, _, err := websocket.Dial(dctx, u.String(), &websocket.DialOptions{
		Subprotocols: []string{hmrProtocol},
		HTTPClient:   &http.Client{Transport: &http.Transport{Proxy: nil}},
	})
	cancel()
	if err != nil {
		return false, fmt.Errorf("dial vite HMR socket: %w", err)
	}
	defer c.CloseNow()
	c.SetReadLimit(8 << 20)
	if e.onConnected != nil {
		e.onConnected()
	}
	for {
		_, b, err := c.Read(ctx)
		if err != nil {
			return true, fmt.Errorf("read vite HMR socket: %w", err)
		}
		var msg hmrMessage
		if err := json.Unmarshal(b, &msg); err != nil {
			e.log.Debug("undecodable vite HMR message", "err", err)
			continue
		}
		switch msg.Type {
		case "error":
			if d, ok := e.diagnostic(msg); ok && onError != nil {
				onError(d)
			}
		case "update", "full-reload":
			if onUpdate != nil {
				onUpdate()
			}
		}
	}
}

// diagnostic maps a Vite error payload to a diagnostic in the workspace.
func (e *Executor) diagnostic(msg hmrMessage) (facts.Diagnostic, bool) {
	if msg.Err == nil {
		return facts.Diagnostic{}, false
	}
	file, line, col := "", 1, 0
	if l := msg.Err.Loc; l != nil {
		file, line, col = l.File, l.Line, l.Column
	}
	if file == "" {
		file = msg.Err.ID
	}
	if i := strings.IndexAny(file, "?#"); i >= 0 {
		file = file[:i]
	}
	if file == "" || !filepath.IsAbs(file) {
		return facts.Diagnostic{}, false
	}
	rel, err := filepath.Rel(e.root, file)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return facts.Diagnostic{}, false
	}
	if line < 1 {
		line = 1
	}
	if col < 0 {
		col = 0
	}
	start := facts.Pos{Line: line - 1, Char: col}
	end := facts.Pos{Line: line - 1, Char: col + 1}
	if src, err := os.ReadFile(file); err == nil {
		lines := strings.Split(string(src), "\n")
		if line-1 < len(lines) {
			text := strings.TrimRight(lines[line-1], "\r")
			// Vite's columns come from JS tools and are JavaScript
			// string indexes, i.e. already UTF-16 code units: clamp only.
			end.Char = textpos.UTF16Len(text)
			start.Char = min(col, end.Char)
			if end.Char <= start.Char {
				end.Char = start.Char + 1
			}
		}
	}
	message := firstLine(msg.Err.Message)
	if msg.Err.Plugin != "" {
		message = "[" + msg.Err.Plugin + "] " + message
	}
	return facts.Diagnostic{
		Path:     filepath.ToSlash(rel),
		Range:    facts.Range{Start: start, End: end},
		Severity: facts.SeverityError,
		Code:     CodeFrontendError,
		Message:  message,
	}, true
}

// firstLine keeps the informative line of a Vite error message: esbuild's
// "Transform failed with 1 error:\n/x.ts:3:10: ERROR: Expected …" becomes
// "Expected …"; a leading "/abs/file:line:col: " is dropped.
func firstLine(msg string) string {
	for _, l := range strings.Split(msg, "\n") {
		if i := strings.Index(l, "ERROR: "); i >= 0 {
			return strings.TrimSpace(l[i+len("ERROR: "):])
		}
	}
	l, _, _ := strings.Cut(strings.TrimSpace(msg), "\n")
	if strings.HasPrefix(l, "/") {
		if i := strings.Index(l, ": "); i >= 0 {
			l = l[i+2:]
		}
	}
	return l
}
