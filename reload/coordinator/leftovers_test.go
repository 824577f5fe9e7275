package coordinator

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Start removes the temporary files a writer killed mid-write left in the
// output directories (types, plugin registry, migrations), and nothing
// else.
func TestStartRemovesLeftoverTempFiles(t *testing.T) {
	t.Parallel()
	var leftovers, keep []string
	_, rec, root := start(t, Options{NoWatch: true}, func(root string) {
		mk := func(rel, pattern string) string {
			dir := filepath.Join(root, filepath.FromSlash(rel))
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			f, err := os.CreateTemp(dir, pattern)
			if err != nil {
				t.Fatal(err)
			}
			f.WriteString("// half a fi")
			f.Close()
			return f.Name()
		}
		leftovers = append(leftovers,
			mk("apps/web/src/types/models", ".index.ts.farm-*.tmp"),
			mk("apps/web/src/plugins", ".registry.ts.farm-*.tmp"),
			mk("apps/api/migrations", ".0002_x.json.farm-*.tmp"))
		keep = append(keep, mk("apps/web/src/types/models", "notes-*.tmp"), mk("apps/api/src", ".main.py.farm-*.tmp"))
	})
	for _, p := range leftovers {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s survived Start: %v", p, err)
		}
	}
	for _, p := range keep {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s removed: %v", p, err)
		}
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	for _, m := range rec.msgs {
		if strings.Contains(m, "removed 3 temporary file(s)") {
			return
		}
	}
	t.Errorf("no message about the removed files under %s: %v", root, rec.msgs)
}
