package lsp_test

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"go.lsp.dev/protocol"

	"github.com/farm-stack/farm-lsp/lsp"
	"github.com/farm-stack/farm-lsp/reload/coordinator"
)

func TestStatus(t *testing.T) {
	t.Run("single root", func(t *testing.T) {
		dir := workspace(t, ".")
		fx := newFixture(t, dir, protocol.ClientCapabilities{}, func(e *fakeEngine) { e.status.QueueLength = 2 })
		var got map[string]any
		if err := fx.c.Request(lsp.MethodStatus, nil, &got); err != nil {
			t.Fatal(err)
		}
		want := `{"enabled":true,"indexing":false,"lanes":{},"lastPlan":null,"metrics":{"total":0},"processing":false,"queueLength":2}`
		if b, _ := json.Marshal(got); string(b) != want {
			t.Errorf("status %s, want %s", b, want)
		}
	})
	t.Run("multi root", func(t *testing.T) {
		ws := workspace(t, ".", "apps/web")
		web := filepath.Join(ws, "apps/web")
		fx := newFixture(t, ws, protocol.ClientCapabilities{}, func(e *fakeEngine) {
			if filepath.Base(e.root) == "web" {
				e.enabled = false
			}
		})
		var got struct {
			coordinator.Status
			Roots map[string]coordinator.Status `json:"roots"`
		}
		if err := fx.c.Request(lsp.MethodStatus, nil, &got); err != nil {
			t.Fatal(err)
		}
		if !got.Enabled || len(got.Roots) != 2 || !got.Roots[ws].Enabled || got.Roots[web].Enabled {
			t.Errorf("status = %+v", got)
		}
	})
}
