package openapi

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/analysis/openapi/fixture"
)

// renderAll is everything a build gives: the document with the unreached
// models, the components' metadata and the diagnostics.
func renderAll(t *testing.T, files []*facts.File, pydantic int) string {
	t.Helper()
	doc, diags := NewBuilder().Build(files, Options{Pydantic: pydantic})
	js, err := doc.FullJSON()
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	sb.Write(js)
	for _, ns := range doc.Components.Schemas {
		fmt.Fprintf(&sb, "%s %s %s:%d unreached=%v\n", ns.Name, ns.Model, ns.File, ns.Line, ns.Unreached)
	}
	for _, d := range diags {
		fmt.Fprintf(&sb, "%s:%d:%d %v %s %s\n", d.Path, d.Range.Start.Line, d.Range.Start.Char, d.Severity, d.Code, d.Message)
	}
	return sb.String()
}

// prefabApps are the backends the prefab worker is checked on: issue 10's
// spread backend, the oracle corpus apps and the golden cases (generics,
// computed fields, Decimal, enums, unknown names with diagnostics).
func prefabApps(t *testing.T) map[string][]*facts.File {
	t.Helper()
	ctx := context.Background()
	apps := map[string][]*facts.File{}
	spread, err := fixture.FromSources(ctx, fixture.SyntheticSpread(1000, 750, 4, 50))
	if err != nil {
		t.Fatal(err)
	}
	apps["spread"] = spread
	dirs, _ := filepath.Glob("testdata/corpus/*")
	for _, d := range dirs {
		files, err := fixture.Load(ctx, os.DirFS(d))
		if err != nil {
			t.Fatal(err)
		}
		apps[d] = files
	}
	cases, _ := filepath.Glob("testdata/cases/*.py")
	for _, c := range cases {
		src, err := os.ReadFile(c)
		if err != nil {
			t.Fatal(err)
		}
		one, err := fixture.FromSources(ctx, map[string][]byte{"app/models/" + filepath.Base(c): src})
		if err != nil {
			t.Fatal(err)
		}
		apps[c] = one
	}
	if len(dirs) == 0 || len(cases) == 0 {
		t.Fatal("no corpus apps or cases found")
	}
	return apps
}

// TestPrefabMatchesSequential: a cold build whose components come from the
// prefab worker (all of them, or whichever it finished first while the
// operations were built) is the sequential build, byte for byte.
func TestPrefabMatchesSequential(t *testing.T) {
	defer func(m int) { prefabMode = m }(prefabMode)
	for name, files := range prefabApps(t) {
		for _, pyd := range []int{1, 2} {
			prefabMode = 1
			want := renderAll(t, files, pyd)
			for _, mode := range []int{2, 3, 3, 3} {
				prefabMode = mode
				if got := renderAll(t, files, pyd); got != want {
					t.Errorf("%s, Pydantic %d, prefab mode %d: the build differs from the sequential one", name, pyd, mode)
				}
			}
		}
	}
}

// TestPrefabWorkerBuilds: with the worker run to completion first, the
// build takes its components (the test above would pass vacuously if
// component never took one).
func TestPrefabWorkerBuilds(t *testing.T) {
	defer func(m int) { prefabMode = m }(prefabMode)
	prefabMode = 2
	files, err := fixture.FromSources(context.Background(), fixture.SyntheticSpread(40, 20, 4, 10))
	if err != nil {
		t.Fatal(err)
	}
	bl := NewBuilder()
	bl.Build(files, Options{Pydantic: 1})
	if bl.prefabbed != 40 {
		t.Fatalf("the build took %d of the worker's 40 components", bl.prefabbed)
	}
	// The worker worked out the environment signature the next build
	// compares with (a wrong one would make it rebuild everything).
	prefabMode = 1
	seq := NewBuilder()
	seq.Build(files, Options{Pydantic: 1})
	if bl.env == "" || bl.env != seq.env {
		t.Fatalf("environment signature %q from the worker, %q without it", bl.env, seq.env)
	}
}
