package nvim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
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

// buildServer returns $FARM_LSP_BIN or builds ./cmd/farm-lsp into dir.
func buildServer(t *testing.T, root, dir string) string {
	t.Helper()
	if bin := os.Getenv("FARM_LSP_BIN"); bin != "" {
		return bin
	}
	bin := filepath.Join(dir, "farm-lsp")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/farm-lsp")
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go build ./cmd/farm-lsp: %v\n%s", err, out)
	}
	return bin
}

type stepResult struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
}

type e2eResult struct {
	OK    bool         `json:"ok"`
	Steps []stepResult `json:"steps"`
}

// TestNeovimEndToEnd runs test/e2e.lua in a headless Neovim (Debian's 0.7.2
// in CI) with the plugin loaded from this directory, against the built
// server on a temp copy of examples/farm-app. Every step of the script must
// be reported and must pass.
func TestNeovimEndToEnd(t *testing.T) {
	nvim, err := exec.LookPath("nvim")
	if err != nil {
		t.Skip("nvim is not installed (CI installs it: apt-get install -y neovim)")
	}
	root := repoRoot(t)
	tmp := t.TempDir()
	bin := buildServer(t, root, tmp)

	ws := filepath.Join(tmp, "farm-app")
	if err := os.CopyFS(ws, os.DirFS(filepath.Join(root, "examples", "farm-app"))); err != nil {
		t.Fatalf("copy example app: %v", err)
	}
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
	cmd.Env = append(os.Environ(),
		"FARM_PLUGIN_DIR="+pluginDir,
		"FARM_TEST_ROOT="+ws,
		"FARM_TEST_BIN="+bin,
		"FARM_TEST_LOG="+logPath,
		"FARM_TEST_RESULT="+resultPath,
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
	byName := map[string]stepResult{}
	for _, s := range res.Steps {
		byName[s.Name] = s
	}

	failed := false
	for _, name := range []string{
		"attach",
		"save model with an added field",
		"syntax error shows in vim.diagnostic",
		"fixing the syntax error clears it",
		":FarmRegenerate",
		":FarmStatus",
		":FarmToggle",
		"statusline",
	} {
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
	if runErr != nil && !errors.As(runErr, &exitErr) {
		t.Errorf("running nvim: %v", runErr)
		failed = true
	}
	if res.OK != (runErr == nil) {
		t.Errorf("result ok=%v but nvim exit: %v", res.OK, runErr)
		failed = true
	}
	if failed {
		t.Log(report())
	}
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
