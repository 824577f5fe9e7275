package coordinator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/farm-stack/farm-lsp/analysis/facts"
)

// command runs a workspace/executeCommand command.
type command func(ctx context.Context, args []json.RawMessage) (any, error)

// ErrUnknownCommand is returned by Execute for a name it does not know.
var ErrUnknownCommand = errors.New("unknown command")

// ErrInvalidArgs marks a command called with arguments it cannot use.
var ErrInvalidArgs = errors.New("invalid arguments")

func (c *Coordinator) builtinCommands() map[string]command {
	return map[string]command{
		"farm.status": func(context.Context, []json.RawMessage) (any, error) { return c.Status(), nil },
		"farm.toggle": func(_ context.Context, args []json.RawMessage) (any, error) {
			on := !c.Status().Enabled
			if len(args) > 0 {
				var a struct {
					Enabled *bool `json:"enabled"`
				}
				if err := json.Unmarshal(args[0], &a); err != nil {
					return nil, fmt.Errorf("%w: farm.toggle takes {\"enabled\": bool}: %v", ErrInvalidArgs, err)
				}
				if a.Enabled != nil {
					on = *a.Enabled
				}
			}
			c.SetEnabled(on)
			return map[string]bool{"enabled": on}, nil
		},
		"farm.retry": func(context.Context, []json.RawMessage) (any, error) {
			c.mu.Lock()
			sched := c.sched
			c.mu.Unlock()
			if sched == nil {
				return nil, errors.New("farm.retry: engine not started")
			}
			id, ok := sched.RetryFailed()
			if !ok {
				return map[string]any{"retried": false, "message": "the last plan has no failed task"}, nil
			}
			return map[string]any{"retried": true, "planId": id}, nil
		},
	}
}

// register adds a command (executors add theirs when they are set up).
func (c *Coordinator) register(name string, f command) {
	c.mu.Lock()
	c.commands[name] = f
	c.mu.Unlock()
}

// lateCommands are the commands the providers register once the index is
// built; they exist from the start (Commands lists them, Execute waits for
// the index).
var lateCommands = providerCommands()

// readyWait bounds how long a command waits for the initial index.
const readyWait = 2 * time.Minute

// Commands implements Engine: every command, including those that need the
// index (Execute waits for it).
func (c *Coordinator) Commands() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]string, 0, len(c.commands)+len(lateCommands))
	for n := range c.commands {
		out = append(out, n)
	}
	for _, n := range lateCommands {
		if c.commands[n] == nil {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// Execute implements Engine. A command that needs the index waits for it
// (at most readyWait, with a message saying so). A panic in a command is an
// error, not a crash.
func (c *Coordinator) Execute(ctx context.Context, name string, args []json.RawMessage) (res any, err error) {
	c.mu.Lock()
	f := c.commands[name]
	c.mu.Unlock()
	if f == nil && slices.Contains(lateCommands, name) {
		select {
		case <-c.ready:
		default:
			c.message(slog.LevelInfo, fmt.Sprintf("%s: waiting for farm-lsp to finish indexing %s", name, c.root), false)
			select {
			case <-c.ready:
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(readyWait):
				return nil, fmt.Errorf("%s: the workspace index is not ready after %s", name, readyWait)
			}
		}
		c.mu.Lock()
		f = c.commands[name]
		c.mu.Unlock()
	}
	if f == nil {
		return nil, fmt.Errorf("%w: %s (known: %s)", ErrUnknownCommand, name, strings.Join(c.Commands(), ", "))
	}
	defer func() {
		if r := recover(); r != nil {
			c.log.Error("command panicked", "command", name, "panic", r)
			res, err = nil, fmt.Errorf("%s: internal error: %v", name, r)
		}
	}()
	return f(ctx, args)
}

// CodeActions implements Engine: a Retry on reload-failed diagnostics, and
// whatever the executors offer for the file.
func (c *Coordinator) CodeActions(path string, rng facts.Range) []Action {
	var out []Action
	for _, d := range c.diags.all(path) {
		if !overlaps(d.Range, rng) {
			continue
		}
		if d.Code == facts.CodeReloadFailed {
			out = append(out, Action{Title: "Retry failed reload", Kind: "quickfix", Command: "farm.retry",
				Diagnostics: []facts.Diagnostic{d}})
		}
	}
	c.mu.Lock()
	providers := append([]actionProvider(nil), c.actionProviders...)
	c.mu.Unlock()
	rel, ok := c.rel(path)
	if !ok {
		return out
	}
	for _, p := range providers {
		out = append(out, p(rel, rng, c.diags.all(path))...)
	}
	return out
}

// actionProvider offers code actions for a workspace-relative path.
type actionProvider func(rel string, rng facts.Range, diags []facts.Diagnostic) []Action

func (c *Coordinator) addActions(p actionProvider) {
	c.mu.Lock()
	c.actionProviders = append(c.actionProviders, p)
	c.mu.Unlock()
}

// overlaps reports whether two ranges touch (an empty request range at a
// position inside a diagnostic counts).
func overlaps(a, b facts.Range) bool {
	return !before(a.End, b.Start) && !before(b.End, a.Start)
}

func before(p, q facts.Pos) bool { return p.Line < q.Line || p.Line == q.Line && p.Char < q.Char }

// jsonArg encodes one command argument.
func jsonArg(v any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}
