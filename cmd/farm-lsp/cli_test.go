package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/farm-stack/farm-lsp/examples"
)

func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestCLIGenerateCheckAndOpenAPI(t *testing.T) {
	root, err := examples.CopyFarmApp(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	// The example ships its generated files, current.
	if code, stdout, stderr := runCLI(t, "generate", "--root", root, "--check"); code != 0 {
		t.Fatalf("check of the example: code %d %q %q", code, stdout, stderr)
	}
	// A missing output: --check fails listing it; generate writes it back.
	if err := os.Remove(filepath.Join(root, "apps/web/src/types/models/index.ts")); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCLI(t, "generate", "--root", root, "--check")
	if code != 1 || !strings.Contains(stderr, "apps/web/src/types/models/index.ts") {
		t.Fatalf("check with a missing output: code %d, stderr %q", code, stderr)
	}
	code, stdout, stderr := runCLI(t, "generate", "--root", root)
	if code != 0 || !strings.Contains(stdout, "wrote apps/web/src/types/models/index.ts") {
		t.Fatalf("generate: code %d stdout %q stderr %q", code, stdout, stderr)
	}
	if code, stdout, _ = runCLI(t, "generate", "--root", root, "--check"); code != 0 || !strings.Contains(stdout, "up to date") {
		t.Fatalf("check after generate: code %d %q", code, stdout)
	}
	// A hand edit makes it stale again.
	hooks := filepath.Join(root, "apps/web/src/hooks/api.ts")
	b, _ := os.ReadFile(hooks)
	os.WriteFile(hooks, append(b, []byte("// tweak\n")...), 0o644)
	if code, _, stderr = runCLI(t, "generate", "--root", root, "--check"); code != 1 || !strings.Contains(stderr, "hooks/api.ts") {
		t.Fatalf("check after a hand edit: code %d %q", code, stderr)
	}

	code, stdout, stderr = runCLI(t, "openapi", "--root", root)
	if code != 0 {
		t.Fatalf("openapi: %d %s", code, stderr)
	}
	var doc struct {
		OpenAPI string                     `json:"openapi"`
		Paths   map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("openapi output is not JSON: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.1") || doc.Paths["/api/users/{user_id}"] == nil {
		t.Errorf("openapi %q paths %v", doc.OpenAPI, keys(doc.Paths))
	}
}

func keys(m map[string]json.RawMessage) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestCLIPlanAndUsage(t *testing.T) {
	root, err := examples.CopyFarmApp(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(root, "apps/api/src/models/item.py")
	old := filepath.Join(t.TempDir(), "old.py")
	b, _ := os.ReadFile(file)
	os.WriteFile(old, b, 0o644)
	os.WriteFile(file, []byte(strings.Replace(string(b), "class ", "# comment\nclass ", 1)), 0o644)
	code, stdout, stderr := runCLI(t, "plan", "--root", root, "--before", old, "--json", file)
	if code != 0 {
		t.Fatalf("plan: %d %s", code, stderr)
	}
	var res struct {
		Changes []json.RawMessage `json:"changes"`
		Plan    struct {
			Tasks []json.RawMessage `json:"tasks"`
		} `json:"plan"`
	}
	if err := json.Unmarshal([]byte(stdout), &res); err != nil || res.Changes == nil || len(res.Changes) != 0 || len(res.Plan.Tasks) != 0 {
		t.Fatalf("comment-only plan: %v %s", err, stdout)
	}
	if code, _, _ := runCLI(t, "plan", "--root", root); code != 2 {
		t.Errorf("plan without arguments: exit %d, want 2", code)
	}
	if code, _, stderr := runCLI(t, "nonsense"); code != 2 || !strings.Contains(stderr, "unknown command") {
		t.Errorf("unknown command: %d %q", code, stderr)
	}
	if code, stdout, _ := runCLI(t, "--log-level", "debug", "version"); code != 0 || !strings.HasPrefix(stdout, "farm-lsp ") {
		t.Errorf("version with a global flag first: %d %q", code, stdout)
	}
	if code, _, _ := runCLI(t, "serve", "--log-level", "loud"); code != 2 {
		t.Errorf("bad --log-level accepted")
	}
}

func TestCLIHelpExitsZero(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}, {"-help"}, {"--log-level", "debug", "--help"}} {
		code, stdout, stderr := runCLI(t, args...)
		if code != 0 || !strings.Contains(stdout, "farm-lsp — a language server") || stderr != "" {
			t.Errorf("%q: code %d stdout %q stderr %q, want the overview and 0", args, code, stdout, stderr)
		}
	}
	for cmd := range synopses { // every command with a usage, in the overview too
		if !strings.Contains(usage, "\n  farm-lsp "+cmd+" ") && !strings.Contains(usage, "\n  farm-lsp ["+cmd+"] ") {
			t.Errorf("the overview does not list %s", cmd)
		}
		for _, args := range [][]string{{cmd, "--help"}, {cmd, "-h"}, {"help", cmd}} {
			code, stdout, stderr := runCLI(t, args...)
			if code != 0 || !strings.HasPrefix(stdout, "Usage: farm-lsp ") || !strings.Contains(stdout, cmd) || stderr != "" {
				t.Errorf("%q: code %d stdout %q stderr %q, want %s's usage and 0", args, code, stdout, stderr, cmd)
			}
		}
	}
	// After other flags and arguments too.
	if code, stdout, _ := runCLI(t, "plan", "--json", "x.py", "--help"); code != 0 || !strings.Contains(stdout, "--before OLD FILE") {
		t.Errorf("plan ... --help: %d %q", code, stdout)
	}
	if code, _, stderr := runCLI(t, "help", "nope"); code != 2 || !strings.Contains(stderr, `unknown command "nope"`) {
		t.Errorf("help nope: %d %q", code, stderr)
	}
	// A bad flag is a usage error on stderr, exit 2.
	if code, stdout, stderr := runCLI(t, "generate", "--bogus"); code != 2 || stdout != "" || !strings.Contains(stderr, "-bogus") || !strings.Contains(stderr, "Usage: farm-lsp generate") {
		t.Errorf("generate --bogus: %d %q %q", code, stdout, stderr)
	}
}

// TestCLIFlagsAfterArguments: the README's `plan --root R --before OLD FILE
// --json` — and any other order.
func TestCLIFlagsAfterArguments(t *testing.T) {
	root, err := examples.CopyFarmApp(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(root, "apps/api/src/models/item.py")
	old := filepath.Join(t.TempDir(), "old.py")
	b, _ := os.ReadFile(file)
	os.WriteFile(old, b, 0o644)
	os.WriteFile(file, []byte(strings.Replace(string(b), "class ", "# comment\nclass ", 1)), 0o644)
	for _, args := range [][]string{
		{"plan", "--root", root, "--before", old, file, "--json"},
		{"plan", file, "--json", "--before", old},
		{"plan", "--json", "--before=" + old, "--", file},
	} {
		code, stdout, stderr := runCLI(t, args...)
		var res struct {
			File    string            `json:"file"`
			Changes []json.RawMessage `json:"changes"`
		}
		if code != 0 || json.Unmarshal([]byte(stdout), &res) != nil || res.File != "apps/api/src/models/item.py" || res.Changes == nil {
			t.Errorf("%q: code %d stdout %q stderr %q", args, code, stdout, stderr)
		}
	}
	if code, _, stderr := runCLI(t, "plan", "--before", old, file, "extra.py"); code != 2 || !strings.Contains(stderr, "usage: farm-lsp plan") {
		t.Errorf("two files: %d %q", code, stderr)
	}
	// OLD from stdin.
	var out, errb bytes.Buffer
	if code := run([]string{"plan", "--before", "-", file, "--json"}, bytes.NewReader(b), &out, &errb); code != 0 || !strings.Contains(out.String(), `"changes": []`) {
		t.Errorf("--before -: %d %q %q", code, out.String(), errb.String())
	}
}

// TestCLIRefusesOutsideAnApp: no farm.config.ts up the tree → a clear
// message, exit 1, nothing written. Below an app's root the app is found.
func TestCLIRefusesOutsideAnApp(t *testing.T) {
	empty := t.TempDir()
	f := filepath.Join(empty, "x.py")
	os.WriteFile(f, []byte("x = 1\n"), 0o644)
	for _, args := range [][]string{
		{"generate", "--root", empty},
		{"generate", "--root", empty, "--check"},
		{"openapi", "--root", empty},
		{"plan", "--before", f, f},
	} {
		code, stdout, stderr := runCLI(t, args...)
		if code != 1 || stdout != "" || !strings.Contains(stderr, "not inside a FARM app: no farm.config.ts in "+empty) {
			t.Errorf("%q: code %d stdout %q stderr %q", args, code, stdout, stderr)
		}
	}
	entries, _ := os.ReadDir(empty)
	if len(entries) != 1 {
		t.Errorf("files were written outside an app: %v", entries)
	}

	root, err := examples.CopyFarmApp(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, "generate", "--check", "--root", filepath.Join(root, "apps/web/src"))
	if code != 0 || !strings.Contains(stdout, "up to date") || !strings.Contains(stderr, "using the app at "+root) {
		t.Errorf("generate below the root: %d %q %q", code, stdout, stderr)
	}
}

// TestCLIPrintsConfigDiagnostics: every command that reads the app prints
// farm.config's diagnostics as file:line:col; generate refuses to write
// with a broken config.
func TestCLIPrintsConfigDiagnostics(t *testing.T) {
	root, err := examples.CopyFarmApp(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(root, "farm.config.ts")
	orig, _ := os.ReadFile(cfgPath)
	cfg := strings.Replace(string(orig), "hotReload: {", "hotRelaod: {", 1)
	cfg = strings.Replace(cfg, "plugins: ['analytics'],", "plugins: ['analytics', 'missing'],", 1)
	os.WriteFile(cfgPath, []byte(cfg), 0o644)
	lineOf := func(s, sub string) int { return strings.Count(s[:strings.Index(s, sub)], "\n") + 1 }
	typo := fmt.Sprintf("%s:%d:5: warning: development.hotRelaod: unknown key, ignored; did you mean \"hotReload\"?", cfgPath, lineOf(cfg, "hotRelaod"))
	plugin := fmt.Sprintf("%s:%d:26: warning: plugins: \"missing\" has no manifest", cfgPath, lineOf(cfg, "'missing'"))
	file := filepath.Join(root, "apps/api/src/models/item.py")
	for _, args := range [][]string{
		{"generate", "--root", root, "--check"},
		{"openapi", "--root", root},
		{"plan", "--before", file, file},
	} {
		_, _, stderr := runCLI(t, args...)
		if !strings.Contains(stderr, typo) || !strings.Contains(stderr, plugin) {
			t.Errorf("%q: stderr %q\nwant %q\nand  %q", args, stderr, typo, plugin)
		}
	}

	// A syntax error: generate says so and writes nothing.
	broken := strings.Replace(string(orig), "plugins: ['analytics'],", "plugins: ['analytics',,, }", 1)
	os.WriteFile(cfgPath, []byte(broken), 0o644)
	types := filepath.Join(root, "apps/web/src/types/models/index.ts")
	os.Remove(types)
	code, stdout, stderr := runCLI(t, "generate", "--root", root)
	if code != 1 || strings.Contains(stdout, "up to date") || !strings.Contains(stderr, cfgPath+":") ||
		!strings.Contains(stderr, ": error: ") || !strings.Contains(stderr, "farm.config has errors") {
		t.Errorf("generate with a broken config: %d %q %q", code, stdout, stderr)
	}
	if _, err := os.Stat(types); err == nil {
		t.Error("generate wrote with a broken config")
	}
}
