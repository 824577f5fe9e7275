package imports

import (
	"fmt"
	"math/rand"
	"path"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/farm-stack/farm-lsp/analysis/facts"
)

func py(mod string, level int, names ...string) facts.Import {
	return facts.Import{Module: mod, Level: level, Names: names}
}

func ts(spec string) facts.Import { return facts.Import{Module: spec} }

func TestPythonAndTSResolution(t *testing.T) {
	t.Parallel()
	g := New()
	g.Set("apps/api/src/__init__.py", nil)
	g.Set("apps/api/src/models/__init__.py", []facts.Import{py("user", 1, "User")})
	g.Set("apps/api/src/models/user.py", []facts.Import{py("pydantic", 0, "BaseModel"), py("base", 1, "Base")})
	g.Set("apps/api/src/models/base.py", nil)
	g.Set("apps/api/src/routes/users.py", []facts.Import{py("models.user", 2, "User")})
	g.Set("apps/api/src/routes/items.py", []facts.Import{py("src.models", 0, "user")})
	g.Set("apps/api/src/main.py", []facts.Import{py("routes", 1, "users", "items")})
	g.Set("apps/web/src/types/models/index.ts", nil)
	g.Set("apps/web/src/components/UserCard.tsx", []facts.Import{ts("@/types/models"), ts("react")})
	g.Set("apps/web/src/pages/UsersPage.tsx", []facts.Import{ts("../components/UserCard")})
	g.SetAliases("apps/web", ParseTSConfigPaths("apps/web", &facts.Value{Kind: facts.ValueObject, Keys: []string{"compilerOptions"}, Fields: map[string]*facts.Value{
		"compilerOptions": {Kind: facts.ValueObject, Keys: []string{"baseUrl", "paths"}, Fields: map[string]*facts.Value{
			"baseUrl": {Kind: facts.ValueString, Str: "."},
			"paths": {Kind: facts.ValueObject, Keys: []string{"@/*"}, Fields: map[string]*facts.Value{
				"@/*": {Kind: facts.ValueArray, Items: []*facts.Value{{Kind: facts.ValueString, Str: "src/*"}}},
			}},
		}},
	}}))

	if got, want := g.Imports("apps/api/src/models/user.py"), []string{"apps/api/src/models/base.py"}; !reflect.DeepEqual(got, want) {
		t.Errorf("relative import: %v, want %v", got, want)
	}
	if got, want := g.Imports("apps/api/src/routes/users.py"), []string{"apps/api/src/models/user.py"}; !reflect.DeepEqual(got, want) {
		t.Errorf("parent-relative import: %v, want %v", got, want)
	}
	if got, want := g.Imports("apps/api/src/routes/items.py"), []string{"apps/api/src/models/__init__.py", "apps/api/src/models/user.py"}; !reflect.DeepEqual(got, want) {
		t.Errorf("package import rooted at apps/api: %v, want %v", got, want)
	}
	if got, want := g.Imports("apps/web/src/components/UserCard.tsx"), []string{"apps/web/src/types/models/index.ts"}; !reflect.DeepEqual(got, want) {
		t.Errorf("alias import: %v, want %v", got, want)
	}
	want := []string{
		"apps/api/src/main.py", "apps/api/src/models/__init__.py",
		"apps/api/src/routes/items.py", "apps/api/src/routes/users.py",
	}
	if got := g.Affected("apps/api/src/models/user.py"); !reflect.DeepEqual(got, want) {
		t.Errorf("Affected(user.py) = %v, want %v", got, want)
	}
	if got, want := g.Affected("apps/web/src/types/models/index.ts"), []string{"apps/web/src/components/UserCard.tsx", "apps/web/src/pages/UsersPage.tsx"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Affected(types) = %v, want %v", got, want)
	}

	// A file that appears later resolves without re-setting its importers.
	g.Set("apps/web/src/lib/api.ts", nil)
	g.Set("apps/web/src/main.tsx", []facts.Import{ts("./lib/api.js")})
	if got := g.Importers("apps/web/src/lib/api.ts"); !reflect.DeepEqual(got, []string{"apps/web/src/main.tsx"}) {
		t.Errorf("late file / .js specifier: %v", got)
	}
	g.Remove("apps/api/src/models/base.py")
	if got := g.Imports("apps/api/src/models/user.py"); len(got) != 0 {
		t.Errorf("removed file still resolved: %v", got)
	}
}

