package vite

import (
	"context"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/farm-stack/farm-lsp/analysis/facts"
)

// TestListenMapsAndReconnects plays Vite's HMR socket: each connection
// sends one payload and closes, so the listener must reconnect to see the
// next one.
func TestListenMapsAndReconnects(t *testing.T) {
	root := t.TempDir()
	write(t, root+"/src/App.tsx", "export function App() {\n  return <div>{x}</div>\n}\n")
	payloads := []string{
		`{"type":"connected"}`,
		`{"type":"error","err":{"message":"Transform failed with 1 error:\n` + root + `/src/App.tsx:2:15: ERROR: Unexpected \"}\"","plugin":"vite:esbuild","loc":{"file":"` + root + `/src/App.tsx","line":2,"column":15}}}`,
		`{"type":"error","err":{"message":"outside the workspace","loc":{"file":"/elsewhere/x.ts","line":1,"column":0}}}`,
		`{"type":"error","err":{"message":"` + root + `/src/main.ts: Failed to resolve import","id":"` + root + `/src/main.ts?v=123"}}`,
		`{"type":"update","updates":[]}`,
	}
	next := make(chan string, len(payloads))
	for _, p := range payloads {
		next <- p
	}
	var mu sync.Mutex
	var protocols []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		protocols = append(protocols, r.Header.Get("Sec-WebSocket-Protocol")+" origin="+r.Header.Get("Origin"))
		mu.Unlock()
		c, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{"vite-hmr"}})
		if err != nil {
			return
		}
		defer c.CloseNow()
		select {
		case p := <-next:
			c.Write(r.Context(), websocket.MessageText, []byte(p))
		default:
		}
		c.Close(websocket.StatusGoingAway, "restart")
	}))
	defer srv.Close()
	e, err := New(Options{URL: srv.URL, Root: root, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	diags := make(chan facts.Diagnostic, 8)
	updates := make(chan struct{}, 8)
	done := make(chan error, 1)
	go func() {
		done <- e.ListenUpdates(ctx, func(d facts.Diagnostic) { diags <- d }, func() { updates <- struct{}{} })
	}()
	want := []facts.Diagnostic{
		{Path: "src/App.tsx", Range: facts.Range{Start: facts.Pos{Line: 1, Char: 15}, End: facts.Pos{Line: 1, Char: 23}},
			Severity: facts.SeverityError, Code: CodeFrontendError, Message: `[vite:esbuild] Unexpected "}"`},
		{Path: "src/main.ts", Range: facts.Range{Start: facts.Pos{Line: 0, Char: 0}, End: facts.Pos{Line: 0, Char: 1}},
			Severity: facts.SeverityError, Code: CodeFrontendError, Message: "Failed to resolve import"},
	}
	for i, w := range want {
		select {
		case d := <-diags:
			if !reflect.DeepEqual(d, w) {
				t.Errorf("diagnostic %d = %+v, want %+v", i, d, w)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("diagnostic %d never came", i)
		}
	}
	select {
	case <-updates:
	case <-time.After(20 * time.Second):
		t.Fatal("update callback never called")
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Listen = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Listen did not stop")
	}
	select {
	case d := <-diags:
		t.Errorf("unexpected diagnostic %+v", d)
	default:
	}
	mu.Lock()
	defer mu.Unlock()
	if len(protocols) < len(payloads) || protocols[0] != "vite-hmr origin=" {
		t.Errorf("handshakes = %q, want %d with subprotocol vite-hmr and no Origin", protocols, len(payloads))
	}
}
