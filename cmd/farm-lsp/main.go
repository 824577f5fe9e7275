// Command farm-lsp is a language server for FARM-stack apps (FastAPI +
// Pydantic/Beanie, React/TSX on Vite, MongoDB, Ollama). It reads what a
// save changed semantically and runs the reload that change needs.
//
//	farm-lsp [serve]                  stdio language server (default)
//	farm-lsp demo [--keep]            narrated session on the bundled example app
//	farm-lsp plan [--root DIR] --before OLD FILE [--json]
//	farm-lsp generate [--root DIR] [--check]
//	farm-lsp openapi [--root DIR]
//	farm-lsp trust [--root DIR] [--revoke]
//	farm-lsp version
//	farm-lsp help [COMMAND]           or -h/--help anywhere: usage, exit 0
//
// Global flags (before or after the subcommand): --log-file PATH,
// --log-level debug|info|warn|error. Logs never go to stdout: stdout is the
// protocol. Flags may follow positional arguments; "--" ends the flags.
// plan, generate and openapi work on the FARM app holding the directory
// given (the nearest farm.config.ts at or above it) and refuse to run
// outside one; they print farm.config's diagnostics (file:line:col) to
// stderr (serve writes them to its log), and generate refuses to write
// while the config has errors.
// SIGINT/SIGTERM cancel every command (exit 130 for the one-shot ones).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/farm-stack/farm-lsp/lsp"
	"github.com/farm-stack/farm-lsp/reload/coordinator"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

const usage = `farm-lsp — a language server for FARM-stack apps

Usage:
  farm-lsp [serve]                                   run the language server on stdio
  farm-lsp demo [--keep]                             narrated session on the bundled example app
  farm-lsp devdb [--root DIR] [--port N]             a dev database (embedded FerretDB) for the app
  farm-lsp plan [--root DIR] --before OLD FILE [--json]  semantic changes and plan for FILE (was OLD)
  farm-lsp generate [--root DIR] [--check]           write generated TypeScript (--check: exit 1 if stale)
  farm-lsp openapi [--root DIR]                      print the static OpenAPI document
  farm-lsp trust [--root DIR] [--revoke]             list what the workspace runs and allow it (--revoke: forget)
  farm-lsp version                                   print the version
  farm-lsp help [COMMAND]                            this overview, or COMMAND's usage (also -h, --help)

plan, generate, openapi, devdb and trust work on a FARM app: the nearest
directory at or above --root (default: the current one) holding farm.config.ts.

Global flags:
  --log-file PATH     write logs to PATH (default: stderr)
  --log-level LEVEL   debug, info, warn or error (default: info)
`

func main() {
	if cmd, _ := split(os.Args[1:]); cmd == "generate" || cmd == "openapi" {
		oneShotGC()
	}
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// oneShotGC paces the garbage collector of a one-shot command (generate,
// openapi). What it allocates (facts, schemas, output text) stays live
// until it exits, so a collection finds little to free: on issue 10's
// backend a run allocates ~40-65 MB, and collecting it at any pace only
// re-marks the same heap. So the collector is off until the heap reaches
// oneShotHeap (a soft memory limit: on a backend that big the runtime
// collects then), and the first collection, whatever caused it, hands
// over to a pace of GOGC=400 with no limit, so a workspace whose live heap
// outgrows the limit is not collected over and over near it.
//
// The environment wins: with GOGC set nothing is changed (GOMEMLIMIT, if
// set too, applies as the runtime reads it); with only GOMEMLIMIT set the
// collector keeps that limit and runs at GOGC=400, as before this policy.
func oneShotGC() { oneShotGCWith(os.Getenv, oneShotHeap) }

// oneShotHeap is the heap a one-shot command grows to before its first
// collection: about four times what generate allocates on 1,000 models.
const oneShotHeap = 256 << 20

// oneShotPace is GOGC once the collector runs (or with GOMEMLIMIT set).
const oneShotPace = 400

// oneShotGCWith applies the policy; the channel it returns is closed once
// the collector has been handed over to GOGC=400 (never, when the
// environment decided).
func oneShotGCWith(getenv func(string) string, limit int64) <-chan struct{} {
	handedOver := make(chan struct{})
	switch {
	case getenv("GOGC") != "":
		return handedOver
	case getenv("GOMEMLIMIT") != "":
		debug.SetGCPercent(oneShotPace)
		return handedOver
	}
	debug.SetGCPercent(-1)
	debug.SetMemoryLimit(limit)
	// The first collection frees the sentinel and runs its finalizer. (It
	// holds a pointer, so the tiny allocator, whose blocks may never be
	// freed, does not place it.)
	runtime.SetFinalizer(&gcSentinel{p: new(int)}, func(*gcSentinel) {
		debug.SetGCPercent(oneShotPace)
		debug.SetMemoryLimit(math.MaxInt64)
		close(handedOver)
	})
	return handedOver
}

type gcSentinel struct{ p *int }

// logFlags are accepted by every subcommand.
type logFlags struct {
	file  string
	level string
}

func (l *logFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&l.file, "log-file", "", "write logs to this file instead of stderr")
	fs.StringVar(&l.level, "log-level", "info", "debug, info, warn or error")
}

