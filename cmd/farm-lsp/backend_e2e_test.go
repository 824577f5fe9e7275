package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/farm-stack/farm-lsp/lsp"
	"github.com/farm-stack/farm-lsp/lsp/lsptest"
)

// debianPython is the interpreter with Debian's python3-fastapi and
// python3-uvicorn (the default python3 here may be a pyenv one).
const debianPython = "/usr/bin/python3"

func requireFastAPI(t *testing.T) {
	t.Helper()
	if err := exec.Command(debianPython, "-c", "import fastapi, uvicorn").Run(); err != nil {
		t.Skipf("needs Debian's FastAPI: apt-get install -y python3-fastapi python3-uvicorn (%v)", err)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func get(url string) (int, string) {
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// processesUnder lists pids whose command line mentions dir.
func processesUnder(dir string) []string {
	var out []string
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && strings.Contains(string(b), dir) {
			out = append(out, e.Name())
		}
	}
	return out
}

// TestManagedBackendThroughTheEngine drives the whole stack with a real
// uvicorn + FastAPI serving the example app behind farm-lsp's proxy.
func TestManagedBackendThroughTheEngine(t *testing.T) {
	requireFastAPI(t)
	port := freePort(t)
	// The example imports beanie and motor, which Debian lacks: the
	// test-only shims stand in (no database is touched at start-up).
	opts := map[string]any{"development": map[string]any{
		"ports": map[string]any{"backend": port},
		"backend": map[string]any{
			"command":        []string{debianPython, "-m", "uvicorn", "src.main:app", "--host", "127.0.0.1", "--port", "{port}"},
			"env":            map[string]string{"PYTHONPATH": "testing_shims"},
			"cwd":            "apps/api",
			"health":         "/openapi.json",
			"startTimeoutMs": 30000,
		},
	}}
	c, root := session(t, trusted(opts))
	c.AwaitLog("backend start: ok")
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	if code, body := get(base + "/health"); code != 200 {
		t.Fatalf("GET /health through the proxy: %d %s", code, body)
	}

	rel := "apps/api/src/routes/items.py"
	orig := read(t, root, rel)

	// A new route: planned, the backend swapped, served through the proxy.
	withPing := orig + "\n\n@router.get(\"/meta/ping\")\nasync def ping() -> dict:\n    return {\"pong\": True}\n"
	abs := save(t, c, root, rel, withPing)
	p, r := planFor(c, abs)
	if !hasTask(p, "backend-reload") {
		t.Fatalf("route added but no backend-reload: %+v", p.Tasks)
	}
	if st := taskStatus(r, "backend-reload"); st != "ok" {
		t.Fatalf("backend-reload %s: %+v", st, r.Tasks)
	}
	if code, body := get(base + "/api/v1/items/meta/ping"); code != 200 || !strings.Contains(body, "pong") {
		t.Fatalf("new route through the proxy: %d %s", code, body)
	}

	// An ImportError only Python can see: the new backend fails to start,
	// the old one keeps serving, the traceback lands at the import line.
	broken := "from .does_not_exist import nothing  # noqa\n" + withPing
	save(t, c, root, rel, broken)
	p, r = planFor(c, abs)
	if st := taskStatus(r, "backend-reload"); st != "failed" {
		t.Fatalf("backend-reload with an ImportError: %s %+v", st, r.Tasks)
	}
	d := c.AwaitDiagnostics(lsptest.URI(abs), func(d lsptest.DiagnosticsMsg) bool {
		for _, x := range d.Diagnostics {
			if x.Code == "backend-error" {
				return true
			}
		}
		return false
	})
	for _, x := range d.Diagnostics {
		if x.Code == "backend-error" && x.Range.Start.Line != 0 {
			t.Errorf("backend-error at line %d, want 0 (the import): %s", x.Range.Start.Line, x.Message)
		}
	}
	if code, _ := get(base + "/api/v1/items/meta/ping"); code != 200 {
		t.Fatalf("old backend stopped serving after a failed reload: %d", code)
	}

	// Fixed: a healthy swap and the diagnostics clear.
	save(t, c, root, rel, withPing)
	_, r = planFor(c, abs)
	if st := taskStatus(r, "backend-reload"); st != "ok" {
		t.Fatalf("backend-reload after the fix: %s %+v", st, r.Tasks)
	}
	c.AwaitDiagnostics(lsptest.URI(abs), func(d lsptest.DiagnosticsMsg) bool {
		for _, x := range d.Diagnostics {
			if x.Code == "backend-error" || x.Code == "reload-failed" {
				return false
			}
		}
		return true
	})

	// Shutdown (and exit) leaves no backend process behind.
	if err := c.Shutdown(); err != nil {
		t.Fatal(err)
	}
	if err := c.Wait(); err != nil && lsp.ExitCode(err) != 0 {
		t.Fatalf("serve: %v", err)
	}
	if left := processesUnder(root); len(left) > 0 {
		t.Fatalf("backend processes left after exit: %v", left)
	}
}

func hasTask(p lsp.PlanMsg, kind string) bool {
	for _, t := range p.Tasks {
		if t.Kind == kind {
			return true
		}
	}
	return false
}

func taskStatus(r lsp.ResultMsg, kind string) string {
	for _, t := range r.Tasks {
		if t.Kind == kind {
			return t.Status
		}
	}
	return "absent"
}
