package coordinator

import (
	"fmt"
	"log/slog"
	"path"
	"strings"

	"github.com/farm-stack/farm-lsp/reload/atomicfile"
	"github.com/farm-stack/farm-lsp/reload/schema"
)

// removeLeftovers deletes the temporary files a writer killed mid-write
// (kill -9 during a regeneration) left in the output directories: the
// generated types, client and hooks, the plugin registry and the
// migrations. It runs at Start, before any executor writes.
func (c *Coordinator) removeLeftovers() {
	cfg := c.Config()
	migrations, err := schema.DirOfGlob(cfg.Paths.Migrations)
	if err != nil {
		migrations = schema.MigrationsDir
	}
	dirs := []string{cfg.Development.HotReload.TypeGeneration.OutDir, migrations}
	for _, out := range cfg.Outputs().All() {
		dirs = append(dirs, path.Dir(out))
	}
	removed, err := atomicfile.RemoveLeftovers(c.root, dirs...)
	if len(removed) > 0 {
		c.message(slog.LevelInfo, fmt.Sprintf("farm-lsp: removed %d temporary file(s) left by an interrupted write: %s",
			len(removed), strings.Join(removed, ", ")), false)
	}
	if err != nil {
		c.message(slog.LevelWarn, "farm-lsp: removing temporary files left by an interrupted write: "+err.Error(), false)
	}
}
