package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/farm-stack/farm-lsp/examples"
)

// TestMain lets a test run the command as its own process (the test
// binary re-executed with FARM_LSP_RUN_MAIN=1), to send it real signals.
func TestMain(m *testing.M) {
	if os.Getenv("FARM_LSP_RUN_MAIN") == "1" {
		os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	if mode := os.Getenv("FARM_LSP_GC_HELPER"); mode != "" {
		gcHelperMain(mode) // gc_test.go
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// proc is farm-lsp running as a child process.
type proc struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  chan string // stderr, line by line
	stderr *bytes.Buffer
	done   chan struct{}
}

func startProc(t *testing.T, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "FARM_LSP_RUN_MAIN=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = io.Discard
	errPipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, stdin: stdin, lines: make(chan string, 1024), stderr: &bytes.Buffer{}, done: make(chan struct{})}
	go func() {
		// Read all of stderr before Wait closes the pipe; done then
		// publishes p.stderr to the test.
		sc := bufio.NewScanner(errPipe)
		for sc.Scan() {
			p.stderr.WriteString(sc.Text() + "\n")
			select {
			case p.lines <- sc.Text():
			default:
			}
		}
		close(p.lines)
		_ = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.done
	})
	return p
}

// awaitLine waits for a stderr line containing s.
func (p *proc) awaitLine(t *testing.T, s string) {
	t.Helper()
	deadline := time.After(60 * time.Second)
	for {
		select {
		case l, ok := <-p.lines:
			if !ok {
				t.Fatalf("process ended before logging %q", s)
			}
			if strings.Contains(l, s) {
				return
			}
		case <-deadline:
			t.Fatalf("no %q within 60s", s)
		}
	}
}

// signalAndWait sends sig and returns the exit code; the process must end
// within 20s (a liveness bound, not a performance figure).
func (p *proc) signalAndWait(t *testing.T, sig syscall.Signal) int {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		t.Fatalf("still running 20s after %v", sig)
	}
	return p.cmd.ProcessState.ExitCode()
}

// bigApp is the example app plus n generated models: indexing takes long
// enough that a signal lands mid-way.
func bigApp(t *testing.T, n int) string {
	t.Helper()
	root, err := examples.CopyFarmApp(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "apps/api/src/models/gen")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		py := fmt.Sprintf("from beanie import Document\nfrom typing import Optional\n\n\nclass Gen%d(Document):\n    a: int = 0\n    b: Optional[str] = None\n", i)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("g%d.py", i)), []byte(py), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// TestCLIStopsOnSignal: SIGINT or SIGTERM ends every command promptly —
// the one-shot ones mid-analysis with "interrupted" and exit 130, without
// writing; serve as soon as it is signalled.
func TestCLIStopsOnSignal(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes over a 3,000-file app; skipped in -short mode")
	}
	root := bigApp(t, 3000)
	types := filepath.Join(root, "apps/web/src/types/models/index.ts")
	if err := os.Remove(types); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		sig  syscall.Signal
		args []string
	}{
		{"generate", syscall.SIGINT, []string{"generate", "--root", root, "--log-level", "debug"}},
		{"openapi", syscall.SIGTERM, []string{"openapi", "--root", root, "--log-level", "debug"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := startProc(t, tc.args...)
			p.awaitLine(t, "indexing the app")
			code := p.signalAndWait(t, tc.sig)
			if code != 130 || !strings.Contains(p.stderr.String(), "farm-lsp "+tc.name+": interrupted") {
				t.Errorf("exit %d, stderr:\n%s", code, p.stderr.String())
			}
		})
	}
	if _, err := os.Stat(types); err == nil {
		t.Error("an interrupted generate wrote the types")
	}

	t.Run("plan waiting for stdin", func(t *testing.T) {
		file := filepath.Join(root, "apps/api/src/models/item.py")
		p := startProc(t, "plan", "--before", "-", file, "--log-level", "debug")
		p.awaitLine(t, "reading --before from stdin")
		if code := p.signalAndWait(t, syscall.SIGINT); code != 130 || !strings.Contains(p.stderr.String(), "interrupted") {
			t.Errorf("exit %d, stderr:\n%s", code, p.stderr.String())
		}
	})

	t.Run("demo", func(t *testing.T) {
		p := startProc(t, "demo", "--log-level", "debug")
		p.awaitLine(t, "indexed")
		if code := p.signalAndWait(t, syscall.SIGINT); code != 130 || !strings.Contains(p.stderr.String(), "farm-lsp demo: interrupted") {
			t.Errorf("exit %d, stderr:\n%s", code, p.stderr.String())
		}
	})

	t.Run("serve", func(t *testing.T) {
		p := startProc(t, "serve", "--log-level", "info")
		p.awaitLine(t, "farm-lsp starting")
		code := p.signalAndWait(t, syscall.SIGTERM)
		if !strings.Contains(p.stderr.String(), "farm-lsp stopped") {
			t.Errorf("serve did not stop cleanly (exit %d):\n%s", code, p.stderr.String())
		}
	})
}
