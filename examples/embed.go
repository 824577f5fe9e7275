// Package examples embeds the bundled example FARM workspace so that
// `farm-lsp demo` and tests can copy it anywhere, independent of the
// working directory.
package examples

import (
	"embed"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
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

// IsolatePorts rewrites a copied example's farm.config.ts so that its
// backend and frontend ports (3000 and 8000 as shipped) are ports nothing
// listens on right now: tests then never talk to, or collide with,
// whatever else runs on this machine. It returns the two ports.
func IsolatePorts(dir string) (backend, frontend int, err error) {
	path := filepath.Join(dir, "farm.config.ts")
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, 0, err
	}
	if backend, err = closedPort(); err != nil {
		return 0, 0, err
	}
	if frontend, err = closedPort(); err != nil {
		return 0, 0, err
	}
	s := string(b)
	for _, r := range [][2]string{
		{"ports: { frontend: 3000, backend: 8000 }", fmt.Sprintf("ports: { frontend: %d, backend: %d }", frontend, backend)},
		{"frontend: { url: 'http://127.0.0.1:3000' }", fmt.Sprintf("frontend: { url: 'http://127.0.0.1:%d' }", frontend)},
	} {
		if !strings.Contains(s, r[0]) {
			return 0, 0, fmt.Errorf("IsolatePorts: %q not found in %s", r[0], path)
		}
		s = strings.Replace(s, r[0], r[1], 1)
	}
	return backend, frontend, os.WriteFile(path, []byte(s), 0o644)
}

// closedPort is a loopback port that was free a moment ago.
func closedPort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
