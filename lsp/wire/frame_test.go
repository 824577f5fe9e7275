package wire

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"go.lsp.dev/jsonrpc2"
)

func TestReaderRecovers(t *testing.T) {
	ok := func(body string) string { return string(Frame([]byte(body))) }
	tests := []struct {
		name  string
		input string
		want  []string // bodies, "!" for a FrameError
		end   error
	}{
		{"two frames", ok(`{"a":1}`) + ok(`{"b":2}`), []string{`{"a":1}`, `{"b":2}`}, io.EOF},
		{"headers in any case, extra header", "content-length: 2\r\nContent-Type: x\r\n\r\n{}", []string{`{}`}, io.EOF},
		{"LF-only line ends", "Content-Length: 2\n\n{}", []string{`{}`}, io.EOF},
		{"blank lines between frames", ok("{}") + "\r\n\r\n" + ok("[]"), []string{"{}", "[]"}, io.EOF},
		{"bad length then good frame", "Content-Length: x\r\n\r\n{}\r\n" + ok("[]"), []string{"!", "[]"}, io.EOF},
		{"zero length", "Content-Length: 0\r\n\r\n" + ok("[]"), []string{"!", "[]"}, io.EOF},
		{"over the limit", "Content-Length: 999999999999\r\n\r\n" + ok("[]"), []string{"!", "[]"}, io.EOF},
		{"missing length", "X-Foo: 1\r\n\r\n{\"x\":1}\n" + ok("[]"), []string{"!", "[]"}, io.EOF},
		{"junk glued to a header", `{"x":1}` + ok("[]"), []string{"!", "[]"}, io.EOF},
		{"junk lines", "garbage\r\nmore garbage\r\n" + ok("[]"), []string{"!", "[]"}, io.EOF},
		{"EOF mid-body", "Content-Length: 10\r\n\r\n{}", nil, io.ErrUnexpectedEOF},
		{"EOF mid-header", "Content-Len", nil, io.ErrUnexpectedEOF},
		{"empty", "", nil, io.EOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(strings.NewReader(tt.input))
			var got []string
			for {
				body, err := r.Next()
				var fe *FrameError
				if errors.As(err, &fe) {
					got = append(got, "!")
					continue
				}
				if err != nil {
					if !errors.Is(err, tt.end) {
						t.Errorf("ended with %v, want %v", err, tt.end)
					}
					break
				}
				got = append(got, string(body))
			}
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestStreamRepliesAndContinues(t *testing.T) {
	srv, cli := net.Pipe()
	defer cli.Close()
	s := NewStream(srv, nil)
	defer s.Close()
	go func() {
		_, _ = cli.Write([]byte("Content-Length: 3\r\n\r\n{x}"))
		_, _ = cli.Write(Frame([]byte(`{"jsonrpc":"2.0","id":1,"method":"ping"}`)))
	}()
	replies := make(chan []byte, 1)
	go func() {
		r := NewReader(cli)
		b, _ := r.Next()
		replies <- b
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	msg, _, err := s.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	call, ok := msg.(*jsonrpc2.Call)
	if !ok || call.Method() != "ping" {
		t.Fatalf("read %#v", msg)
	}
	select {
	case b := <-replies:
		if !bytes.Contains(b, []byte(`"id":null`)) || !bytes.Contains(b, []byte(`-32700`)) {
			t.Errorf("reply %s", b)
		}
	case <-ctx.Done():
		t.Fatal("no ParseError reply")
	}
}

func FuzzReader(f *testing.F) {
	f.Add([]byte(string(Frame([]byte("{}")))))
	f.Add([]byte("Content-Length: 5\r\n\r\n{}"))
	f.Add([]byte("x\r\nContent-Length: 2\r\n\r\n{}"))
	f.Fuzz(func(t *testing.T, in []byte) {
		r := NewReader(bytes.NewReader(in))
		for i := 0; i < len(in)+2; i++ {
			_, err := r.Next()
			var fe *FrameError
			if err != nil && !errors.As(err, &fe) {
				return
			}
		}
		t.Fatalf("reader did not reach the end of %d bytes", len(in))
	})
}
