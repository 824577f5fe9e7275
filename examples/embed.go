// Package examples embeds the bundled example FARM workspace so that
// `farm-lsp demo` and tests can copy it anywhere, independent of the
// working directory.
package examples

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// FarmApp is examples/farm-app: its sources, not what installing it adds
// (apps/web/node_modules after `npm ci`, __pycache__), which would bloat
// the binary. `all:` keeps __init__.py files.
//
//go:embed farm-app/README.md farm-app/farm.config.ts all:farm-app/plugins
//go:embed farm-app/apps/api/requirements.txt all:farm-app/apps/api/src all:farm-app/apps/api/testing_shims
//go:embed farm-app/apps/web/index.html farm-app/apps/web/package.json farm-app/apps/web/package-lock.json
//go:embed farm-app/apps/web/tsconfig.json farm-app/apps/web/vite.config.ts all:farm-app/apps/web/src
var FarmApp embed.FS

// CopyFarmApp writes the example workspace into dir (created if needed)
// and returns dir. Files are written with 0644, directories 0755.
func CopyFarmApp(dir string) (string, error) {
	err := fs.WalkDir(FarmApp, "farm-app", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel("farm-app", filepath.FromSlash(p))
		if err != nil {
			return err
		}
		dst := filepath.Join(dir, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		b, err := FarmApp.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
	if err != nil {
		return "", fmt.Errorf("copy example app: %w", err)
	}
	return dir, nil
}
