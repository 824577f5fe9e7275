package watch

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

const wait = 10 * time.Second // failure guard only

var quiet = slog.New(slog.DiscardHandler)

type tw struct {
	t    *testing.T
	w    *Watcher
	root string
}

// startWatcher watches a fresh temp dir (after prepare has laid it out)
// until the test ends.
func startWatcher(t *testing.T, opts Options, prepare func(root string)) *tw {
	t.Helper()
	root := t.TempDir()
	if prepare != nil {
		prepare(root)
	}
	opts.Logger = quiet
	w, err := New(root, opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Error(err)
			}
		case <-time.After(wait):
			t.Error("Run did not return")
		}
	})
	return &tw{t: t, w: w, root: root}
}

func (x *tw) path(rel string) string { return filepath.Join(x.root, filepath.FromSlash(rel)) }

func (x *tw) write(rel, content string) {
	x.t.Helper()
	p := x.path(rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		x.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		x.t.Fatal(err)
	}
}

// seen renders an event as "op rel" (with a trailing "/" for directories).
func (x *tw) seen(ev Event) string {
	rel, err := filepath.Rel(x.root, ev.Path)
	if err != nil {
		x.t.Fatal(err)
	}
	s := ev.Op.String() + " " + filepath.ToSlash(rel)
	if ev.Dir {
		s += "/"
	}
	return s
}

// until collects events until one renders as want; it fails after the
// guard timeout.
func (x *tw) until(want string) []string {
	x.t.Helper()
	var got []string
	timeout := time.After(wait)
	for {
		select {
		case ev, ok := <-x.w.Events():
			if !ok {
				x.t.Fatalf("events closed while waiting for %q; got %q", want, got)
			}
			s := x.seen(ev)
			got = append(got, s)
			if s == want {
				return got
			}
		case <-timeout:
			x.t.Fatalf("timed out waiting for %q; got %q", want, got)
		}
	}
}

func has(events []string, want string) bool {
	for _, e := range events {
		if e == want {
			return true
		}
	}
	return false
}

func TestCreateWriteRenameRemove(t *testing.T) {
	x := startWatcher(t, Options{}, func(root string) {
		if err := os.MkdirAll(filepath.Join(root, "apps/api/src"), 0o755); err != nil {
			t.Fatal(err)
		}
	})
	tests := []struct {
		name string
		do   func()
		want []string
	}{
		{"create", func() { x.write("apps/api/src/a.py", "x = 1\n") }, []string{"create apps/api/src/a.py", "write apps/api/src/a.py"}},
		{"write", func() {
			f, err := os.OpenFile(x.path("apps/api/src/a.py"), os.O_WRONLY|os.O_APPEND, 0)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintln(f, "y = 2")
			f.Close()
		}, []string{"write apps/api/src/a.py"}},
		{"rename", func() {
			if err := os.Rename(x.path("apps/api/src/a.py"), x.path("apps/api/src/b.py")); err != nil {
				t.Fatal(err)
			}
		}, []string{"rename apps/api/src/a.py", "create apps/api/src/b.py"}},
		{"remove", func() {
			if err := os.Remove(x.path("apps/api/src/b.py")); err != nil {
				t.Fatal(err)
			}
		}, []string{"remove apps/api/src/b.py"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.do()
			got := x.until(tt.want[len(tt.want)-1])
			for _, w := range tt.want {
				if !has(got, w) {
					t.Errorf("events %q lack %q", got, w)
				}
			}
		})
	}
}

func TestNewDirectoryWithFilesIsFollowed(t *testing.T) {
	x := startWatcher(t, Options{}, nil)
	// Files written right after MkdirAll race the watcher adding the new
	// directories: each must be reported, by fsnotify or by the scan.
	var want []string
	for i := 0; i < 20; i++ {
		rel := fmt.Sprintf("apps/web/src/components/deep/C%02d.tsx", i)
		x.write(rel, "export const C = 1\n")
		want = append(want, "create "+rel)
	}
	x.write("sentinel.txt", "s")
	got := x.until("write sentinel.txt")
	for _, w := range want {
		if !has(got, w) {
			t.Errorf("missing %q in %q", w, got)
		}
	}
	for _, d := range []string{"create apps/", "create apps/web/src/components/deep/"} {
		if !has(got, d) {
			t.Errorf("missing directory event %q", d)
		}
	}
	// The new directory is watched now: a later write is seen.
	x.write("apps/web/src/components/deep/C00.tsx", "export const C = 2\n")
	x.until("write apps/web/src/components/deep/C00.tsx")
	if n := x.w.WatchedDirs(); n != 6 { // root, apps, web, src, components, deep
		t.Errorf("watching %d dirs, want 6", n)
	}
}

