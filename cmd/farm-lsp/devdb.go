package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/connstring"

	"github.com/farm-stack/farm-lsp/analysis/config"
	"github.com/farm-stack/farm-lsp/analysis/workspace"
	"github.com/farm-stack/farm-lsp/reload/mongo"
	"github.com/farm-stack/farm-lsp/reload/mongo/devdb"
)

const devdbSynopsis = "farm-lsp devdb [--root DIR] [--port N]\n\n" +
	"Run a development database for the FARM app at or above --root: an embedded FerretDB\n" +
	"(the MongoDB wire protocol on SQLite — not MongoDB) on 127.0.0.1:N (default 27017,\n" +
	"0 for any free port), with its data under the app's " + devdb.DataDir + " (kept between\n" +
	"runs). It prints the mongodb:// URL and runs until Ctrl-C or SIGTERM."

func init() { synopses["devdb"] = devdbSynopsis }

func devdbCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("devdb", stderr)
	var lf logFlags
	lf.register(fs)
	rootFlag := fs.String("root", ".", "a directory of the FARM app (the nearest farm.config.ts at or above it)")
	port := fs.Int("port", 27017, "TCP port on 127.0.0.1 (0: any free port)")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return &exitError{code: 2, msg: fmt.Sprintf("farm-lsp devdb: unexpected argument %q", fs.Arg(0))}
	}
	if *port < 0 || *port > 65535 {
		return &exitError{code: 2, msg: fmt.Sprintf("farm-lsp devdb: --port %d: want 0..65535", *port)}
	}
	root, err := findApp("devdb", *rootFlag, stderr)
	if err != nil {
		return err
	}
	if lf.level == "info" && lf.file == "" {
		// FerretDB logs every connection at info and the driver's
		// endSessions (which it does not implement) with a dump at warn.
		lf.level = "error"
	}
	log, closeLog, err := lf.logger(stderr)
	if err != nil {
		return err
	}
	defer closeLog()

	srv, err := devdb.Start(ctx, devdb.Options{
		Dir:    filepath.Join(root, filepath.FromSlash(devdb.DataDir)),
		Addr:   net.JoinHostPort("127.0.0.1", strconv.Itoa(*port)),
		Logger: log,
	})
	if err != nil {
		return err
	}
	name, configured := appDatabase(ctx, root)
	url := srv.URL(name)
	fmt.Fprintf(stdout, "farm-lsp devdb: %s\n", devdb.Label())
	fmt.Fprintf(stdout, "data: %s (kept between runs)\n", srv.Dir)
	fmt.Fprintf(stdout, "url:  %s\n", url)
	if sameHost(configured, srv.URI) {
		fmt.Fprintf(stdout, "database.url in farm.config.ts (%s) points here.\n", configured)
	} else {
		fmt.Fprintf(stdout, "Point the app here: database.url (or DATABASE_URL) = %s\n", url)
	}
	fmt.Fprintln(stdout, "Ctrl-C stops it.")

	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-srv.Done():
	}
	if err := srv.Stop(30 * time.Second); err != nil && runErr == nil {
		runErr = err
	}
	if runErr != nil {
		return fmt.Errorf("stopped: %w", runErr)
	}
	fmt.Fprintf(stdout, "farm-lsp devdb: stopped; the data stays in %s\n", srv.Dir)
	return nil
}

// appDatabase returns the database name of the app's database.url (or
// mongo.DefaultDatabase) and the configured URL itself.
func appDatabase(ctx context.Context, root string) (name, url string) {
	cfg := config.Default()
	for _, file := range config.FileNames {
		src, err := os.ReadFile(filepath.Join(root, file))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			break
		}
		ws := workspace.New(workspace.Options{})
		if res, err := ws.Update(ctx, file, src); err == nil && res.File != nil && res.File.Config != nil {
			cfg, _ = config.FromValue(res.File.Config, file)
		}
		break
	}
	url = cfg.Database.URL
	name = mongo.DefaultDatabase
	if cs, err := connstring.ParseAndValidate(url); err == nil && cs.Database != "" {
		name = cs.Database
	}
	return name, url
}

// sameHost reports whether a configured mongodb:// URL names the host and
// port the server listens on.
func sameHost(configured, serverURI string) bool {
	a, err1 := connstring.ParseAndValidate(configured)
	b, err2 := connstring.ParseAndValidate(serverURI)
	if err1 != nil || err2 != nil || len(a.Hosts) != 1 || len(b.Hosts) != 1 {
		return false
	}
	norm := func(h string) string {
		host, port, err := net.SplitHostPort(h)
		if err != nil {
			host, port = h, "27017"
		}
		if host == "localhost" {
			host = "127.0.0.1"
		}
		return net.JoinHostPort(host, port)
	}
	return norm(a.Hosts[0]) == norm(b.Hosts[0])
}
