package backend

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"golang.org/x/sys/unix"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/reload/executor"
	"github.com/farm-stack/farm-lsp/reload/plan"
)

const installHint = "apt-get update && apt-get install -y python3-fastapi python3-uvicorn python3-websockets"

// fastapiPython returns an interpreter that can import fastapi and
// uvicorn (Debian's, not a pyenv shim), or skips.
func fastapiPython(t testing.TB) string {
	t.Helper()
	for _, py := range []string{"/usr/bin/python3", "python3"} {
		path, err := exec.LookPath(py)
		if err != nil {
			continue
		}
		if exec.Command(path, "-c", "import fastapi, uvicorn").Run() == nil {
			return path
		}
	}
	t.Skip("no python3 with fastapi and uvicorn on this machine: " + installHint)
	return ""
}

func quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// appWithRoutes is a FastAPI app with one GET route per name.
func appWithRoutes(names ...string) string {
	var b strings.Builder
	b.WriteString("from fastapi import FastAPI\n\napp = FastAPI()\n")
	for _, n := range names {
		b.WriteString("\n\n@app.get(\"/" + n + "\")\ndef " + n + "():\n    return {\"route\": \"" + n + "\"}\n")
	}
	return b.String()
}

// get fetches path through addr and returns the status and body.
func get(t testing.TB, addr, path string) (int, string) {
	t.Helper()
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get("http://" + addr + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func run(t testing.TB, m *Manager) executor.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	return m.Run(ctx, plan.Task{ID: "t", Kind: plan.BackendReload, Target: "backend"}, executor.NopReporter{})
}

// awaitExit fails unless p is reaped within the timeout.
func awaitExit(t testing.TB, p *proc, what string) {
	t.Helper()
	select {
	case <-p.exited:
	case <-time.After(20 * time.Second):
		t.Fatalf("%s (pid %d) still running", what, p.pid)
	}
	if pidAlive(p.pid) {
		t.Fatalf("%s (pid %d) exists after reap", what, p.pid)
	}
}

// awaitGone watches pid through a pidfd (opened now, while it lives) and
// reports on the channel once the process has exited.
func awaitGone(t testing.TB, pid int) <-chan error {
	t.Helper()
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		t.Fatalf("pidfd_open %d: %v", pid, err)
	}
	done := make(chan error, 1)
	go func() {
		defer unix.Close(fd)
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		for {
			n, err := unix.Poll(fds, 15000)
			if err == unix.EINTR {
				continue
			}
			if err != nil {
				done <- err
				return
			}
			if n == 0 {
				done <- errors.New("still running after 15 s")
				return
			}
			done <- nil
			return
		}
	}()
	return done
}

// recorder is an executor.Reporter that keeps what it was told.
type recorder struct {
	mu   sync.Mutex
	msgs []string
}

func (r *recorder) Report(msg string, pct int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, msg+" "+strconv.Itoa(pct))
}

func (r *recorder) got() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.msgs)
}

type brokenSet struct {
	mu    sync.Mutex
	files []string
}

func (b *brokenSet) set(f ...string) { b.mu.Lock(); b.files = f; b.mu.Unlock() }
func (b *brokenSet) get() []string   { b.mu.Lock(); defer b.mu.Unlock(); return b.files }

