package backend

import (
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/farm-stack/farm-lsp/analysis/openapi"
	"github.com/farm-stack/farm-lsp/analysis/workspace"
	"github.com/farm-stack/farm-lsp/reload/codegen"
	"github.com/farm-stack/farm-lsp/reload/executor"
	"github.com/farm-stack/farm-lsp/reload/plan"
)

// TestExternalCheckConfirmsTheNewAPI runs the user's own `uvicorn --reload`
// and checks that external mode reports a route change only once the
// served API has it (the new route answers when the task ends), and says
// plainly when a change cannot be confirmed through the API.
func TestExternalCheckConfirmsTheNewAPI(t *testing.T) {
	py := fastapiPython(t)
	dir := t.TempDir()
	rel := "apps/api/src/routes/main.py"
	src := filepath.Join(dir, rel)
	os.MkdirAll(filepath.Dir(src), 0o755)
	writeFile(t, src, appWithRoutes("v1"))

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	port := addr[strings.LastIndexByte(addr, ':')+1:]
	cmd := exec.Command(py, "-m", "uvicorn", "main:app", "--reload", "--host", "127.0.0.1", "--port", port)
	cmd.Dir = filepath.Dir(src)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		if resp, err := http.Get("http://" + addr + "/v1"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("uvicorn did not start")
		}
		time.Sleep(100 * time.Millisecond)
	}

	ws := workspace.New(workspace.Options{})
	analyse := func(text string) *plan.State {
		if _, err := ws.Update(context.Background(), rel, []byte(text)); err != nil {
			t.Fatal(err)
		}
		return &plan.State{Snapshot: ws.Snapshot()}
	}
	initial := analyse(appWithRoutes("v1"))
	// The first manager takes type generation's document of each state,
	// as the coordinator wires it; the second (below) builds its own.
	cg := codegen.New(codegen.Options{Root: dir})
	var shared atomic.Int32
	m := newTestManager(t, Options{Root: dir, PublicAddr: addr, StartTimeout: 20 * time.Second,
		InitialState: initial,
		Document: func(st *plan.State) *openapi.Document {
			shared.Add(1)
			doc, _ := cg.Document(st)
			return doc
		}})

	// A new route: the check ends only when uvicorn serves it.
	next := appWithRoutes("v1", "v2")
	state := analyse(next)
	writeFile(t, src, next)
	res := m.Run(context.Background(), plan.Task{ID: "t1", Kind: plan.BackendReload, Target: "api", State: state}, executor.NopReporter{})
	if res.Status != executor.OK || !strings.Contains(res.Message, "+GET /v2") {
		t.Fatalf("route added: %+v", res)
	}
	if st, body := get(t, addr, "/v2"); st != 200 {
		t.Errorf("the check said the new API is served, but GET /v2 = %d %s", st, body)
	}

	// A body-only change does not show in the API: healthy, not confirmed.
	body := strings.Replace(next, `"route": "v2"`, `"route": "v2, again"`, 1)
	state = analyse(body)
	writeFile(t, src, body)
	res = m.Run(context.Background(), plan.Task{ID: "t2", Kind: plan.BackendReload, Target: "api", State: state}, executor.NopReporter{})
	if res.Status != executor.OK || !strings.Contains(res.Message, "not confirmed") {
		t.Errorf("body change: %+v", res)
	}

	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if st, b := get(t, addr, "/v2"); st == 200 && strings.Contains(b, "again") {
			break
		}
	}

	if shared.Load() < 3 { // the initial state and the two tasks'
		t.Errorf("the shared document was asked for %d times, want 3", shared.Load())
	}

	// A route removed in the source but never reloaded (the file on disk
	// keeps it): the check waits, then says the old API is still served.
	m2 := newTestManager(t, Options{Root: dir, PublicAddr: addr, StartTimeout: 700 * time.Millisecond,
		InitialFiles: state.Snapshot.Python()})
	gone := analyse(appWithRoutes("v1"))
	res = m2.Run(context.Background(), plan.Task{ID: "t3", Kind: plan.BackendReload, Target: "api", State: gone}, executor.NopReporter{})
	if res.Status != executor.Failed || !strings.Contains(res.Message, "still serves the previous API") || !strings.Contains(res.Message, "-GET /v2") {
		t.Errorf("unreloaded change: %+v", res)
	}
}
