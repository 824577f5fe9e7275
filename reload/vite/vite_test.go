package vite

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/reload/executor"
	"github.com/farm-stack/farm-lsp/reload/plan"
)

// The Vite the tests start is installed (not committed) in this fixture:
const installCmd = "npm ci --prefix reload/vite/testdata/viteapp"

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestRequestFor(t *testing.T) {
	e, err := New(Options{URL: "http://127.0.0.1:3000", Root: "/ws"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		task plan.Task
		want Request
	}{
		{"body-only", plan.Task{Mode: plan.HMRModules, Files: []string{"apps/web/src/A.tsx", "/abs/B.tsx"}},
			Request{Kind: "modules", Files: []string{"/ws/apps/web/src/A.tsx", "/abs/B.tsx"}}},
		{"hooks changed", plan.Task{Mode: plan.HMRRemount, Files: []string{"apps/web/src/A.tsx"}},
			Request{Kind: "custom", Event: RemountEvent, Data: RemountData{Files: []string{"/ws/apps/web/src/A.tsx"}}}},
		{"export shape", plan.Task{Mode: plan.HMRFull, Files: []string{"apps/web/src/A.tsx"}}, Request{Kind: "full"}},
		{"modules without files", plan.Task{Mode: plan.HMRModules}, Request{Kind: "full"}},
		{"no mode", plan.Task{Files: []string{"x.ts"}}, Request{Kind: "full"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := e.RequestFor(tt.task); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("RequestFor = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestNewRejectsBadURL(t *testing.T) {
	for _, u := range []string{"ftp://x", "127.0.0.1:3000", "http://"} {
		if _, err := New(Options{URL: u, Root: "/"}); err == nil {
			t.Errorf("New(%q) accepted", u)
		}
	}
}

func TestUnreachableAndNoPlugin(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String()
	l.Close()
	spa := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, "<!doctype html><div id=root></div>")
	}))
	defer spa.Close()
	notFound := httptest.NewServer(http.NotFoundHandler())
	defer notFound.Close()
	tests := []struct {
		name   string
		url    string
		status executor.Status
		msg    string
	}{
		{"not running", closed, executor.Skipped, "skipped: dev server not reachable at " + closed + " (start Vite there"},
		{"spa fallback", spa.URL, executor.Failed, "plugin is not installed"},
		{"404", notFound.URL, executor.Failed, "plugin is not installed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := New(Options{URL: tt.url, Root: t.TempDir(), Logger: quiet()})
			if err != nil {
				t.Fatal(err)
			}
			res := e.Run(context.Background(), plan.Task{Kind: plan.FrontendHMR, Mode: plan.HMRFull}, nil)
			if res.Status != tt.status || res.Transient || !strings.Contains(res.Message, tt.msg) {
				t.Fatalf("result = %+v, want %s %q", res, tt.status, tt.msg)
			}
		})
	}
}

// viteServer is a real Vite dev server with the farm-reload plugin,
// serving a small project in a temporary directory.
type viteServer struct {
	url  string
	root string
}

