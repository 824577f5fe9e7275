package lsp_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"testing"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"

	"github.com/farm-stack/farm-lsp/lsp"
	"github.com/farm-stack/farm-lsp/lsp/lsptest"
)

func TestExecuteCommand(t *testing.T) {
	ws := workspace(t, ".", "apps/web")
	web := filepath.Join(ws, "apps/web")
	fx := newFixture(t, ws, protocol.ClientCapabilities{}, func(e *fakeEngine) {
		e.commands = []string{"farm.extra"}
		e.onExecute = func(ctx context.Context, command string, args []json.RawMessage) (any, error) {
			switch command {
			case "farm.retry":
				return nil, errors.New("nothing to retry")
			case "farm.applyMigration":
				return nil, jsonrpc2.NewError(jsonrpc2.InvalidParams, "applyMigration: path required")
			case "farm.pullModel":
				<-ctx.Done() // until cancelled
				return nil, ctx.Err()
			}
			return map[string]any{"root": e.root, "command": command}, nil
		}
	})
	type result struct {
		Root    string `json:"root"`
		Command string `json:"command"`
	}
	tests := []struct {
		name     string
		command  string
		args     []any
		wantRoot string
		wantCode int64
	}{
		{"no arguments: first root", "farm.status", nil, ws, 0},
		{"root argument", "farm.toggle", []any{map[string]string{"root": web}}, web, 0},
		{"root argument as URI", "farm.toggle", []any{map[string]string{"root": lsptest.URI(web)}}, web, 0},
		{"uri argument: longest root", "farm.regenerate", []any{map[string]string{"uri": lsptest.URI(filepath.Join(web, "src/App.tsx"))}}, web, 0},
		{"absolute path argument", "farm.restartBackend", []any{map[string]string{"path": filepath.Join(ws, "backend/main.py")}}, ws, 0},
		{"relative path is the engine's", "farm.status", []any{map[string]string{"path": "backend/main.py"}}, ws, 0},
		{"non-object argument", "farm.status", []any{"x", 3}, ws, 0},
		{"engine-specific command", "farm.extra", nil, ws, 0},
		{"unknown command", "farm.nope", nil, "", int64(jsonrpc2.InvalidParams)},
		{"unknown root", "farm.status", []any{map[string]string{"root": "/nowhere"}}, "", int64(jsonrpc2.InvalidParams)},
		{"uri outside roots", "farm.status", []any{map[string]string{"uri": "file:///elsewhere/x.py"}}, "", int64(jsonrpc2.InvalidParams)},
		{"engine error", "farm.retry", nil, "", int64(lsp.CodeRequestFailed)},
		{"engine error with a code", "farm.applyMigration", nil, "", int64(jsonrpc2.InvalidParams)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got result
			err := fx.c.Request(protocol.MethodWorkspaceExecuteCommand, &protocol.ExecuteCommandParams{Command: tt.command, Arguments: tt.args}, &got)
			if tt.wantCode != 0 {
				if lsptest.Code(err) != tt.wantCode {
					t.Fatalf("err = %v, want code %d", err, tt.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Root != tt.wantRoot || got.Command != tt.command {
				t.Errorf("ran %q on %s, want %q on %s", got.Command, got.Root, tt.command, tt.wantRoot)
			}
		})
	}

	t.Run("cancel with a numeric id", func(t *testing.T) {
		// The request id the harness will use next is predictable: send the
		// request raw with our own id, then cancel it (pitfall 3).
		body := `{"jsonrpc":"2.0","id":424242,"method":"workspace/executeCommand","params":{"command":"farm.pullModel","arguments":[{"provider":"ollama","model":"llama3"}]}}`
		if err := fx.c.WriteRaw(frame(body)); err != nil {
			t.Fatal(err)
		}
		e := fx.f.get(t, ws)
		from := 0
		e.awaitCall(t, &from, func(c call) bool { return c.Op == "execute" && c.Path == "farm.pullModel" })
		fx.c.Notify(protocol.MethodCancelRequest, map[string]any{"id": 424242})
		m := fx.c.Await("reply to 424242", func(m lsptest.Message) bool { return string(m.ID) == "424242" && m.Method == "" })
		if m.Error == nil || m.Error.Code != int64(protocol.CodeRequestCancelled) {
			t.Errorf("reply %s, want RequestCancelled", m.Raw)
		}
	})

	t.Run("no farm root", func(t *testing.T) {
		fx := newFixture(t, t.TempDir(), protocol.ClientCapabilities{}, nil)
		err := fx.c.Request(protocol.MethodWorkspaceExecuteCommand, &protocol.ExecuteCommandParams{Command: "farm.status"}, nil)
		if lsptest.Code(err) != int64(lsp.CodeRequestFailed) {
			t.Errorf("err = %v, want RequestFailed", err)
		}
	})
}
