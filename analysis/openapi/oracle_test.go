package openapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/farm-stack/farm-lsp/analysis/openapi"
	"github.com/farm-stack/farm-lsp/analysis/openapi/fixture"
)

const oraclePython = "/usr/bin/python3"

// realOpenAPI runs the example app under Debian's FastAPI (with the Beanie
// test shim on PYTHONPATH) and returns app.openapi().
func realOpenAPI(t *testing.T, apiDir, module string) map[string]any {
	t.Helper()
	if err := exec.Command(oraclePython, "-c", "import fastapi, pydantic, email_validator").Run(); err != nil {
		t.Skipf("Debian FastAPI not installed (%v): apt-get update && apt-get install -y python3-fastapi python3-email-validator", err)
	}
	abs, err := filepath.Abs(apiDir)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(oraclePython, "-c", "import json, importlib; app = importlib.import_module('"+module+"').app; print(json.dumps(app.openapi()))")
	cmd.Dir = abs
	cmd.Env = append(os.Environ(), "PYTHONPATH="+filepath.Join(abs, "testing_shims")+string(os.PathListSeparator)+abs, "PYTHONDONTWRITEBYTECODE=1")
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

// dropped keys: presentation and validation constraints, which the static
// document does not try to reproduce.
var dropped = map[string]bool{
	"title": true, "description": true, "example": true, "examples": true, "tags": true,
	"minLength": true, "maxLength": true, "minimum": true, "maximum": true, "exclusiveMinimum": true,
	"exclusiveMaximum": true, "pattern": true, "multipleOf": true, "writeOnly": true,
}

// normalize drops presentation keys and unwraps single-member allOf, so the
// two documents compare on properties, required, types, params, bodies and
// responses.
func normalize(v any) any { return normalizeIn(v, false) }

// normalizeIn is normalize; names says v's keys are names (of properties,
// components, paths, responses…), never keywords to drop.
func normalizeIn(v any, names bool) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, val := range x {
			if dropped[k] && !names {
				continue // a presentation keyword (a schema's example may be an object)
			}
			out[k] = normalizeIn(val, !names && nameMaps[k])
		}
		if all, ok := out["allOf"].([]any); ok && len(all) == 1 {
			inner := all[0].(map[string]any)
			delete(out, "allOf")
			for k, val := range inner {
				out[k] = val
			}
		}
		if ps, ok := out["parameters"].([]any); ok {
			sort.Slice(ps, func(i, j int) bool {
				a, b := ps[i].(map[string]any), ps[j].(map[string]any)
				return fmt.Sprint(a["in"], a["name"]) < fmt.Sprint(b["in"], b["name"])
			})
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i := range x {
			out[i] = normalizeIn(x[i], false)
		}
		return out
	}
	return v
}

// nameMaps are the keywords whose values are maps keyed by names.
var nameMaps = map[string]bool{
	"properties": true, "schemas": true, "paths": true, "responses": true, "content": true,
	"securitySchemes": true, "$defs": true, "definitions": true,
}

// diff lists the differences between want and got, one line each.
func diff(path string, want, got any, out *[]string) {
	wm, wok := want.(map[string]any)
	gm, gok := got.(map[string]any)
	if wok && gok {
		keys := map[string]bool{}
		for k := range wm {
			keys[k] = true
		}
		for k := range gm {
			keys[k] = true
		}
		sorted := make([]string, 0, len(keys))
		for k := range keys {
			sorted = append(sorted, k)
		}
		sort.Strings(sorted)
		for _, k := range sorted {
			wv, win := wm[k]
			gv, gin := gm[k]
			switch {
			case !win:
				*out = append(*out, fmt.Sprintf("%s/%s: extra in farm-lsp: %s", path, k, js(gv)))
			case !gin:
				*out = append(*out, fmt.Sprintf("%s/%s: missing in farm-lsp (FastAPI: %s)", path, k, js(wv)))
			default:
				diff(path+"/"+k, wv, gv, out)
			}
		}
		return
	}
	wl, wok := want.([]any)
	gl, gok := got.([]any)
	if wok && gok && len(wl) == len(gl) {
		for i := range wl {
			diff(fmt.Sprintf("%s[%d]", path, i), wl[i], gl[i], out)
		}
		return
	}
	if !reflect.DeepEqual(want, got) {
		*out = append(*out, fmt.Sprintf("%s: FastAPI %s, farm-lsp %s", path, js(want), js(got)))
	}
}

