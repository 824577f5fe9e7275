package lsp_test

import (
	"path/filepath"
	"testing"

	"go.lsp.dev/protocol"

	"github.com/farm-stack/farm-lsp/lsp"
	"github.com/farm-stack/farm-lsp/lsp/lsptest"
)

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
