package nvim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/farm-stack/farm-lsp/examples"
)

// repoRoot is the repository root: this package lives in editors/nvim.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("repository root not found at %s: %v", root, err)
	}
	return root
}

// The server is built once per test binary (four end-to-end runs use it).
var (
	serverOnce sync.Once
	serverBin  string
	serverErr  error
	serverDir  string
)

// TestMain removes the built server.
func TestMain(m *testing.M) {
	code := m.Run()
	if serverDir != "" {
		os.RemoveAll(serverDir)
	}
	os.Exit(code)
}

// buildServer returns $FARM_LSP_BIN or ./cmd/farm-lsp built once.
func buildServer(t *testing.T, root string) string {
	t.Helper()
	if bin := os.Getenv("FARM_LSP_BIN"); bin != "" {
		return bin
	}
	serverOnce.Do(func() {
		serverDir, serverErr = os.MkdirTemp("", "farm-lsp-nvim-test-")
		if serverErr != nil {
			return
		}
		bin := filepath.Join(serverDir, "farm-lsp")
		cmd := exec.Command("go", "build", "-o", bin, "./cmd/farm-lsp")
		cmd.Dir = root
		out, err := cmd.CombinedOutput()
		if err != nil {
			serverErr = fmt.Errorf("go build ./cmd/farm-lsp: %v\n%s", err, out)
			return
		}
		serverBin = bin
	})
	if serverErr != nil {
		t.Fatal(serverErr)
	}
	return serverBin
}

type stepResult struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
}

type e2eResult struct {
	OK    bool         `json:"ok"`
	Steps []stepResult `json:"steps"`
	// Version is Neovim's "major.minor.patch"; Attach names the first
	// vim.lsp function the plugin called to start the client ("start" on
	// 0.8+, "start_client" on 0.7).
	Version string `json:"version"`
	Attach  string `json:"attach"`
	// TaskResults counts the farm/taskResult notifications received;
	// TrustOffered says the server lists farm.trust; Questions counts the
	// window/showMessageRequest answered.
	TaskResults  int  `json:"taskResults"`
	TrustOffered bool `json:"trustOffered"`
	Questions    int  `json:"questions"`
}

// TestNeovimEndToEnd runs test/e2e.lua in a headless Neovim with the plugin
// loaded from this directory, against the built server on a temp copy of
// examples/farm-app, once per Neovim: Debian 12's 0.7 (the plugin's
// start_client + buf_attach_client path) and trixie's 0.10 from the .ci/trixie
// sysroot (the vim.lsp.start path). Every step of the script must be
// reported and must pass.
func TestNeovimEndToEnd(t *testing.T) {
	for _, nv := range neovims() {
		t.Run(nv.name, func(t *testing.T) {
			testEndToEnd(t, nv.require(t))
		})
	}
}

// e2eRun is one run of test/e2e.lua.
type e2eRun struct {
	res    e2eResult
	root   string // the repository
	runErr error
	report func() string // nvim's output and the server log's tail
}

