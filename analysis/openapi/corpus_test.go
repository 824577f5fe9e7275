package openapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/farm-stack/farm-lsp/analysis/openapi"
	"github.com/farm-stack/farm-lsp/analysis/openapi/fixture"
)

// oracleMode is one real FastAPI the corpus is checked against: the
// Pydantic major version farm-lsp is asked to follow and how to get the
// real app.openapi() of an app directory (skipping the test with the
// install command when that FastAPI is missing). Adding a mode (trixie's
// FastAPI 0.115 / Pydantic 2.10) is one more entry in corpusModes.
type oracleMode struct {
	name     string
	pydantic int
	openapi  func(t *testing.T, appDir, module string) map[string]any
}

var corpusModes = []oracleMode{
	{name: "debian12-fastapi0.92-pydantic1", pydantic: 1, openapi: debianOpenAPI},
	{name: "trixie-fastapi0.115-pydantic2", pydantic: 2, openapi: trixieOpenAPI},
}

// corpusApps are FastAPI apps shaped like public ones (full-stack
// template, a Beanie notes starter, a camelCase shop API): documents and
// API schemas in separate modules with clashing names, dependencies with
// parameters, module-level markers, security, forms and files,
// inheritance from framework classes, routers mounted with constant,
// f-string, concatenated and settings prefixes, alias generators.
var corpusApps = []struct{ dir, module string }{
	{"fullstack", "app.main"},
	{"notes", "src.main"},
	{"shop", "shop.main"},
	{"catalog", "svc.main"}, // Pydantic 2 style: pydantic-settings, Annotated aliases, model_config
}

// debianOpenAPI runs Debian 12's FastAPI 0.92 / Pydantic 1.10 with the
// Beanie shim of the example app on the path.
func debianOpenAPI(t *testing.T, appDir, module string) map[string]any {
	t.Helper()
	if err := exec.Command(oraclePython, "-c", "import fastapi, pydantic, email_validator, multipart").Run(); err != nil {
		t.Skipf("Debian FastAPI not installed (%v): apt-get install -y python3-fastapi python3-email-validator python3-multipart", err)
	}
	shims, err := filepath.Abs(filepath.Join(exampleRoot, "apps/api/testing_shims"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(oraclePython, "-c", "import json, importlib; print(json.dumps(importlib.import_module('"+module+"').app.openapi()))")
	cmd.Dir = appDir
	cmd.Env = append(os.Environ(), "PYTHONPATH="+shims+string(os.PathListSeparator)+appDir, "PYTHONDONTWRITEBYTECODE=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		// An app written against Pydantic 2's API (pydantic-settings,
		// pydantic.alias_generators) does not import under Pydantic 1.
		if msg := stderr.String(); strings.Contains(msg, "No module named 'pydantic_settings'") || strings.Contains(msg, "No module named 'pydantic.alias_generators'") {
			t.Skipf("this app uses Pydantic 2's API, so Pydantic 1 cannot import it")
		}
		t.Fatalf("python: %v\n%s", err, stderr.String())
	}
	var doc map[string]any
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// countFacts counts the leaves of a normalised document (each property,
// required entry, type, parameter field… is one fact).
func countFacts(v any) int {
	switch x := v.(type) {
	case map[string]any:
		n := 0
		for _, val := range x {
			n += countFacts(val)
		}
		if len(x) == 0 {
			return 1
		}
		return n
	case []any:
		n := 0
		for _, val := range x {
			n += countFacts(val)
		}
		if len(x) == 0 {
			return 1
		}
		return n
	}
	return 1
}

// TestOracleCorpus checks farm-lsp's OpenAPI of every corpus app against
// the real FastAPI's, fact by fact, in every mode: all facts must agree.
func TestOracleCorpus(t *testing.T) {
	for _, mode := range corpusModes {
		for _, app := range corpusApps {
			t.Run(mode.name+"/"+app.dir, func(t *testing.T) {
				dir, err := filepath.Abs(filepath.Join("testdata/corpus", app.dir))
				if err != nil {
					t.Fatal(err)
				}
				real := mode.openapi(t, dir, app.module)
				files, err := fixture.Load(context.Background(), os.DirFS(dir))
				if err != nil {
					t.Fatal(err)
				}
				// A committed .env the settings read is part of the app.
				fsys := os.DirFS(dir)
				doc, diags := openapi.Build(files, openapi.Options{Pydantic: mode.pydantic, ReadFile: func(rel string) ([]byte, error) {
					return fs.ReadFile(fsys, rel)
				}})
				if len(diags) > 0 {
					t.Errorf("diagnostics:\n%s", diagText(diags))
				}
				raw, err := doc.JSON()
				if err != nil {
					t.Fatal(err)
				}
				var ours map[string]any
				if err := json.Unmarshal(raw, &ours); err != nil {
					t.Fatal(err)
				}
				want := map[string]any{"paths": normalize(real["paths"]), "components": normalize(real["components"])}
				got := map[string]any{"paths": normalize(ours["paths"]), "components": normalize(ours["components"])}
				var out []string
				diff("#", want, got, &out)
				facts := countFacts(want)
				models := len(real["components"].(map[string]any)["schemas"].(map[string]any))
				t.Logf("%d/%d facts agree (%d schemas)", facts-len(out), facts, models)
				if len(out) > 0 {
					t.Errorf("%d differences from the real FastAPI:\n%s", len(out), strings.Join(out, "\n"))
				}
			})
		}
	}
}
