package trust

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
)

// ErrNotTrusted is what Require returns (wrapped in *NotTrustedError) when
// the workspace may not run its side effects.
var ErrNotTrusted = errors.New("workspace not trusted")

// NotTrustedError says why the workspace is not trusted.
type NotTrustedError struct {
	// Reason is "refused", "client" (the client declared it untrusted),
	// "no-asker" (nobody to ask) or "ask-failed: …".
	Reason string
}

// Error is the text tasks are skipped with: "workspace not trusted".
func (e *NotTrustedError) Error() string { return ErrNotTrusted.Error() }

// Is makes errors.Is(err, ErrNotTrusted) hold.
func (e *NotTrustedError) Is(target error) bool { return target == ErrNotTrusted }

// Asker asks the user a question offering actions and returns the action
// chosen; "" (and a nil error) when the question was dismissed.
type Asker interface {
	Ask(ctx context.Context, message string, actions []string) (string, error)
}

// The actions of the question.
const (
	ActionTrust  = "Trust this workspace"
	ActionRefuse = "Not now"
)

// Sources of a trust decision (State.Source).
const (
	SourceClient     = "client"     // initializationOptions `trusted: true`
	SourceGranted    = "granted"    // farm.trust, this session
	SourceAnswered   = "answered"   // the user answered the question, this session
	SourceRemembered = "remembered" // an allow in the store (an earlier answer, farm.trust or `farm-lsp trust`)
)

// GateOptions configure a Gate.
type GateOptions struct {
	// Store remembers allows across sessions; nil keeps them for the
	// session only.
	Store *Store
	// Asker asks the user on the first side effect; nil never asks (the
	// workspace stays untrusted until Grant or Declare(true)).
	Asker  Asker
	Logger *slog.Logger
}

// State is a Gate's current decision, for status and logs.
type State struct {
	Trusted bool   `json:"trusted"`
	Source  string `json:"source,omitempty"` // one of the Source constants when trusted
	Hash    string `json:"hash"`
	// Refused is set when the current settings were refused this session.
	Refused bool `json:"refused,omitempty"`
	// Asking is set while a question is waiting for the user's answer.
	Asking bool `json:"asking,omitempty"`
	// Client is "true" or "false" when the client declared trust, else "".
	Client string `json:"client,omitempty"`
	// Reason is why the settings may not run ("refused", "client",
	// "no-asker", "ask-failed: …"); "" when trusted or not decided yet (the
	// first side effect will ask).
	Reason string `json:"reason,omitempty"`
}

// Gate decides whether one workspace root may run its side effects. It is
// safe for concurrent use; at most one question is in flight at a time,
// and every Require waiting meanwhile gets its answer.
type Gate struct {
	store *Store
	log   *slog.Logger

	mu       sync.Mutex
	settings Settings
	hash     string
	client   *bool             // the client's declaration; nil when it said nothing
	allowed  map[string]string // hash → source, this session
	refused  map[string]string // hash → reason, this session
	asker    Asker
	asking   bool
	changed  chan struct{} // closed and replaced on every change
	closed   bool

	ctx    context.Context // questions run under it; Close cancels it
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// NewGate returns the gate of the workspace whose settings are s.
func NewGate(s Settings, opts GateOptions) *Gate {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Gate{
		store: opts.Store, log: log, settings: s, hash: s.Hash(), asker: opts.Asker,
		allowed: map[string]string{}, refused: map[string]string{},
		changed: make(chan struct{}), ctx: ctx, cancel: cancel,
	}
}

// Close cancels a question in flight and waits for it; Require returns
// not trusted afterwards. It is idempotent.
func (g *Gate) Close() {
	g.mu.Lock()
	g.closed = true
	g.broadcast()
	g.mu.Unlock()
	g.cancel()
	g.wg.Wait()
}

// broadcast wakes every waiter; g.mu is held.
func (g *Gate) broadcast() {
	close(g.changed)
	g.changed = make(chan struct{})
}

// Changed returns a channel closed at the next change of the decision or
// the settings (Grant, Declare, an answer, Update).
func (g *Gate) Changed() <-chan struct{} {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.changed
}

// SetAsker sets who is asked (the editor connection).
func (g *Gate) SetAsker(a Asker) {
	g.mu.Lock()
	g.asker = a
	g.broadcast()
	g.mu.Unlock()
}

// Declare records the client's own trust decision (VS Code's workspace
// trust, sent as initializationOptions `trusted`). true trusts every
// setting without asking; false keeps the workspace untrusted and never
// asks, until Grant.
func (g *Gate) Declare(trusted bool) {
	g.mu.Lock()
	g.client = &trusted
	g.broadcast()
	g.mu.Unlock()
}

// Update replaces the settings (the configuration changed). A new hash is
// decided afresh: a changed command is asked about again.
func (g *Gate) Update(s Settings) {
	h := s.Hash()
	g.mu.Lock()
	defer g.mu.Unlock()
	changed := h != g.hash
	g.settings, g.hash = s, h
	if changed {
		g.broadcast()
	}
}

// Settings returns the current settings.
func (g *Gate) Settings() Settings {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.settings
}

// Grant trusts the current settings (the farm.trust command): for this
// session and, through the store, for later ones. A client that declared
// the workspace untrusted is overridden, and a refusal forgotten. The
// error is the store's; the grant holds for the session regardless.
func (g *Gate) Grant() error {
	g.mu.Lock()
	s, h := g.settings, g.hash
	g.allowed[h] = SourceGranted
	delete(g.refused, h)
	if g.client != nil && !*g.client {
		g.client = nil // from now on this workspace is decided per hash
	}
	g.broadcast()
	g.mu.Unlock()
	g.log.Info("trust: workspace granted", "root", s.Root, "hash", h)
	if g.store != nil {
		return g.store.Allow(s)
	}
	return nil
}

// Trusted reports whether the current settings may run, without asking.
func (g *Gate) Trusted() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	src, _ := g.decide()
	return src != ""
}

