package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/farm-stack/farm-lsp/reload/coordinator"
	"github.com/farm-stack/farm-lsp/reload/trust"
)

// trustCmd lists what an app would run and allows it (the way `direnv
// allow` does), or with --revoke forgets every allow of the app.
func trustCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("trust", stderr)
	var lf logFlags
	lf.register(fs)
	root := fs.String("root", ".", "a directory of the app (the one holding farm.config.ts, or below it)")
	revoke := fs.Bool("revoke", false, "forget every allow of this app instead of recording one")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return &exitError{code: 2, msg: fmt.Sprintf("farm-lsp trust: unexpected argument %q (usage: %s)", fs.Arg(0), "farm-lsp trust [--root DIR] [--revoke]")}
	}
	store, err := trust.OpenDefaultStore(os.Getenv)
	if err != nil {
		return err
	}
	app, bad, err := appConfig(ctx, "trust", *root, stderr)
	if err != nil {
		return err
	}
	c, err := coordinator.Index(ctx, app)
	if err != nil {
		return err
	}
	defer c.Close()
	if *revoke {
		n, err := store.Revoke(c.Root())
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s: %d allow(s) revoked; farm-lsp will ask before running anything from it\n", c.Root(), n)
		return nil
	}
	if bad {
		// What would run is partly unknown: nothing to allow yet.
		return &exitError{code: 1, msg: "farm-lsp trust: farm.config has errors (above); fix them first — nothing was allowed"}
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