func TestCycleTerminates(t *testing.T) {
	t.Parallel()
	g := New()
	g.Set("a.ts", []facts.Import{ts("./b")})
	g.Set("b.ts", []facts.Import{ts("./a")})
	if got := g.Affected("a.ts"); !reflect.DeepEqual(got, []string{"b.ts"}) {
		t.Errorf("Affected in a cycle = %v", got)
	}
}

// An update of a known file re-resolves only its own edges, with the same
// result as a rebuild.
func TestIncrementalUpdateMatchesRebuild(t *testing.T) {
	t.Parallel()
	build := func(g *Graph) {
		g.Set("a.ts", []facts.Import{ts("./b")})
		g.Set("b.ts", []facts.Import{ts("./c")})
		g.Set("c.ts", nil)
		g.Set("d.ts", []facts.Import{ts("./c")})
	}
	g := New()
	build(g)
	_ = g.Affected("c.ts") // built
	g.Set("a.ts", []facts.Import{ts("./c"), ts("./d")})
	g.Set("d.ts", nil)

	fresh := New()
	build(fresh)
	fresh.Set("a.ts", []facts.Import{ts("./c"), ts("./d")})
	fresh.Set("d.ts", nil)
	for _, f := range []string{"a.ts", "b.ts", "c.ts", "d.ts"} {
		if got, want := g.Importers(f), fresh.Importers(f); !reflect.DeepEqual(got, want) {
			t.Errorf("Importers(%s) = %v, rebuild gives %v", f, got, want)
		}
		if got, want := g.Imports(f), fresh.Imports(f); !reflect.DeepEqual(got, want) {
			t.Errorf("Imports(%s) = %v, rebuild gives %v", f, got, want)
		}
	}
}

// fullEdges resolves every file from scratch, as the graph did before it
// was incremental: the reference the incremental graph must equal.
func fullEdges(g *Graph) map[string][]string {
	set := map[string]bool{"": true}
	for f := range g.imports {
		if !strings.HasSuffix(f, ".py") {
			continue
		}
		for d := path.Dir(f); d != "." && d != "/"; d = path.Dir(d) {
			r := path.Dir(d)
			if r == "." {
				r = ""
			}
			set[r] = true
		}
	}
	roots := make([]string, 0, len(set))
	for d := range set {
		roots = append(roots, d)
	}
	sort.Strings(roots)
	ref := &Graph{imports: g.imports, aliases: g.aliases, roots: roots}
	out := map[string][]string{}
	for file, imps := range g.imports {
		r := resolver{g: ref, seen: map[probe]bool{}}
		var targets []string
		for _, imp := range imps {
			for _, t := range r.resolve(file, imp) {
				if t != file && !slices.Contains(targets, t) {
					targets = append(targets, t)
				}
			}
		}
		sort.Strings(targets)
		if len(targets) > 0 {
			out[file] = targets
		}
	}
	return out
}

