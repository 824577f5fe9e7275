package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/farm-stack/farm-lsp/examples"
	"github.com/farm-stack/farm-lsp/reload/coordinator"
	"github.com/farm-stack/farm-lsp/reload/trust"
)

// markerConfig is the example's farm.config.ts with a managed backend whose
// command leaves a marker file: the command a hostile repository would use.
func markerConfig(t testing.TB, root, script string) {
	t.Helper()
	cfg := filepath.Join(root, "farm.config.ts")
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	src := strings.Replace(string(b), "development: {",
		"development: {\n    backend: { command: ['sh', '-c', '"+script+"'], cwd: '.', startTimeoutMs: 2000 },", 1)
	if src == string(b) {
		t.Fatal("farm.config.ts of the example has no development section")
	}
	if err := os.WriteFile(cfg, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestCLITrust(t *testing.T) {
	state := t.TempDir()
	t.Setenv("XDG_STATE_HOME", state)
	root, err := examples.CopyFarmApp(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	root, _ = filepath.EvalSymlinks(root)
	markerConfig(t, root, "touch marker; sleep 30")

	code, stdout, stderr := runCLI(t, "trust", "--root", root)
	if code != 0 {
		t.Fatalf("trust: code %d\n%s%s", code, stdout, stderr)
	}
	for _, want := range []string{
		"backend command: sh -c 'touch marker; sleep 30'",
		"in directory: " + root + "\n",
		"database (migrations applied to): mongodb://127.0.0.1:27017/farm_app",
		"models llama3.1",
		"recorded in " + filepath.Join(state, "farm-lsp"),
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("trust output lacks %q:\n%s", want, stdout)
		}
	}
	if _, err := os.Stat(filepath.Join(root, "marker")); err == nil {
		t.Fatal("farm-lsp trust ran the backend command")
	}

	// What the CLI allowed is what the server computes for the workspace.
	c, err := coordinator.Index(t.Context(), root)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	store := trust.OpenStore(filepath.Join(state, "farm-lsp"))
	s := trust.FromConfig(c.Root(), c.Config())
	if ok, err := store.Allowed(c.Root(), s.Hash()); !ok || err != nil {
		t.Fatalf("the allow is not recorded for %s %s: %v", c.Root(), s.Hash(), err)
	}
	if !strings.Contains(stdout, s.Hash()) {
		t.Errorf("output does not name the hash %s", s.Hash())
	}

	// A changed command is not covered by the earlier allow.
	cfg := filepath.Join(root, "farm.config.ts")
	b, _ := os.ReadFile(cfg)
	if err := os.WriteFile(cfg, []byte(strings.Replace(string(b), "touch marker; sleep 30", "touch other", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	c2, err := coordinator.Index(t.Context(), root)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if ok, _ := store.Allowed(c2.Root(), trust.FromConfig(c2.Root(), c2.Config()).Hash()); ok {
		t.Fatal("an allow of one command covers another")
	}

	code, stdout, _ = runCLI(t, "trust", "--root", root, "--revoke")
	if code != 0 || !strings.Contains(stdout, "1 allow(s) revoked") {
		t.Fatalf("revoke: code %d %q", code, stdout)
	}
	if es, _ := store.Entries(c.Root()); len(es) != 0 {
		t.Fatalf("entries after revoke: %+v", es)
	}

	if code, _, stderr := runCLI(t, "trust", "--root", t.TempDir()); code == 0 || !strings.Contains(stderr, "farm.config") {
		t.Errorf("trust of a non-workspace: code %d %q", code, stderr)
	}
	if code, _, _ := runCLI(t, "trust", "extra"); code != 2 {
		t.Errorf("trust with an argument: code %d", code)
	}
}
