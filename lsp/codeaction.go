package lsp

import (
	"context"
	"slices"
	"strings"

	"go.lsp.dev/protocol"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/reload/coordinator"
)

// CodeAction maps the engine's actions for a range to protocol code
// actions that run a command. An action's diagnostics are the client's own
// diagnostic objects when one matches by code and range (so the editor
// links the fix to what it shows), else converted from the engine's.
func (s *server) CodeAction(_ context.Context, params *protocol.CodeActionParams) ([]protocol.CodeAction, error) {
	c := s.c
	out := []protocol.CodeAction{}
	p, ok := c.docPath(string(params.TextDocument.URI))
	if !ok {
		return out, nil
	}
	r := c.st.rootFor(p)
	if r == nil {
		return out, nil
	}
	for _, a := range r.engine.CodeActions(p, factsRange(params.Range)) {
		kind := protocol.CodeActionKind(a.Kind)
		if !kindAllowed(kind, params.Context.Only) {
			continue
		}
		out = append(out, codeAction(r.path, a, params.Context.Diagnostics))
	}
	return out, nil
}

func codeAction(root string, a coordinator.Action, client []protocol.Diagnostic) protocol.CodeAction {
	args := make([]any, 0, len(a.Args))
	for _, raw := range a.Args {
		args = append(args, raw)
	}
	ca := protocol.CodeAction{
		Title:   a.Title,
		Kind:    protocol.CodeActionKind(a.Kind),
		Command: &protocol.Command{Title: a.Title, Command: a.Command, Arguments: args},
	}
	for _, d := range a.Diagnostics {
		ca.Diagnostics = append(ca.Diagnostics, matchDiagnostic(root, d, client))
	}
	if len(ca.Diagnostics) > 0 && ca.Kind == protocol.QuickFix {
		ca.IsPreferred = true
	}
	return ca
}

func matchDiagnostic(root string, d facts.Diagnostic, client []protocol.Diagnostic) protocol.Diagnostic {
	want := lspRange(d.Range)
	for _, cd := range client {
		code, _ := cd.Code.(string)
		if code == d.Code && cd.Range == want {
			return cd
		}
	}
	return lspDiagnostic(root, d)
}

// kindAllowed applies CodeActionContext.Only: a kind matches a filter when
// it equals it or is a sub-kind ("source.x" under "source").
func kindAllowed(kind protocol.CodeActionKind, only []protocol.CodeActionKind) bool {
	if len(only) == 0 {
		return true
	}
	return slices.ContainsFunc(only, func(o protocol.CodeActionKind) bool {
		return kind == o || strings.HasPrefix(string(kind), string(o)+".")
	})
}
