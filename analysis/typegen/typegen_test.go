package typegen_test

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/analysis/openapi"
	"github.com/farm-stack/farm-lsp/analysis/openapi/fixture"
	"github.com/farm-stack/farm-lsp/analysis/typegen"
	"github.com/farm-stack/farm-lsp/internal/textdiff"
)

var update = flag.Bool("update", false, "rewrite golden files")

const exampleRoot = "../../examples/farm-app"

func loadExample(t testing.TB) []*facts.File {
	t.Helper()
	files, err := fixture.Load(context.Background(), os.DirFS(exampleRoot))
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	goldenFile(t, filepath.Join("testdata", name), got)
}

// goldenFile compares got with the file at p (rewritten under -update).
func goldenFile(t *testing.T, p, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (go test -update creates it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs (go test -update rewrites it) at %s", p, textdiff.First(string(want), got))
	}
}

func writeAll(t *testing.T, dir string, files typegen.Files) {
	t.Helper()
	for rel, content := range files.ByPath() {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestExampleGolden renders the example app in both Pydantic modes.
func TestExampleGolden(t *testing.T) {
	files := loadExample(t)
	for _, v := range []int{1, 2} {
		doc, _ := openapi.Build(files, openapi.Options{Pydantic: v})
		out := typegen.Generate(doc)
		for rel, content := range out.ByPath() {
			if !strings.HasPrefix(content, typegen.Header) {
				t.Errorf("%s does not start with the header", rel)
			}
			if v == 1 {
				// The example pins pydantic<2: its committed generated files
				// are the v1 golden (reload/codegen checks they stay current).
				goldenFile(t, filepath.Join(exampleRoot, "apps/web/src", rel), content)
				continue
			}
			golden(t, filepath.Join("example", "v2", rel), content)
		}
		again := typegen.Generate(doc)
		if again != out {
			t.Errorf("v%d: output is not deterministic", v)
		}
	}
}

// TestCasesGolden renders the focused OpenAPI cases (one per TYPEMAP area,
// shared with analysis/openapi) as TypeScript in both Pydantic modes.
func TestCasesGolden(t *testing.T) {
	paths, err := filepath.Glob("../openapi/testdata/cases/*.py")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no cases: %v", err)
	}
	for _, p := range paths {
		name := strings.TrimSuffix(filepath.Base(p), ".py")
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			files, err := fixture.FromSources(context.Background(), map[string][]byte{"apps/api/src/models/" + name + ".py": src})
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range []int{1, 2} {
				doc, _ := openapi.Build(files, openapi.Options{Pydantic: v})
				out := typegen.Generate(doc)
				golden(t, "cases/"+name+".v"+string(rune('0'+v))+".ts", out.Models+"\n// ---- types/api.ts\n"+out.APITypes)
			}
		})
	}
}
