package lsp_test

import (
	"fmt"
	"strings"
	"testing"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"

	"github.com/farm-stack/farm-lsp/lsp"
	"github.com/farm-stack/farm-lsp/lsp/lsptest"
)

func frame(body string) []byte {
	return []byte(fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len(body), body))
}

func TestMalformedFrames(t *testing.T) {
	tests := []struct {
		name   string
		raw    string
		code   int64 // error reply expected (0: none)
		withID bool  // the reply carries the request's id
	}{
		{"truncated JSON body", string(frame(`{"jsonrpc":"2.0","id":7,"method":"farm/sta`)), int64(jsonrpc2.ParseError), false},
		{"binary body", string(frame("\x00\xff\xfe garbage")), int64(jsonrpc2.ParseError), false},
		{"non-numeric Content-Length", "Content-Length: abc\r\n\r\n{}", int64(jsonrpc2.ParseError), false},
		{"negative Content-Length", "Content-Length: -5\r\n\r\n{}", int64(jsonrpc2.ParseError), false},
		{"missing Content-Length", "Content-Type: application/json\r\n\r\n{\"jsonrpc\":\"2.0\"}\r\n", int64(jsonrpc2.ParseError), false},
		{"junk line without header", "hello there\r\n", int64(jsonrpc2.ParseError), false},
		{"JSON without a frame, glued to the next header", `{"jsonrpc":"2.0","method":"x"}`, int64(jsonrpc2.ParseError), false},
		{"valid JSON, not a message", string(frame(`[1,2,3]`)), int64(jsonrpc2.InvalidRequest), false},
		{"request with a bad version", string(frame(`{"jsonrpc":"1.0","id":5,"method":"farm/status"}`)), int64(jsonrpc2.InvalidRequest), true},
		{"response with null id", string(frame(`{"jsonrpc":"2.0","id":null,"result":1}`)), 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fx := newFixture(t, workspace(t, "."), protocol.ClientCapabilities{}, nil)
			if err := fx.c.WriteRaw([]byte(tt.raw)); err != nil {
				t.Fatal(err)
			}
			// The next well-formed request is answered: the connection lives.
			if err := fx.c.Request(lsp.MethodStatus, nil, nil); err != nil {
				t.Fatalf("request after a malformed frame: %v", err)
			}
			if tt.code == 0 {
				if u := fx.c.Unmatched(); len(u) != 0 {
					t.Errorf("unexpected replies: %s", u[0].Raw)
				}
				return
			}
			if tt.withID {
				m := fx.c.Await("error reply with id 5", func(m lsptest.Message) bool {
					return m.Method == "" && string(m.ID) == "5" && m.Error != nil
				})
				if m.Error.Code != tt.code {
					t.Errorf("code %d, want %d", m.Error.Code, tt.code)
				}
				return
			}
			m := fx.c.AwaitUnmatched(tt.code)
			if !strings.Contains(string(m.Raw), `"id":null`) {
				t.Errorf("error reply should have id null: %s", m.Raw)
			}
		})
	}
}

func TestInvalidUTF8InDidChange(t *testing.T) {
	dir := workspace(t, ".")
	fx := newFixture(t, dir, protocol.ClientCapabilities{}, nil)
	path := dir + "/backend/models/bad.py"
	uri := "file://" + path
	fx.c.Open(path, "x = 1\n")
	body := `{"jsonrpc":"2.0","method":"textDocument/didChange","params":{"textDocument":{"uri":"` + uri +
		`","version":2},"contentChanges":[{"text":"a` + "\xff\xfe" + `b"}]}}`
	if err := fx.c.WriteRaw(frame(body)); err != nil {
		t.Fatal(err)
	}
	e := fx.f.get(t, dir)
	from := 0
	got := e.awaitCall(t, &from, func(c call) bool { return c.Op == "change" })
	if *got.Text != "a\uFFFD\uFFFDb" {
		t.Errorf("engine got %q", *got.Text)
	}
	if err := fx.c.Request(lsp.MethodStatus, nil, nil); err != nil {
		t.Fatal(err)
	}
}

// FuzzServe feeds arbitrary bytes after initialize: the server must not
// panic, and must end cleanly when the client goes away.
func FuzzServe(f *testing.F) {
	f.Add([]byte(frame(`{"jsonrpc":"2.0","id":1,"method":"farm/status"}`)))
	f.Add([]byte(frame(`{"jsonrpc":"2.0","method":"textDocument/didChange","params":{"textDocument":{"uri":"file:///x/a.py","version":"x"},"contentChanges":7}}`)))
	f.Add([]byte(frame(`{"jsonrpc":"2.0","id":"s","method":"workspace/executeCommand","params":{"command":"farm.status","arguments":[{"uri":7}]}}`)))
	f.Add([]byte(frame(`{"jsonrpc":"2.0","id":2,"method":"textDocument/codeAction","params":{"range":{"start":{"line":-1}}}}`)))
	f.Add([]byte("Content-Length: 99999\r\n\r\n{"))
	f.Add([]byte(frame(`{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":[1]}}`)))
	f.Fuzz(func(t *testing.T, in []byte) {
		dir := t.TempDir()
		fx := newFixture(t, dir, protocol.ClientCapabilities{}, nil)
		if err := fx.c.WriteRaw(in); err != nil {
			t.Fatal(err)
		}
		fx.c.Disconnect()
		_ = fx.c.Wait()
	})
}
