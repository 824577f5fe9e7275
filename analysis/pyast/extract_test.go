package pyast

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/analysis/parse"
	"github.com/farm-stack/farm-lsp/internal/textdiff"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

func mustParse(t testing.TB, src string) *parse.Doc {
	t.Helper()
	d, err := parse.Parse(context.Background(), parse.Python, []byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func extractString(t testing.TB, src string) *facts.File {
	t.Helper()
	return Extract(mustParse(t, src), "x.py", facts.KindBackendModel)
}

// checkGolden compares got with the golden file, or rewrites it with -update.
func checkGolden(t *testing.T, golden string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(want) != string(got) {
		t.Errorf("%s differs (go test -update rewrites it); got:\n%s", golden, textdiff.First(string(want), string(got)))
	}
}

// TestExtractGolden extracts every testdata/extract/*.py and compares the
// facts (as indented JSON) with the .golden.json file next to it.
func TestExtractGolden(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("testdata/extract/*.py")
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			f := Extract(mustParse(t, string(src)), filepath.ToSlash(file), facts.KindBackendSource)
			if f.HasErrors {
				t.Fatalf("corpus file has syntax errors: %+v", f.Diagnostics)
			}
			b, err := json.MarshalIndent(f, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, strings.TrimSuffix(file, ".py")+".golden.json", append(b, '\n'))
		})
	}
}

// Route tags, generate_unique_id_function=, responses= and a function
// whose body is one return (FastAPI's custom unique ids) are read.
func TestTagsAndUniqueID(t *testing.T) {
	f := extractString(t, `from fastapi import APIRouter, FastAPI

def custom_generate_unique_id(route) -> str:
    """Client names."""
    return f"{route.tags[0]}-{route.name}"

def two(route):
    x = 1
    return x

app = FastAPI(generate_unique_id_function=custom_generate_unique_id)
router = APIRouter(prefix="/items", tags=["items", TAG], deprecated=True, include_in_schema=False)
app.include_router(router, tags=["v1"], generate_unique_id_function=two)

@router.get("/", tags=["list"], responses={404: {"model": Message}})
def read_items():
    return []
`)
	if len(f.Defs) != 2 || f.Defs[0].Returns != `f"{route.tags[0]}-{route.name}"` || f.Defs[1].Returns != "" {
		t.Errorf("defs %+v", f.Defs)
	}
	if len(f.Routers) != 2 || f.Routers[0].UniqueID != "custom_generate_unique_id" || !reflect.DeepEqual(f.Routers[1].Tags, []string{"items", ""}) ||
		f.Routers[0].Deprecated || !f.Routers[1].Deprecated || !f.Routers[1].Hidden {
		t.Errorf("routers %+v", f.Routers)
	}
	if len(f.Includes) != 1 || !reflect.DeepEqual(f.Includes[0].Tags, []string{"v1"}) || f.Includes[0].UniqueID != "two" {
		t.Errorf("includes %+v", f.Includes)
	}
	if len(f.Routes) != 1 || !reflect.DeepEqual(f.Routes[0].Tags, []string{"list"}) || f.Routes[0].Responses != `{404: {"model": Message}}` {
		t.Errorf("routes %+v", f.Routes)
	}
}
