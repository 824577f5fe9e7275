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
	return render(t, doc, diags)
}

func render(t *testing.T, doc *Document, diags []facts.Diagnostic) string {
	t.Helper()
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
			for _, mode := range []int{2, 3, 3, 3, 4} {
				prefabMode = mode
				if got := renderAll(t, files, pyd); got != want {
					t.Errorf("%s, Pydantic %d, prefab mode %d: the build differs from the sequential one", name, pyd, mode)
				}
			}
			if name == "spread" {
				// The worker building only what the operations leave to
				// it takes some (the first one at least).
				bl := NewBuilder()
				bl.Build(files, Options{Pydantic: pyd})
				if bl.deferred == 0 || bl.prefabbed == 0 {
					t.Errorf("spread, Pydantic %d: %d components left to the worker, %d taken from it", pyd, bl.deferred, bl.prefabbed)
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

// TestPrefabThenIncremental: a Builder whose first build took components
// from the worker (and left some to it) builds every later version (fast
// path and full rebuilds with its cache) as a sequential fresh build does.
func TestPrefabThenIncremental(t *testing.T) {
	defer func(m int) { prefabMode = m }(prefabMode)
	srcs := fixture.SyntheticSpread(120, 60, 4, 20)
	const m, r = "apps/api/src/models/m003.py", "apps/api/src/routes/r001.py"
	srcs[m] = []byte(strings.Replace(string(srcs[m]), "from enum import Enum\n", "from decimal import Decimal\nfrom enum import Enum\n", 1))
	edits := []struct{ path, old, new string }{
		{"", "", ""},
		{m, "    count: int = 0\n", "    count: int = 0\n    note: Optional[str] = None\n"},
		{m, "    note: Optional[str] = None\n", "    note: Optional[str] = None\n    cost: Decimal = Decimal(\"1.50\")\n"},
		{r, "def get_item_21(item_id: str):", "def get_item_21(item_id: str, verbose: bool = False):"},
		{m, "class Model0013(BaseModel):", "class Extra(BaseModel):\n    x: int\n\n\nclass Model0013(BaseModel):"},
		{m, "    cost: Decimal = Decimal(\"1.50\")\n", ""},
	}
	for _, pyd := range []int{1, 2} {
		cur := map[string][]byte{}
		for p, b := range srcs {
			cur[p] = b
		}
		bl := NewBuilder()
		for i, e := range edits {
			if e.path != "" {
				s := string(cur[e.path])
				if !strings.Contains(s, e.old) {
					t.Fatalf("edit %d: %q not in %s", i, e.old, e.path)
				}
				cur[e.path] = []byte(strings.Replace(s, e.old, e.new, 1))
			}
			files, err := fixture.FromSources(context.Background(), cur)
			if err != nil {
				t.Fatal(err)
			}
			prefabMode = 1
			want := renderAll(t, files, pyd)
			prefabMode = 4
			doc, diags := bl.Build(files, Options{Pydantic: pyd})
			if got := render(t, doc, diags); got != want {
				t.Errorf("Pydantic %d, edit %d: the Builder's build differs from a fresh sequential one", pyd, i)
			}
			if i == len(edits)-1 && bl.deltas == 0 {
				t.Errorf("Pydantic %d: no edit took the fast path", pyd)
			}
			if i == 0 && (bl.deferred == 0 || bl.prefabbed == 0) {
				t.Errorf("Pydantic %d: the first build left %d components to the worker, took %d from it", pyd, bl.deferred, bl.prefabbed)
			}
		}
	}
}

// TestPrefabWorkerPanics: a panic on the worker goroutine (which nothing
// above it would recover) does not end the process; the build is the
// sequential one, whether the worker panics before the model kinds or
// while building a component.
func TestPrefabWorkerPanics(t *testing.T) {
	defer func(m int, h func(string)) { prefabMode, prefabHook = m, h }(prefabMode, prefabHook)
	files, err := fixture.FromSources(context.Background(), fixture.SyntheticSpread(120, 60, 4, 20))
	if err != nil {
		t.Fatal(err)
	}
	for _, pyd := range []int{1, 2} {
		prefabMode = 1
		want := renderAll(t, files, pyd)
		for _, stage := range []string{"kinds", "apps/api/src/models/m010.py:Model0040", "apps/api/src/models/m000.py:Model0000"} {
			for _, mode := range []int{3, 4} {
				prefabMode = mode
				prefabHook = func(s string) {
					if s == stage {
						panic("injected")
					}
				}
				if got := renderAll(t, files, pyd); got != want {
					t.Errorf("Pydantic %d, mode %d, worker panicking at %s: the build differs from the sequential one", pyd, mode, stage)
				}
			}
		}
	}
}