func js(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestOracleFastAPI compares the static document (Pydantic v1 mode) with
// what the real FastAPI 0.92 / Pydantic 1.10 renders for the example app.
func TestOracleFastAPI(t *testing.T) {
	real := realOpenAPI(t, filepath.Join(exampleRoot, "apps/api"), "src.main")
	doc, diags := openapi.Build(loadExample(t), openapi.Options{Pydantic: 1})
	if len(diags) > 0 {
		t.Errorf("diagnostics: %s", diagText(diags))
	}
	raw, err := doc.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var ours map[string]any
	if err := json.Unmarshal(raw, &ours); err != nil {
		t.Fatal(err)
	}
	// FastAPI lists only the schemas routes reach, and so must the JSON
	// (the unreached models of the models folder stay in the document
	// for the TypeScript models only).
	var out []string
	diff("#/paths", normalize(real["paths"]), normalize(ours["paths"]), &out)
	diff("#/components", normalize(real["components"]), normalize(ours["components"]), &out)
	if len(out) > 0 {
		t.Errorf("%d differences from FastAPI's own OpenAPI:\n%s", len(out), strings.Join(out, "\n"))
	}
}

// oracleApp mounts a case module in a FastAPI app: its router (if any) and
// one GET route per concrete model (so FastAPI renders every model).
const oracleApp = `
import json, sys
from typing import Generic
from fastapi import FastAPI
from pydantic import BaseModel
import case

app = FastAPI()
if hasattr(case, "router"):
    app.include_router(case.router)
for name, obj in sorted(vars(case).items()):
    if isinstance(obj, type) and issubclass(obj, BaseModel) and obj.__module__ == "case" and not getattr(obj, "__parameters__", None):
        def handler():
            return None
        handler.__name__ = "oracle_" + name
        app.get("/__oracle/" + name, response_model=obj)(handler)
print(json.dumps(app.openapi()))
`

// TestOracleCases runs every focused case under Debian's FastAPI 0.92 /
// Pydantic 1.10 and compares the schemas of the models FastAPI renders and
// the case's own routes with the static document in v1 mode. Cases that
// need Pydantic 2 (computed_field) are skipped by the import.
func TestOracleCases(t *testing.T) {
	paths, _ := filepath.Glob("testdata/cases/*.py")
	shims, _ := filepath.Abs(filepath.Join(exampleRoot, "apps/api/testing_shims"))
	for _, p := range paths {
		name := strings.TrimSuffix(filepath.Base(p), ".py")
		t.Run(name, func(t *testing.T) {
			if err := exec.Command(oraclePython, "-c", "import fastapi, pydantic, email_validator").Run(); err != nil {
				t.Skipf("Debian FastAPI not installed: apt-get install -y python3-fastapi python3-email-validator")
			}
			src, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "case.py"), src, 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(oraclePython, "-c", oracleApp)
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "PYTHONPATH="+dir+string(os.PathListSeparator)+shims, "PYTHONDONTWRITEBYTECODE=1")
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
				t.Skipf("FastAPI 0.92 / Pydantic 1.10 cannot render this case: %s", lines[len(lines)-1])
			}
			var real map[string]any
			if err := json.Unmarshal(out, &real); err != nil {
				t.Fatal(err)
			}
			files, err := fixture.FromSources(context.Background(), map[string][]byte{"apps/api/src/models/" + name + ".py": src})
			if err != nil {
				t.Fatal(err)
			}
			doc, _ := openapi.Build(files, openapi.Options{Pydantic: 1})
			raw, _ := doc.FullJSON()
			var ours map[string]any
			if err := json.Unmarshal(raw, &ours); err != nil {
				t.Fatal(err)
			}
			realSchemas := real["components"].(map[string]any)["schemas"].(map[string]any)
			ourSchemas := map[string]any{}
			if c, ok := ours["components"].(map[string]any)["schemas"].(map[string]any); ok {
				ourSchemas = c
			}
			var diffs []string
			for n, rs := range realSchemas {
				os, ok := ourSchemas[n]
				if !ok {
					diffs = append(diffs, "missing schema "+n)
					continue
				}
				diff("#/components/schemas/"+n, normalize(rs), normalize(os), &diffs)
			}
			realPaths := real["paths"].(map[string]any)
			for pth := range realPaths {
				if strings.HasPrefix(pth, "/__oracle/") {
					delete(realPaths, pth)
				}
			}
			diff("#/paths", normalize(realPaths), normalize(ours["paths"]), &diffs)
			sort.Strings(diffs)
			if len(diffs) > 0 {
				t.Errorf("%d differences from FastAPI 0.92:\n%s", len(diffs), strings.Join(diffs, "\n"))
			}
		})
	}
}