// runE2E runs test/e2e.lua's scenario in nv on a fresh copy of the example
// app with a managed backend, a private HOME and XDG directories (so a
// fresh trust store), and returns the result file.
func runE2E(t *testing.T, nv neovim, scenario string) e2eRun {
	t.Helper()
	nvim := nv.path
	root := repoRoot(t)
	tmp := t.TempDir()
	bin := buildServer(t, root)

	ws := filepath.Join(tmp, "farm-app")
	// The embedded sources, not the directory: after `npm ci` it holds
	// apps/web/node_modules, whose .bin symlinks os.CopyFS refuses.
	if _, err := examples.CopyFarmApp(ws); err != nil {
		t.Fatalf("copy example app: %v", err)
	}
	manageBackend(t, ws)
	pluginDir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	resultPath := filepath.Join(tmp, "result.json")
	logPath := filepath.Join(tmp, "farm-lsp.log")
	home := filepath.Join(tmp, "home")
	for _, d := range []string{"config", "data", "state", "cache"} {
		if err := os.MkdirAll(filepath.Join(home, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, nvim, "--headless", "-n", "-i", "NONE", "-u", filepath.Join(pluginDir, "test", "e2e.lua"))
	cmd.Dir = ws
	cmd.Env = append(nv.environ(),
		"FARM_PLUGIN_DIR="+pluginDir,
		"FARM_TEST_ROOT="+ws,
		"FARM_TEST_BIN="+bin,
		"FARM_TEST_LOG="+logPath,
		"FARM_TEST_RESULT="+resultPath,
		"FARM_TEST_SCENARIO="+scenario,
		"HOME="+home,
		"XDG_CONFIG_HOME="+filepath.Join(home, "config"),
		"XDG_DATA_HOME="+filepath.Join(home, "data"),
		"XDG_STATE_HOME="+filepath.Join(home, "state"),
		"XDG_CACHE_HOME="+filepath.Join(home, "cache"),
	)
	var output bytes.Buffer
	cmd.Stdout = &output
	cmd.Stderr = &output
	runErr := cmd.Run()
	// Neovim warns once per deprecated function the plugin calls
	// (vim.deprecate: "… is deprecated, use … instead").
	if bytes.Contains(bytes.ToLower(output.Bytes()), []byte("deprecated")) {
		t.Errorf("the plugin uses an API deprecated in Neovim %s:\n%s", nv.name, output.String())
	}

	report := func() string {
		logTail, _ := os.ReadFile(logPath)
		if len(logTail) > 6000 {
			logTail = logTail[len(logTail)-6000:]
		}
		return "nvim output:\n" + output.String() + "\nfarm-lsp log tail:\n" + string(logTail)
	}
	if ctx.Err() != nil {
		t.Fatalf("nvim did not finish within the bound: %v\n%s", ctx.Err(), report())
	}

	raw, err := os.ReadFile(resultPath)
	if err != nil {
		t.Fatalf("no result file (nvim exit: %v): %v\n%s", runErr, err, report())
	}
	var res e2eResult
	if err := json.Unmarshal(raw, &res); err != nil {
		t.Fatalf("result file: %v: %s", err, raw)
	}
	minor := neovimMinor(res.Version)
	wantAttach := "start_client"
	if minor >= 8 {
		wantAttach = "start"
	}
	if nv.minMinor > 0 && minor < nv.minMinor {
		t.Errorf("%s is Neovim %q, want 0.%d or later", nvim, res.Version, nv.minMinor)
	}
	if res.Attach != wantAttach {
		t.Errorf("on Neovim %s the plugin started its client with vim.lsp.%s, want vim.lsp.%s", res.Version, res.Attach, wantAttach)
	}
	t.Logf("Neovim %s, client started with vim.lsp.%s; %d farm/taskResult, %d questions answered, farm.trust offered: %v",
		res.Version, res.Attach, res.TaskResults, res.Questions, res.TrustOffered)
	return e2eRun{res: res, root: root, runErr: runErr, report: report}
}

// requireSteps fails t unless every named step ran and passed, and the
// result agrees with nvim's exit status.
func (r e2eRun) requireSteps(t *testing.T, names ...string) {
	t.Helper()
	byName := map[string]stepResult{}
	for _, s := range r.res.Steps {
		byName[s.Name] = s
	}
	failed := false
	for _, name := range names {
		s, ok := byName[name]
		switch {
		case !ok:
			t.Errorf("step %q did not run", name)
			failed = true
		case !s.OK:
			t.Errorf("step %q failed: %s", name, s.Detail)
			failed = true
		default:
			t.Logf("ok %s: %s", name, firstLine(s.Detail))
		}
	}
	if h, ok := byName["harness"]; ok {
		t.Errorf("harness error: %s", h.Detail)
		failed = true
	}
	var exitErr *exec.ExitError
	if r.runErr != nil && !errors.As(r.runErr, &exitErr) {
		t.Errorf("running nvim: %v", r.runErr)
		failed = true
	}
	if r.res.OK != (r.runErr == nil) {
		t.Errorf("result ok=%v but nvim exit: %v", r.res.OK, r.runErr)
		failed = true
	}
	if failed || t.Failed() {
		t.Log(r.report())
	}
}

func testEndToEnd(t *testing.T, nv neovim) {
	r := runE2E(t, nv, "main")
	res := r.res
	if res.TaskResults == 0 {
		t.Errorf("the plugin received no farm/taskResult")
	}
	// The copy is untrusted (a private XDG_STATE_HOME) and names a backend:
	// the server must have asked, and the answer given through
	// vim.ui.select let the save's backend-reload run.
	if !res.TrustOffered {
		t.Errorf("the server did not offer farm.trust in executeCommandProvider")
	}
	if res.Questions == 0 {
		t.Errorf("the server asked nothing (window/showMessageRequest) in an untrusted workspace")
	}
	r.requireSteps(t,
		"attach",
		"save model with an added field",
		"syntax error shows in vim.diagnostic",
		"fixing the syntax error clears it",
		":FarmRegenerate",
		":FarmStatus",
		":FarmToggle",
		"farm/taskResult drives the statusline",
		":FarmTrust",
		"statusline",
	)
}

// TestNeovimTrust runs test/e2e.lua's "trust" scenario: Neovim's own
// vim.ui.select, headless, so the plugin answers the server's trust
// question "no choice"; the backend must not run on a save; :FarmTrust
// allows it and the next save restarts it. Then the "declared" scenario:
// init_options.trusted, no question, the backend runs.
func TestNeovimTrust(t *testing.T) {
	for _, nv := range neovims() {
		t.Run(nv.name, func(t *testing.T) {
			nv = nv.require(t)
			r := runE2E(t, nv, "trust")
			if !r.res.TrustOffered {
				t.Fatalf("the server did not offer farm.trust in executeCommandProvider\n%s", r.report())
			}
			r.requireSteps(t,
				"attach",
				"the trust question is answered without a UI",
				"untrusted: the save runs no backend",
				":FarmTrust",
				"trusted: the save restarts the backend",
			)
			// setup({ init_options = { trusted = true } }) (:help
			// farm-trust): declared by the editor, nothing is asked.
			d := runE2E(t, nv, "declared")
			if d.res.Questions != 0 {
				t.Errorf("declared trusted, yet %d question(s) asked", d.res.Questions)
			}
			d.requireSteps(t, "attach", "declared trusted: the save restarts the backend, nothing asked")
		})
	}
}

// manageBackend edits the copy's farm.config.ts so that farm-lsp owns the
// backend (real uvicorn + FastAPI from Debian, with the example's
// testing_shims for Beanie and Motor) on free ports: a save then restarts a
// real process after the types are written, and starting it is the first
// side effect a trust-gated server asks about. The frontend port is a free
// one too, so no other test's Vite answers.
func manageBackend(t *testing.T, ws string) {
	t.Helper()
	check := exec.Command("/usr/bin/python3", "-c", "import fastapi, uvicorn, email_validator")
	if out, err := check.CombinedOutput(); err != nil {
		t.Skipf("Debian's FastAPI/uvicorn are missing (CI installs them: apt-get install -y python3-fastapi python3-uvicorn python3-email-validator): %v\n%s", err, out)
	}
	path := filepath.Join(ws, "farm.config.ts")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	front, back := freePort(t), freePort(t)
	cfg := string(raw)
	for _, r := range []struct{ old, new string }{
		{"ports: { frontend: 3000, backend: 8000 },", fmt.Sprintf("ports: { frontend: %d, backend: %d },", front, back)},
		{"frontend: { url: 'http://127.0.0.1:3000' },", fmt.Sprintf("frontend: { url: 'http://127.0.0.1:%d' },", front)},
		{"    // backend: {\n" +
			"    //   command: ['python3', '-m', 'uvicorn', 'src.main:app', '--host', '127.0.0.1', '--port', '{port}'],\n" +
			"    //   cwd: 'apps/api',\n" +
			"    //   health: '/openapi.json',\n" +
			"    //   startTimeoutMs: 15000,\n" +
			"    // },\n",
			"    backend: {\n" +
				"      command: ['/usr/bin/python3', '-m', 'uvicorn', 'src.main:app', '--host', '127.0.0.1', '--port', '{port}'],\n" +
				"      cwd: 'apps/api',\n" +
				"      env: { PYTHONPATH: 'testing_shims:.' },\n" +
				"      health: '/openapi.json',\n" +
				"      startTimeoutMs: 15000,\n" +
				"    },\n"},
	} {
		if !strings.Contains(cfg, r.old) {
			t.Fatalf("examples/farm-app/farm.config.ts changed: %q not found; update manageBackend", r.old)
		}
		cfg = strings.Replace(cfg, r.old, r.new, 1)
	}
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// neovim is one Neovim build the tests run on.
type neovim struct {
	name     string
	path     string   // the nvim executable (a wrapper script for trixie's)
	env      []string // extra environment
	skip     string   // why it cannot run, with the install command
	minMinor int      // the least 0.x it must be
}

func (nv neovim) require(t *testing.T) neovim {
	t.Helper()
	if nv.skip != "" {
		t.Skip(nv.skip)
	}
	return nv
}

func (nv neovim) environ() []string {
	return append(os.Environ(), nv.env...)
}

// trixieDir is the .ci/trixie sysroot: $FARM_TRIXIE_DIR or /opt/farm-trixie.
func trixieDir() string {
	if d := os.Getenv("FARM_TRIXIE_DIR"); d != "" {
		return d
	}
	return "/opt/farm-trixie"
}

// neovims lists the Neovims to test on: the system's nvim (Debian 12: 0.7.2)
// and Debian trixie's 0.10 from the .ci/trixie sysroot, run through the
// wrapper that script writes (trixie's ld-linux --library-path, VIMRUNTIME).
func neovims() []neovim {
	sys := neovim{name: "system"}
	if p, err := exec.LookPath("nvim"); err == nil {
		sys.path = p
	} else {
		sys.skip = "nvim is not installed (CI installs it: apt-get install -y neovim)"
	}
	dir := trixieDir()
	trixie := neovim{name: "trixie", path: filepath.Join(dir, "usr", "local", "bin", "nvim"), minMinor: 10,
		env: []string{"VIMRUNTIME=" + filepath.Join(dir, "usr", "share", "nvim", "runtime")}}
	if _, err := os.Stat(trixie.path); err != nil {
		trixie.skip = fmt.Sprintf("Neovim 0.10 from Debian trixie is not in %s (CI installs it: .ci/trixie %s neovim)", dir, dir)
	}
	return []neovim{sys, trixie}
}

// neovimMinor is the minor of a "0.x.y" version, -1 when it is not one.
func neovimMinor(v string) int {
	parts := strings.Split(v, ".")
	if len(parts) < 2 || parts[0] != "0" {
		return -1
	}
	n, err := strconv.Atoi(parts[1])
	if err != nil {
		return -1
	}
	return n
}

// TestLuaUnits runs the table-driven checks of the pure Lua parts
// (format.lua, find_root, the notification handlers) in a headless Neovim.
func TestLuaUnits(t *testing.T) {
	for _, nv := range neovims() {
		t.Run(nv.name, func(t *testing.T) {
			testLuaUnits(t, nv.require(t))
		})
	}
}

func testLuaUnits(t *testing.T, nv neovim) {
	nvim := nv.path
	pluginDir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, nvim, "--headless", "-n", "-i", "NONE", "-u", "NONE",
		"-c", "luafile "+filepath.Join(pluginDir, "test", "format_spec.lua"))
	cmd.Env = append(nv.environ(), "FARM_PLUGIN_DIR="+pluginDir, "XDG_STATE_HOME="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("format_spec.lua: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), " passed, 0 failed") {
		t.Fatalf("format_spec.lua printed no summary:\n%s", out)
	}
	t.Log(strings.TrimSpace(string(out)))
}

// TestHelpTags builds the help tags of doc/farm.txt (duplicate or broken
// tags make :helptags fail) and opens :help farm and the command tags.
func TestHelpTags(t *testing.T) {
	for _, nv := range neovims() {
		t.Run(nv.name, func(t *testing.T) {
			testHelpTags(t, nv.require(t))
		})
	}
}

func testHelpTags(t *testing.T, nv neovim) {
	nvim := nv.path
	tmp := t.TempDir()
	if err := os.CopyFS(filepath.Join(tmp, "doc"), os.DirFS("doc")); err != nil {
		t.Fatal(err)
	}
	tags := []string{"farm", "farm-setup", "farm-lspconfig", ":FarmRegenerate", ":FarmStatus", ":FarmRetry",
		":FarmRestartBackend", ":FarmToggle", ":FarmTrust", "farm-trust", "FarmTaskResult", "farm.setup()"}
	args := []string{"--headless", "-n", "-i", "NONE", "-u", "NONE", "--cmd", "set rtp^=" + tmp,
		"-c", "helptags " + filepath.Join(tmp, "doc")}
	quoted := make([]string, len(tags))
	for i, tag := range tags {
		quoted[i] = "'" + tag + "'"
	}
	args = append(args, "-c", "lua for _, t in ipairs({"+strings.Join(quoted, ",")+"}) do "+
		"local ok, err = pcall(vim.cmd, 'help ' .. t) "+
		"if not ok then io.stderr:write('HELP FAILED ' .. t .. ': ' .. tostring(err) .. '\\n') end end",
		"-c", "qall!")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, nvim, args...)
	cmd.Env = append(nv.environ(), "XDG_STATE_HOME="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil || bytes.Contains(out, []byte("HELP FAILED")) || bytes.Contains(out, []byte("E154")) {
		t.Fatalf("helptags / help: %v\n%s", err, out)
	}
	raw, err := os.ReadFile(filepath.Join(tmp, "doc", "tags"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tag := range tags {
		if !bytes.Contains(raw, []byte(tag+"\tfarm.txt\t")) {
			t.Errorf("tag %q missing from doc/tags", tag)
		}
	}
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
