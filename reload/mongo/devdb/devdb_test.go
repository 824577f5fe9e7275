package devdb

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"
)

func TestStartStopAndPortInUse(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Start(ctx, Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s.URI, "mongodb://127.0.0.1:") || !strings.HasSuffix(s.URL("shop"), "/shop") {
		t.Errorf("URI %q, URL %q", s.URI, s.URL("shop"))
	}
	// The data directory is one server's.
	if _, err := Start(ctx, Options{Dir: dir}); err == nil || !strings.Contains(err.Error(), "in use by another devdb") {
		t.Errorf("second server on the same data: %v", err)
	}
	if err := s.Stop(30 * time.Second); err != nil {
		t.Fatal(err)
	}

	// A port that is taken is named, with what to do.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, err = Start(ctx, Options{Dir: dir, Addr: l.Addr().String()})
	if err == nil || !strings.Contains(err.Error(), l.Addr().String()+" is in use") || !strings.Contains(err.Error(), "--port") {
		t.Errorf("port in use: %v", err)
	}
	// The failed start released the data directory.
	s, err = Start(ctx, Options{Dir: dir})
	if err != nil {
		t.Fatalf("start after a failed start: %v", err)
	}
	if err := s.Stop(30 * time.Second); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(Label(), "FerretDB v") || !strings.Contains(Label(), "not MongoDB") {
		t.Errorf("label %q", Label())
	}
}
