package lsp

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestURIPathRoundTrip(t *testing.T) {
	for _, p := range []string{"/a/b.py", "/with space/ä ö/ß.tsx", "/x/#hash?q.ts", "/"} {
		u := URIFromPath(p)
		got, ok := PathFromURI(u)
		if !ok || got != p {
			t.Errorf("%q → %q → %q, %v", p, u, got, ok)
		}
	}
	for _, u := range []string{"untitled:Untitled-1", "http://x/y", "file://", "%zz", "", "file:relative"} {
		if p, ok := PathFromURI(u); ok {
			t.Errorf("PathFromURI(%q) = %q, want rejection", u, p)
		}
	}
	// VS Code escapes ':' and '@'; the path is the same.
	if p, ok := PathFromURI("file:///home/u/%40scope/app%3Ax"); !ok || p != "/home/u/@scope/app:x" {
		t.Errorf("escaped URI → %q", p)
	}
}

func TestFindRoots(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []string{".", "apps/web", "a/b/c", "a/b/c/d", "node_modules/x", ".hidden", "apps/web/deeper/x/y"} {
		p := filepath.Join(dir, d)
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(p, ConfigFile), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A symlink loop must not hang the search.
	if err := os.Symlink(dir, filepath.Join(dir, "apps", "loop")); err != nil {
		t.Fatal(err)
	}
	got := findRoots(dir)
	want := []string{dir, filepath.Join(dir, "apps/web"), filepath.Join(dir, "a/b/c")}
	if !slices.Equal(got, want) {
		t.Errorf("findRoots = %v, want %v", got, want)
	}
	if got := findRoots(filepath.Join(dir, "missing")); len(got) != 0 {
		t.Errorf("missing folder: %v", got)
	}
}

func TestWithin(t *testing.T) {
	tests := []struct {
		path, dir string
		want      bool
	}{
		{"/a/b", "/a", true},
		{"/a", "/a", true},
		{"/ab", "/a", false},
		{"/a/b", "/", true},
	}
	for _, tt := range tests {
		if got := within(tt.path, tt.dir); got != tt.want {
			t.Errorf("within(%q, %q) = %v", tt.path, tt.dir, got)
		}
	}
}