func (l *logFlags) logger(stderr io.Writer) (*slog.Logger, func(), error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(l.level)); err != nil {
		return nil, nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", l.level)
	}
	out, closeFn := stderr, func() {}
	if l.file != "" {
		f, err := os.OpenFile(l.file, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return nil, nil, fmt.Errorf("--log-file: %w", err)
		}
		out, closeFn = f, func() { f.Close() }
	}
	return slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: lvl})), closeFn, nil
}

// split separates the subcommand from the flags. Global flags may come
// before it (`farm-lsp --log-level debug serve`); the first word that is
// neither a flag nor a global flag's value is the subcommand.
func split(args []string) (string, []string) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if strings.HasPrefix(a, "-") {
			name := strings.TrimLeft(a, "-")
			if (name == "log-file" || name == "log-level") && i+1 < len(args) {
				i++ // its value
			}
			continue
		}
		return a, append(args[:i:i], args[i+1:]...)
	}
	return "serve", args
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cmd, rest := split(args)
	if cmd == "serve" && len(rest) == len(args) && wantsHelp(rest) {
		cmd = "help" // `farm-lsp --help`: the overview, not serve's flags
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch cmd {
	case "serve":
		return serve(ctx, rest, stdin, stdout, stderr)
	case "demo":
		err = demoCmd(ctx, rest, stdout, stderr)
	case "devdb":
		err = devdbCmd(ctx, rest, stdout, stderr)
	case "plan":
		err = planCmd(ctx, rest, stdin, stdout, stderr)
	case "generate":
		err = generateCmd(ctx, rest, stdout, stderr)
	case "openapi":
		err = openapiCmd(ctx, rest, stdout, stderr)
	case "trust":
		err = trustCmd(ctx, rest, stdout, stderr)
	case "version", "--version", "-version":
		fs := newFlagSet("version", stderr)
		var lf logFlags
		lf.register(fs) // accepted everywhere, unused here
		if err = parseFlags(fs, rest, stdout); err == nil {
			fmt.Fprintf(stdout, "farm-lsp %s\n", version)
		}
	case "help", "--help", "-h", "-help":
		return help(rest, stdout, stderr)
	default:
		fmt.Fprintf(stderr, "farm-lsp: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	if err != nil {
		var ex *exitError
		if errors.As(err, &ex) {
			if ex.msg != "" {
				fmt.Fprintln(stderr, ex.msg)
			}
			return ex.code
		}
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		if ctx.Err() != nil {
			fmt.Fprintf(stderr, "farm-lsp %s: interrupted\n", cmd)
			return 130
		}
		fmt.Fprintf(stderr, "farm-lsp %s: %v\n", cmd, err)
		return 1
	}
	return 0
}

// help prints the overview, or with a command name that command's usage.
func help(args []string, stdout, stderr io.Writer) int {
	name, rest := split(args)
	if len(rest) == len(args) { // no command named
		name = ""
	}
	if name == "" || name == "help" {
		fmt.Fprint(stdout, usage)
		return 0
	}
	if _, ok := synopses[name]; !ok {
		fmt.Fprintf(stderr, "farm-lsp help: unknown command %q\n\n%s", name, usage)
		return 2
	}
	return run([]string{name, "--help"}, strings.NewReader(""), stdout, stderr)
}

// exitError ends a subcommand with a specific code.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

// stdio joins stdin and stdout into the connection the server speaks on.
type stdio struct {
	io.Reader
	io.Writer
}

func (stdio) Close() error { return nil }

func serve(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("serve", stderr)
	var lf logFlags
	lf.register(fs)
	fs.Bool("stdio", true, "speak LSP on stdin/stdout (the only transport; accepted for editors that pass it)")
	if err := parseFlags(fs, args, stdout); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "farm-lsp serve: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	log, closeLog, err := lf.logger(stderr)
	if err != nil {
		fmt.Fprintln(stderr, "farm-lsp:", err)
		return 2
	}
	defer closeLog()
	log.Info("farm-lsp starting", "version", version, "pid", os.Getpid())
	err = lsp.Serve(ctx, stdio{stdin, stdout}, serverOptions(log))
	code := lsp.ExitCode(err)
	log.Info("farm-lsp stopped", "exit", code, "err", err)
	return code
}

// serverOptions is how every entry point (serve, demo, tests) builds the
// server: one coordinator per workspace root.
func serverOptions(log *slog.Logger) lsp.Options {
	return lsp.Options{
		Logger:  log,
		Version: version,
		NewEngine: func(root string) (coordinator.Engine, error) {
			return coordinator.New(coordinator.Options{Root: root, Logger: log})
		},
	}
}
