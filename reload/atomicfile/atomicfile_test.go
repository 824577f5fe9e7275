package atomicfile

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

func TestWrite(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	name := filepath.Join(dir, "index.ts")
	for _, content := range []string{"// first\n", "// second, longer\n", ""} {
		if err := Write(name, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(name)
		if err != nil || string(got) != content {
			t.Fatalf("read back %q, %v; want %q", got, err, content)
		}
		if st, _ := os.Stat(name); st.Mode().Perm() != 0o644 {
			t.Fatalf("mode %v, want 0644", st.Mode().Perm())
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("directory holds %v, want only index.ts", entries)
	}
	// A failed write leaves the target and no temporary file.
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(sub, "x.ts")
	if err := os.Mkdir(target, 0o755); err != nil { // rename over a directory fails
		t.Fatal(err)
	}
	if err := Write(target, []byte("x"), 0o644); err == nil {
		t.Fatal("write over a directory succeeded")
	}
	if entries, _ := os.ReadDir(sub); len(entries) != 1 || !entries[0].IsDir() {
		t.Fatalf("after a failed write: %v", entries)
	}
	if err := Write(filepath.Join(dir, "missing", "x.ts"), []byte("x"), 0o644); err == nil {
		t.Fatal("write into a missing directory succeeded")
	}
}

// leftover makes what a writer killed between create and rename leaves:
// Write's own temporary file, never renamed.
func leftover(t *testing.T, target string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := createTemp(target)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("// half a fi"); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if !IsTemp(filepath.Base(f.Name())) {
		t.Fatalf("IsTemp(%q) = false for Write's own temporary file", filepath.Base(f.Name()))
	}
	return f.Name()
}

func TestRemoveLeftovers(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	w := func(rel, content string) string {
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	rel := func(p string) string { r, _ := filepath.Rel(root, p); return filepath.ToSlash(r) }

	var want []string
	for _, target := range []string{
		"apps/web/src/types/models/index.ts",
		"apps/web/src/types/models/index.ts", // two leftovers of one file
		"apps/web/src/plugins/registry.ts",
		"apps/api/migrations/0003_add_rating.json",
	} {
		want = append(want, rel(leftover(t, filepath.Join(root, filepath.FromSlash(target)))))
	}
	// What must stay: outputs, user files that merely look alike, temps
	// under node_modules or dot-directories, temps outside the given
	// directories, and a symbolic link with a temp's name.
	keep := []string{
		w("apps/web/src/types/models/index.ts", "// generated\n"),
		w("apps/web/src/.index.ts.tmp", "user"),
		w("apps/web/src/index.ts.farm-1.tmp", "user"),
		w("apps/web/src/.index.ts.farm-x1.tmp", "user"),
		w("apps/web/src/.index.ts.farm-1.tmp.bak", "user"),
		w("apps/web/src/node_modules/pkg/.a.js.farm-1.tmp", "dep"),
		w("apps/web/src/.cache/.a.js.farm-1.tmp", "cache"),
		w("apps/api/src/.main.py.farm-1.tmp", "elsewhere"),
	}
	outside := w("elsewhere/.x.farm-1.tmp", "target of a link")
	link := filepath.Join(root, "apps/web/src/.link.ts.farm-2.tmp")
	if err := os.Symlink(outside, link); err != nil {
		t.Fatal(err)
	}
	keep = append(keep, outside, link)

	got, err := RemoveLeftovers(root, "apps/web/src", "apps/web/src/plugins", "apps/api/migrations", "apps/never/created")
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(got)
	sort.Strings(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("removed:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, r := range want {
		if _, err := os.Lstat(filepath.Join(root, r)); !os.IsNotExist(err) {
			t.Errorf("%s still there: %v", r, err)
		}
	}
	for _, p := range keep {
		if _, err := os.Lstat(p); err != nil {
			t.Errorf("%s removed: %v", rel(p), err)
		}
	}
	// Nothing left: a second call removes nothing.
	if again, err := RemoveLeftovers(root, "apps/web/src", "apps/api/migrations"); err != nil || len(again) != 0 {
		t.Fatalf("second call: %v, %v", again, err)
	}
	// Directories outside the root are refused, not walked.
	for _, d := range []string{"..", "../elsewhere", "/tmp", "a/../../b"} {
		if _, err := RemoveLeftovers(filepath.Join(root, "apps"), d); err == nil {
			t.Errorf("RemoveLeftovers(%q) outside the root: no error", d)
		}
	}
	if _, err := os.Lstat(outside); err != nil {
		t.Fatalf("a temp-named file outside the root was removed: %v", err)
	}
}
