package coordinator

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/farm-stack/farm-lsp/analysis/facts"

	"github.com/farm-stack/farm-lsp/reload/watch"
)

// scanIgnore is what the initial scan skips: the watcher's ignore list
// (the seed's patterns) plus what lives under dot-directories and virtual
// environments, which the scan would otherwise descend into.
var scanIgnore = append(append([]string(nil), watch.DefaultIgnore...), "**/.*/**", "**/.venv/**", "**/venv/**")

// ignored reports whether a workspace-relative path (a file, or a
// directory when dir is set) is outside what farm-lsp reads.
func ignored(patterns []string, rel string, dir bool) bool {
	if watch.Match(patterns, rel) {
		return true
	}
	// A directory is ignored when everything below it would be.
	return dir && watch.Match(patterns, rel+"/x")
}

// backendInput is what Options.BackendOnly indexes.
func backendInput(rel string, kind facts.Kind) bool {
	return strings.HasSuffix(rel, ".py") || kind == facts.KindFarmConfig || kind == facts.KindPluginConfig
}

// index walks the root and loads every readable file into the workspace.
// Symlinks are not followed (a symlink loop cannot stall it); files over
// the size limit are recorded as skipped without being read.
func (c *Coordinator) index(ctx context.Context) (int, error) {
	files := map[string][]byte{}
	var large []string
	maxSize := int64(c.ws.MaxFileSize())
	err := filepath.WalkDir(c.root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == c.root {
				return err
			}
			return nil // unreadable entry: skip it, keep walking
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if p == c.root {
			return nil
		}
		rel, ok := c.rel(p)
		if !ok {
			return nil
		}
		if d.IsDir() {
			if ignored(scanIgnore, rel, true) {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || ignored(scanIgnore, rel, false) {
			return nil
		}
		kind := c.ws.Kind(rel)
		if kind == "unknown" && filepath.Base(rel) != "tsconfig.json" {
			return nil
		}
		if c.opts.BackendOnly && !backendInput(rel, kind) {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		if info.Size() > maxSize {
			large = append(large, rel)
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil
		}
		files[rel] = b
		c.hashes.Remember(p, b)
		return nil
	})
	if err != nil {
		return 0, err
	}
	diags, err := c.ws.Load(ctx, files)
	if err != nil {
		return 0, err
	}
	for rel, ds := range diags {
		c.publish(rel, srcAnalysis, ds)
	}
	for _, rel := range large {
		res := c.ws.TooLarge(rel, c.fileSize(rel))
		c.publish(rel, srcAnalysis, res.Diagnostics)
	}
	return len(files) + len(large), nil
}
