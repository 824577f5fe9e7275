package wire

import (
	"context"
	"errors"
	"io"
	"net"
	"testing"

	"go.lsp.dev/jsonrpc2"
)

// jsonrpc2 v0.10.0 keeps the first stream failure in an atomic.Value and
// panics if a later one has a different concrete type: every error the
// stream returns must have the same type.
func TestStreamErrorsShareOneType(t *testing.T) {
	a, b := net.Pipe()
	s := NewStream(a, nil)
	b.Close()
	_, _, rerr := s.Read(context.Background())
	_, werr := s.Write(context.Background(), mustCall(t))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, cerr := s.Read(ctx)
	for _, err := range []error{rerr, werr, cerr} {
		if _, ok := err.(*StreamError); !ok {
			t.Fatalf("stream error %T (%v), want *StreamError", err, err)
		}
	}
	if !errors.Is(rerr, io.EOF) && !errors.Is(rerr, io.ErrClosedPipe) {
		t.Errorf("read error %v does not unwrap to its cause", rerr)
	}
}

func mustCall(t *testing.T) jsonrpc2.Message {
	t.Helper()
	c, err := jsonrpc2.NewCall(jsonrpc2.NewNumberID(1), "x", nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
