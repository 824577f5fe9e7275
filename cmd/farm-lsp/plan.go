package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/farm-stack/farm-lsp/reload/coordinator"
)

// planCmd prints the semantic changes and the reload plan a file's change
// from OLD to its current content would cause. Nothing runs.
func planCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("plan", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var lf logFlags
	lf.register(fs)
	root := fs.String("root", ".", "workspace root (the directory holding farm.config.ts)")
	before := fs.String("before", "", "file holding FILE's previous content (required)")
	asJSON := fs.Bool("json", false, "print {changes, plan, diagnostics} as JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *before == "" || fs.NArg() != 1 {
		return &exitError{code: 2, msg: "usage: farm-lsp plan --root DIR --before OLD FILE [--json]"}
	}
	file := fs.Arg(0)
	old, err := os.ReadFile(*before)
	if err != nil {
		return fmt.Errorf("--before: %w", err)
	}
	p, res, err := coordinator.PlanFor(ctx, *root, file, old)
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
