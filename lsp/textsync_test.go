package lsp_test

import (
	"path/filepath"
	"testing"

	"go.lsp.dev/protocol"

	"github.com/farm-stack/farm-lsp/lsp/lsptest"
)

func TestMultiRootRouting(t *testing.T) {
	// One folder with a root at the top and one nested two levels down; a
	// config under node_modules and one four levels deep are not roots;
	// a second folder has no farm.config.ts at all.
	ws := workspace(t, ".", "apps/web", "node_modules/pkg", "a/b/c/d")
	other := t.TempDir()
	other, _ = filepath.EvalSymlinks(other)
	f := newFactory(nil)
	c := lsptest.New(t, optsFor(t, f))
	_, err := c.InitializeWith(&protocol.InitializeParams{WorkspaceFolders: []protocol.WorkspaceFolder{
		{URI: lsptest.URI(ws), Name: "ws"},
		{URI: lsptest.URI(other), Name: "other"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	top, web := ws, filepath.Join(ws, "apps/web")
	if got := len(f.roots()); got != 2 {
		t.Fatalf("roots %v, want %s and %s only", f.roots(), top, web)
	}
	tests := []struct {
		path string
		root string // "" = ignored
	}{
		{filepath.Join(ws, "backend/models/user.py"), top},
		{filepath.Join(ws, "apps/web/src/App.tsx"), web},
		{filepath.Join(ws, "apps/web"), web},
		{filepath.Join(ws, "apps/webby/x.ts"), top}, // a sibling sharing the prefix
		{filepath.Join(ws, "node_modules/pkg/index.ts"), top},
		{filepath.Join(ws, "a/b/c/d/deep.py"), top},
		{filepath.Join(other, "x.py"), ""},
	}
	froms := map[string]*int{top: new(int), web: new(int)}
	for i, tt := range tests {
		text := "# " + tt.path
		c.Open(tt.path, text)
		if tt.root == "" {
			continue
		}
		e := f.get(t, tt.root)
		got := e.awaitCall(t, froms[tt.root], func(c call) bool { return c.Op == "open" })
		if got.Path != tt.path || *got.Text != text {
			t.Errorf("case %d: engine %s got %v, want open of %s", i, tt.root, got, tt.path)
		}
	}
	// Barrier, then check nothing went anywhere else.
	c.Open(filepath.Join(ws, "last.py"), "")
	f.get(t, top).awaitCall(t, froms[top], func(c call) bool { return c.Path == filepath.Join(ws, "last.py") })
	for root, e := range map[string]*fakeEngine{top: f.get(t, top), web: f.get(t, web)} {
		for _, cl := range e.callsSnapshot() {
			if cl.Op == "open" && filepath.Dir(cl.Path) == other {
				t.Errorf("engine %s got a document outside every root: %v", root, cl)
			}
		}
	}
}

func TestDocumentSync(t *testing.T) {
	dir := workspace(t, ".")
	fx := newFixture(t, dir, protocol.ClientCapabilities{}, nil)
	e := fx.f.get(t, dir)
	path := filepath.Join(dir, "backend/models/user.py")
	uri := protocol.DocumentURI(lsptest.URI(path))
	from := 0

	fx.c.Open(path, "v1")
	if got := e.awaitCall(t, &from, func(c call) bool { return true }); got.Op != "open" || *got.Text != "v1" {
		t.Fatalf("got %v, want open v1", got)
	}

	// Full sync: several events in one didChange, the last is the document.
	fx.c.Notify(protocol.MethodTextDocumentDidChange, &protocol.DidChangeTextDocumentParams{
		TextDocument: protocol.VersionedTextDocumentIdentifier{TextDocumentIdentifier: protocol.TextDocumentIdentifier{URI: uri}, Version: 2},
		ContentChanges: []protocol.TextDocumentContentChangeEvent{
			{Text: "partial"},
			{Range: protocol.Range{Start: protocol.Position{Line: 3}}, Text: "whole v2"},
		},
	})
	if got := e.awaitCall(t, &from, func(c call) bool { return true }); got.Op != "change" || *got.Text != "whole v2" {
		t.Fatalf("got %v, want change with the last event's text", got)
	}

	tests := []struct {
		name string
		send func()
		want call
	}{
		{"save with text", func() { fx.c.Save(path, "saved text") }, call{Op: "save", Path: path, Text: strp("saved text")}},
		{"save with empty text", func() { fx.c.Save(path, "") }, call{Op: "save", Path: path, Text: strp("")}},
		{"save without text", func() { fx.c.SaveNoText(path) }, call{Op: "save", Path: path}},
		{"watched change", func() {
			fx.c.Notify(protocol.MethodWorkspaceDidChangeWatchedFiles, &protocol.DidChangeWatchedFilesParams{Changes: []*protocol.FileEvent{
				{URI: protocol.DocumentURI(lsptest.URI(filepath.Join(dir, "a.ts"))), Type: protocol.FileChangeTypeChanged},
			}})
		}, call{Op: "fileEvent", Path: filepath.Join(dir, "a.ts")}},
		{"watched delete", func() {
			fx.c.Notify(protocol.MethodWorkspaceDidChangeWatchedFiles, &protocol.DidChangeWatchedFilesParams{Changes: []*protocol.FileEvent{
				{URI: protocol.DocumentURI(lsptest.URI(filepath.Join(dir, "b.py"))), Type: protocol.FileChangeTypeDeleted},
			}})
		}, call{Op: "fileEvent", Path: filepath.Join(dir, "b.py"), Deleted: true}},
		{"close", func() { fx.c.Close(path) }, call{Op: "close", Path: path}},
	}
	for _, tt := range tests {
		tt.send()
		got := e.awaitCall(t, &from, func(call) bool { return true })
		if got.String() != tt.want.String() {
			t.Errorf("%s: engine got %v, want %v", tt.name, got, tt.want)
		}
	}
}