func startVite(t *testing.T) *viteServer {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed (apt-get install -y nodejs npm)")
	}
	fixture, err := filepath.Abs("testdata/viteapp")
	if err != nil {
		t.Fatal(err)
	}
	viteBin := filepath.Join(fixture, "node_modules", "vite", "bin", "vite.js")
	if _, err := os.Stat(viteBin); err != nil {
		t.Skip("vite is not installed in the test fixture; run: " + installCmd)
	}
	plugin, err := filepath.Abs("../../editors/vite/farm-reload.js")
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	files := map[string]string{
		"index.html":     `<!doctype html><html><body><script type="module" src="/src/main.js"></script></body></html>`,
		"src/main.js":    "import { count } from './counter.js'\nconsole.log(count)\n",
		"src/counter.js": "export const count = 1\nif (import.meta.hot) import.meta.hot.accept()\n",
		"vite.config.js": fmt.Sprintf("import farmReload from %q\nexport default { plugins: [farmReload()], clearScreen: false }\n", plugin),
	}
	for name, content := range files {
		write(t, filepath.Join(root, name), content)
	}
	if err := os.Symlink(filepath.Join(fixture, "node_modules"), filepath.Join(root, "node_modules")); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(node, viteBin, "--host", "127.0.0.1", "--port", strconv.Itoa(port), "--strictPort")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
	})
	ready := make(chan struct{})
	var logBuf strings.Builder
	go func() {
		sc := bufio.NewScanner(out)
		signalled := false
		for sc.Scan() {
			logBuf.WriteString(sc.Text() + "\n")
			if !signalled && strings.Contains(sc.Text(), "Local:") {
				close(ready)
				signalled = true
			}
		}
	}()
	select {
	case <-ready:
	case <-time.After(60 * time.Second):
		t.Fatalf("vite did not start")
	}
	return &viteServer{url: "http://127.0.0.1:" + strconv.Itoa(port), root: root}
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// hmrClient connects to Vite's HMR socket as the browser client does and
// delivers decoded messages.
func hmrClient(t *testing.T, base string) <-chan map[string]any {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	c, _, err := websocket.Dial(ctx, strings.Replace(base, "http", "ws", 1)+"/", &websocket.DialOptions{Subprotocols: []string{"vite-hmr"}})
	if err != nil {
		t.Fatalf("HMR dial: %v", err)
	}
	t.Cleanup(func() { c.CloseNow() })
	msgs := make(chan map[string]any, 64)
	go func() {
		defer close(msgs)
		for {
			_, b, err := c.Read(ctx)
			if err != nil {
				return
			}
			var m map[string]any
			if json.Unmarshal(b, &m) == nil {
				msgs <- m
			}
		}
	}()
	if m := await(t, msgs, "connected"); m == nil {
		t.Fatal("no connected message")
	}
	return msgs
}

// await returns the next message of type typ (others are skipped).
func await(t *testing.T, msgs <-chan map[string]any, typ string) map[string]any {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case m, ok := <-msgs:
			if !ok {
				t.Fatalf("HMR socket closed while waiting for %s", typ)
			}
			if m["type"] == typ {
				return m
			}
		case <-timeout:
			t.Fatalf("no %s message", typ)
		}
	}
}

// recorder is an executor.Reporter that keeps the messages (Run reports
// from the calling goroutine).
type recorder struct{ msgs []string }

func (r *recorder) Report(msg string, _ int) { r.msgs = append(r.msgs, msg) }

