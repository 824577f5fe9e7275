package lsptest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"testing"
	"time"
)

// stdio joins a child's stdout (read) and stdin (write).
type stdio struct {
	io.Reader
	io.WriteCloser
	closeRead func() error
}

func (s stdio) Close() error {
	err := s.WriteCloser.Close()
	if cerr := s.closeRead(); err == nil {
		err = cerr
	}
	return err
}

// BinaryClient is a Client speaking to a spawned server binary over its
// stdin/stdout (stderr goes to the test log).
type BinaryClient struct {
	*Client
	Cmd  *exec.Cmd
	wait chan error
}

// StartBinary spawns path with args and connects a Client to its stdio.
// Cleanup closes stdin and waits (bounded) for the process, killing it if
// it does not exit.
func StartBinary(t testing.TB, path string, args ...string) *BinaryClient {
	t.Helper()
	cmd := exec.Command(path, args...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatalf("lsptest: stdin pipe: %v", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatalf("lsptest: stdout pipe: %v", err)
	}
	cmd.Stderr = testWriter{t}
	if err := cmd.Start(); err != nil {
		t.Fatalf("lsptest: start %s: %v", path, err)
	}
	b := &BinaryClient{Cmd: cmd, wait: make(chan error, 1)}
	go func() { b.wait <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = stdin.Close()
		select {
		case <-b.wait:
		case <-time.After(DefaultTimeout):
			_ = cmd.Process.Kill()
			<-b.wait
			t.Errorf("lsptest: %s did not exit after stdin closed; killed", path)
		}
	})
	b.Client = Dial(t, stdio{Reader: stdout, WriteCloser: stdin, closeRead: stdout.Close})
	return b
}

// ExitCode waits (bounded) for the process and returns its exit code.
func (b *BinaryClient) ExitCode(ctx context.Context) (int, error) {
	select {
	case err := <-b.wait:
		b.wait <- err
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode(), nil
		}
		if err != nil {
			return -1, err
		}
		return 0, nil
	case <-ctx.Done():
		return -1, fmt.Errorf("lsptest: process still running: %w", ctx.Err())
	}
}

// testWriter sends a child's stderr to the test log.
type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Logf("server stderr: %s", p)
	return len(p), nil
}
