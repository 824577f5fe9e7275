package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/farm-stack/farm-lsp/analysis/classify"
	"github.com/farm-stack/farm-lsp/analysis/config"
	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/analysis/workspace"
	"github.com/farm-stack/farm-lsp/reload/plugins"
)

// synopses are each command's usage line and description, for -h.
var synopses = map[string]string{
	"serve": "farm-lsp [serve] [--stdio]\n\nRun the language server on stdin/stdout.",
	"demo":  "farm-lsp demo [--keep] [--timeout D]\n\nA narrated session of edits on a temporary copy of the bundled example app.",
	"plan": "farm-lsp plan [--root DIR] --before OLD FILE [--json]\n\n" +
		"Print the semantic changes and the reload plan if FILE changed from OLD's content to\n" +
		"its current content (--before - reads OLD's content from stdin). Nothing runs.\n" +
		"The app is the nearest directory at or above --root (default: FILE's directory)\n" +
		"holding farm.config.ts.",
	"generate": "farm-lsp generate [--root DIR] [--check] [--cache-dir DIR | --no-cache]\n\n" +
		"Write the generated TypeScript (types, API client, query hooks). --check writes\n" +
		"nothing and exits 1 listing missing or stale files. The app is the nearest\n" +
		"directory at or above --root (default: the current one) holding farm.config.ts.\n" +
		"The facts read from each Python file are cached (see --cache-dir).",
	"openapi": "farm-lsp openapi [--root DIR] [--cache-dir DIR | --no-cache]\n\n" +
		"Print the backend's OpenAPI 3.1 document, derived statically from source. The app\n" +
		"is the nearest directory at or above --root holding farm.config.ts.",
	"trust": "farm-lsp trust [--root DIR] [--revoke]\n\n" +
		"List what the app would run (backend command, directory, environment, database,\n" +
		"Ollama models, Vite URL) and allow it, as the editor's \"Trust this workspace\" does:\n" +
		"farm-lsp then runs it without asking until those settings change. --revoke forgets\n" +
		"every allow of the app. The app is the nearest directory at or above --root holding\n" +
		"farm.config.ts.",
	"version": "farm-lsp version\n\nPrint the version.",
}

// newFlagSet is a command's flag set: errors go to stderr, -h prints the
// command's usage (parseFlags sends it to stdout).
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: %s\n", synopses[name])
		n := 0
		fs.VisitAll(func(*flag.Flag) { n++ })
		if n > 0 {
			fmt.Fprintln(fs.Output(), "\nFlags:")
			fs.PrintDefaults()
		}
	}
	return fs
}

// wantsHelp reports whether args ask for help (-h, -help, --help) before
// any "--".
func wantsHelp(args []string) bool {
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "-h", "-help", "--help":
			return true
		}
	}
	return false
}

// parseFlags parses args with flags and positional arguments in any order
// (`plan --before OLD FILE --json`); "--" ends the flags. -h/--help prints
// the usage to stdout and returns flag.ErrHelp. The positional arguments
// are then fs.Args().
func parseFlags(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	if wantsHelp(args) {
		fs.SetOutput(stdout)
		fs.Usage()
		return flag.ErrHelp
	}
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return &exitError{code: 2}
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			pos = append(pos, rest...)
			break
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
	// Parse once more over the positional arguments alone so fs.Args()
	// returns them.
	return fs.Parse(append([]string{"--"}, pos...))
}

// findApp resolves the app root from start (a directory); outside a FARM
// app it fails with a message saying so. A root found above start is
// announced on stderr.
func findApp(cmd, start string, stderr io.Writer) (string, error) {
	root, _, err := config.FindRoot(start)
	if errors.Is(err, config.ErrNoApp) {
		return "", &exitError{code: 1, msg: fmt.Sprintf("farm-lsp %s: %v.\n"+
			"Run it inside a FARM app (the directory holding farm.config.ts, or below it), or pass --root DIR.", cmd, err)}
	}
	if err != nil {
		return "", &exitError{code: 1, msg: fmt.Sprintf("farm-lsp %s: --root: %v", cmd, err)}
	}
	if abs, err := filepath.Abs(start); err == nil && abs != root {
		fmt.Fprintf(stderr, "farm-lsp %s: using the app at %s\n", cmd, root)
	}
	return root, nil
}

