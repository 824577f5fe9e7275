package coordinator

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/farm-stack/farm-lsp/analysis/classify"
	"github.com/farm-stack/farm-lsp/analysis/config"
	"github.com/farm-stack/farm-lsp/analysis/facts"

	"github.com/farm-stack/farm-lsp/internal/readfile"
	"github.com/farm-stack/farm-lsp/reload/watch"
)

// scanIgnore is what the initial scan skips: the watcher's ignore list
// (the seed's patterns) plus what lives under dot-directories and virtual
// environments, which the scan would otherwise descend into.
var scanIgnore = append(append([]string(nil), watch.DefaultIgnore...), "**/.*/**", "**/.venv/**", "**/venv/**")

// ignored reports whether a workspace-relative path (a file, or a
// directory when dir is set) is outside what farm-lsp reads. The scan
// asks it top-down, having descended only through directories that were
// not ignored, so only the path itself is matched (matching every
// ancestor again for each file was a fifth of a cold index).
func ignored(patterns []string, rel string, dir bool) bool {
	if watch.MatchExact(patterns, rel) {
		return true
	}
	// A directory is ignored when everything below it would be.
	return dir && watch.MatchExact(patterns, rel+"/x")
}

// backendInput is what Options.BackendOnly indexes.
func backendInput(rel string, kind facts.Kind) bool {
	return strings.HasSuffix(rel, ".py") || kind == facts.KindFarmConfig || kind == facts.KindPluginConfig
}

// index walks the root and loads every readable file into the workspace.
// Symlinks are not followed (a symlink loop cannot stall it); files over
// the size limit are recorded as skipped without being read.
func (c *Coordinator) index(ctx context.Context) (int, error) {
	// farm.config first: the generated outputs it names are then classified
	// as such during the scan, and never parsed as components.
	cfg, err := c.indexConfig(ctx)
	if err != nil {
		return 0, err
	}
	// The walk picks the files as the workspace's parallel analysis goes
	// (LoadFrom iterates it), and reading them is left to the analysis,
	// so the walk, the reads and the parses overlap.
	maxSize := int64(c.ws.MaxFileSize())
	prefix := c.root + string(filepath.Separator)
	var walkErr error
	paths := func(yield func(string) bool) {
		walkErr = filepath.WalkDir(c.root, func(p string, d fs.DirEntry, err error) error {
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
			rel, ok := strings.CutPrefix(p, prefix) // WalkDir joins below the root
			if ok {
				rel = filepath.ToSlash(rel)
			} else if rel, ok = c.rel(p); !ok {
				return nil
			}
			if d.IsDir() {
				if ignored(scanIgnore, rel, true) {
					return filepath.SkipDir
				}
				return nil
			}
			if !d.Type().IsRegular() || ignored(scanIgnore, rel, false) || cfg[rel] {
				return nil
			}
			kind := c.ws.Kind(rel)
			if kind == "unknown" && filepath.Base(rel) != "tsconfig.json" {
				return nil
			}
			if c.opts.BackendOnly && !backendInput(rel, kind) {
				return nil
			}
			if !yield(rel) {
				return filepath.SkipAll
			}
			return nil
		})
	}
	var (
		mu    sync.Mutex
		large []string
		read  int
	)
	diags, err := c.ws.LoadFrom(ctx, paths, func(rel string) ([]byte, error) {
		p := c.abs(rel)
		b, _, err := readfile.Read(p, maxSize)
		if err != nil {
			if errors.Is(err, readfile.ErrTooLarge) {
				mu.Lock()
				large = append(large, rel)
				mu.Unlock()
			}
			return nil, err
		}
		if !c.opts.BackendOnly { // a one-shot engine sees no file events
			c.hashes.Remember(p, b)
		}
		mu.Lock()
		read++
		mu.Unlock()
		return b, nil
	})
	if err != nil {
		return 0, err
	}
	if walkErr != nil {
		return 0, walkErr
	}
	for rel, ds := range diags {
		c.publish(rel, srcAnalysis, ds)
	}
	sort.Strings(large)
	for _, rel := range large {
		res := c.ws.TooLarge(rel, c.fileSize(rel))
		c.publish(rel, srcAnalysis, res.Diagnostics)
	}
	return read + len(large) + len(cfg), nil
}

// indexConfig loads farm.config into the workspace and applies it
// (classifier included). It returns the config files it read.
func (c *Coordinator) indexConfig(ctx context.Context) (map[string]bool, error) {
	files := map[string][]byte{}
	for _, name := range configFiles {
		p := c.abs(name)
		info, err := os.Lstat(p)
		if err != nil || !info.Mode().IsRegular() || info.Size() > int64(c.ws.MaxFileSize()) {
			continue // the scan reports it (or its absence) as before
		}
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		files[name] = b
		c.hashes.Remember(p, b)
	}
	if len(files) == 0 {
		return nil, nil
	}
	diags, err := c.ws.Load(ctx, files)
	if err != nil {
		return nil, err
	}
	for rel, ds := range diags {
		c.publish(rel, srcAnalysis, ds)
	}
	// Only the classifier, as loadConfig would set it: loadConfig itself
	// runs after the scan (its plugin checks read the manifests).
	cfg := config.Default()
	if f, name := c.configFile(); f != nil && f.Config != nil {
		cfg, _ = config.FromValue(f.Config, name)
	}
	cfg = cfg.ResolveEnv(c.opts.Getenv)
	c.mu.Lock()
	overrides := c.overrides
	c.mu.Unlock()
	if len(overrides) > 0 {
		if merged, err := config.Merge(cfg, overrides); err == nil {
			cfg = merged
		}
	}
	if cls, err := classify.New(cfg.ClassifyPaths()); err == nil {
		c.ws.SetClassifier(cls)
	}
	read := map[string]bool{}
	for name := range files {
		read[name] = true
	}
	return read, nil
}
