package examples

import (
	"os"
	"path/filepath"
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
