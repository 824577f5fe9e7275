package coordinator

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/farm-stack/farm-lsp/examples"
)

// generateWith indexes root with index, runs Generate and returns the
// written files by path and the OpenAPI document.
func generateWith(t *testing.T, index func(context.Context, string) (*Coordinator, error), root string) (map[string][]byte, []byte) {
	t.Helper()
	c, err := index(context.Background(), root)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	doc, _ := c.OpenAPI()
	js, err := doc.JSON()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, rel := range c.Config().Outputs().All() {
		os.Remove(filepath.Join(root, rel))
	}
	paths, _, err := c.Generate(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	for _, rel := range paths {
		b, err := os.ReadFile(filepath.Join(root, rel))
		if err != nil {
			t.Fatal(err)
		}
		out[rel] = b
	}
	return out, js
}

// TestIndexBackendGeneratesTheSame: the one-shot commands' backend-only
// index reads no components or generated outputs, and generates exactly
// what the full index does.
func TestIndexBackendGeneratesTheSame(t *testing.T) {
	root, err := examples.CopyFarmApp(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	c, err := IndexBackend(context.Background(), root, "")
	if err != nil {
		t.Fatal(err)
	}
	var py int
	for rel, f := range c.Workspace().Snapshot().Files {
		switch {
		case strings.HasSuffix(rel, ".py"):
			py++
			if f.SemanticHash != "" {
				t.Errorf("%s: a semantic hash in a one-shot index", rel)
			}
		case strings.HasPrefix(rel, "farm.config."), strings.HasSuffix(rel, "plugin.json"), strings.HasSuffix(rel, "plugin.ts"):
		default:
			t.Errorf("backend-only index holds %s (%s)", rel, f.Kind)
		}
	}
	if py == 0 {
		t.Fatal("no Python file indexed")
	}
	if f, _ := c.configFile(); f == nil || f.Config == nil {
		t.Fatal("farm.config not indexed")
	}
	c.Close()

	full, fullDoc := generateWith(t, Index, root)
	back, backDoc := generateWith(t, func(ctx context.Context, root string) (*Coordinator, error) { return IndexBackend(ctx, root, "") }, root)
	if !bytes.Equal(fullDoc, backDoc) {
		t.Error("the OpenAPI documents differ")
	}
	if len(full) == 0 || len(full) != len(back) {
		t.Fatalf("wrote %d files with the full index, %d with the backend-only one", len(full), len(back))
	}
	for rel, b := range full {
		if !bytes.Equal(b, back[rel]) {
			t.Errorf("%s differs between the full and the backend-only index", rel)
		}
	}
}
