package examples

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
)

const webInstall = "npm ci --prefix examples/farm-app/apps/web"

// TestExampleViteDevServer starts the example's own Vite (its
// vite.config.ts, its node_modules from `npm ci`) on a copy of the app and
// checks what a browser would see: a save of a component reaches the HMR
// socket as an update, and farm-lsp's reload endpoint (farmReload() in the
// config) answers and reaches it too.
func TestExampleViteDevServer(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed (apt-get install -y nodejs npm, then " + webInstall + ")")
	}
	modules, err := filepath.Abs("farm-app/apps/web/node_modules")
	if err != nil {
		t.Fatal(err)
	}
	viteBin := filepath.Join(modules, "vite", "bin", "vite.js")
	if _, err := os.Stat(viteBin); err != nil {
		t.Skip("the example's dependencies are not installed; run: " + webInstall)
	}

	// The copy keeps the repository layout, so vite.config.ts's import of
	// ../../../../editors/vite/farm-reload.js resolves as in the checkout.
	tmp := t.TempDir()
	app, err := CopyFarmApp(filepath.Join(tmp, "examples", "farm-app"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"farm-reload.js", "farm-reload.d.ts"} {
		b, err := os.ReadFile(filepath.Join("..", "editors", "vite", f))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(tmp, "editors", "vite", f), string(b))
	}
	web := filepath.Join(app, "apps", "web")
	if err := os.Symlink(modules, filepath.Join(web, "node_modules")); err != nil {
		t.Fatal(err)
	}

	base := startVite(t, node, viteBin, web)
	browser := hmrClient(t, base)

	// A save of a component the browser has loaded: Vite's watcher sends a
	// js-update (React Fast Refresh accepts it).
	const comp = "/src/components/UserCard.tsx"
	get(t, base+"/src/main.tsx")
	get(t, base+comp)
	path := filepath.Join(web, filepath.FromSlash(comp))
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, string(b)+"\nexport const savedByTest = 1;\n")
	m := await(t, browser, "update")
	ups, _ := m["updates"].([]any)
	found := false
	for _, u := range ups {
		if u, _ := u.(map[string]any); u["path"] == comp {
			found = true
		}
	}
	if !found {
		t.Errorf("save of %s: update %v does not name it", comp, m)
	}

	// farm-lsp's endpoint: present (farmReload() is in the config) and it
	// reaches the browser.
	resp, err := http.Post(base+"/__farm/reload", "application/json", strings.NewReader(`{"kind":"full"}`))
	if err != nil {
		t.Fatal(err)
	}
	var reply struct {
		OK      bool `json:"ok"`
		Clients int  `json:"clients"`
	}
	err = json.NewDecoder(resp.Body).Decode(&reply)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 || !reply.OK || reply.Clients != 1 {
		t.Fatalf("POST /__farm/reload = %d %+v (%v); is farmReload() in vite.config.ts?", resp.StatusCode, reply, err)
	}
	if m := await(t, browser, "full-reload"); m["path"] != "*" {
		t.Errorf("full-reload = %v", m)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func get(t *testing.T, url string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s = %d: %s", url, resp.StatusCode, body)
	}
}

// startVite runs `vite` in dir on a free loopback port and returns its URL.
func startVite(t *testing.T, node, viteBin, dir string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(node, viteBin, "--host", "127.0.0.1", "--port", strconv.Itoa(port), "--strictPort", "--clearScreen", "false")
	cmd.Dir = dir
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
	logs := make(chan string, 1)
	go func() {
		var buf strings.Builder
		sc := bufio.NewScanner(out)
		signalled := false
		for sc.Scan() {
			buf.WriteString(sc.Text() + "\n")
			if !signalled && strings.Contains(sc.Text(), "Local:") {
				close(ready)
				signalled = true
			}
		}
		logs <- buf.String()
	}()
	select {
	case <-ready:
	case l := <-logs:
		t.Fatalf("vite exited before it was ready:\n%s", l)
	case <-time.After(60 * time.Second):
		t.Fatal("vite did not start within 60s")
	}
	return "http://127.0.0.1:" + strconv.Itoa(port)
}

// hmrClient connects to Vite's HMR socket as the browser client does.
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
	await(t, msgs, "connected")
	return msgs
}

// await returns the next message of type typ (others are skipped).
func await(t *testing.T, msgs <-chan map[string]any, typ string) map[string]any {
	t.Helper()
	timeout := time.After(30 * time.Second)
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
			t.Fatalf("no %s message within 30s", typ)
		}
	}
}
