package backend

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// proc is one backend process (or a warm standby waiting to become one),
// started in its own process group.
type proc struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser // standby only: the activation line goes here
	ready  chan struct{}  // standby only: closed when its imports are done
	exited chan struct{}  // closed once the process has been reaped
	err    error          // Wait's error, valid after exited
	stderr *lineSink
	stdout *lineSink
	pid    int
}

// pidAlive reports whether a process with this pid still exists (a zombie
// counts as existing until it is reaped).
func pidAlive(pid int) bool {
	return pid > 0 && syscall.Kill(pid, 0) == nil
}

// running reports whether the process has not exited yet.
func (p *proc) running() bool {
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// signalGroup sends sig to the process group (the pid is the pgid since
// the process was started with Setpgid).
func (p *proc) signalGroup(sig syscall.Signal) {
	if err := syscall.Kill(-p.pid, sig); err != nil && !errors.Is(err, syscall.ESRCH) {
		_ = p.cmd.Process.Signal(sig)
	}
}

// stop asks the group to terminate (SIGTERM), waits up to grace, then
// kills the group (SIGKILL) and waits for the reap.
func (p *proc) stop(grace time.Duration) {
	if p.running() {
		p.signalGroup(syscall.SIGTERM)
		t := time.NewTimer(grace)
		select {
		case <-p.exited:
		case <-t.C:
		}
		t.Stop()
	}
	// Children that outlived the leader, or a leader that ignored SIGTERM.
	p.signalGroup(syscall.SIGKILL)
	<-p.exited
}

// lineSink is an io.Writer that splits a stream into lines, hands each to
// a callback and keeps the last few for traceback parsing.
type lineSink struct {
	mu      sync.Mutex
	partial []byte
	tail    []string
	size    int
	onLine  func(string)
}

const tailBytes = 64 << 10

func (s *lineSink) Write(b []byte) (int, error) {
	s.mu.Lock()
	s.partial = append(s.partial, b...)
	var lines []string
	for {
		i := bytes.IndexByte(s.partial, '\n')
		if i < 0 {
			break
		}
		line := strings.TrimRight(string(s.partial[:i]), "\r")
		s.partial = s.partial[i+1:]
		s.keep(line)
		lines = append(lines, line)
	}
	if len(s.partial) > tailBytes { // a runaway line: flush it
		line := string(s.partial)
		s.partial = nil
		s.keep(line)
		lines = append(lines, line)
	}
	s.mu.Unlock()
	if s.onLine != nil {
		for _, l := range lines {
			s.onLine(l)
		}
	}
	return len(b), nil
}

func (s *lineSink) keep(line string) {
	s.tail = append(s.tail, line)
	s.size += len(line) + 1
	for s.size > tailBytes && len(s.tail) > 1 {
		s.size -= len(s.tail[0]) + 1
		s.tail = s.tail[1:]
	}
}

// text returns the kept lines (and any unterminated rest).
func (s *lineSink) text() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := strings.Join(s.tail, "\n")
	if len(s.partial) > 0 {
		t += "\n" + string(s.partial)
	}
	return t
}

// freePort asks the kernel for a free TCP port on host.
func freePort(host string) (int, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return 0, fmt.Errorf("pick a free port: %w", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	if err := l.Close(); err != nil {
		return 0, fmt.Errorf("pick a free port: %w", err)
	}
	return port, nil
}
