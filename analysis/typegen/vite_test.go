package typegen_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/farm-stack/farm-lsp/analysis/openapi"
	"github.com/farm-stack/farm-lsp/analysis/typegen"
)

const debianPython = "/usr/bin/python3"

// startExampleBackend runs the example app's API under real uvicorn
// (Debian's python3-fastapi / python3-uvicorn, the Beanie/motor test shims
// on PYTHONPATH) on a socket the test opened, and returns its base URL.
func startExampleBackend(t *testing.T) string {
	t.Helper()
	if err := exec.Command(debianPython, "-c", "import fastapi, uvicorn, email_validator").Run(); err != nil {
		t.Skipf("Debian FastAPI/uvicorn not installed (%v): apt-get update && apt-get install -y python3-fastapi python3-uvicorn python3-email-validator", err)
	}
	api, err := filepath.Abs(filepath.Join(exampleRoot, "apps/api"))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f, err := ln.(*net.TCPListener).File()
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	ln.Close() // the duplicated descriptor keeps the socket open for uvicorn
	cmd := exec.Command(debianPython, "-m", "uvicorn", "src.main:app", "--fd", "3", "--log-level", "warning")
	cmd.Dir = api
	cmd.ExtraFiles = []*os.File{f}
	cmd.Env = append(os.Environ(), "PYTHONPATH="+filepath.Join(api, "testing_shims")+string(os.PathListSeparator)+api, "PYTHONDONTWRITEBYTECODE=1")
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(base + "/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return base
			}
		}
		select {
		case <-done:
			t.Fatalf("uvicorn exited: %s", stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("uvicorn not healthy after 60 s: %v\n%s", err, stderr.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// viteMain uses the generated client the way an app does: the base URL is
// only in the app's .env (VITE_API_URL), the bearer token comes from the
// request interceptor. A body leaves out the properties with defaults.
const viteMain = `import { ApiError, createItem, deleteItem, getBaseUrl, getItem, listItems, setItemPrice, setRequestInterceptor } from './services/api';

export async function run(): Promise<unknown> {
  const urls: string[] = [];
  setRequestInterceptor(async (url, init) => {
    urls.push((init.method ?? 'GET') + ' ' + url);
    init.headers.set('Authorization', 'Bearer farm-token');
  });
  const created = await createItem({ name: 'Chair', price: 10, sku: 'CH-1' });
  const page = await listItems({ q: 'chair' });
  const priced = await setItemPrice({ item_id: created.id }, { price: 12.5 });
  const got = await getItem({ item_id: created.id });
  await deleteItem({ item_id: created.id });
  let missing = 0;
  try {
    await getItem({ item_id: created.id });
  } catch (e) {
    if (e instanceof ApiError) missing = e.status;
  }
  return { baseUrl: getBaseUrl(), kind: created.kind, total: page.total, price: priced.price, name: got.name, missing, urls };
}
`

// viteRun loads src/main.ts through a real Vite dev server (its module
// graph and transforms, import.meta.env from .env) and prints run()'s result.
const viteRun = `import { createServer } from 'vite';

const server = await createServer({
  root: process.cwd(),
  configFile: false,
  logLevel: 'error',
  appType: 'custom',
  server: { middlewareMode: true, hmr: false, watch: null },
});
try {
  const mod = await server.ssrLoadModule('/src/main.ts');
  process.stdout.write('RESULT ' + JSON.stringify(await mod.run()) + '\n');
} finally {
  await server.close();
}
`

// TestClientInVite runs the generated client inside real Vite against the
// example backend under real uvicorn, through a proxy that records what
// reached the backend: the base URL comes from import.meta.env.VITE_API_URL
// (set only in the app's .env; there is no process.env in a browser), and
// the request interceptor's Authorization header is on every request.
func TestClientInVite(t *testing.T) {
	viteBin := filepath.Join(tscDir, "node_modules", "vite", "bin", "vite.js")
	if _, err := os.Stat(viteBin); err != nil {
		t.Skipf("vite not installed: (cd analysis/typegen/%s && npm ci)", tscDir)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not installed: apt-get install -y nodejs npm")
	}
	backend := startExampleBackend(t)
	target, _ := url.Parse(backend)
	var mu sync.Mutex
	var seen []string
	rp := httputil.NewSingleHostReverseProxy(target)
	proxy := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Method+" "+r.URL.Path+" "+r.Header.Get("Authorization"))
		mu.Unlock()
		rp.ServeHTTP(w, r)
	})}
	pl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go proxy.Serve(pl)
	t.Cleanup(func() { proxy.Close() })
	apiURL := "http://" + pl.Addr().String()

	files := loadExample(t)
	doc, _ := openapi.Build(files, openapi.Options{Pydantic: 1}) // the example pins pydantic<2, as Debian 12's FastAPI
	dir, err := os.MkdirTemp(tscDir, "vite-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	writeAll(t, filepath.Join(dir, "src"), typegen.Generate(doc))
	for name, content := range map[string]string{
		"src/main.ts": viteMain,
		"run.mjs":     viteRun,
		".env":        "VITE_API_URL=" + apiURL + "/\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "run.mjs")
	cmd.Dir = dir
	env := []string{}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "VITE_") {
			env = append(env, kv)
		}
	}
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("vite: %v\n%s", err, out)
	}
	var result struct {
		BaseURL string   `json:"baseUrl"`
		Kind    string   `json:"kind"`
		Total   int      `json:"total"`
		Price   float64  `json:"price"`
		Name    string   `json:"name"`
		Missing int      `json:"missing"`
		URLs    []string `json:"urls"`
	}
	found := false
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if line, ok := strings.CutPrefix(sc.Text(), "RESULT "); ok {
			if err := json.Unmarshal([]byte(line), &result); err != nil {
				t.Fatalf("%v: %s", err, line)
			}
			found = true
		}
	}
	if !found {
		t.Fatalf("no result from vite:\n%s", out)
	}
	if result.BaseURL != apiURL || result.Kind != "physical" || result.Total != 1 || result.Price != 12.5 || result.Name != "Chair" || result.Missing != 404 {
		t.Errorf("unexpected result: %+v", result)
	}
	if len(result.URLs) != 6 || !strings.HasPrefix(result.URLs[0], "POST "+apiURL+"/api/v1/items/") {
		t.Errorf("interceptor saw %q", result.URLs)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 6 {
		t.Errorf("backend saw %d requests, want 6: %q", len(seen), seen)
	}
	for _, s := range seen {
		if !strings.HasSuffix(s, " Bearer farm-token") {
			t.Errorf("request without the interceptor's header: %s", s)
		}
	}
	t.Logf("through Vite to uvicorn: %s", strings.Join(seen, "; "))
}
