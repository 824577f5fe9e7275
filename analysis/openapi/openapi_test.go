package openapi_test

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/analysis/openapi"
	"github.com/farm-stack/farm-lsp/analysis/openapi/fixture"
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

// golden compares got with testdata/name, rewriting it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(want) != string(got) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it)\n%s", p, textdiff.First(string(want), string(got)))
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func diagText(ds []facts.Diagnostic) []byte {
	var sb strings.Builder
	for _, d := range ds {
		sb.WriteString(d.Path + ":" + itoa(d.Range.Start.Line+1) + ":" + itoa(d.Range.Start.Char+1) + ": " + d.Code + ": " + d.Message + "\n")
	}
	return []byte(sb.String())
}

func TestExampleGolden(t *testing.T) {
	files := loadExample(t)
	for _, v := range []int{1, 2} {
		doc, diags := openapi.Build(files, openapi.Options{Pydantic: v, Title: "FARM App API", Version: "0.1.0"})
		raw, err := doc.JSON()
		if err != nil {
			t.Fatal(err)
		}
		golden(t, "example.v"+itoa(v)+".json", raw)
		if len(diags) > 0 {
			t.Errorf("v%d: unexpected diagnostics:\n%s", v, diagText(diags))
		}
	}
}

// TestCasesGolden builds every testdata/cases/*.py as a one-file backend
// (path apps/api/src/models/<name>.py) in both Pydantic modes.
func TestCasesGolden(t *testing.T) {
	paths, err := filepath.Glob("testdata/cases/*.py")
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
				doc, diags := openapi.Build(files, openapi.Options{Pydantic: v})
				raw, err := doc.FullJSON()
				if err != nil {
					t.Fatal(err)
				}
				out := append(raw, []byte("---- diagnostics\n")...)
				out = append(out, diagText(diags)...)
				golden(t, "cases/"+name+".v"+itoa(v)+".golden", out)
			}
		})
	}
}
