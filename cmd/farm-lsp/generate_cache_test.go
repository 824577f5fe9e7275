package main

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/farm-stack/farm-lsp/examples"
)

// outputs reads the generated files under the app's apps/web/src.
func outputs(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, rel := range []string{"types/models/index.ts", "types/api.ts", "services/api.ts", "hooks/api.ts"} {
		b, err := os.ReadFile(filepath.Join(root, "apps/web/src", rel))
		if err != nil {
			t.Fatal(err)
		}
		out[rel] = string(b)
	}
	return out
}

// cacheEntries counts the entry files under a cache directory.
func cacheEntries(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && len(d.Name()) == 64 {
			n++
		}
		return nil
	})
	return n
}

func generateOutputs(t *testing.T, root string, flags ...string) (map[string]string, string) {
	t.Helper()
	for _, rel := range []string{"types/models/index.ts", "types/api.ts", "services/api.ts", "hooks/api.ts"} {
		os.Remove(filepath.Join(root, "apps/web/src", rel))
	}
	code, stdout, stderr := runCLI(t, append([]string{"generate", "--root", root}, flags...)...)
	if code != 0 {
		t.Fatalf("generate %v: code %d\n%s%s", flags, code, stdout, stderr)
	}
	_, openapi, stderr := runCLI(t, append([]string{"openapi", "--root", root}, flags...)...)
	if openapi == "" {
		t.Fatalf("openapi %v: no output: %s", flags, stderr)
	}
	return outputs(t, root), openapi
}

// TestGenerateFactCache: a generate with the fact cache writes what one
// without it does, cold and warm; an edited model is read afresh; a
// corrupt entry is ignored; --no-cache neither reads nor fills it.
func TestGenerateFactCache(t *testing.T) {
	root, err := examples.CopyFarmApp(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cache := filepath.Join(t.TempDir(), "cache")
	want, wantDoc := generateOutputs(t, root, "--no-cache")
	if n := cacheEntries(t, cache); n != 0 {
		t.Fatalf("--no-cache wrote %d cache entries", n)
	}
	cold, coldDoc := generateOutputs(t, root, "--cache-dir", cache)
	n := cacheEntries(t, cache)
	if n == 0 {
		t.Fatal("a cold generate cached nothing")
	}
	warm, warmDoc := generateOutputs(t, root, "--cache-dir", cache)
	for name, got := range map[string]map[string]string{"cold": cold, "warm": warm} {
		for rel, w := range want {
			if got[rel] != w {
				t.Errorf("%s cache: %s differs from the uncached output", name, rel)
			}
		}
	}
	if coldDoc != wantDoc || warmDoc != wantDoc {
		t.Error("the OpenAPI document differs with the cache")
	}
	if m := cacheEntries(t, cache); m != n {
		t.Errorf("a warm run added entries: %d, then %d", n, m)
	}

	// Corrupt every entry: the next run reads the sources, and says the same.
	filepath.WalkDir(cache, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && len(d.Name()) == 64 {
			b, _ := os.ReadFile(p)
			os.WriteFile(p, bytes.Repeat([]byte{'x'}, len(b)), 0o644)
		}
		return nil
	})
	if got, _ := generateOutputs(t, root, "--cache-dir", cache); got["types/models/index.ts"] != want["types/models/index.ts"] {
		t.Error("corrupt cache entries changed the output")
	}

	// An edit is seen: the entry of the old content is not used.
	user := filepath.Join(root, "apps/api/src/models/user.py")
	b, err := os.ReadFile(user)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(b), "class User(Document):\n", "class User(Document):\n    nickname_for_cache_test: str = \"x\"\n", 1)
	if edited == string(b) {
		t.Fatal("the example's User model moved: fix the test")
	}
	if err := os.WriteFile(user, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	got, _ := generateOutputs(t, root, "--cache-dir", cache)
	if !strings.Contains(got["types/models/index.ts"], "nickname_for_cache_test") {
		t.Error("the edited model's new field is missing: a stale cache entry was used")
	}
	uncached, _ := generateOutputs(t, root, "--no-cache")
	for rel, w := range uncached {
		if got[rel] != w {
			t.Errorf("after an edit: %s differs from the uncached output", rel)
		}
	}
}
