package watch

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestFilter(t *testing.T) {
	f, err := NewFilter([]Path{
		{Pattern: "apps/api/src/**/*.py", Ignore: []string{"**/test_*.py"}},
		{Pattern: "apps/web/src"},
		{Pattern: "farm.config.ts"},
	})
	if err != nil {
		t.Fatal(err)
	}
	for rel, want := range map[string]bool{
		"apps/api/src/models/user.py":        true,
		"apps/api/src/models/test_user.py":   false, // ignored by its entry
		"apps/api/src/tests/test_x.py":       false,
		"apps/api/src/models/user.txt":       false, // no pattern matches
		"apps/web/src/components/A.tsx":      true,  // a directory pattern covers what is under it
		"apps/web/src/components/test_a.tsx": true,  // the ignore is the api entry's only
		"apps/web/vite.config.ts":            false,
		"farm.config.ts":                     true,
	} {
		if got := f.Watched(rel); got != want {
			t.Errorf("Watched(%q) = %v, want %v", rel, got, want)
		}
	}
	var none *Filter
	if empty, _ := NewFilter(nil); !empty.Watched("x/y.py") || !none.Watched("x/y.py") || !empty.All() || f.All() {
		t.Error("an empty filter must watch everything")
	}
	if _, err := NewFilter([]Path{{Pattern: "a/[", Ignore: nil}}); err == nil {
		t.Error("a bad pattern was accepted")
	}
	if _, err := NewFilter([]Path{{Pattern: "a/**", Ignore: []string{"[x"}}}); err == nil {
		t.Error("a bad ignore pattern was accepted")
	}
}

// TestFilterDropsIgnoredFiles: with watch.paths, the watcher does not
// report a test_*.py its entry ignores, nor files no entry covers.
func TestFilterDropsIgnoredFiles(t *testing.T) {
	for _, poll := range []bool{false, true} {
		name := map[bool]string{false: "fsnotify", true: "polling"}[poll]
		t.Run(name, func(t *testing.T) {
			f, err := NewFilter([]Path{{Pattern: "apps/api/src/**/*.py", Ignore: []string{"**/test_*.py"}}})
			if err != nil {
				t.Fatal(err)
			}
			x := startWatcher(t, Options{Filter: f, Poll: poll, Interval: 20 * time.Millisecond}, func(root string) {
				os.MkdirAll(filepath.Join(root, "apps/api/src/models"), 0o755)
			})
			x.write("apps/api/src/models/test_user.py", "x = 1\n")
			x.write("apps/api/src/models/notes.txt", "x\n")
			x.write("apps/api/src/models/user.py", "x = 1\n")
			got := x.until("create apps/api/src/models/user.py")
			for _, e := range got {
				if e != "create apps/api/src/models/user.py" && e != "write apps/api/src/models/user.py" {
					t.Errorf("unexpected event %q", e)
				}
			}
		})
	}
}

// TestPolling: watch.usePolling reports creations, writes, removals of
// files and directories by walking every interval, without fsnotify.
func TestPolling(t *testing.T) {
	x := startWatcher(t, Options{Poll: true, Interval: 20 * time.Millisecond}, func(root string) {
		os.MkdirAll(filepath.Join(root, "apps/api/src"), 0o755)
		os.WriteFile(filepath.Join(root, "apps/api/src/old.py"), []byte("x = 1\n"), 0o644)
	})
	if !x.w.Polling() || x.w.WatchedDirs() != 4 { // root, apps, apps/api, apps/api/src
		t.Fatalf("polling %v, dirs %d", x.w.Polling(), x.w.WatchedDirs())
	}
	x.write("apps/api/src/a.py", "x = 1\n")
	x.until("create apps/api/src/a.py")
	x.write("apps/api/src/old.py", "x = 22\n")
	x.until("write apps/api/src/old.py")
	if err := os.Rename(x.path("apps/api/src/a.py"), x.path("apps/api/src/b.py")); err != nil {
		t.Fatal(err)
	}
	got := x.until("create apps/api/src/b.py")
	if !has(got, "remove apps/api/src/a.py") {
		t.Errorf("rename: %q lacks the removal of a.py", got)
	}
	x.write("apps/web/src/C.tsx", "export {}\n")
	got = x.until("create apps/web/src/C.tsx")
	for _, w := range []string{"create apps/web/", "create apps/web/src/"} {
		if !has(got, w) {
			t.Errorf("new directories: %q lacks %q", got, w)
		}
	}
	if err := os.RemoveAll(x.path("apps/web")); err != nil {
		t.Fatal(err)
	}
	got = x.until("remove apps/web/")
	for _, e := range got {
		if e != "remove apps/web/" {
			t.Errorf("unexpected event %q (a removed directory is reported once)", e)
		}
	}
	x.write("node_modules/x/index.js", "x\n") // ignored by default
	x.write("z.py", "x\n")
	for _, e := range x.until("create z.py") {
		if e != "create z.py" {
			t.Errorf("unexpected event %q (node_modules is ignored)", e)
		}
	}
}

// BenchmarkPoll2000 measures one poll (walk and compare) of a 2,000-file
// tree in 100 directories with nothing changed: the cost usePolling adds
// every interval.
func BenchmarkPoll2000(b *testing.B) {
	root := b.TempDir()
	for d := 0; d < 100; d++ {
		dir := filepath.Join(root, "apps", "api", "src", fmt.Sprintf("m%d", d))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			b.Fatal(err)
		}
		for f := 0; f < 20; f++ {
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%d.py", f)), []byte("x = 1\n"), 0o644); err != nil {
				b.Fatal(err)
			}
		}
	}
	w, err := New(root, Options{Poll: true, Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w.poll(ctx)
	}
	b.StopTimer()
	if len(w.events) != 0 {
		b.Fatalf("%d events for an unchanged tree", len(w.events))
	}
}
