package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/farm-stack/farm-lsp/reload/coordinator"
)

// generateCmd writes the generated TypeScript, or with --check lists stale
// outputs and exits 1 (for CI).
func generateCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("generate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var lf logFlags
	lf.register(fs)
	root := fs.String("root", ".", "workspace root (the directory holding farm.config.ts)")
	check := fs.Bool("check", false, "write nothing; exit 1 listing generated files that are missing or stale")
	if err := fs.Parse(args); err != nil {
		return err
	}
	c, err := coordinator.Index(ctx, *root)
	if err != nil {
		return err
	}
	defer c.Close()
	paths, diags, err := c.Generate(ctx, *check)
	for _, d := range diags {
		fmt.Fprintf(stderr, "%s:%d:%d: %s: %s\n", d.Path, d.Range.Start.Line+1, d.Range.Start.Char+1, d.Code, d.Message)
	}
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

// openapiCmd prints the backend's OpenAPI document, derived from source.
func openapiCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("openapi", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var lf logFlags
	lf.register(fs)
	root := fs.String("root", ".", "workspace root (the directory holding farm.config.ts)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	c, err := coordinator.Index(ctx, *root)
	if err != nil {
		return err
	}
	defer c.Close()
	doc, diags := c.OpenAPI()
	for _, d := range diags {
		fmt.Fprintf(stderr, "%s:%d:%d: %s: %s\n", d.Path, d.Range.Start.Line+1, d.Range.Start.Char+1, d.Code, d.Message)
	}
	b, err := doc.JSON()
	if err != nil {
		return err
	}
	_, err = stdout.Write(append(b, '\n'))
	return err
}
