// Package devdb runs an embedded FerretDB — the MongoDB wire protocol on
// SQLite — as a development database, for `farm-lsp devdb` and the demo.
// It is not MongoDB: FerretDB implements the commands a FARM app's dev
// loop uses (CRUD, updateMany, createIndexes/dropIndexes/listIndexes,
// renameCollection) and the official drivers talk to it unchanged.
package devdb

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/build/version"
	"github.com/FerretDB/FerretDB/ferretdb"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// DataDir is where `farm-lsp devdb` keeps its data, relative to the app.
const DataDir = ".farm/devdb"

// Options configure a Server.
type Options struct {
	// Dir holds the SQLite files (one per database); created if missing.
	Dir string
	// Addr is the TCP listen address (default 127.0.0.1:0, a free port).
	Addr string
	// Logger receives FerretDB's own log (default: discarded). FerretDB
	// logs every connection at info and every unsupported command (the
	// driver's endSessions) with a message dump at warn.
	Logger *slog.Logger
}

// Server is a running embedded FerretDB.
type Server struct {
	// URI is the mongodb:// URI without a database path.
	URI string
	// Dir is the data directory.
	Dir string

	cancel context.CancelFunc
	done   chan error
	unlock func()
}

// Label names what runs, for users: it is FerretDB, not MongoDB.
func Label() string {
	v := version.Get().Version
	if v == "" || v == "unknown" {
		v = "v1"
		if bi, ok := debug.ReadBuildInfo(); ok {
			for _, m := range bi.Deps {
				if m.Path == "github.com/FerretDB/FerretDB" {
					v = m.Version
				}
			}
		}
	}
	return fmt.Sprintf("FerretDB %s (embedded; MongoDB wire protocol on SQLite — a development database, not MongoDB)", v)
}

// Start starts the server and returns once it answers a ping. The data
// directory is locked: a second server on it fails with a clear error.
func Start(ctx context.Context, opts Options) (*Server, error) {
	if opts.Dir == "" {
		return nil, errors.New("devdb: no data directory")
	}
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("devdb: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("devdb: data directory: %w", err)
	}
	// The data is local state, never something to commit.
	ignore := filepath.Join(dir, ".gitignore")
	if _, err := os.Stat(ignore); errors.Is(err, os.ErrNotExist) {
		_ = os.WriteFile(ignore, []byte("# farm-lsp devdb data (SQLite files): local state, not source\n*\n"), 0o644)
	}
	unlock, err := lock(dir)
	if err != nil {
		return nil, err
	}
	// FerretDB v1.24.2 leaks its SQLite backend when New fails to listen,
	// and the backend's leak-tracking finalizer panics (the whole process)
	// at the next garbage collection: find a taken port before New does.
	probe, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		unlock()
		if errors.Is(err, syscall.EADDRINUSE) {
			return nil, fmt.Errorf("devdb: %s is in use (is MongoDB or another devdb running?); use another port (farm-lsp devdb --port N, 0 for any free one)", opts.Addr)
		}
		return nil, fmt.Errorf("devdb: listen on %s: %w", opts.Addr, err)
	}
	_ = probe.Close()
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: opts.Addr},
		Logger:    opts.Logger,
		Handler:   "sqlite",
		SQLiteURL: (&url.URL{Scheme: "file", Path: filepath.ToSlash(dir) + "/"}).String(),
	})
	if err != nil {
		unlock()
		if strings.Contains(err.Error(), "address already in use") {
			return nil, fmt.Errorf("devdb: %s is in use (is MongoDB or another devdb running?); use another port (farm-lsp devdb --port N, 0 for any free one)", opts.Addr)
		}
		return nil, fmt.Errorf("devdb: %w", err)
	}
	rctx, cancel := context.WithCancel(context.Background())
	s := &Server{Dir: dir, cancel: cancel, done: make(chan error, 1), unlock: unlock}
	go func() {
		defer func() {
			if r := recover(); r != nil {
				s.done <- fmt.Errorf("ferretdb panicked: %v", r)
			}
		}()
		s.done <- f.Run(rctx)
	}()
	s.URI = f.MongoDBURI()
	if err := ping(ctx, s.URI, 30*time.Second); err != nil {
		_ = s.Stop(10 * time.Second)
		return nil, fmt.Errorf("devdb at %s: %w", s.URI, err)
	}
	return s, nil
}

// URL is the server's URI with db as its database path, the form
// farm.config.ts's database.url takes.
func (s *Server) URL(db string) string {
	u, err := url.Parse(s.URI)
	if err != nil {
		return strings.TrimSuffix(s.URI, "/") + "/" + db
	}
	u.Path = "/" + db
	return u.String()
}

// Done is closed-with-error when the server stops on its own.
func (s *Server) Done() <-chan error { return s.done }

// Stop stops the server, waiting up to timeout for open connections and
// the SQLite files to close, and releases the data directory.
func (s *Server) Stop(timeout time.Duration) error {
	s.cancel()
	defer s.unlock()
	select {
	case err := <-s.done:
		s.done <- err // keep Done readable
		return err
	case <-time.After(timeout):
		return fmt.Errorf("devdb: did not stop within %s", timeout)
	}
}

func ping(ctx context.Context, uri string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	c, err := mongo.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer func() { _ = c.Disconnect(context.Background()) }()
	if err := c.Ping(ctx, nil); err != nil {
		return fmt.Errorf("ping: %w", err)
	}
	return nil
}
