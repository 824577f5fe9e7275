package lsp_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"

	"go.lsp.dev/protocol"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/lsp/lsptest"
	"github.com/farm-stack/farm-lsp/reload/coordinator"
)

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
