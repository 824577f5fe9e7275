package lsp

import (
	"context"
	"encoding/json"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
)

// docPath converts a document URI, logging (debug) what is not a file.
func (c *conn) docPath(u string) (string, bool) {
	p, ok := PathFromURI(u)
	if !ok {
		c.log.Debug("lsp: ignoring non-file document", "uri", u)
	}
	return p, ok
}

// DidOpen gives the engine the buffer as its baseline.
func (s *server) DidOpen(_ context.Context, params *protocol.DidOpenTextDocumentParams) error {
	c := s.c
	p, ok := c.docPath(string(params.TextDocument.URI))
	if !ok {
		return nil
	}
	r := c.st.openDoc(p, params.TextDocument.Version)
	if r == nil {
		c.log.Debug("lsp: document outside every farm root; ignored", "path", p)
		return nil
	}
	r.engine.Open(p, []byte(params.TextDocument.Text))
	return nil
}

// DidChange forwards the new text. With Full sync every change event
// carries the whole document and the last one wins; Range is not a pointer
// in this library, so it cannot tell a full change from an edit at 0:0
// (pitfall 8) — the server announces Full and treats every event as such.
func (s *server) DidChange(_ context.Context, params *protocol.DidChangeTextDocumentParams) error {
	c := s.c
	if len(params.ContentChanges) == 0 {
		return nil
	}
	p, ok := c.docPath(string(params.TextDocument.URI))
	if !ok {
		return nil
	}
	r := c.st.changeDoc(p, params.TextDocument.Version)
	if r == nil {
		return nil
	}
	text := params.ContentChanges[len(params.ContentChanges)-1].Text
	r.engine.Change(p, []byte(text))
	return nil
}

// didSaveParams is didSave with the text as a pointer, so a save without
// text (nil: the engine reads the file) differs from an empty file.
type didSaveParams struct {
	TextDocument protocol.TextDocumentIdentifier `json:"textDocument"`
	Text         *string                         `json:"text"`
}

func (c *conn) didSave(raw json.RawMessage) error {
	var params didSaveParams
	if err := json.Unmarshal(raw, &params); err != nil {
		return jsonrpc2.NewError(jsonrpc2.InvalidParams, "didSave: "+err.Error())
	}
	c.save(string(params.TextDocument.URI), params.Text)
	return nil
}

// DidSave is reached only through ServerHandler (the dispatcher decodes
// didSave itself); an empty Text there means none was sent.
func (s *server) DidSave(_ context.Context, params *protocol.DidSaveTextDocumentParams) error {
	var text *string
	if params.Text != "" {
		text = &params.Text
	}
	s.c.save(string(params.TextDocument.URI), text)
	return nil
}

func (c *conn) save(u string, text *string) {
	p, ok := c.docPath(u)
	if !ok {
		return
	}
	r := c.st.rootFor(p)
	if r == nil {
		c.log.Debug("lsp: save outside every farm root; ignored", "path", p)
		return
	}
	if text == nil {
		r.engine.Save(p, nil)
		return
	}
	r.engine.Save(p, []byte(*text))
}

// DidClose tells the engine the disk content rules again.
func (s *server) DidClose(_ context.Context, params *protocol.DidCloseTextDocumentParams) error {
	c := s.c
	p, ok := c.docPath(string(params.TextDocument.URI))
	if !ok {
		return nil
	}
	if r := c.st.closeDoc(p); r != nil {
		r.engine.CloseFile(p)
	}
	return nil
}

// DidChangeWatchedFiles forwards file events to the engine of each path.
func (s *server) DidChangeWatchedFiles(_ context.Context, params *protocol.DidChangeWatchedFilesParams) error {
	c := s.c
	for _, ev := range params.Changes {
		if ev == nil {
			continue
		}
		p, ok := c.docPath(string(ev.URI))
		if !ok {
			continue
		}
		r := c.st.rootFor(p)
		if r == nil {
			continue
		}
		r.engine.FileEvent(p, ev.Type == protocol.FileChangeTypeDeleted)
	}
	return nil
}
