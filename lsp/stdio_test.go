package lsp_test

import (
	"context"
	"io"
	"os"
	"testing"

	"go.lsp.dev/protocol"

	"github.com/farm-stack/farm-lsp/lsp"
	"github.com/farm-stack/farm-lsp/lsp/lsptest"
	"github.com/farm-stack/farm-lsp/reload/coordinator"
)

// When FARM_LSP_TEST_STDIO_SERVER is set, the test binary is a server on
// its stdio (as cmd/farm-lsp is: stdin's Close does not unblock a read),
// with fake engines; TestStdioBinary spawns it through lsptest.StartBinary.
func TestMain(m *testing.M) {
	if os.Getenv("FARM_LSP_TEST_STDIO_SERVER") == "1" {
		err := lsp.Serve(context.Background(), nopCloser{os.Stdin, os.Stdout}, lsp.Options{
			NewEngine: func(root string) (coordinator.Engine, error) { return newFakeEngine(root), nil },
		})
		os.Exit(lsp.ExitCode(err))
	}
	os.Exit(m.Run())
}

type nopCloser struct {
	io.Reader
	io.Writer
}

func (nopCloser) Close() error { return nil }

func TestStdioBinary(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Skipf("no test executable path: %v", err)
	}
	for _, tt := range []struct {
		name     string
		shutdown bool
		want     int
	}{
		{"shutdown then exit", true, 0},
		{"exit alone", false, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("FARM_LSP_TEST_STDIO_SERVER", "1")
			dir := workspace(t, ".")
			b := lsptest.StartBinary(t, exe)
			if _, err := b.Initialize(lsptest.URI(dir), protocol.ClientCapabilities{}); err != nil {
				t.Fatal(err)
			}
			var st map[string]any
			if err := b.Request(lsp.MethodStatus, nil, &st); err != nil || st["enabled"] != true {
				t.Fatalf("farm/status over stdio: %v %v", st, err)
			}
			if tt.shutdown {
				if err := b.Request(protocol.MethodShutdown, nil, nil); err != nil {
					t.Fatal(err)
				}
			}
			b.Notify(protocol.MethodExit, nil)
			ctx, cancel := context.WithTimeout(context.Background(), lsptest.DefaultTimeout)
			defer cancel()
			code, err := b.ExitCode(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if code != tt.want {
				t.Errorf("exit code %d, want %d", code, tt.want)
			}
		})
	}
}