// TestFastAPILifecycle walks the scenario against real uvicorn +
// FastAPI, with the warm standby and with plain spawns.
func TestFastAPILifecycle(t *testing.T) {
	py := fastapiPython(t)
	for _, tc := range []struct {
		name      string
		noStandby bool
	}{{"warm", false}, {"cold", true}} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			api := filepath.Join(root, "apps", "api")
			writeFile(t, filepath.Join(api, "main.py"), appWithRoutes("v1"))
			var broken brokenSet
			var logMu sync.Mutex
			var logs []string
			m, err := New(Options{
				Root:       root,
				Cwd:        "apps/api",
				Command:    []string{py, "-m", "uvicorn", "main:app", "--host", "{host}", "--port", "{port}"},
				PublicAddr: "127.0.0.1:0",
				NoStandby:  tc.noStandby,
				StopGrace:  3 * time.Second,
				Logger:     quietLogger(),
				Log: func(l string) {
					logMu.Lock()
					logs = append(logs, l)
					logMu.Unlock()
				},
				Broken: broken.get,
			})
			if err != nil {
				t.Fatal(err)
			}
			closed := false
			t.Cleanup(func() {
				if !closed {
					m.Close()
				}
			})

			// First start.
			if res := m.Restart(context.Background()); res.Status != executor.OK {
				t.Fatalf("first start: %+v", res)
			}
			if code, body := get(t, m.Addr(), "/v1"); code != 200 || !strings.Contains(body, "v1") {
				t.Fatalf("GET /v1 = %d %q", code, body)
			}

			// Route change → new route served through the proxy; the old
			// process is drained and stopped.
			first := m.cur.Load().p
			writeFile(t, filepath.Join(api, "main.py"), appWithRoutes("v1", "v2"))
			res := run(t, m)
			if res.Status != executor.OK {
				t.Fatalf("reload after route change: %+v", res)
			}
			if wantHow := map[bool]string{false: "warm start", true: "cold start"}[tc.noStandby]; !strings.Contains(res.Message, wantHow) {
				t.Errorf("reload message %q, want a %s", res.Message, wantHow)
			}
			if code, _ := get(t, m.Addr(), "/v2"); code != 200 {
				t.Fatalf("GET /v2 after reload = %d", code)
			}
			awaitExit(t, first, "replaced backend")
			serving := m.PID()

			// Syntax error the analysis knows about → no start attempted.
			bad := appWithRoutes("v1", "v2") + "\n\ndef broken(:\n    pass\n"
			badLine := strings.Count(appWithRoutes("v1", "v2")+"\n\n", "\n") + 1
			writeFile(t, filepath.Join(api, "main.py"), bad)
			broken.set("apps/api/main.py")
			starts := m.starts.Load()
			res = run(t, m)
			if res.Status != executor.Failed || res.Transient || !strings.Contains(res.Message, "apps/api/main.py") {
				t.Fatalf("pre-detected syntax error: %+v", res)
			}
			if got := m.starts.Load(); got != starts {
				t.Fatalf("a backend was started from a broken tree (%d starts, want %d)", got, starts)
			}
			broken.set()

			// Same syntax error not pre-detected → the start fails, the old
			// backend keeps serving, the diagnostic is at the line.
			res = run(t, m)
			if res.Status != executor.Failed || res.Transient {
				t.Fatalf("syntax error start: %+v", res)
			}
			if m.starts.Load() != starts+1 {
				t.Fatalf("starts = %d, want %d", m.starts.Load(), starts+1)
			}
			ds := res.Diagnostics["apps/api/main.py"]
			if len(ds) != 1 || ds[0].Range.Start.Line != badLine-1 || ds[0].Code != facts.CodeBackendError ||
				!strings.HasPrefix(ds[0].Message, "SyntaxError") {
				t.Fatalf("syntax error diagnostics = %+v (want line %d)", res.Diagnostics, badLine)
			}
			if ds[0].Range.Start.Char != len("def broken(") {
				t.Errorf("syntax error column = %d, want %d", ds[0].Range.Start.Char, len("def broken("))
			}
			if m.PID() != serving {
				t.Fatalf("serving pid changed from %d to %d", serving, m.PID())
			}
			if code, _ := get(t, m.Addr(), "/v2"); code != 200 {
				t.Fatalf("old backend not serving after failed start: %d", code)
			}

			// ImportError at start-up → diagnostic at the import line; the
			// main.py diagnostic is cleared.
			writeFile(t, filepath.Join(api, "main.py"), "from fastapi import FastAPI\nimport models\n\napp = FastAPI()\n")
			writeFile(t, filepath.Join(api, "models.py"), "import os\n\nimport no_such_module_farm_test\n")
			res = run(t, m)
			if res.Status != executor.Failed || res.Transient {
				t.Fatalf("import error start: %+v", res)
			}
			ds = res.Diagnostics["apps/api/models.py"]
			if len(ds) != 1 || ds[0].Range.Start.Line != 2 || !strings.Contains(ds[0].Message, "ModuleNotFoundError") {
				t.Fatalf("import error diagnostics = %+v", res.Diagnostics)
			}
			if cleared, ok := res.Diagnostics["apps/api/main.py"]; !ok || len(cleared) != 0 {
				t.Fatalf("main.py diagnostics not cleared: %+v", res.Diagnostics)
			}
			if code, _ := get(t, m.Addr(), "/v2"); code != 200 || m.PID() != serving {
				t.Fatalf("old backend not serving after ImportError: %d (pid %d, want %d)", code, m.PID(), serving)
			}

			// Fix → healthy swap, diagnostics cleared.
			writeFile(t, filepath.Join(api, "models.py"), "import os\n")
			writeFile(t, filepath.Join(api, "main.py"), appWithRoutes("v1", "v2", "v3"))
			res = run(t, m)
			if res.Status != executor.OK {
				t.Fatalf("fixed start: %+v", res)
			}
			if cleared, ok := res.Diagnostics["apps/api/models.py"]; !ok || len(cleared) != 0 || len(res.Diagnostics) != 1 {
				t.Fatalf("diagnostics after fix = %+v, want models.py cleared", res.Diagnostics)
			}
			if code, _ := get(t, m.Addr(), "/v3"); code != 200 {
				t.Fatalf("GET /v3 = %d", code)
			}
			logMu.Lock()
			sawLog := strings.Contains(strings.Join(logs, "\n"), "Application startup complete")
			logMu.Unlock()
			if !sawLog {
				t.Errorf("backend output did not reach Log")
			}

			// Close → no backend process left (serving, standby, retiring).
			m.mu.Lock()
			var pids []int
			for p := range m.procs {
				pids = append(pids, p.pid)
			}
			m.mu.Unlock()
			if !tc.noStandby && len(pids) < 2 {
				t.Errorf("expected a warm standby besides the backend, have pids %v", pids)
			}
			closed = true
			if err := m.Close(); err != nil {
				t.Fatal(err)
			}
			for _, pid := range pids {
				if pidAlive(pid) {
					t.Errorf("pid %d still alive after Close", pid)
				}
			}
			if _, err := net.DialTimeout("tcp", m.Addr(), time.Second); err == nil {
				t.Errorf("proxy still accepting after Close")
			}
		})
	}
}

