package lsp_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.lsp.dev/protocol"

	"github.com/farm-stack/farm-lsp/lsp"
	"github.com/farm-stack/farm-lsp/lsp/lsptest"
	"github.com/farm-stack/farm-lsp/reload/coordinator"
	"github.com/farm-stack/farm-lsp/reload/trust"
)

// gatedEngine is a fake engine with a real trust gate.
type gatedEngine struct {
	*fakeEngine
	gate *trust.Gate
}

func (e *gatedEngine) Trust() *trust.Gate { return e.gate }

func (e *gatedEngine) Close() error {
	e.gate.Close()
	return e.fakeEngine.Close()
}

// trustFixture initializes a server whose engine has a gate over a
// backend command; the client answers window/showMessageRequest with
// *answer (nil: null, the message dismissed).
func trustFixture(t *testing.T, initOpts any, answer *atomic.Pointer[string]) (*lsptest.Client, *trust.Gate) {
	t.Helper()
	dir := workspace(t, ".")
	store := trust.OpenStore(t.TempDir())
	gates := make(chan *trust.Gate, 1)
	opts := lsp.Options{Version: "test", Logger: testLogger(t), NewEngine: func(root string) (coordinator.Engine, error) {
		s := trust.Settings{Root: root, Backend: &trust.Backend{Command: []string{"sh", "-c", "touch marker; sleep 30"}, Dir: root},
			DatabaseURL: "mongodb://127.0.0.1:27017/app"}
		g := trust.NewGate(s, trust.GateOptions{Store: store})
		gates <- g
		return &gatedEngine{fakeEngine: newFakeEngine(root), gate: g}, nil
	}}
	c := lsptest.New(t, opts)
	c.HandleServerRequests(func(method string, params json.RawMessage) (any, *lsptest.RespError) {
		if method != protocol.MethodWindowShowMessageRequest {
			return nil, nil
		}
		if a := answer.Load(); a != nil {
			return protocol.MessageActionItem{Title: *a}, nil
		}
		return nil, nil
	})
	if _, err := c.InitializeWith(&protocol.InitializeParams{RootURI: protocol.DocumentURI(lsptest.URI(dir)),
		InitializationOptions: initOpts}); err != nil {
		t.Fatal(err)
	}
	select {
	case g := <-gates:
		return c, g
	case <-time.After(lsptest.DefaultTimeout):
		t.Fatal("no engine created")
		return nil, nil
	}
}

func require(t *testing.T, g *trust.Gate) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), lsptest.DefaultTimeout)
	defer cancel()
	err := g.Require(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		t.Fatal("Require waited for an answer that never came")
	}
	return err
}

func questions(c *lsptest.Client) int {
	n := 0
	for _, m := range c.ServerRequests() {
		if m.Method == protocol.MethodWindowShowMessageRequest {
			n++
		}
	}
	return n
}

func TestTrustAskedThroughShowMessageRequest(t *testing.T) {
	var answer atomic.Pointer[string]
	yes := trust.ActionTrust
	answer.Store(&yes)
	c, g := trustFixture(t, nil, &answer)
	if err := require(t, g); err != nil {
		t.Fatalf("answered %q: %v", yes, err)
	}
	m := c.AwaitServerRequest(protocol.MethodWindowShowMessageRequest)
	var p protocol.ShowMessageRequestParams
	if err := json.Unmarshal(m.Params, &p); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(p.Message, "backend command: sh -c 'touch marker; sleep 30'") ||
		!strings.Contains(p.Message, "mongodb://127.0.0.1:27017/app") || p.Type != protocol.MessageTypeWarning {
		t.Errorf("question: %+v", p)
	}
	if len(p.Actions) != 2 || p.Actions[0].Title != trust.ActionTrust || p.Actions[1].Title != trust.ActionRefuse {
		t.Errorf("actions: %+v", p.Actions)
	}
	if err := require(t, g); err != nil || questions(c) != 1 {
		t.Fatalf("second side effect: %v, %d questions", err, questions(c))
	}
}

func TestTrustDismissedIsRefusedForTheSession(t *testing.T) {
	var answer atomic.Pointer[string] // nil: the client answers null
	c, g := trustFixture(t, map[string]any{}, &answer)
	for i := 0; i < 3; i++ {
		if err := require(t, g); !errors.Is(err, trust.ErrNotTrusted) {
			t.Fatalf("dismissed: %v", err)
		}
	}
	if n := questions(c); n != 1 {
		t.Fatalf("%d questions after a dismissal, want 1", n)
	}
}

func TestTrustDeclaredByTheClient(t *testing.T) {
	var answer atomic.Pointer[string]
	c, g := trustFixture(t, map[string]any{"trusted": true, "development": map[string]any{}}, &answer)
	if err := require(t, g); err != nil {
		t.Fatalf("trusted: true: %v", err)
	}
	if st := g.State(); st.Source != trust.SourceClient || questions(c) != 0 {
		t.Fatalf("state %+v, %d questions", st, questions(c))
	}

	yes := trust.ActionTrust
	answer.Store(&yes)
	c, g = trustFixture(t, map[string]any{"trusted": false}, &answer)
	if err := require(t, g); !errors.Is(err, trust.ErrNotTrusted) {
		t.Fatalf("trusted: false: %v", err)
	}
	if n := questions(c); n != 0 {
		t.Fatalf("asked %d times although the client declared the workspace untrusted", n)
	}

	// Not a boolean: said, and the workspace is decided as if undeclared.
	c, g = trustFixture(t, map[string]any{"trusted": "yes"}, &answer)
	c.AwaitLog("initializationOptions.trusted ignored")
	if err := require(t, g); err != nil || questions(c) != 1 {
		t.Fatalf("trusted: \"yes\": %v, %d questions", err, questions(c))
	}
}
