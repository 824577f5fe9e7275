package examples

import (
	"context"
	"io/fs"
	"strings"
	"testing"

	"github.com/farm-stack/farm-lsp/analysis/classify"
	"github.com/farm-stack/farm-lsp/analysis/config"
	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/analysis/parse"
	"github.com/farm-stack/farm-lsp/analysis/staticjs"
	"github.com/farm-stack/farm-lsp/reload/watch"
)

// TestExampleWatchPathsCoverItsSources: the example's watch.paths narrow
// what farm-lsp acts on, so they must cover every source it classifies
// (a model, route, component, migration, plugin manifest…) — and leave
// out tests.
func TestExampleWatchPathsCoverItsSources(t *testing.T) {
	src, err := FarmApp.ReadFile("farm-app/farm.config.ts")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := parse.Parse(context.Background(), parse.TypeScript, src, nil)
	if err != nil {
		t.Fatal(err)
	}
	v, _ := staticjs.ReadModule(doc, "farm.config.ts")
	cfg, diags := config.FromValue(v, "farm.config.ts")
	if len(diags) != 0 {
		t.Fatalf("config diagnostics: %+v", diags)
	}
	var paths []watch.Path
	for _, p := range cfg.Development.HotReload.Watch.Paths {
		paths = append(paths, watch.Path{Pattern: p.Pattern, Ignore: p.Ignore})
	}
	if len(paths) == 0 {
		t.Fatal("the example has no watch.paths: this test would test nothing")
	}
	f, err := watch.NewFilter(paths)
	if err != nil {
		t.Fatal(err)
	}
	cls := classifier(t, cfg)
	n := 0
	err = fs.WalkDir(FarmApp, "farm-app", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel := strings.TrimPrefix(p, "farm-app/")
		kind := cls(rel)
		if kind == "unknown" || kind == facts.KindFarmConfig || strings.Contains(rel, "testing_shims/") {
			return nil
		}
		n++
		if !f.Watched(rel) {
			t.Errorf("%s (%s) is not covered by watch.paths", rel, kind)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 20 {
		t.Errorf("only %d classified sources checked", n)
	}
	for _, rel := range []string{"apps/api/src/models/test_user.py", "apps/api/tests/test_routes.py", "apps/web/src/components/UserCard.test.tsx"} {
		if f.Watched(rel) {
			t.Errorf("%s is a test but watched", rel)
		}
	}
}

func classifier(t *testing.T, cfg config.Config) func(string) facts.Kind {
	t.Helper()
	c, err := classify.New(cfg.ClassifyPaths())
	if err != nil {
		t.Fatal(err)
	}
	return c.Kind
}