// TestFastAPIWebSocket checks that a WebSocket upgrade passes through the
// proxy to a real uvicorn backend.
func TestFastAPIWebSocket(t *testing.T) {
	py := fastapiPython(t)
	if exec.Command(py, "-c", "import websockets").Run() != nil {
		t.Skip("uvicorn has no WebSocket library here: " + installHint)
	}
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "main.py"), appWithRoutes("v1")+`

from fastapi import WebSocket


@app.websocket("/ws")
async def ws(sock: WebSocket):
    await sock.accept()
    while True:
        msg = await sock.receive_text()
        await sock.send_text("echo:" + msg)
`)
	m := newTestManager(t, Options{Root: root, Command: []string{py, "-m", "uvicorn", "main:app", "--port", "{port}"}, NoStandby: true})
	if res := m.Restart(context.Background()); res.Status != executor.OK {
		t.Fatalf("start: %+v", res)
	}
	echo(t, m.Addr())
}

func newTestManager(t testing.TB, opts Options) *Manager {
	t.Helper()
	if opts.PublicAddr == "" {
		opts.PublicAddr = "127.0.0.1:0"
	}
	if opts.Logger == nil {
		opts.Logger = quietLogger()
	}
	m, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func echo(t *testing.T, addr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws://"+addr+"/ws", nil)
	if err != nil {
		t.Fatalf("dial through proxy: %v", err)
	}
	defer c.CloseNow()
	for _, msg := range []string{"a", "hello"} {
		if err := c.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
			t.Fatal(err)
		}
		_, b, err := c.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != "echo:"+msg {
			t.Fatalf("got %q, want echo:%s", b, msg)
		}
	}
	c.Close(websocket.StatusNormalClosure, "")
}

