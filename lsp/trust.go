package lsp

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"go.lsp.dev/protocol"

	"github.com/farm-stack/farm-lsp/reload/trust"
)

// trustGated is implemented by engines whose side effects wait for the
// workspace to be trusted (reload/trust): the connection gives their gate
// the editor to ask and the client's own declaration.
type trustGated interface {
	Trust() *trust.Gate
}

// setupTrust wires a new root's gate to this connection: questions go to
// window/showMessageRequest, and initializationOptions `trusted` (VS
// Code's workspace trust) is the client's declaration. Only
// initializationOptions count: workspace settings (didChangeConfiguration)
// may come from the repository itself.
func (c *conn) setupTrust(r *root) {
	tg, ok := r.engine.(trustGated)
	if !ok {
		return
	}
	g := tg.Trust()
	if g == nil {
		return
	}
	g.SetAsker(messageAsker{c: c})
	c.st.mu.Lock()
	opts := c.st.initOpts
	c.st.mu.Unlock()
	trusted, declared, err := initTrusted(opts)
	if err != nil {
		c.log.Warn("lsp: initializationOptions.trusted ignored", "error", err)
		c.notes.message(slog.LevelWarn, "farm-lsp: initializationOptions.trusted ignored: "+err.Error(), false)
	}
	if declared {
		g.Declare(trusted)
		c.log.Info("lsp: the client declared the workspace's trust", "root", r.path, "trusted", trusted)
	}
}

// initTrusted reads initializationOptions.trusted: declared is false when
// the key is absent or null.
func initTrusted(opts json.RawMessage) (trusted, declared bool, err error) {
	if len(opts) == 0 {
		return false, false, nil
	}
	var o struct {
		Trusted *json.RawMessage `json:"trusted"`
	}
	if json.Unmarshal(opts, &o) != nil || o.Trusted == nil || string(*o.Trusted) == "null" {
		return false, false, nil
	}
	if err := json.Unmarshal(*o.Trusted, &trusted); err != nil {
		return false, false, fmt.Errorf("expected true or false, got %s", *o.Trusted)
	}
	return trusted, true, nil
}

// messageAsker asks the user through window/showMessageRequest.
type messageAsker struct{ c *conn }

// cancelTimeout bounds the $/cancelRequest sent for a withdrawn question.
const cancelTimeout = time.Second

// Ask implements trust.Asker. A null result (the user dismissed the
// message) is "". When ctx ends first the question is withdrawn with
// $/cancelRequest (clients may close the prompt).
func (a messageAsker) Ask(ctx context.Context, message string, actions []string) (string, error) {
	items := make([]protocol.MessageActionItem, len(actions))
	for i, t := range actions {
		items[i] = protocol.MessageActionItem{Title: t}
	}
	params := &protocol.ShowMessageRequestParams{Type: protocol.MessageTypeWarning, Message: message, Actions: items}
	var res *protocol.MessageActionItem
	id, err := a.c.rpc.Call(ctx, protocol.MethodWindowShowMessageRequest, params, &res)
	if err != nil {
		if ctx.Err() != nil {
			cctx, cancel := context.WithTimeout(context.Background(), cancelTimeout)
			_ = a.c.rpc.Notify(cctx, protocol.MethodCancelRequest, &protocol.CancelParams{ID: id})
			cancel()
		}
		return "", err
	}
	if res == nil {
		return "", nil
	}
	return res.Title, nil
}
