package examples

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestCopyFarmApp(t *testing.T) {
	dir, err := CopyFarmApp(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"farm.config.ts", "apps/api/src/models/user.py", "apps/api/src/models/__init__.py", "apps/web/src/components/UserCard.tsx"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s missing from the copy: %v", f, err)
		}
	}
}

// TestEmbedIsTheTrackedSources: the binary carries the example's sources,
// every one git tracks, and nothing an install adds (apps/web/node_modules
// after `npm ci` is 80 MB).
func TestEmbedIsTheTrackedSources(t *testing.T) {
	embedded := map[string]bool{}
	err := fs.WalkDir(FarmApp, "farm-app", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || d.Name() == "__pycache__") {
			t.Errorf("%s is embedded", p)
			return fs.SkipDir
		}
		if !d.IsDir() {
			embedded[p] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	git, err := exec.LookPath("git")
	if err != nil {
		t.Skip("git is not installed (apt-get install -y git): cannot list the tracked files")
	}
	out, err := exec.Command(git, "ls-files", "farm-app").Output()
	if err != nil {
		t.Skipf("not a git checkout (%v): cannot list the tracked files", err)
	}
	tracked := strings.Fields(string(out))
	if len(tracked) == 0 {
		t.Skip("git lists no tracked files under farm-app (not a checkout)")
	}
	for _, f := range tracked {
		if !embedded[f] {
			t.Errorf("%s is tracked but not embedded: add it to the //go:embed lines in embed.go", f)
		}
	}
}
