package backend

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/farm-stack/farm-lsp/reload/executor"
)

// Until Allowed says yes (the workspace is trusted) no process starts: not
// the warm standby New would prespawn, not a backend.
func TestNothingStartsUntilAllowed(t *testing.T) {
	dir := t.TempDir()
	py := filepath.Join(dir, "python3-test") // a `python -m uvicorn` command: standby-capable
	if err := os.Symlink(selfCommand(t)[0], py); err != nil {
		t.Fatal(err)
	}
	var allowed atomic.Bool
	m := newTestManager(t, Options{Root: dir, Command: []string{py, "-m", "uvicorn", "main:app", "--port", "{port}"},
		Env: []string{"FARM_TEST_BACKEND=ok"}, HealthPath: "/health", Allowed: allowed.Load})
	procs := func() int {
		m.mu.Lock()
		defer m.mu.Unlock()
		return len(m.procs)
	}
	if n := procs(); n != 0 {
		t.Fatalf("%d process(es) before trust (a warm standby?)", n)
	}
	res := m.Restart(context.Background())
	if res.Status == executor.OK || !strings.Contains(res.Message, "workspace not trusted") || procs() != 0 || m.starts.Load() != 0 {
		t.Fatalf("restart before trust: %+v, %d process(es)", res, procs())
	}
	allowed.Store(true)
	if res := m.Restart(context.Background()); res.Status != executor.OK {
		t.Fatalf("restart once allowed: %+v", res)
	}
	if m.PID() == 0 {
		t.Fatal("no backend serving once allowed")
	}
}
