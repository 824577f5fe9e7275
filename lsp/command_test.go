package lsp_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/lsp"
	"github.com/farm-stack/farm-lsp/lsp/lsptest"
	"github.com/farm-stack/farm-lsp/reload/coordinator"
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

func TestStatus(t *testing.T) {
	t.Run("single root", func(t *testing.T) {
		dir := workspace(t, ".")
		fx := newFixture(t, dir, protocol.ClientCapabilities{}, func(e *fakeEngine) { e.status.QueueLength = 2 })
		var got map[string]any
		if err := fx.c.Request(lsp.MethodStatus, nil, &got); err != nil {
			t.Fatal(err)
		}
		want := `{"enabled":true,"lastPlan":null,"metrics":{"total":0},"processing":false,"queueLength":2}`
		if b, _ := json.Marshal(got); string(b) != want {
			t.Errorf("status %s, want %s", b, want)
		}
	})
	t.Run("multi root", func(t *testing.T) {
		ws := workspace(t, ".", "apps/web")
		web := filepath.Join(ws, "apps/web")
		fx := newFixture(t, ws, protocol.ClientCapabilities{}, func(e *fakeEngine) {
			if filepath.Base(e.root) == "web" {
				e.enabled = false
			}
		})
		var got struct {
			coordinator.Status
			Roots map[string]coordinator.Status `json:"roots"`
		}
		if err := fx.c.Request(lsp.MethodStatus, nil, &got); err != nil {
			t.Fatal(err)
		}
		if !got.Enabled || len(got.Roots) != 2 || !got.Roots[ws].Enabled || got.Roots[web].Enabled {
			t.Errorf("status = %+v", got)
		}
	})
}

func TestCodeActions(t *testing.T) {
	dir := workspace(t, ".")
	path := filepath.Join(dir, "backend/models/user.py")
	failed := facts.Diagnostic{Path: "backend/models/user.py", Range: rng(4, 0, 4, 12), Severity: facts.SeverityError, Code: facts.CodeReloadFailed, Message: "reload failed"}
	var gotRange facts.Range
	fx := newFixture(t, dir, protocol.ClientCapabilities{}, func(e *fakeEngine) {
		e.onActions = func(p string, r facts.Range) []coordinator.Action {
			gotRange = r
			if p != path {
				return nil
			}
			return []coordinator.Action{
				{Title: "Retry", Kind: "quickfix", Command: "farm.retry", Diagnostics: []facts.Diagnostic{failed}},
				{Title: "Regenerate TypeScript types", Kind: "source", Command: "farm.regenerate",
					Args: []json.RawMessage{json.RawMessage(`{"path":"backend/models/user.py"}`)}},
			}
		}
	})
	clientDiag := protocol.Diagnostic{
		Range: protocol.Range{Start: protocol.Position{Line: 4}, End: protocol.Position{Line: 4, Character: 12}},
		Code:  "reload-failed", Source: "farm-lsp", Message: "reload failed (as the client shows it)",
	}
	req := func(only []protocol.CodeActionKind) []protocol.CodeAction {
		var out []protocol.CodeAction
		err := fx.c.Request(protocol.MethodTextDocumentCodeAction, &protocol.CodeActionParams{
			TextDocument: protocol.TextDocumentIdentifier{URI: protocol.DocumentURI(lsptest.URI(path))},
			Range:        protocol.Range{Start: protocol.Position{Line: 4, Character: 2}, End: protocol.Position{Line: 4, Character: 3}},
			Context:      protocol.CodeActionContext{Diagnostics: []protocol.Diagnostic{clientDiag}, Only: only},
		}, &out)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	all := req(nil)
	if gotRange != rng(4, 2, 4, 3) {
		t.Errorf("engine got range %+v", gotRange)
	}
	if len(all) != 2 {
		t.Fatalf("actions = %+v", all)
	}
	retry := all[0]
	if retry.Title != "Retry" || retry.Kind != protocol.QuickFix || retry.Command == nil || retry.Command.Command != "farm.retry" || !retry.IsPreferred {
		t.Errorf("retry = %+v", retry)
	}
	if len(retry.Diagnostics) != 1 || retry.Diagnostics[0].Message != clientDiag.Message {
		t.Errorf("retry should carry the client's matching diagnostic: %+v", retry.Diagnostics)
	}
	regen := all[1]
	if regen.Command == nil || len(regen.Command.Arguments) != 1 || fmt.Sprint(regen.Command.Arguments[0]) != "map[path:backend/models/user.py]" {
		t.Errorf("regenerate = %+v", regen.Command)
	}
	if only := req([]protocol.CodeActionKind{protocol.Source}); len(only) != 1 || only[0].Title != "Regenerate TypeScript types" {
		t.Errorf("only=source: %+v", only)
	}
	// Outside every root: an empty list, not null.
	raw, err := fx.c.RequestRaw(protocol.MethodTextDocumentCodeAction, &protocol.CodeActionParams{
		TextDocument: protocol.TextDocumentIdentifier{URI: "file:///elsewhere/x.py"},
	})
	if err != nil || string(raw) != "[]" {
		t.Errorf("outside roots: %s, %v", raw, err)
	}
}

func TestWorkspaceFolderChanges(t *testing.T) {
	a := workspace(t, ".")
	b := workspace(t, ".")
	fx := newFixture(t, a, protocol.ClientCapabilities{}, nil)
	fx.c.Notify(protocol.MethodWorkspaceDidChangeWorkspaceFolders, &protocol.DidChangeWorkspaceFoldersParams{Event: protocol.WorkspaceFoldersChangeEvent{
		Added:   []protocol.WorkspaceFolder{{URI: lsptest.URI(b), Name: "b"}},
		Removed: []protocol.WorkspaceFolder{{URI: lsptest.URI(a), Name: "a"}},
	}})
	if err := fx.c.Request(lsp.MethodStatus, nil, nil); err != nil { // barrier
		t.Fatal(err)
	}
	if n := fx.f.get(t, a).closed(); n != 1 {
		t.Errorf("removed root's engine closed %d times", n)
	}
	eb := fx.f.get(t, b)
	eb.sinkOf(t) // started without a new initialized
	fx.c.Open(filepath.Join(b, "x.py"), "x")
	from := 0
	eb.awaitCall(t, &from, func(c call) bool { return c.Op == "open" })
}