func TestRealVite(t *testing.T) {
	v := startVite(t)
	e, err := New(Options{URL: v.url, Root: v.root, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	browser := hmrClient(t, v.url)
	ctx := context.Background()

	t.Run("full", func(t *testing.T) {
		var rep recorder
		res := e.Run(ctx, plan.Task{Kind: plan.FrontendHMR, Mode: plan.HMRFull, Files: []string{"src/main.js"}}, &rep)
		if res.Status != executor.OK || !strings.Contains(res.Message, "1 browser") {
			t.Fatalf("result = %+v", res)
		}
		if want := []string{"asking Vite for a full reload"}; !reflect.DeepEqual(rep.msgs, want) {
			t.Errorf("progress = %q, want %q", rep.msgs, want)
		}
		m := await(t, browser, "full-reload")
		if m["path"] != "*" {
			t.Errorf("full-reload path = %v, want *", m["path"])
		}
	})

	t.Run("modules", func(t *testing.T) {
		// Load the module as the browser would, so it is in the graph.
		for _, p := range []string{"/src/main.js", "/src/counter.js"} {
			resp, err := http.Get(v.url + p)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("GET %s = %d", p, resp.StatusCode)
			}
		}
		res := e.Run(ctx, plan.Task{Kind: plan.FrontendHMR, Mode: plan.HMRModules, Files: []string{"src/counter.js"}}, nil)
		if res.Status != executor.OK || !strings.HasPrefix(res.Message, "1 module(s) updated") {
			t.Fatalf("result = %+v", res)
		}
		m := await(t, browser, "update")
		ups, _ := m["updates"].([]any)
		if len(ups) == 0 {
			t.Fatalf("update without updates: %v", m)
		}
		first, _ := ups[0].(map[string]any)
		if first["path"] != "/src/counter.js" || first["type"] != "js-update" {
			t.Errorf("update = %v, want js-update of /src/counter.js", first)
		}
	})

	t.Run("modules not loaded", func(t *testing.T) {
		write(t, filepath.Join(v.root, "src/never.js"), "export const x = 1\n")
		res := e.Run(ctx, plan.Task{Kind: plan.FrontendHMR, Mode: plan.HMRModules, Files: []string{"src/never.js"}}, nil)
		if res.Status != executor.OK || !strings.Contains(res.Message, "0 module(s) updated") || !strings.Contains(res.Message, "1 file(s) not loaded") {
			t.Fatalf("result = %+v", res)
		}
	})

	t.Run("remount", func(t *testing.T) {
		res := e.Run(ctx, plan.Task{Kind: plan.FrontendHMR, Mode: plan.HMRRemount, Files: []string{"src/counter.js"}}, nil)
		if res.Status != executor.OK {
			t.Fatalf("result = %+v", res)
		}
		m := await(t, browser, "custom")
		data, _ := m["data"].(map[string]any)
		files, _ := data["files"].([]any)
		if m["event"] != RemountEvent || len(files) != 1 || files[0] != filepath.ToSlash(filepath.Join(v.root, "src/counter.js")) {
			t.Errorf("custom message = %v", m)
		}
	})

	t.Run("plugin rejects bad requests", func(t *testing.T) {
		tests := []struct {
			method, ctype, body string
			status              int
		}{
			{http.MethodGet, "", "", 405},
			{http.MethodPost, "text/plain", `{"kind":"full"}`, 415},
			{http.MethodPost, "application/json", `{`, 400},
			{http.MethodPost, "application/json", `{"kind":"nope"}`, 400},
			{http.MethodPost, "application/json", `{"kind":"modules"}`, 400},
			{http.MethodPost, "application/json", `{"kind":"custom"}`, 400},
		}
		for _, tt := range tests {
			req, _ := http.NewRequest(tt.method, v.url+ReloadPath, strings.NewReader(tt.body))
			if tt.ctype != "" {
				req.Header.Set("Content-Type", tt.ctype)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var r Reply
			json.NewDecoder(resp.Body).Decode(&r)
			resp.Body.Close()
			if resp.StatusCode != tt.status || r.OK || r.Error == "" {
				t.Errorf("%s %s %q = %d %+v, want %d with an error", tt.method, tt.ctype, tt.body, resp.StatusCode, r, tt.status)
			}
		}
	})

	t.Run("error becomes a diagnostic", func(t *testing.T) {
		lctx, cancel := context.WithCancel(ctx)
		connected := make(chan struct{}, 1)
		le, err := New(Options{URL: v.url, Root: v.root, Logger: quiet()})
		if err != nil {
			t.Fatal(err)
		}
		le.onConnected = func() {
			select {
			case connected <- struct{}{}:
			default:
			}
		}
		diags := make(chan facts.Diagnostic, 8)
		done := make(chan error, 1)
		go func() { done <- le.Listen(lctx, func(d facts.Diagnostic) { diags <- d }) }()
		defer func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Listen returned %v", err)
				}
			case <-time.After(10 * time.Second):
				t.Error("Listen did not return after cancel")
			}
		}()
		select {
		case <-connected:
		case <-time.After(20 * time.Second):
			t.Fatal("listener never connected")
		}
		write(t, filepath.Join(v.root, "src/broken.ts"), "export const a: number = 1\nexport const b = (1 +;\n")
		resp, err := http.Get(v.url + "/src/broken.ts")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 500 {
			t.Fatalf("GET broken module = %d, want 500", resp.StatusCode)
		}
		select {
		case d := <-diags:
			t.Logf("diagnostic: %+v", d)
			if d.Path != "src/broken.ts" || d.Range.Start.Line != 1 || d.Code != CodeFrontendError || d.Severity != facts.SeverityError {
				t.Errorf("diagnostic = %+v, want src/broken.ts line 2", d)
			}
			if d.Range.Start.Char != len("export const b = (1 +") || d.Message == "" {
				t.Errorf("diagnostic column/message = %d %q", d.Range.Start.Char, d.Message)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("no diagnostic from the Vite error")
		}
	})
}
