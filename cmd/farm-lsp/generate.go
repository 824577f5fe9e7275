package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/farm-stack/farm-lsp/analysis/factcache"
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
	cache := cf.dir(log)
	c, err := coordinator.IndexBackend(ctx, app, cache)
	if err != nil {
		return err
	}
	defer c.Close()
	log.Debug("indexed", "files", c.Workspace().Len(), "ms", ms(time.Since(t0)))
	t0 = time.Now()
	paths, diags, err := c.Generate(ctx, *check)
	log.Debug("generated", "ms", ms(time.Since(t0)))
	cf.trim(cache, log)
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

// dir is the cache directory to use, "" for none.
func (f *cacheFlags) dir(log *slog.Logger) string {
	if f.off {
		return ""
	}
	if f.dirFlag != "" {
		return f.dirFlag
	}
	d, err := factcache.DefaultDir()
	if err != nil {
		log.Debug("no fact cache", "err", err)
		return ""
	}
	return d
}

// trim removes long-unused cache entries (at most once a day).
func (f *cacheFlags) trim(dir string, log *slog.Logger) {
	if dir == "" {
		return
	}
	if err := factcache.Open(dir).Trim(); err != nil {
		log.Debug("fact cache trim", "err", err)
	}
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
	cache := cf.dir(log)
	c, err := coordinator.IndexBackend(ctx, app, cache)
	if err != nil {
		return err
	}
	defer c.Close()
	doc, diags := c.OpenAPI()
	cf.trim(cache, log)
	printDiagnostics(stderr, c.Root(), diags)
	b, err := doc.JSON()
	if err != nil {
		return err
	}
	_, err = stdout.Write(append(b, '\n'))
	return err
}
