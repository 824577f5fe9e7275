package coordinator

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/farm-stack/farm-lsp/analysis/facts"
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
	c, err := IndexBackend(context.Background(), root, nil)
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
	back, backDoc := generateWith(t, func(ctx context.Context, root string) (*Coordinator, error) { return IndexBackend(ctx, root, nil) }, root)
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

// TestIndexClassifiesOutputsFirst: the initial index reads farm.config
// before the rest, so the generated outputs (here under a custom outDir)
// are known as generated and never parsed as components.
func TestIndexClassifiesOutputsFirst(t *testing.T) {
	root, err := examples.CopyFarmApp(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	// Move the outputs to apps/web/src/gen and say so in farm.config.ts.
	for _, rel := range []string{"types/models/index.ts", "types/api.ts", "services/api.ts", "hooks/api.ts"} {
		to := filepath.Join(root, "apps/web/src/gen", rel)
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(filepath.Join(root, "apps/web/src", rel), to); err != nil {
			t.Fatal(err)
		}
	}
	edit(t, root, "farm.config.ts", "outDir: 'apps/web/src',", "outDir: 'apps/web/src/gen',")
	c, err := Index(context.Background(), root)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	snap := c.Workspace().Snapshot()
	outs := c.Config().Outputs()
	if outs.Types != "apps/web/src/gen/types/models/index.ts" {
		t.Fatalf("outputs %+v: the config edit did not apply", outs)
	}
	n := 0
	for _, rel := range []string{outs.Types, outs.APITypes, outs.Client, outs.QueryHooks} {
		f := snap.Files[rel]
		if f == nil {
			t.Errorf("%s not indexed", rel)
			continue
		}
		n++
		if f.Kind != facts.KindGenerated || len(f.Exports) > 0 || len(f.Components) > 0 || f.SemanticHash != "" {
			t.Errorf("%s indexed as %s with %d exports: parsed as a frontend file", rel, f.Kind, len(f.Exports))
		}
	}
	if f := snap.Files["apps/web/src/components/UserCard.tsx"]; f == nil || len(f.Components) == 0 {
		t.Error("the components were not indexed")
	}
}

// TestIndexReadsWhatItScans: the scan reads the files it picked while
// they are analysed; one over the size limit is recorded as skipped
// without being parsed, in either index.
func TestIndexReadsWhatItScans(t *testing.T) {
	root, err := examples.CopyFarmApp(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	huge := "apps/api/src/models/huge.py"
	f, err := os.Create(filepath.Join(root, huge))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(50 << 20); err != nil {
		t.Fatal(err)
	}
	f.Close()
	var want []string
	err = filepath.WalkDir(filepath.Join(root, "apps/api"), func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".py") && !strings.Contains(p, "/.") {
			rel, _ := filepath.Rel(root, p)
			want = append(want, filepath.ToSlash(rel))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, index := range map[string]func(context.Context, string) (*Coordinator, error){
		"backend": func(ctx context.Context, root string) (*Coordinator, error) { return IndexBackend(ctx, root, nil) },
		"full":    Index,
	} {
		c, err := index(context.Background(), root)
		if err != nil {
			t.Fatal(err)
		}
		ws := c.Workspace()
		for _, rel := range want {
			if rel == huge {
				continue
			}
			if ws.File(rel) == nil {
				t.Errorf("%s: %s not indexed", name, rel)
			}
		}
		if ds := ws.Diagnostics(huge); len(ds) != 1 || ds[0].Code != facts.CodeFileSkipped || !strings.Contains(ds[0].Message, "52428800 bytes") {
			t.Errorf("%s: %s diagnostics %+v, want one file-skipped naming its size", name, huge, ds)
		}
		if ws.File(huge) != nil {
			t.Errorf("%s: %s has facts", name, huge)
		}
		c.Close()
	}
}
