package lsptest

import (
	"context"
	"encoding/json"
	"io"
	"testing"

	"github.com/farm-stack/farm-lsp/lsp/wire"
)

// scripted is a server that writes the given notifications, answers one
// request with its params, and then waits for the connection to close.
func scripted(notes ...string) ServeFunc {
	return func(ctx context.Context, rwc io.ReadWriteCloser) error {
		for _, n := range notes {
			if _, err := rwc.Write(wire.Frame([]byte(n))); err != nil {
				return err
			}
		}
		r := wire.NewReader(rwc)
		for {
			body, err := r.Next()
			if err != nil {
				return nil
			}
			var req struct {
				ID     json.RawMessage `json:"id"`
				Params json.RawMessage `json:"params"`
			}
			if json.Unmarshal(body, &req) != nil || req.ID == nil {
				continue
			}
			resp, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": req.ID, "result": req.Params})
			if _, err := rwc.Write(wire.Frame(resp)); err != nil {
				return err
			}
		}
	}
}

func TestAwaitHandsOutEachMessageOnce(t *testing.T) {
	c := NewServe(t, scripted(
		`{"jsonrpc":"2.0","method":"farm/reloadPlan","params":{"planId":"p1","trigger":{"uri":"file:///a","kind":""},"changes":[],"tasks":[]}}`,
		`{"jsonrpc":"2.0","method":"textDocument/publishDiagnostics","params":{"uri":"file:///b","diagnostics":[]}}`,
		`{"jsonrpc":"2.0","method":"farm/reloadPlan","params":{"planId":"p2","trigger":{"uri":"file:///a","kind":""},"changes":[],"tasks":[]}}`,
		`{"jsonrpc":"2.0","method":"textDocument/publishDiagnostics","params":{"uri":"file:///a","diagnostics":[]}}`,
		`{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse error"}}`,
	))
	if p := c.AwaitPlan(nil); p.PlanID != "p1" {
		t.Errorf("first plan %s", p.PlanID)
	}
	if p := c.AwaitPlan(nil); p.PlanID != "p2" {
		t.Errorf("second plan %s", p.PlanID)
	}
	// Diagnostics of another file consumed first do not hide these.
	c.AwaitDiagnostics("file:///a", nil)
	c.AwaitDiagnostics("file:///b", nil)
	c.AwaitUnmatched(-32700)
	if _, ok := c.TryAwait(0, func(Message) bool { return true }); ok {
		t.Error("a message was handed out twice")
	}
	var got map[string]int
	if err := c.Request("echo", map[string]int{"x": 1}, &got); err != nil || got["x"] != 1 {
		t.Errorf("echo: %v %v", got, err)
	}
	if n := len(c.Notifications()); n != 4 {
		t.Errorf("%d notifications recorded, want 4", n)
	}
}