func TestRenamedDirectoryIsFollowedAtItsNewPlace(t *testing.T) {
	x := startWatcher(t, Options{}, func(root string) {
		if err := os.MkdirAll(filepath.Join(root, "old/sub"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, "old/sub/m.py"), []byte("a"), 0o644); err != nil {
			t.Fatal(err)
		}
	})
	if err := os.Rename(x.path("old"), x.path("new")); err != nil {
		t.Fatal(err)
	}
	got := x.until("create new/sub/m.py")
	if !has(got, "rename old/") || !has(got, "create new/") {
		t.Errorf("events %q", got)
	}
	x.write("new/sub/m.py", "b")
	got = x.until("write new/sub/m.py")
	for _, e := range got {
		if strings.Contains(e, "old/") {
			t.Errorf("event under the old name after the rename: %q", e)
		}
	}
	if n := x.w.WatchedDirs(); n != 3 {
		t.Errorf("watching %d dirs, want 3 (root, new, new/sub)", n)
	}
	if err := os.RemoveAll(x.path("new")); err != nil {
		t.Fatal(err)
	}
	got = x.until("remove new/")
	if !has(got, "remove new/sub/m.py") {
		t.Errorf("file removal inside the removed dir not reported: %q", got)
	}
	// inotify reports a removed directory from its parent and from its own
	// watch; only one event reaches the consumer, and as a directory.
	x.write("sentinel", "s")
	got = x.until("write sentinel")
	for _, e := range got {
		if strings.HasPrefix(e, "remove new") || strings.HasPrefix(e, "rename new") {
			t.Errorf("repeated removal event %q", e)
		}
	}
	if n := x.w.WatchedDirs(); n != 1 {
		t.Errorf("watching %d dirs after removal, want 1", n)
	}
}

func TestIgnoredPathsNotReported(t *testing.T) {
	x := startWatcher(t, Options{Ignore: []string{"apps/web/src/types/**", "**/test_*.py"}}, func(root string) {
		for _, d := range []string{"node_modules/react", "apps/web/src/types", ".git", "apps/api/src"} {
			if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
				t.Fatal(err)
			}
		}
	})
	ignored := []string{
		"node_modules/react/index.js",    // existing ignored dir (not watched)
		"apps/web/node_modules/x/y.js",   // new ignored dir
		".git/index",                     // dot dir
		".env",                           // dotfile
		"apps/api/.venv/lib/site.py",     // new dot dir
		"apps/api/src/__pycache__/a.pyc", // cache
		"apps/web/dist/index.js",
		"build/out.js",
		"server.log",
		"apps/api/src/x.tmp",
		"apps/web/src/types/models/index.ts", // Options.Ignore: generated output
		"apps/api/tests/test_user.py",        // Options.Ignore
	}
	for _, rel := range ignored {
		x.write(rel, "x")
	}
	x.write("apps/api/src/kept.py", "k")
	got := x.until("write apps/api/src/kept.py") // apps/api/src is watched from the start
	forbidden := append([]string{
		"node_modules", "apps/web/node_modules", ".git", "apps/api/.venv", "apps/api/src/__pycache__",
		"apps/web/dist", "build", "apps/web/src/types",
	}, ignored...)
	for _, e := range got {
		rel := strings.TrimSuffix(e[strings.IndexByte(e, ' ')+1:], "/")
		for _, f := range forbidden {
			if rel == f || strings.HasPrefix(rel, f+"/") {
				t.Errorf("ignored path reported: %q", e)
			}
		}
	}
	if !has(got, "create apps/api/src/kept.py") {
		t.Errorf("kept file not reported: %q", got)
	}
}

