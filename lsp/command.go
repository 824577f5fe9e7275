package lsp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/farm-stack/farm-lsp/reload/coordinator"
	"slices"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
)

// executeParams is workspace/executeCommand with raw arguments.
type executeParams struct {
	Command   string            `json:"command"`
	Arguments []json.RawMessage `json:"arguments"`
}

// executeCommand runs Engine.Execute on its own goroutine (commands such as
// farm.regenerate take a while) and replies from there. The request's
// context is cancelled by $/cancelRequest or when the connection ends.
//
// The root is the one named by the first argument: {"root": dir} exactly,
// else {"uri": u} or {"path": p} by longest match; without one, the first
// root. Errors: unknown command or unknown root → InvalidParams; no farm
// root at all → RequestFailed; an engine error → its own JSON-RPC code when
// it has one, else RequestFailed; cancelled → RequestCancelled.
func (c *conn) executeCommand(ctx context.Context, o *onceReplier, raw json.RawMessage) {
	var params executeParams
	if err := json.Unmarshal(raw, &params); err != nil {
		_ = o.reply(ctx, nil, jsonrpc2.NewError(jsonrpc2.InvalidParams, "executeCommand: "+err.Error()))
		return
	}
	r, err := c.commandRoot(params)
	if err != nil {
		_ = o.reply(ctx, nil, err)
		return
	}
	if !slices.Contains(Commands, params.Command) && !slices.Contains(safeCommands(c, r), params.Command) {
		_ = o.reply(ctx, nil, jsonrpc2.NewError(jsonrpc2.InvalidParams, fmt.Sprintf("unknown command %q", params.Command)))
		return
	}
	c.goBackground("command "+params.Command, func() {
		defer func() {
			if p := recover(); p != nil {
				c.log.Error("lsp: panic in command", "command", params.Command, "panic", p, "stack", stack())
				_ = o.reply(ctx, nil, jsonrpc2.NewError(jsonrpc2.InternalError, fmt.Sprintf("%s: internal error: %v", params.Command, p)))
			}
		}()
		res, err := r.engine.Execute(ctx, params.Command, params.Arguments)
		if err != nil {
			_ = o.reply(ctx, nil, commandError(ctx, params.Command, err))
			return
		}
		if st, ok := res.(coordinator.Status); ok {
			res = statusMsg(r.path, st) // farm.status: the same body as farm/status
		}
		_ = o.reply(ctx, res, nil)
	})
}

func commandError(ctx context.Context, command string, err error) error {
	var we *jsonrpc2.Error
	switch {
	case errors.As(err, &we) && we.Code != 0:
		return we
	case ctx.Err() != nil || errors.Is(err, context.Canceled):
		return jsonrpc2.NewError(protocol.CodeRequestCancelled, fmt.Sprintf("%s: cancelled", command))
	}
	return jsonrpc2.NewError(CodeRequestFailed, fmt.Sprintf("%s: %v", command, err))
}

// commandTarget is what the first argument of a command may name.
type commandTarget struct {
	Root string `json:"root"`
	URI  string `json:"uri"`
	Path string `json:"path"`
}

func (c *conn) commandRoot(params executeParams) (*root, error) {
	roots := c.st.rootList()
	if len(roots) == 0 {
		return nil, jsonrpc2.NewError(CodeRequestFailed, "no farm workspace root (no farm.config.ts in the workspace folders)")
	}
	if len(params.Arguments) == 0 {
		return roots[0], nil
	}
	var t commandTarget
	if err := json.Unmarshal(params.Arguments[0], &t); err != nil {
		return roots[0], nil // not an object: arguments for the engine only
	}
	switch {
	case t.Root != "":
		p, ok := PathFromURI(t.Root)
		if !ok {
			p, ok = PathFromURI(URIFromPath(t.Root))
		}
		if r := c.st.rootNamed(p); ok && r != nil {
			return r, nil
		}
		return nil, jsonrpc2.NewError(jsonrpc2.InvalidParams, fmt.Sprintf("%q is not a farm workspace root", t.Root))
	case t.URI != "":
		if p, ok := PathFromURI(t.URI); ok {
			if r := c.st.rootFor(p); r != nil {
				return r, nil
			}
		}
		return nil, jsonrpc2.NewError(jsonrpc2.InvalidParams, fmt.Sprintf("%q is not in a farm workspace root", t.URI))
	case t.Path != "":
		// A relative path is the engine's business (relative to its root).
		if p, ok := PathFromURI(URIFromPath(t.Path)); ok && isAbs(t.Path) {
			if r := c.st.rootFor(p); r != nil {
				return r, nil
			}
			return nil, jsonrpc2.NewError(jsonrpc2.InvalidParams, fmt.Sprintf("%q is not in a farm workspace root", t.Path))
		}
	}
	return roots[0], nil
}

// ExecuteCommand is reached only through ServerHandler; the dispatcher
// runs commands itself (asynchronously). Kept for protocol.Server.
func (s *server) ExecuteCommand(ctx context.Context, params *protocol.ExecuteCommandParams) (any, error) {
	raw, err := json.Marshal(params)
	if err != nil {
		return nil, jsonrpc2.NewError(jsonrpc2.InvalidParams, err.Error())
	}
	done := make(chan struct{})
	var res any
	var rerr error
	o := &onceReplier{inner: func(_ context.Context, result any, err error) error {
		res, rerr = result, err
		close(done)
		return nil
	}}
	s.c.executeCommand(ctx, o, raw)
	<-done
	return res, rerr
}
