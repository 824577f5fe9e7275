package imports

import (
	"reflect"
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
