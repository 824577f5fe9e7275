package openapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	factspkg "github.com/farm-stack/farm-lsp/analysis/facts"
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
// template, a Beanie notes starter, a camelCase shop API, a catalog
// service): documents and API schemas in separate modules with clashing
// names, dependencies with parameters, module-level markers, security,
// forms and files, inheritance from framework classes, routers mounted
// with constant, f-string, concatenated and settings prefixes, alias
// generators. Each shape is written once per Pydantic API it is found in
// (pydantic: 1 or 2; 0 when the same source runs under both), the way a
// public app of that shape on that Pydantic is written, and every shape
// is checked in both modes (TestOracleCorpusShapes).
var corpusApps = []struct {
	shape, dir, module string
	pydantic           int
}{
	{"fullstack", "fullstack", "app.main", 1},
	{"fullstack", "fullstack_v2", "app.main", 2}, // pydantic-settings, Annotated deps, return annotations, Beanie 1.29
	{"notes", "notes", "src.main", 0},
	{"shop", "shop", "shop.main", 1},
	{"shop", "shop_v2", "shop.main", 2},        // model_config alias_generator, __get_pydantic_json_schema__, RootModel
	{"catalog", "catalog_v1", "svc.main", 1},   // BaseSettings from pydantic, Config classes, validator
	{"catalog", "catalog", "svc.main", 2},      // pydantic-settings, Annotated aliases, model_config
	{"aliases", "aliases", "aliasapp.main", 0}, // alias generators read from their bodies, none named for what it does
}

// TestOracleCorpusShapes: no app shape is checked in one mode only.
func TestOracleCorpusShapes(t *testing.T) {
	modes := map[string]map[int]bool{}
	for _, app := range corpusApps {
		if modes[app.shape] == nil {
			modes[app.shape] = map[int]bool{}
		}
		for _, m := range corpusModes {
			if app.pydantic == 0 || app.pydantic == m.pydantic {
				modes[app.shape][m.pydantic] = true
			}
		}
	}
	for shape, in := range modes {
		for _, m := range corpusModes {
			if !in[m.pydantic] {
				t.Errorf("app shape %s has no variant for %s", shape, m.name)
			}
		}
	}
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
		var agreed, total, models, schemas int
		for _, app := range corpusApps {
			if app.pydantic != 0 && app.pydantic != mode.pydantic {
				continue // written against the other Pydantic's API: its variant runs here
			}
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
				// Models: the app's Pydantic and Beanie classes (settings
				// classes aside); schemas: what FastAPI emits for the routes
				// (models, Body_*, validation errors).
				nModels := 0
				for _, f := range files {
					for _, m := range f.Models {
						if m.Kind != factspkg.ModelUnknown && !slices.Contains(m.Bases, "BaseSettings") {
							nModels++
						}
					}
				}
				nSchemas := len(real["components"].(map[string]any)["schemas"].(map[string]any))
				t.Logf("%d/%d facts agree (%d models in the app, %d schemas in FastAPI's document)", facts-len(out), facts, nModels, nSchemas)
				agreed, total, models, schemas = agreed+facts-len(out), total+facts, models+nModels, schemas+nSchemas
				if len(out) > 0 {
					t.Errorf("%d differences from the real FastAPI:\n%s", len(out), strings.Join(out, "\n"))
				}
			})
		}
		t.Logf("%s: %d/%d facts agree over the corpus (%d models, %d schemas)", mode.name, agreed, total, models, schemas)
	}
}
