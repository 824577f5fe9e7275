package typegen_test

import (
	"context"
	"runtime"
	"strings"
	"testing"

	"github.com/farm-stack/farm-lsp/analysis/openapi"
	"github.com/farm-stack/farm-lsp/analysis/openapi/fixture"
	"github.com/farm-stack/farm-lsp/analysis/typegen"
)

// TestGeneratorMatchesFresh: the caching Builder + Generator pair gives
// byte-identical files to fresh Build + Generate across a sequence of edits.
func TestGeneratorMatchesFresh(t *testing.T) {
	edits := []struct{ path, old, new string }{
		{"", "", ""},
		{"apps/api/src/models/m000.py", "class Model0003(BaseModel):\n    id: str\n", "class Model0003(BaseModel):\n    id: str\n    note: Optional[str] = None\n"},
		{"apps/api/src/models/m001.py", "class Model0051(BaseModel):\n    id: str\n", "class Model0051(BaseModel):\n    id: int\n"},
		{"apps/api/src/routes/r000.py", "def get_item_1(item_id: str):", "def get_item_1(item_id: str, verbose: bool = False):"},
		{"apps/api/src/models/m000.py", "class Model0010(BaseModel):", "class Extra(BaseModel):\n    x: int\n\n\nclass Model0010(BaseModel):"},
		{"apps/api/src/models/m000.py", "    note: Optional[str] = None\n", ""},
	}
	for _, v := range []int{1, 2} {
		srcs := fixture.Synthetic(60, 30)
		bl, g := openapi.NewBuilder(), typegen.NewGenerator()
		for i, e := range edits {
			if e.path != "" {
				s := string(srcs[e.path])
				if !strings.Contains(s, e.old) {
					t.Fatalf("edit %d: %q not in %s", i, e.old, e.path)
				}
				srcs[e.path] = []byte(strings.Replace(s, e.old, e.new, 1))
			}
			files, err := fixture.FromSources(context.Background(), srcs)
			if err != nil {
				t.Fatal(err)
			}
			fresh, _ := openapi.Build(files, openapi.Options{Pydantic: v})
			cachedDoc, _ := bl.Build(files, openapi.Options{Pydantic: v})
			want, got := typegen.Generate(fresh), g.Generate(cachedDoc)
			for rel, w := range want.ByPath() {
				if got.ByPath()[rel] != w {
					t.Errorf("v%d edit %d: %s differs from a fresh generation", v, i, rel)
				}
			}
		}
	}
}

// TestPanicReachesCaller: the files render on goroutines of their own; a
// panic in one of them is raised in the caller's goroutine, where the
// server's executors recover from it, instead of ending the process.
func TestPanicReachesCaller(t *testing.T) {
	// A component without a schema cannot come from openapi.Build; the
	// models file dereferences it.
	doc := &openapi.Document{Pydantic: 2}
	doc.Components.Schemas = []*openapi.NamedSchema{{Name: "Broken"}}
	for name, gen := range map[string]func(*openapi.Document) typegen.Files{
		"Generate":  typegen.Generate,
		"Generator": typegen.NewGenerator().Generate,
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic for a component without a schema", name)
				}
			}()
			gen(doc)
		}()
	}
}

// TestParallelRenderMatchesSerial: the files, and the models within the
// models file, render on several goroutines when there are processors to
// share; the output is the same byte for byte as on one.
func TestParallelRenderMatchesSerial(t *testing.T) {
	files, err := fixture.FromSources(context.Background(), fixture.Synthetic(300, 120))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []int{1, 2} {
		doc, _ := openapi.Build(files, openapi.Options{Pydantic: v})
		prev := runtime.GOMAXPROCS(1)
		serial, serialCached := typegen.Generate(doc), typegen.NewGenerator().Generate(doc)
		runtime.GOMAXPROCS(4)
		parallel, parallelCached := typegen.Generate(doc), typegen.NewGenerator().Generate(doc)
		runtime.GOMAXPROCS(prev)
		for rel, want := range serial.ByPath() {
			if parallel.ByPath()[rel] != want {
				t.Errorf("v%d: %s differs when rendered in parallel", v, rel)
			}
			if parallelCached.ByPath()[rel] != want || serialCached.ByPath()[rel] != want {
				t.Errorf("v%d: %s differs when rendered by a Generator", v, rel)
			}
		}
	}
}
