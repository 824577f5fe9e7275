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

// FarmApp is examples/farm-app. `all:` keeps __init__.py files.
//
//go:embed all:farm-app
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