// selfCommand runs this test binary as a generic backend in mode.
func selfCommand(t testing.TB) []string {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return []string{exe, "-test.run=^$"}
}

// TestGenericBackend covers a non-Python argv: PORT in the environment,
// WebSocket pass-through, draining (a slow request in flight during a
// swap completes), failures without traceback being transient, and Close
// killing the whole process group.
func TestGenericBackend(t *testing.T) {
	t.Run("websocket and drain", func(t *testing.T) {
		slowStarted := make(chan struct{}, 4)
		m := newTestManager(t, Options{Root: t.TempDir(), Command: selfCommand(t), Env: []string{"FARM_TEST_BACKEND=ok"}, HealthPath: "/health",
			Log: func(l string) {
				if l == "slow-start" {
					slowStarted <- struct{}{}
				}
			}})
		if res := m.Restart(context.Background()); res.Status != executor.OK {
			t.Fatalf("start: %+v", res)
		}
		echo(t, m.Addr())
		first := m.cur.Load().p
		slow := make(chan string, 1)
		go func() {
			resp, err := http.Get("http://" + m.Addr() + "/slow?ms=1500")
			if err != nil {
				slow <- err.Error()
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			slow <- strconv.Itoa(resp.StatusCode) + " " + string(b)
		}()
		select {
		case <-slowStarted:
		case <-time.After(10 * time.Second):
			t.Fatal("slow request never reached the backend")
		}
		var rep recorder
		if res := m.Run(context.Background(), plan.Task{Kind: plan.BackendReload}, &rep); res.Status != executor.OK {
			t.Fatalf("restart: %+v", res)
		}
		if want := []string{"starting backend 10", "waiting for /health 30", "switching traffic 90"}; !slices.Equal(rep.got(), want) {
			t.Errorf("progress = %q, want %q", rep.got(), want)
		}
		if m.PID() == first.pid {
			t.Fatal("pid unchanged after restart")
		}
		select {
		case got := <-slow:
			if want := "200 slow from " + strconv.Itoa(first.pid); got != want {
				t.Fatalf("in-flight request = %q, want %q", got, want)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("in-flight request never finished")
		}
		awaitExit(t, first, "drained backend")
		if code, body := get(t, m.Addr(), "/pid"); code != 200 || body != strconv.Itoa(m.PID()) {
			t.Fatalf("GET /pid = %d %q, want the new pid %d", code, body, m.PID())
		}
	})

	for _, tc := range []struct {
		mode      string
		transient bool
		msg       string
	}{
		{"crash", true, "exited during start-up"},
		{"unhealthy", true, "did not become healthy"},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			m := newTestManager(t, Options{Root: t.TempDir(), Command: selfCommand(t), Env: []string{"FARM_TEST_BACKEND=" + tc.mode},
				HealthPath: "/health", StartTimeout: 700 * time.Millisecond})
			res := m.Restart(context.Background())
			if res.Status != executor.Failed || res.Transient != tc.transient || !strings.Contains(res.Message, tc.msg) {
				t.Fatalf("result = %+v, want failed transient=%v %q", res, tc.transient, tc.msg)
			}
			m.mu.Lock()
			n := len(m.procs)
			m.mu.Unlock()
			if n != 0 {
				t.Errorf("failed backend left running: %d processes", n)
			}
			if code, _ := get(t, m.Addr(), "/health"); code != http.StatusServiceUnavailable {
				t.Errorf("proxy without backend answered %d, want 503", code)
			}
		})
	}

	t.Run("standby that cannot run falls back to cold starts", func(t *testing.T) {
		dir := t.TempDir()
		exe := selfCommand(t)[0]
		py := filepath.Join(dir, "python3-test")
		if err := os.Symlink(exe, py); err != nil {
			t.Fatal(err)
		}
		m := newTestManager(t, Options{Root: dir, Command: []string{py, "-m", "uvicorn", "main:app", "--port", "{port}"},
			Env: []string{"FARM_TEST_BACKEND=nostandby"}, HealthPath: "/health"})
		for i := range 2 {
			res := m.Restart(context.Background())
			if res.Status != executor.OK || !strings.Contains(res.Message, "cold start") {
				t.Fatalf("restart %d: %+v", i, res)
			}
		}
		m.mu.Lock()
		off, sb := m.standbyOff, m.standby
		m.mu.Unlock()
		if !off || sb != nil {
			t.Fatalf("standbyOff=%v standby=%v, want standbys off", off, sb)
		}
	})

	t.Run("missing python module is deterministic", func(t *testing.T) {
		py := fastapiPython(t)
		m := newTestManager(t, Options{Root: t.TempDir(), Command: []string{py, "-m", "no_such_server_farm", "--port", "{port}"}})
		res := m.Restart(context.Background())
		if res.Status != executor.Failed || res.Transient || !strings.Contains(res.Message, "No module named no_such_server_farm") {
			t.Fatalf("result = %+v", res)
		}
	})

	t.Run("requests wait for the first start", func(t *testing.T) {
		serving := make(chan struct{}, 1)
		m := newTestManager(t, Options{Root: t.TempDir(), Command: selfCommand(t), Env: []string{"FARM_TEST_BACKEND=late"},
			HealthPath: "/health",
			Log: func(l string) {
				if l == "serving" {
					serving <- struct{}{}
				}
			}})
		done := make(chan executor.Result, 1)
		go func() { done <- m.Restart(context.Background()) }()
		select {
		case <-serving:
		case <-time.After(10 * time.Second):
			t.Fatal("backend never started")
		}
		// The backend listens but is not healthy yet: no instance serves.
		if m.cur.Load() != nil {
			t.Fatal("swapped before the health check passed")
		}
		if code, body := get(t, m.Addr(), "/pid"); code != 200 || body == "" {
			t.Fatalf("request during the first start = %d %q, want it served once the backend is up", code, body)
		}
		if res := <-done; res.Status != executor.OK {
			t.Fatalf("start: %+v", res)
		}
	})

	t.Run("crash of the serving backend restarts it once", func(t *testing.T) {
		restarted := make(chan executor.Result, 2)
		m := newTestManager(t, Options{Root: t.TempDir(), Command: selfCommand(t), Env: []string{"FARM_TEST_BACKEND=ok"}, HealthPath: "/health",
			OnCrash: func(res executor.Result) { restarted <- res }})
		if res := m.Restart(context.Background()); res.Status != executor.OK {
			t.Fatalf("start: %+v", res)
		}
		first := m.PID()
		http.Get("http://" + m.Addr() + "/exit") // the backend dies mid-request
		select {
		case res := <-restarted:
			if res.Status != executor.OK {
				t.Fatalf("restart after crash: %+v", res)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("no restart after the crash")
		}
		if code, body := get(t, m.Addr(), "/pid"); code != 200 || body == strconv.Itoa(first) {
			t.Fatalf("GET /pid after crash = %d %q (first pid %d)", code, body, first)
		}
		// A second crash within the cooldown is not restarted.
		second := m.cur.Load().p
		http.Get("http://" + m.Addr() + "/exit")
		awaitExit(t, second, "crashed backend")
		select {
		case res := <-restarted:
			t.Fatalf("restarted again within the cooldown: %+v", res)
		default:
		}
		if code, _ := get(t, m.Addr(), "/pid"); code != http.StatusServiceUnavailable {
			t.Errorf("after a second crash the proxy answered %d, want 503", code)
		}
	})

	t.Run("close during a start", func(t *testing.T) {
		serving := make(chan struct{}, 1)
		m := newTestManager(t, Options{Root: t.TempDir(), Command: selfCommand(t), Env: []string{"FARM_TEST_BACKEND=unhealthy"},
			HealthPath: "/health", StartTimeout: time.Minute,
			Log: func(l string) {
				if l == "serving" {
					serving <- struct{}{}
				}
			}})
		done := make(chan executor.Result, 1)
		go func() { done <- m.Restart(context.Background()) }()
		select {
		case <-serving:
		case <-time.After(10 * time.Second):
			t.Fatal("backend never started")
		}
		m.mu.Lock()
		var pids []int
		for p := range m.procs {
			pids = append(pids, p.pid)
		}
		m.mu.Unlock()
		if err := m.Close(); err != nil {
			t.Fatal(err)
		}
		select {
		case res := <-done:
			if res.Status != executor.Failed {
				t.Fatalf("start interrupted by Close = %+v", res)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("start did not return after Close")
		}
		for _, pid := range pids {
			if pidAlive(pid) {
				t.Errorf("pid %d alive after Close", pid)
			}
		}
		if res := m.Restart(context.Background()); res.Status != executor.Failed {
			t.Errorf("restart after Close = %+v", res)
		}
	})

	t.Run("missing executable", func(t *testing.T) {
		m := newTestManager(t, Options{Root: t.TempDir(), Command: []string{"/nonexistent/farm-backend", "{port}"}})
		res := m.Restart(context.Background())
		if res.Status != executor.Failed || res.Transient {
			t.Fatalf("result = %+v, want deterministic failure", res)
		}
	})

	t.Run("close kills the process group", func(t *testing.T) {
		childPID := make(chan int, 1)
		m := newTestManager(t, Options{Root: t.TempDir(), Command: selfCommand(t), Env: []string{"FARM_TEST_BACKEND=child"},
			HealthPath: "/health", StopGrace: time.Second,
			Log: func(l string) {
				if pid, ok := strings.CutPrefix(l, "child-pid "); ok {
					n, _ := strconv.Atoi(pid)
					childPID <- n
				}
			}})
		if res := m.Restart(context.Background()); res.Status != executor.OK {
			t.Fatalf("start: %+v", res)
		}
		var child int
		select {
		case child = <-childPID:
		case <-time.After(10 * time.Second):
			t.Fatal("backend never reported its child")
		}
		leader := m.PID()
		childGone := awaitGone(t, child)
		if err := m.Close(); err != nil {
			t.Fatal(err)
		}
		if pidAlive(leader) {
			t.Errorf("backend %d alive after Close", leader)
		}
		select {
		case err := <-childGone:
			if err != nil {
				t.Fatalf("child %d of the backend alive after Close: %v", child, err)
			}
		case <-time.After(15 * time.Second):
			t.Fatalf("child %d of the backend alive after Close", child)
		}
	})
}

// TestExternal covers external mode (the user runs the backend).
func TestExternal(t *testing.T) {
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/openapi.json" {
			http.NotFound(w, r)
			return
		}
		io.WriteString(w, "{}")
	}))
	defer ok.Close()
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "boom", http.StatusInternalServerError)
	}))
	defer failing.Close()
	hang := make(chan struct{})
	hanging := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	}))
	defer hanging.Close()
	defer close(hang)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := l.Addr().String()
	l.Close()

	tests := []struct {
		name      string
		addr      string
		broken    []string
		status    executor.Status
		transient bool
		msg       string
	}{
		{"healthy", strings.TrimPrefix(ok.URL, "http://"), nil, executor.OK, false, "healthy"},
		{"server error", strings.TrimPrefix(failing.URL, "http://"), nil, executor.Failed, false, "HTTP 500"},
		{"not running", closedAddr, nil, executor.Skipped, false, "skipped: backend not reachable at " + closedAddr},
		{"not running names the command and the install", closedAddr, nil, executor.Skipped, false,
			"`python3 -m uvicorn src.main:app --reload --port " + closedAddr[strings.LastIndexByte(closedAddr, ':')+1:] + "` (needs FastAPI and uvicorn: `apt-get install -y python3-fastapi python3-uvicorn`"},
		{"hangs", strings.TrimPrefix(hanging.URL, "http://"), nil, executor.Failed, true, "not responding"},
		{"broken tree", strings.TrimPrefix(ok.URL, "http://"), []string{"api/main.py"}, executor.Failed, false, "api/main.py"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newTestManager(t, Options{Root: t.TempDir(), PublicAddr: tt.addr,
				StartTimeout: 500 * time.Millisecond, Broken: func() []string { return tt.broken }})
			if m.Managed() {
				t.Fatal("no command but managed")
			}
			res := run(t, m)
			if res.Status != tt.status || res.Transient != tt.transient || !strings.Contains(res.Message, tt.msg) {
				t.Fatalf("result = %+v, want %s transient=%v %q", res, tt.status, tt.transient, tt.msg)
			}
		})
	}
}