func TestSymlinkLoopIsNotFollowed(t *testing.T) {
	x := startWatcher(t, Options{}, func(root string) {
		if err := os.MkdirAll(filepath.Join(root, "a/b"), 0o755); err != nil {
			t.Fatal(err)
		}
		for link, target := range map[string]string{"a/b/up": "../..", "a/self": ".", "a/root": root} {
			if err := os.Symlink(target, filepath.Join(root, link)); err != nil {
				t.Fatal(err)
			}
		}
	})
	if n := x.w.WatchedDirs(); n != 3 {
		t.Fatalf("watching %d dirs, want 3 (root, a, a/b): symlinks were followed", n)
	}
	// A loop created while watching is reported as a file, not followed.
	if err := os.MkdirAll(x.path("c"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("..", x.path("c/loop")); err != nil {
		t.Fatal(err)
	}
	got := x.until("create c/loop")
	if !has(got, "create c/") {
		t.Errorf("events %q", got)
	}
	x.write("a/b/ok.py", "1")
	x.until("write a/b/ok.py")
	if n := x.w.WatchedDirs(); n != 4 {
		t.Errorf("watching %d dirs, want 4", n)
	}
}

func TestNewErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		root string
		opts Options
		want string
	}{
		{"missing root", filepath.Join(t.TempDir(), "nope"), Options{}, "no such file"},
		{"file root", file, Options{}, "not a directory"},
		{"bad pattern", t.TempDir(), Options{Ignore: []string{"a/[b"}}, "bad ignore pattern"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := New(tt.root, tt.opts)
			if err == nil {
				w.Close()
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err %v, want %q", err, tt.want)
			}
		})
	}
}

func TestMatch(t *testing.T) {
	pats := append(append([]string{}, DefaultIgnore...), "apps/web/src/types/**", "**/test_*.py")
	tests := []struct {
		rel  string
		want bool
	}{
		{"apps/api/src/models/user.py", false},
		{"apps/web/src/components/UserCard.tsx", false},
		{"farm.config.ts", false},
		{".", false},
		{"node_modules", true},
		{"node_modules/react/index.js", true},
		{"apps/web/node_modules/x.js", true},
		{".git/HEAD", true},
		{".env", true},
		{"apps/api/.venv/lib/site.py", true}, // under a dot directory
		{"apps/api/src/__pycache__/u.pyc", true},
		{"apps/web/dist", true},
		{"build/x.js", true},
		{"server.log", true},
		{"a/b/c.tmp", true},
		{"apps/web/src/types/models/index.ts", true},
		{"apps/web/src/types", true},
		{"apps/web/src/typesx/a.ts", false},
		{"apps/api/tests/test_user.py", true},
		{"apps/api/tests/user_test.py", false},
		{"./.env", true},
	}
	for _, tt := range tests {
		if got := Match(pats, tt.rel); got != tt.want {
			t.Errorf("Match(%q) = %v, want %v", tt.rel, got, tt.want)
		}
	}
	if Match([]string{"a/[b"}, "a/[b") {
		t.Error("malformed pattern matched")
	}
}

func TestHashes(t *testing.T) {
	var h Hashes
	steps := []struct {
		op      string
		path    string
		content string
		want    bool
	}{
		{"changed", "a.py", "x", true},
		{"changed", "a.py", "x", false},
		{"changed", "a.py", "y", true},
		{"changed", "b.py", "y", true},
		{"remember", "c.py", "saved", false},
		{"changed", "c.py", "saved", false}, // the editor's save, then fsnotify's event
		{"changed", "c.py", "edited", true},
		{"forget", "c.py", "", false},
		{"changed", "c.py", "edited", true},
		{"changed", "empty", "", true},
		{"changed", "empty", "", false},
	}
	for i, s := range steps {
		switch s.op {
		case "changed":
			if got := h.Changed(s.path, []byte(s.content)); got != s.want {
				t.Errorf("step %d: Changed(%s, %q) = %v, want %v", i, s.path, s.content, got, s.want)
			}
		case "remember":
			h.Remember(s.path, []byte(s.content))
		case "forget":
			h.Forget(s.path)
		}
	}
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				h.Changed(fmt.Sprint(i%7), []byte(fmt.Sprint(i)))
			}
		}()
	}
	wg.Wait()
}

func TestRunClosesEvents(t *testing.T) {
	w, err := New(t.TempDir(), Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		_ = w.Run(ctx)
		close(done)
	}()
	cancel()
	select {
	case _, ok := <-w.Events():
		if ok {
			t.Error("event after cancel")
		}
	case <-time.After(wait):
		t.Fatal("Events not closed")
	}
	<-done
	if err := w.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func BenchmarkMatch(b *testing.B) {
	pats := append(append([]string{}, DefaultIgnore...), "apps/web/src/types/**", "apps/web/src/services/api.ts")
	paths := []string{"apps/api/src/models/user.py", "apps/web/src/components/deep/UserCard.tsx", "node_modules/react/index.js"}
	for b.Loop() {
		for _, p := range paths {
			Match(pats, p)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(paths)), "ns/path")
}
