package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/farm-stack/farm-lsp/reload/coordinator"
)

// planCmd prints the semantic changes and the reload plan a file's change
// from OLD to its current content would cause. Nothing runs.
func planCmd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("plan", stderr)
	var lf logFlags
	lf.register(fs)
	root := fs.String("root", "", "a directory of the app (default: FILE's directory; the app is the nearest one above holding farm.config.ts)")
	before := fs.String("before", "", "file holding FILE's previous content (required; - reads it from stdin)")
	asJSON := fs.Bool("json", false, "print {changes, plan, diagnostics} as JSON")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if *before == "" || fs.NArg() != 1 {
		return &exitError{code: 2, msg: "usage: farm-lsp plan [--root DIR] --before OLD FILE [--json]"}
	}
	file := fs.Arg(0)
	old, err := readBefore(ctx, *before, stdin, stderr, lf)
	if err != nil {
		return err
	}
	start := *root
	if start == "" {
		start = filepath.Dir(file)
	}
	app, _, err := appConfig(ctx, "plan", start, stderr)
	if err != nil {
		return err
	}
	p, res, err := coordinator.PlanFor(ctx, app, file, old)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{
			"file":        res.Path,
			"kind":        res.Kind,
			"syntaxError": res.SyntaxError,
			"changes":     nonNil(p.Changes),
			"plan":        p,
			"diagnostics": nonNil(res.Diagnostics),
		})
	}
	printPlan(stdout, "", p)
	for _, d := range res.Diagnostics {
		fmt.Fprintf(stdout, "  diagnostic %s:%d:%d %s: %s\n", res.Path, d.Range.Start.Line+1, d.Range.Start.Char+1, d.Code, d.Message)
	}
	return nil
}

// nonNil makes a nil slice encode as [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// readBefore reads OLD's content: a file, or stdin for "-" (`git show
// HEAD:f | farm-lsp plan --before - f`), giving up when ctx ends.
func readBefore(ctx context.Context, name string, stdin io.Reader, stderr io.Writer, lf logFlags) ([]byte, error) {
	if name != "-" {
		b, err := os.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("--before: %w", err)
		}
		return b, nil
	}
	log, closeLog, err := lf.logger(stderr)
	if err != nil {
		return nil, &exitError{code: 2, msg: "farm-lsp plan: " + err.Error()}
	}
	defer closeLog()
	log.Debug("reading --before from stdin")
	type result struct {
		b   []byte
		err error
	}
	done := make(chan result, 1) // the reader may outlive us, blocked on stdin
	go func() {
		b, err := io.ReadAll(stdin)
		done <- result{b, err}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			return nil, fmt.Errorf("--before -: %w", r.err)
		}
		return r.b, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
