package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/farm-stack/farm-lsp/reload/coordinator"
	"github.com/farm-stack/farm-lsp/reload/trust"
)

// trustCmd lists what a workspace would run and allows it (the way
// `direnv allow` does), or with --revoke forgets every allow of the root.
func trustCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("trust", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var lf logFlags
	lf.register(fs)
	root := fs.String("root", ".", "workspace root (the directory holding farm.config.ts)")
	revoke := fs.Bool("revoke", false, "forget every allow of this workspace instead of recording one")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return &exitError{code: 2, msg: fmt.Sprintf("farm-lsp trust: unexpected argument %q (use --root DIR)", fs.Arg(0))}
	}
	store, err := trust.OpenDefaultStore(os.Getenv)
	if err != nil {
		return err
	}
	c, err := coordinator.Index(ctx, *root)
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := os.Stat(filepath.Join(c.Root(), "farm.config.ts")); err != nil {
		return fmt.Errorf("%s holds no farm.config.ts: not a FARM workspace (use --root DIR)", c.Root())
	}
	if *revoke {
		n, err := store.Revoke(c.Root())
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s: %d allow(s) revoked; farm-lsp will ask before running anything from it\n", c.Root(), n)
		return nil
	}
	s := trust.FromConfig(c.Root(), c.Config())
	fmt.Fprintf(stdout, "%s would run:\n", c.Root())
	for _, l := range s.Lines() {
		fmt.Fprintln(stdout, "  "+l)
	}
	if err := trust.CheckDatabaseWrite(c.Config()); err != nil {
		fmt.Fprintln(stdout, "  note: "+err.Error())
	}
	if err := store.Allow(s); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "allowed (%s), recorded in %s\n", s.Hash(), store.Dir())
	fmt.Fprintln(stdout, "farm-lsp runs these without asking until they change; `farm-lsp trust --revoke` forgets them")
	return nil
}