// configDiagnostics are farm.config's diagnostics in root as the editor
// gets them: its syntax errors, the configuration's (unknown keys, wrong
// types), and plugins without a manifest. Only the config and the plugin
// manifests are read, not the whole app.
func configDiagnostics(ctx context.Context, root string) ([]facts.Diagnostic, error) {
	for _, name := range config.FileNames {
		src, err := os.ReadFile(filepath.Join(root, name))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		// Read once for the configuration only: no hashes, and no
		// compilation of the extraction query (workspace.Options.OneShot).
		ws := workspace.New(workspace.Options{OneShot: true})
		res, err := ws.Update(ctx, name, src)
		if err != nil {
			return nil, err
		}
		out := append([]facts.Diagnostic(nil), res.Diagnostics...)
		if res.File == nil || res.File.Config == nil {
			if !hasSeverity(out, facts.SeverityError) {
				out = append(out, facts.Diagnostic{Path: name, Severity: facts.SeverityWarning, Code: facts.CodeConfig,
					Message: "farm.config: no `export default defineConfig({...})` object found; using defaults"})
			}
			return out, nil
		}
		v := res.File.Config
		cfg, ds := config.FromValue(v, name)
		out = append(out, ds...)
		if cls, err := classify.New(cfg.ClassifyPaths()); err == nil {
			ws.SetClassifier(cls)
		}
		manifests, _ := doublestar.Glob(os.DirFS(root), cfg.Paths.Plugins, doublestar.WithFilesOnly())
		names := map[string]bool{}
		for _, rel := range manifests {
			b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(rel)))
			if err != nil {
				continue
			}
			if r, err := ws.Update(ctx, rel, b); err == nil && r.File != nil && r.File.Config != nil {
				if m, _ := plugins.FromValue(path.Dir(rel), r.File.Config); m.Name != "" {
					names[m.Name] = true
				}
			}
		}
		return append(out, config.MissingPlugins(v, name, func(n string) bool { return names[n] })...), nil
	}
	return nil, nil
}

// appConfig finds the app at or above start and prints farm.config's
// diagnostics to stderr. bad says the configuration has errors (a syntax
// error: every key would take its default).
func appConfig(ctx context.Context, cmd, start string, stderr io.Writer) (root string, bad bool, err error) {
	root, err = findApp(cmd, start, stderr)
	if err != nil {
		return "", false, err
	}
	ds, err := configDiagnostics(ctx, root)
	if err != nil {
		return "", false, err
	}
	printDiagnostics(stderr, root, ds)
	return root, hasSeverity(ds, facts.SeverityError), nil
}

func hasSeverity(ds []facts.Diagnostic, sev facts.Severity) bool {
	for _, d := range ds {
		if d.Severity == sev {
			return true
		}
	}
	return false
}

// printDiagnostics writes diagnostics as path:line:col: severity: message
// (code), paths relative to the working directory when below it.
func printDiagnostics(w io.Writer, root string, ds []facts.Diagnostic) {
	wd, _ := os.Getwd()
	for _, d := range ds {
		p := filepath.Join(root, filepath.FromSlash(d.Path))
		if wd != "" {
			if r, err := filepath.Rel(wd, p); err == nil && !strings.HasPrefix(r, "..") {
				p = r
			}
		}
		fmt.Fprintf(w, "%s:%d:%d: %s: %s (%s)\n", p, d.Range.Start.Line+1, d.Range.Start.Char+1,
			severityName(d.Severity), d.Message, d.Code)
	}
}

func severityName(s facts.Severity) string {
	switch s {
	case facts.SeverityError:
		return "error"
	case facts.SeverityWarning:
		return "warning"
	case facts.SeverityInfo:
		return "info"
	}
	return "hint"
}