// TestIncrementalMatchesFull applies random sequences of edits (files
// added, re-imported and removed, Python packages appearing in new
// directories, __init__.py re-exports, tsconfig paths set and dropped),
// querying at random moments, and compares every file's edges and
// importers with a resolution of everything from scratch.
func TestIncrementalMatchesFull(t *testing.T) {
	t.Parallel()
	pyFiles := []string{"__init__.py", "top.py", "api/__init__.py", "api/models/__init__.py", "api/models/user.py",
		"api/models/base.py", "api/src/models/x.py", "api/routes/users.py", "other/pkg/__init__.py", "other/pkg/mod.py",
		"api/new/deep/m.py", "api/models/user/__init__.py"}
	tsFiles := []string{"web/src/a.ts", "web/src/b.tsx", "web/src/lib/index.ts", "web/src/lib/c.ts", "web/src/x.d.ts",
		"web/src/data.json", "web/src/sub/d.tsx", "web/src/lib.ts", "web/src/sub/index.jsx", "web/x.ts"}
	pyMods := []string{"models", "models.user", "api.models", "base", "user", "pkg", "pkg.mod", "", "routes", "new.deep.m", "src.models.x", "api", "top"}
	pyNames := []string{"User", "Base", "user", "base", "mod", "x", "m", "models"}
	tsSpecs := []string{"./a", "../a", "./lib", "./lib/c", "@/lib", "@/a", "./b.js", "./data.json", "~/x", "react", "@/sub/d", "./x", "./sub", "..", "./lib/index.js"}
	aliasDirs := []string{"web", "web/src", ""}
	aliasSets := [][]Alias{nil, {{Pattern: "@/*", Targets: []string{"web/src/*"}}}, {{Pattern: "@/*", Targets: []string{"web/src/lib/*"}}, {Pattern: "~/x", Targets: []string{"web/x"}}}}
	for seed := int64(1); seed <= 40; seed++ {
		rnd := rand.New(rand.NewSource(seed))
		g := New()
		for step := 0; step < 150; step++ {
			var op string
			switch n := rnd.Intn(10); {
			case n < 6:
				var f string
				var imps []facts.Import
				if rnd.Intn(2) == 0 {
					f = pyFiles[rnd.Intn(len(pyFiles))]
					for range rnd.Intn(3) {
						names := []string{}
						for range rnd.Intn(3) {
							names = append(names, pyNames[rnd.Intn(len(pyNames))])
						}
						imps = append(imps, py(pyMods[rnd.Intn(len(pyMods))], rnd.Intn(3), names...))
					}
				} else {
					f = tsFiles[rnd.Intn(len(tsFiles))]
					for range rnd.Intn(3) {
						imps = append(imps, ts(tsSpecs[rnd.Intn(len(tsSpecs))]))
					}
				}
				op = fmt.Sprintf("Set(%s, %v)", f, imps)
				g.Set(f, imps)
			case n < 8:
				all := append(append([]string{}, pyFiles...), tsFiles...)
				f := all[rnd.Intn(len(all))]
				op = "Remove(" + f + ")"
				g.Remove(f)
			default:
				d, a := aliasDirs[rnd.Intn(len(aliasDirs))], aliasSets[rnd.Intn(len(aliasSets))]
				op = fmt.Sprintf("SetAliases(%q, %v)", d, a)
				g.SetAliases(d, a)
			}
			if rnd.Intn(3) != 0 {
				continue // the next query comes after several edits
			}
			want := fullEdges(g)
			wantRev := map[string][]string{}
			for f, ts := range want {
				for _, t := range ts {
					wantRev[t] = append(wantRev[t], f)
				}
			}
			for f := range g.imports {
				sort.Strings(wantRev[f])
				if got := g.Imports(f); !slices.Equal(got, want[f]) {
					t.Fatalf("seed %d step %d after %s: Imports(%s) = %v, full resolution gives %v", seed, step, op, f, got, want[f])
				}
				if got := g.Importers(f); !slices.Equal(got, wantRev[f]) {
					t.Fatalf("seed %d step %d after %s: Importers(%s) = %v, full resolution gives %v", seed, step, op, f, got, wantRev[f])
				}
			}
			if len(g.edges) != len(want) {
				t.Fatalf("seed %d step %d: %d files with edges, full resolution has %d", seed, step, len(g.edges), len(want))
			}
		}
	}
}
