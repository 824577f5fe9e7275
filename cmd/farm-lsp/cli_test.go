package main

import (
	"bytes"
	"encoding/json"
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