// State reports the current decision without asking.
func (g *Gate) State() State {
	g.mu.Lock()
	defer g.mu.Unlock()
	src, reason := g.decide()
	st := State{Trusted: src != "", Source: src, Hash: g.hash, Asking: g.asking, Reason: reason}
	_, st.Refused = g.refused[g.hash]
	if g.client != nil {
		st.Client = fmt.Sprint(*g.client)
	}
	return st
}

// decide returns the source of trust for the current hash, or "" and the
// reason it is not trusted ("" when the user may still be asked). g.mu is
// held.
func (g *Gate) decide() (source, reason string) {
	if g.closed {
		return "", "closed"
	}
	if g.client != nil && *g.client {
		return SourceClient, ""
	}
	if src, ok := g.allowed[g.hash]; ok {
		return src, ""
	}
	if g.client != nil {
		return "", "client"
	}
	// The store before a refusal: `farm-lsp trust` run after the user
	// said "Not now" is the user changing their mind.
	if g.store != nil {
		ok, err := g.store.Allowed(g.settings.Root, g.hash)
		if err != nil {
			g.log.Warn("trust: reading the store", "error", err)
		}
		if ok {
			g.allowed[g.hash] = SourceRemembered
			return SourceRemembered, ""
		}
	}
	if r, ok := g.refused[g.hash]; ok {
		return "", r
	}
	if g.asker == nil {
		return "", "no-asker"
	}
	return "", ""
}

// Require returns nil when the workspace may run its side effects. When
// nothing is decided for the current settings it asks (once: concurrent
// calls wait for the same answer) and waits for the answer or ctx. It
// returns a *NotTrustedError otherwise, or ctx's error.
func (g *Gate) Require(ctx context.Context) error {
	for {
		g.mu.Lock()
		src, reason := g.decide()
		if src != "" {
			g.mu.Unlock()
			return nil
		}
		if reason != "" {
			g.mu.Unlock()
			return &NotTrustedError{Reason: reason}
		}
		wait := g.changed
		if !g.asking {
			g.asking = true
			g.wg.Add(1)
			go g.ask(g.asker, g.settings, g.hash)
		}
		g.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// ask puts the question for settings s (hash h) and records the answer
// for h, whatever the settings are by then: the user answered about what
// they were shown.
func (g *Gate) ask(a Asker, s Settings, h string) {
	defer g.wg.Done()
	g.log.Info("trust: asking", "root", s.Root, "hash", h)
	answer, err := a.Ask(g.ctx, s.Question(), []string{ActionTrust, ActionRefuse})
	if err == nil && answer == ActionTrust && g.store != nil {
		// Stored before the waiters go on, so that a session started after
		// this one finds it.
		if serr := g.store.Allow(s); serr != nil {
			g.log.Warn("trust: the allow is not remembered after this session", "error", serr)
		}
	}
	g.mu.Lock()
	g.asking = false
	switch {
	case err != nil && g.ctx.Err() != nil:
		// closing: nothing decided
	case err != nil:
		// A client that cannot ask would be asked on every side effect:
		// not trusted for the session, and said why.
		g.refused[h] = "ask-failed: " + err.Error()
		g.log.Warn("trust: could not ask; the workspace stays untrusted", "root", s.Root, "error", err)
	case answer == ActionTrust:
		g.allowed[h] = SourceAnswered
		delete(g.refused, h)
	default: // refused or dismissed: not asked again this session
		if _, ok := g.allowed[h]; !ok {
			g.refused[h] = "refused"
		}
	}
	g.broadcast()
	g.mu.Unlock()
	g.log.Info("trust: answered", "root", s.Root, "hash", h, "answer", answer)
}
