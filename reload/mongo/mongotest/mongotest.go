// Package mongotest starts an embedded FerretDB (MongoDB wire protocol on
// SQLite) for tests, so executors talk to a real server over loopback.
package mongotest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Server is a running embedded FerretDB.
type Server struct {
	// URI is the server's mongodb:// URI without a database path.
	URI string
}

// Start starts FerretDB with the SQLite handler in a temporary directory of
// tb and stops it when tb ends. It fails tb when the server does not answer
// a ping within 30 seconds.
func Start(tb testing.TB) *Server {
	tb.Helper()
	dir := tb.TempDir()
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: "127.0.0.1:0"},
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
		Handler:   "sqlite",
		SQLiteURL: "file:" + dir + "/",
	})
	if err != nil {
		tb.Fatalf("ferretdb: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- fmt.Errorf("ferretdb panicked: %v", r)
			}
		}()
		done <- f.Run(ctx)
	}()
	tb.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				tb.Errorf("ferretdb run: %v", err)
			}
		case <-time.After(30 * time.Second):
			tb.Errorf("ferretdb did not stop within 30s")
		}
	})
	s := &Server{URI: f.MongoDBURI()}
	if err := s.ping(30 * time.Second); err != nil {
		tb.Fatalf("ferretdb at %s: %v", s.URI, err)
	}
	return s
}

// DatabaseURL returns the server's URI with db as its database path, the
// form farm.config.ts's database.url takes.
func (s *Server) DatabaseURL(db string) string {
	u, err := url.Parse(s.URI)
	if err != nil {
		return s.URI + db
	}
	u.Path = "/" + db
	return u.String()
}

// Client connects a driver client to the server; it is disconnected when tb
// ends.
func (s *Server) Client(tb testing.TB) *mongo.Client {
	tb.Helper()
	c, err := mongo.Connect(options.Client().ApplyURI(s.URI))
	if err != nil {
		tb.Fatalf("connect %s: %v", s.URI, err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = c.Disconnect(ctx)
	})
	return c
}

func (s *Server) ping(timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	c, err := mongo.Connect(options.Client().ApplyURI(s.URI))
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer func() { _ = c.Disconnect(context.Background()) }()
	if err := c.Ping(ctx, nil); err != nil {
		return errors.Join(errors.New("ping"), err)
	}
	return nil
}

var shared struct {
	cancel context.CancelFunc
	done   chan error
	dir    string
}

// PostgreSQLEnv names the environment variable that switches StartShared
// to FerretDB's postgresql handler (a postgres:// URL). The SQLite handler
// of FerretDB v1.24.2 updates documents with a full table scan each (its
// UPDATE filters on _ferretdb_sjson->'$._id' while the _id_ index is on
// _ferretdb_sjson->'_id'), so large backfill benchmarks need PostgreSQL.
const PostgreSQLEnv = "FARM_FERRETDB_POSTGRESQL_URL"

// StartShared starts one FerretDB for a whole test binary (call it once,
// e.g. under sync.Once, and StopShared from TestMain). It uses the SQLite
// handler in a temporary directory, or PostgreSQL when PostgreSQLEnv is
// set. It returns nil when the server cannot start.
func StartShared() *Server {
	dir, err := os.MkdirTemp("", "ferretdb-")
	if err != nil {
		slog.Error("ferretdb temp dir", "err", err)
		return nil
	}
	cfg := &ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: "127.0.0.1:0"},
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
		Handler:   "sqlite",
		SQLiteURL: "file:" + dir + "/",
	}
	if pg := os.Getenv(PostgreSQLEnv); pg != "" {
		cfg.Handler, cfg.SQLiteURL, cfg.PostgreSQLURL = "postgresql", "", pg
	}
	f, err := ferretdb.New(cfg)
	if err != nil {
		slog.Error("ferretdb", "err", err)
		_ = os.RemoveAll(dir)
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- fmt.Errorf("ferretdb panicked: %v", r)
			}
		}()
		done <- f.Run(ctx)
	}()
	shared.cancel, shared.done, shared.dir = cancel, done, dir
	s := &Server{URI: f.MongoDBURI()}
	if err := s.ping(30 * time.Second); err != nil {
		slog.Error("ferretdb ping", "err", err)
		StopShared()
		return nil
	}
	return s
}

// StopShared stops the server StartShared started and removes its files.
func StopShared() {
	if shared.cancel == nil {
		return
	}
	shared.cancel()
	select {
	case <-shared.done:
	case <-time.After(30 * time.Second):
	}
	_ = os.RemoveAll(shared.dir)
	shared.cancel = nil
}
