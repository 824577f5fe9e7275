package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/farm-stack/farm-lsp/analysis/factcache"
	"github.com/farm-stack/farm-lsp/analysis/workspace"
	"github.com/farm-stack/farm-lsp/reload/coordinator"
)

// generateCmd writes the generated TypeScript, or with --check lists stale
// outputs and exits 1 (for CI).
func generateCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("generate", stderr)
	var lf logFlags
	lf.register(fs)
	var cf cacheFlags
	cf.register(fs)
	root := fs.String("root", ".", "a directory of the app (the one holding farm.config.ts, or below it)")
	check := fs.Bool("check", false, "write nothing; exit 1 listing generated files that are missing or stale")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return &exitError{code: 2, msg: fmt.Sprintf("farm-lsp generate: unexpected argument %q (usage: %s)", fs.Arg(0), "farm-lsp generate [--root DIR] [--check]")}
	}
	app, bad, err := appConfig(ctx, "generate", *root, stderr)
	if err != nil {
		return err
	}
	if bad {
		// Its outDir and paths are unknown: writing would use the defaults.
		return &exitError{code: 1, msg: "farm-lsp generate: farm.config has errors (above); fix them first — nothing was written or checked"}
	}
	log, closeLog, err := lf.logger(stderr)
	if err != nil {
		return &exitError{code: 2, msg: "farm-lsp generate: " + err.Error()}
	}
	defer closeLog()
	log.Debug("indexing the app", "root", app)
	t0 := time.Now()
	cache := cf.open(log)
	defer cf.close(cache, log)
	c, err := coordinator.IndexBackend(ctx, app, cache.facts())
	if err != nil {
		return err
	}
	defer c.Close()
	log.Debug("indexed", "files", c.Workspace().Len(), "ms", ms(time.Since(t0)))
	t0 = time.Now()
	paths, diags, err := c.Generate(ctx, *check)
	log.Debug("generated", "ms", ms(time.Since(t0)))
	printDiagnostics(stderr, c.Root(), diags)
	if err != nil {
		return err
	}
	if *check {
		if len(paths) > 0 {
			msg := "stale generated files (run `farm-lsp generate`):"
			for _, p := range paths {
				msg += "\n  " + p
			}
			return &exitError{code: 1, msg: msg}
		}
		fmt.Fprintln(stdout, "generated files are up to date")
		return nil
	}
	if len(paths) == 0 {
		fmt.Fprintln(stdout, "generated files were already up to date")
	}
	for _, p := range paths {
		fmt.Fprintln(stdout, "wrote", p)
	}
	return nil
}

// cacheFlags are the fact cache's flags of generate and openapi.
type cacheFlags struct {
	dirFlag string
	off     bool
}

func (f *cacheFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.dirFlag, "cache-dir", "", "where the facts read from Python files are cached between runs (default: farm-lsp/facts under $XDG_CACHE_HOME or ~/.cache)")
	fs.BoolVar(&f.off, "no-cache", false, "read every Python file afresh, neither using nor filling the cache")
}

// open opens the cache to use, nil for none.
func (f *cacheFlags) open(log *slog.Logger) factCache {
	if f.off {
		return factCache{}
	}
	dir := f.dirFlag
	if dir == "" {
		d, err := factcache.DefaultDir()
		if err != nil {
			log.Debug("no fact cache", "err", err)
			return factCache{}
		}
		dir = d
	}
	c := factcache.Open(dir)
	if c == nil {
		log.Debug("no fact cache: this build has no build ID, or the facts changed shape")
	}
	return factCache{c}
}

// close waits for the cache's writes and removes long-unused entries (at
// most once a day).
func (f *cacheFlags) close(c factCache, log *slog.Logger) {
	if c.c == nil {
		return
	}
	c.c.Flush()
	if err := c.c.Trim(); err != nil {
		log.Debug("fact cache trim", "err", err)
	}
}

// factCache is an open cache or none.
type factCache struct{ c *factcache.Cache }

// facts is the cache for the workspace: a nil interface when there is none.
func (c factCache) facts() workspace.FactCache {
	if c.c == nil {
		return nil
	}
	return c.c
}

// ms is a duration in milliseconds for the debug log.
func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// openapiCmd prints the backend's OpenAPI document, derived from source.
func openapiCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("openapi", stderr)
	var lf logFlags
	lf.register(fs)
	var cf cacheFlags
	cf.register(fs)
	root := fs.String("root", ".", "a directory of the app (the one holding farm.config.ts, or below it)")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return &exitError{code: 2, msg: fmt.Sprintf("farm-lsp openapi: unexpected argument %q (usage: %s)", fs.Arg(0), "farm-lsp openapi [--root DIR]")}
	}
	app, _, err := appConfig(ctx, "openapi", *root, stderr)
	if err != nil {
		return err
	}
	log, closeLog, err := lf.logger(stderr)
	if err != nil {
		return &exitError{code: 2, msg: "farm-lsp openapi: " + err.Error()}
	}
	defer closeLog()
	log.Debug("indexing the app", "root", app)
	cache := cf.open(log)
	defer cf.close(cache, log)
	c, err := coordinator.IndexBackend(ctx, app, cache.facts())
	if err != nil {
		return err
	}
	defer c.Close()
	doc, diags := c.OpenAPI()
	printDiagnostics(stderr, c.Root(), diags)
	b, err := doc.JSON()
	if err != nil {
		return err
	}
	_, err = stdout.Write(append(b, '\n'))
	return err
}