// TestWarmBackendExitsWithFarmLSP checks the orphan guard of standby-started
// backends: when farm-lsp's end of stdin closes (as on a crash), the
// backend terminates itself.
func TestWarmBackendExitsWithFarmLSP(t *testing.T) {
	py := fastapiPython(t)
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "main.py"), appWithRoutes("v1"))
	m := newTestManager(t, Options{Root: root, Command: []string{py, "-m", "uvicorn", "main:app", "--port", "{port}"}})
	res := m.Restart(context.Background())
	if res.Status != executor.OK || !strings.Contains(res.Message, "warm start") {
		t.Fatalf("start: %+v", res)
	}
	p := m.cur.Load().p
	if err := p.stdin.Close(); err != nil {
		t.Fatal(err)
	}
	awaitExit(t, p, "backend whose farm-lsp went away")
}

func TestWithoutReloader(t *testing.T) {
	tests := []struct {
		in, want []string
	}{
		{[]string{"python3", "-m", "uvicorn", "main:app", "--reload", "--port", "{port}"}, []string{"python3", "-m", "uvicorn", "main:app", "--port", "{port}"}},
		{[]string{"uvicorn", "main:app", "--reload-dir", "src", "--reload-delay=0.5", "--port", "{port}"}, []string{"uvicorn", "main:app", "--port", "{port}"}},
		{[]string{"node", "server.js", "--reload"}, []string{"node", "server.js", "--reload"}},
		{[]string{"python3", "-m", "uvicorn", "main:app"}, []string{"python3", "-m", "uvicorn", "main:app"}},
	}
	for _, tt := range tests {
		if got := withoutReloader(tt.in, quietLogger()); !slices.Equal(got, tt.want) {
			t.Errorf("withoutReloader(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestLoaderErrorNamesTheInstall(t *testing.T) {
	got := loaderError("/usr/bin/python3: No module named uvicorn\n")
	if !strings.HasPrefix(got, "/usr/bin/python3: No module named uvicorn (") || !strings.Contains(got, "apt-get install -y python3-fastapi python3-uvicorn") {
		t.Errorf("loaderError = %q", got)
	}
	if got := loaderError("/usr/bin/python3: No module named mything\n"); got != "/usr/bin/python3: No module named mything" {
		t.Errorf("another module: %q", got)
	}
}
