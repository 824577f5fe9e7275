package openapi_test

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/analysis/openapi"
	"github.com/farm-stack/farm-lsp/analysis/openapi/fixture"
	"github.com/farm-stack/farm-lsp/internal/textdiff"
)

func exampleSources(t *testing.T) map[string][]byte {
	t.Helper()
	srcs := map[string][]byte{}
	root := filepath.Join(exampleRoot, "apps/api/src")
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(p) != ".py" {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(exampleRoot, p)
		srcs[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return srcs
}

// TestBuilderMatchesFreshBuild applies a sequence of edits and checks that
// the caching Builder always produces exactly what a fresh Build produces.
func TestBuilderMatchesFreshBuild(t *testing.T) {
	const user, item, conv = "apps/api/src/models/user.py", "apps/api/src/models/item.py", "apps/api/src/models/conversation.py"
	edits := []struct {
		name           string
		path, old, new string
	}{
		{"unchanged", "", "", ""},
		{"field added", user, "    login_count: int = 0", "    login_count: int = 0\n    nickname: Optional[str] = None"},
		{"decimal makes a model direction-sensitive", conv, "    tokens: Optional[int] = None", "    tokens: Optional[int] = None\n    cost: Decimal = Decimal(\"0\")"},
		{"base class changes", item, "    description: Optional[str] = None", "    description: Optional[str] = None\n    brand: str = \"acme\""},
		{"unsupported type", user, "    is_active: bool = True", "    is_active: Mystery = True"},
		{"unsupported type fixed", user, "    is_active: Mystery = True", "    is_active: bool = True"},
		{"model added", item, "class Dimensions(BaseModel):", "class Weight(BaseModel):\n    grams: int\n\n\nclass Dimensions(BaseModel):"},
		{"model removed", item, "class Weight(BaseModel):\n    grams: int\n\n\n", ""},
		{"decimal removed", conv, "\n    cost: Decimal = Decimal(\"0\")", ""},
		{"route param added", "apps/api/src/routes/items.py", "    q: Optional[str] = None,", "    q: Optional[str] = None,\n    sort: str = \"name\","},
		{"response model unknown", "apps/api/src/routes/items.py", "@router.get(\"/{item_id}\", response_model=Item)", "@router.get(\"/{item_id}\", response_model=Ghost)"},
		{"router prefix changed", "apps/api/src/routes/users.py", "prefix=\"/users\"", "prefix=\"/people\""},
		{"include prefix changed", "apps/api/src/main.py", "prefix=\"/api/v1\"", "prefix=\"/api/v2\""},
	}
	for _, v := range []int{1, 2} {
		srcs := exampleSources(t)
		srcs[conv] = []byte(strings.Replace(string(srcs[conv]), "from datetime import datetime", "from datetime import datetime\nfrom decimal import Decimal", 1))
		bl := openapi.NewBuilder()
		for _, e := range edits {
			if e.path != "" {
				s := string(srcs[e.path])
				if !strings.Contains(s, e.old) {
					t.Fatalf("%s: %q not in %s", e.name, e.old, e.path)
				}
				srcs[e.path] = []byte(strings.Replace(s, e.old, e.new, 1))
			}
			files, err := fixture.FromSources(context.Background(), srcs)
			if err != nil {
				t.Fatal(err)
			}
			opts := openapi.Options{Pydantic: v}
			want, wantDiags := openapi.Build(files, opts)
			got, gotDiags := bl.Build(files, opts)
			wj, _ := want.FullJSON()
			gj, _ := got.FullJSON()
			if string(wj) != string(gj) {
				t.Errorf("v%d %s: cached build differs from a fresh build\n%s", v, e.name, textdiff.First(string(wj), string(gj)))
			}
			if !reflect.DeepEqual(nonNil(wantDiags), nonNil(gotDiags)) {
				t.Errorf("v%d %s: diagnostics differ:\nfresh  %v\ncached %v", v, e.name, wantDiags, gotDiags)
			}
		}
	}
}

func nonNil(d []facts.Diagnostic) []facts.Diagnostic {
	if d == nil {
		return []facts.Diagnostic{}
	}
	return d
}

// TestBuilderMatchesFreshBuildAcrossModules: edits in modules other than
// the routes' (dependencies, markers, constants) invalidate the cached
// operations that read them.
func TestBuilderMatchesFreshBuildAcrossModules(t *testing.T) {
	root := "testdata/corpus/notes"
	srcs := map[string][]byte{}
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(p) != ".py" {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(root, p)
		srcs[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	edits := []struct{ name, path, old, new string }{
		{"unchanged", "", "", ""},
		{"dependency parameter added", "src/deps.py", "limit: int = Query(20, le=100)", "limit: int = Query(20, le=100), order: str = \"asc\""},
		{"router dependency header renamed", "src/deps.py", "x_tenant_id: str = Header(...)", "x_org: str = Header(...)"},
		{"constant prefix changed", "src/config.py", "API_PREFIX = \"/api\"", "API_PREFIX = \"/service\""},
		{"module-level marker no longer embeds", "src/routes/notes.py", "embed = Body(..., embed=True)", "embed = Body(...)"},
		{"security removed", "src/routes/auth.py", "credentials: HTTPBasicCredentials = Depends(security)", "credentials: HTTPBasicCredentials"},
	}
	for _, v := range []int{1, 2} {
		bl := openapi.NewBuilder()
		cur := map[string][]byte{}
		for k, b := range srcs {
			cur[k] = b
		}
		for _, e := range edits {
			if e.path != "" {
				s := string(cur[e.path])
				if !strings.Contains(s, e.old) {
					t.Fatalf("%s: %q not in %s", e.name, e.old, e.path)
				}
				cur[e.path] = []byte(strings.Replace(s, e.old, e.new, 1))
			}
			files, err := fixture.FromSources(context.Background(), cur)
			if err != nil {
				t.Fatal(err)
			}
			opts := openapi.Options{Pydantic: v}
			want, _ := openapi.Build(files, opts)
			got, _ := bl.Build(files, opts)
			wj, _ := want.FullJSON()
			gj, _ := got.FullJSON()
			if string(wj) != string(gj) {
				t.Errorf("v%d %s: cached build differs from a fresh build\n%s", v, e.name, textdiff.First(string(wj), string(gj)))
			}
		}
	}
}

// TestBuilderFirstSensitiveField: in a Pydantic 2 backend where no model
// can differ between input and output, a save adding the first Decimal
// field (the fast path: only fields changed) splits the models that reach
// it, as a fresh build does (the fast path sees the model's sensitivity
// change and gives way).
func TestBuilderFirstSensitiveField(t *testing.T) {
	srcs := fixture.SyntheticSpread(40, 20, 4, 10)
	const m = "apps/api/src/models/m001.py"
	srcs[m] = []byte(strings.Replace(string(srcs[m]), "from enum import Enum\n", "from decimal import Decimal\nfrom enum import Enum\n", 1))
	bl := openapi.NewBuilder()
	opts := openapi.Options{Pydantic: 2}
	for i, edit := range []func(){
		func() {},
		func() {
			srcs[m] = []byte(strings.Replace(string(srcs[m]), "    count: int = 0\n", "    count: int = 0\n    cost: Decimal = Decimal(\"0\")\n", 1))
		},
		func() {
			srcs[m] = []byte(strings.Replace(string(srcs[m]), "    cost: Decimal = Decimal(\"0\")\n", "", -1))
		},
	} {
		edit()
		files, err := fixture.FromSources(context.Background(), srcs)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := openapi.Build(files, opts)
		got, _ := bl.Build(files, opts)
		wj, _ := want.FullJSON()
		gj, _ := got.FullJSON()
		if string(wj) != string(gj) {
			t.Fatalf("edit %d: cached build differs from a fresh build\n%s", i, textdiff.First(string(wj), string(gj)))
		}
		if i == 1 && !strings.Contains(string(wj), "-Output") {
			t.Fatalf("edit %d: the Decimal field split no model", i)
		}
	}
}
