package backend

import (
	"context"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/farm-stack/farm-lsp/reload/executor"
)

// BenchmarkEditToServed measures, on the same FastAPI app, the time from
// writing a new route to that route being served: through farm-lsp's
// proxy (reload via Run, warm standby and cold spawn) and with
// `uvicorn --reload` (its StatReload watcher). A client hammers a stable
// route meanwhile; failed requests (errors, non-200) are counted.
//
//	go test -run '^$' -bench EditToServed -benchtime 10x ./reload/backend/
//
// Metrics: ms/edit (mean), failed-req (total over the run), req (total).
// farm-lsp's figure excludes the LSP's file-watch debounce (100 ms by
// default); uvicorn's includes its own 250 ms polling.
func BenchmarkEditToServed(b *testing.B) {
	py := fastapiPython(b)
	b.Run("farm-lsp-warm", func(b *testing.B) { benchFarm(b, py, false) })
	b.Run("farm-lsp-cold", func(b *testing.B) { benchFarm(b, py, true) })
	b.Run("uvicorn-reload", func(b *testing.B) { benchUvicorn(b, py) })
}

func benchFarm(b *testing.B, py string, noStandby bool) {
	root := b.TempDir()
	writeFile(b, filepath.Join(root, "main.py"), appWithRoutes("r0"))
	m := newTestManager(b, Options{Root: root, NoStandby: noStandby,
		Command: []string{py, "-m", "uvicorn", "main:app", "--host", "{host}", "--port", "{port}"}})
	if res := m.Restart(context.Background()); res.Status != executor.OK {
		b.Fatalf("start: %+v", res)
	}
	load := startLoad(m.Addr())
	// Let the standby finish its imports, as it has between real edits.
	awaitRoute(b, m.Addr(), "/r0")
	b.ResetTimer()
	var total time.Duration
	for i := 1; i <= b.N; i++ {
		b.StopTimer()
		idle(b, 1500*time.Millisecond)
		names := routeNames(i)
		b.StartTimer()
		t0 := time.Now()
		writeFile(b, filepath.Join(root, "main.py"), appWithRoutes(names...))
		if res := run(b, m); res.Status != executor.OK {
			b.Fatalf("reload %d: %+v", i, res)
		}
		awaitRoute(b, m.Addr(), "/"+names[len(names)-1])
		total += time.Since(t0)
	}
	b.StopTimer()
	ok, bad := load.stop()
	report(b, total, ok, bad)
}

func benchUvicorn(b *testing.B, py string) {
	root := b.TempDir()
	writeFile(b, filepath.Join(root, "main.py"), appWithRoutes("r0"))
	port, err := freePort(loopback)
	if err != nil {
		b.Fatal(err)
	}
	addr := loopback + ":" + strconv.Itoa(port)
	cmd := exec.Command(py, "-m", "uvicorn", "main:app", "--reload", "--host", loopback, "--port", strconv.Itoa(port))
	cmd.Dir = root
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
	}()
	awaitRoute(b, addr, "/r0")
	load := startLoad(addr)
	b.ResetTimer()
	var total time.Duration
	for i := 1; i <= b.N; i++ {
		b.StopTimer()
		idle(b, 1500*time.Millisecond)
		names := routeNames(i)
		b.StartTimer()
		t0 := time.Now()
		writeFile(b, filepath.Join(root, "main.py"), appWithRoutes(names...))
		awaitRoute(b, addr, "/"+names[len(names)-1])
		total += time.Since(t0)
	}
	b.StopTimer()
	ok, bad := load.stop()
	report(b, total, ok, bad)
}

func routeNames(i int) []string {
	return []string{"r0", "r" + strconv.Itoa(i)}
}

// idle lets background work (standby imports, the old process's exit)
// settle between edits, as between real saves.
func idle(b *testing.B, d time.Duration) {
	b.Helper()
	<-time.After(d)
}

// awaitRoute polls path until it answers 200.
func awaitRoute(b *testing.B, addr, path string) {
	b.Helper()
	c := &http.Client{Timeout: 5 * time.Second}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := c.Get("http://" + addr + path)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		<-time.After(5 * time.Millisecond)
	}
	b.Fatalf("%s never served", path)
}

type loadGen struct {
	stopOnce sync.Once
	done     chan struct{}
	wg       sync.WaitGroup
	ok, bad  atomic.Int64
}

// startLoad sends GET /r0 back to back from two clients.
func startLoad(addr string) *loadGen {
	l := &loadGen{done: make(chan struct{})}
	c := &http.Client{Timeout: 5 * time.Second}
	for range 2 {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			for {
				select {
				case <-l.done:
					return
				default:
				}
				resp, err := c.Get("http://" + addr + "/r0")
				if err != nil || resp.StatusCode != 200 {
					l.bad.Add(1)
				} else {
					l.ok.Add(1)
				}
				if err == nil {
					resp.Body.Close()
				}
				<-time.After(2 * time.Millisecond)
			}
		}()
	}
	return l
}

func (l *loadGen) stop() (ok, bad int64) {
	l.stopOnce.Do(func() { close(l.done) })
	l.wg.Wait()
	return l.ok.Load(), l.bad.Load()
}

func report(b *testing.B, total time.Duration, ok, bad int64) {
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms/edit")
	b.ReportMetric(float64(bad), "failed-req")
	b.ReportMetric(float64(ok+bad), "req")
	b.ReportMetric(0, "ns/op")
}
