package openapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/analysis/openapi"
	"github.com/farm-stack/farm-lsp/analysis/openapi/fixture"
)

// aliasNames are field names that tell generators apart: digits (str.title
// capitalises after one), leading underscores, camelCase input, non-ASCII.
var aliasNames = []string{"user_id", "x2y_value", "address_line2", "sku_2", "v2_api_key", "a", "html_url",
	"alreadyCamel", "getHTTPResponse", "XMLParser2Value", "snake_case_3d", "über_name", "is_open_now", "id__double"}

// aliasGenerators are generator definitions (in gens.py) and how a model
// names them; mode 0 is both Pydantic modes.
var aliasGenerators = []struct {
	mode       int
	imports    string
	defs       string
	expression string
}{
	{1, "from pydantic.utils import to_camel as pascal_v1", "", "pascal_v1"},
	{1, "from pydantic.utils import to_lower_camel", "", "to_lower_camel"},
	{2, "from pydantic.alias_generators import to_camel as camel", "", "camel"},
	{2, "from pydantic.alias_generators import to_pascal", "", "to_pascal"},
	{2, "from pydantic import alias_generators as ag", "", "ag.to_snake"},
	{0, "", "def to_camel(s):\n    return s.upper()\n", "to_camel"}, // misnamed
	{0, "", "def joined(value):\n    return ''.join(word.capitalize() for word in value.split('_'))\n", "joined"},
	{0, "", "def titled(s: str) -> str:\n    return s.title().replace('_', '')\n", "titled"},
	{0, "", "def mapped(s):\n    return ''.join(map(str.title, s.split('_')))\n", "mapped"},
	{0, "", "def lower_first(s):\n    first, *rest = s.split('_')\n    return first + ''.join(w[:1].upper() + w[1:] for w in rest)\n", "lower_first"},
	{0, "import re\n", "def re_template(s):\n    return re.sub(r'_(\\w)', r'\\1', s)\n", "re_template"},
	{0, "import re\n", "def re_func(s):\n    return re.sub('_+([a-z0-9])', lambda m: m.group(1).upper(), s).strip('_')\n", "re_func"},
	{0, "", "def looped(name):\n    out = ''\n    upper = False\n    for ch in name:\n        if ch == '_':\n            upper = True\n            continue\n        elif upper:\n            out += ch.upper()\n            upper = False\n        else:\n            out += ch\n    return out\n", "looped"},
	{0, "", "def fstr(s):\n    parts = s.split('_')\n    return f'{parts[0]}{len(parts)}' if len(parts) > 1 else s[::-1]\n", "fstr"},
	{0, "", "swap = lambda s: s.swapcase()\n", "swap"},
	{0, "", "", "str.upper"},
	{0, "", "", "lambda s: s.replace('_', '.')"},
}

// TestAliasGeneratorsMatchPydantic renames fields with Pydantic's own
// generators (v1 and v2, under import aliases) and with generators written
// in the workspace, and compares every property name with the real
// FastAPI's: a generator is read from its body, never from its name.
func TestAliasGeneratorsMatchPydantic(t *testing.T) {
	for _, mode := range []int{1, 2} {
		t.Run(fmt.Sprintf("pydantic%d", mode), func(t *testing.T) {
			o := oracleFor(t, mode)
			dir := t.TempDir()
			var gens, models, routes strings.Builder
			gens.WriteString("import re\n\n")
			models.WriteString("from pydantic import BaseModel\n")
			if mode == 2 {
				models.WriteString("from pydantic import ConfigDict\n")
			}
			models.WriteString("from .gens import *  # noqa\n")
			routes.WriteString("from fastapi import FastAPI\n\nfrom . import models\n\napp = FastAPI()\n")
			n := 0
			for _, g := range aliasGenerators {
				if g.mode != 0 && g.mode != mode {
					continue
				}
				n++
				if g.imports != "" {
					models.WriteString(g.imports + "\n")
				}
				gens.WriteString(g.defs + "\n")
				fmt.Fprintf(&models, "\n\nclass M%d(BaseModel):\n", n)
				for _, name := range aliasNames {
					fmt.Fprintf(&models, "    %s: int = 0\n", name)
				}
				if mode == 2 {
					fmt.Fprintf(&models, "\n    model_config = ConfigDict(alias_generator=%s)\n", g.expression)
				} else {
					fmt.Fprintf(&models, "\n    class Config:\n        alias_generator = %s\n", g.expression)
				}
				fmt.Fprintf(&routes, "\n\n@app.post('/m%d', response_model=models.M%d)\ndef m%d(body: models.M%d):\n    return body\n", n, n, n, n)
			}
			files := map[string]string{"app/__init__.py": "", "app/gens.py": gens.String(), "app/models.py": models.String(), "app/main.py": routes.String()}
			for p, src := range files {
				if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, p), []byte(src), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			out, err := o.run(dir, "import json; from app.main import app; print(json.dumps(app.openapi()))")
			if err != nil {
				t.Fatal(err)
			}
			var real map[string]any
			if err := json.Unmarshal(out, &real); err != nil {
				t.Fatal(err)
			}
			loaded, err := fixture.Load(context.Background(), os.DirFS(dir))
			if err != nil {
				t.Fatal(err)
			}
			doc, diags := openapi.Build(loaded, openapi.Options{Pydantic: mode})
			if len(diags) > 0 {
				t.Errorf("diagnostics:\n%s", diagText(diags))
			}
			raw, _ := doc.JSON()
			var ours map[string]any
			_ = json.Unmarshal(raw, &ours)
			i := 0
			for _, g := range aliasGenerators {
				if g.mode != 0 && g.mode != mode {
					continue
				}
				i++
				name := fmt.Sprintf("M%d", i)
				want, got := propNames(real, name), propNames(ours, name)
				if len(want) != len(aliasNames) {
					t.Fatalf("%s: the real FastAPI gives %v", name, want)
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("alias_generator = %s:\n got %q\nwant %q", g.expression, got, want)
				}
			}
		})
	}
}

func propNames(doc map[string]any, model string) []string {
	comps, _ := doc["components"].(map[string]any)
	schemas, _ := comps["schemas"].(map[string]any)
	for name, s := range schemas {
		if name != model && !strings.HasPrefix(name, model+"-") {
			continue
		}
		props, _ := s.(map[string]any)["properties"].(map[string]any)
		var out []string
		for p := range props {
			out = append(out, p)
		}
		sort.Strings(out)
		return out
	}
	return nil
}

// A generator whose body farm-lsp cannot evaluate, or that is no function
// of the workspace or of Pydantic, is a warning at the generator
// expression; the fields keep their names (nothing is guessed from the
// generator's name).
func TestUnknownAliasGeneratorWarns(t *testing.T) {
	t.Parallel()
	const models = `from pydantic import BaseModel, ConfigDict
import humps

from .gens import to_camel, camelize, helper_camel


class Ext(BaseModel):
    first_name: str
    model_config = ConfigDict(alias_generator=humps.camelize)


class Appends(BaseModel):
    first_name: str

    class Config:
        alias_generator = to_camel


class Calls(BaseModel):
    first_name: str
    model_config = {"alias_generator": helper_camel}


class Raises(BaseModel):
    first_name: str
    model_config = ConfigDict(alias_generator=camelize)
`
	const gens = `def to_camel(s):
    words = []
    for w in s.split("_"):
        words.append(w.title())
    return "".join(words)


def _cap(w):
    return w.title()


def helper_camel(s):
    return "".join(_cap(w) for w in s.split("_"))


def camelize(s):
    return s.split("_")[2]
`
	const routes = `from fastapi import FastAPI

from .models import Appends, Calls, Ext, Raises

app = FastAPI()


@app.get("/a", response_model=Ext)
def a(): ...


@app.get("/b", response_model=Appends)
def b(): ...


@app.get("/c", response_model=Calls)
def c(): ...


@app.get("/d", response_model=Raises)
def d(): ...
`
	fsys := fstest.MapFS{
		"app/__init__.py": {Data: []byte("")},
		"app/models.py":   {Data: []byte(models)},
		"app/gens.py":     {Data: []byte(gens)},
		"app/main.py":     {Data: []byte(routes)},
	}
	loaded, err := fixture.Load(context.Background(), fsys)
	if err != nil {
		t.Fatal(err)
	}
	doc, diags := openapi.Build(loaded, openapi.Options{Pydantic: 2})
	raw, _ := doc.JSON()
	var ours map[string]any
	_ = json.Unmarshal(raw, &ours)
	for _, m := range []string{"Ext", "Appends", "Calls", "Raises"} {
		if got := propNames(ours, m); !reflect.DeepEqual(got, []string{"first_name"}) {
			t.Errorf("%s: properties %q, want the field's own name", m, got)
		}
	}
	// One warning per model, at its generator expression (line, column).
	want := map[string]string{
		"app/models.py:9:47":  "humps.camelize",
		"app/models.py:16:27": "to_camel",
		"app/models.py:21:40": "helper_camel",
		"app/models.py:26:47": "camelize",
	}
	got := map[string]string{}
	for _, d := range diags {
		if d.Code != facts.CodeUnknownValue || d.Severity != facts.SeverityWarning {
			t.Errorf("unexpected diagnostic %s", diagText([]facts.Diagnostic{d}))
			continue
		}
		got[fmt.Sprintf("%s:%d:%d", d.Path, d.Range.Start.Line+1, d.Range.Start.Char+1)] = d.Message
	}
	for at, gen := range want {
		if msg, ok := got[at]; !ok || !strings.Contains(msg, "alias generator "+gen) {
			t.Errorf("no warning about %s at %s; got %s", gen, at, diagText(diags))
		}
	}
	if len(got) != len(want) {
		t.Errorf("diagnostics:\n%s", diagText(diags))
	}
}

// TestAliasGeneratorEditsMatchFresh edits an alias generator's body in its
// own module, moves a model's lines and adds a field, building with one
// Builder (its cache and fast path) after each step: the document and the
// diagnostics are a fresh build's, so a model renamed by a generator in
// another file is rebuilt when only that file changed.
func TestAliasGeneratorEditsMatchFresh(t *testing.T) {
	srcs := map[string]string{
		"app/__init__.py": "",
		"app/gens.py":     "def shape(s):\n    return s.upper()\n\n\ndef odd(s):\n    return s.split('_')[2]\n",
		"app/models.py": "from pydantic import BaseModel\n\nfrom .gens import odd, shape\n\n\nclass Item(BaseModel):\n    item_name: str\n\n    class Config:\n        alias_generator = shape\n\n\n" +
			"class Other(BaseModel):\n    other_name: str\n\n    class Config:\n        alias_generator = odd\n",
		"app/main.py": "from fastapi import FastAPI\n\nfrom .models import Item, Other\n\napp = FastAPI()\n\n\n@app.get('/i', response_model=Item)\ndef i(): ...\n\n\n@app.get('/o', response_model=Other)\ndef o(): ...\n",
	}
	edits := []struct{ name, path, old, new, want string }{
		{"generator body", "app/gens.py", "return s.upper()", "return s.title().replace('_', '')", "ItemName"},
		{"model lines move", "app/models.py", "\n\nclass Item(", "\n\n# items\nclass Item(", "ItemName"},
		{"field added", "app/models.py", "    item_name: str\n", "    item_name: str\n    item_size: int = 0\n", "ItemName"},
		{"generator body again", "app/gens.py", "return s.title().replace('_', '')", "return s.replace('_', '-')", "item-name"},
	}
	ws := map[string]*facts.File{}
	extract := func(p string) {
		f, err := fixture.Python(context.Background(), p, []byte(srcs[p]))
		if err != nil {
			t.Fatal(err)
		}
		ws[p] = f
	}
	files := func() []*facts.File {
		out := make([]*facts.File, 0, len(ws))
		for _, f := range ws {
			out = append(out, f)
		}
		sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
		fixture.ResolveKinds(out)
		return out
	}
	for p := range srcs {
		extract(p)
	}
	for _, v := range []int{1, 2} {
		opts := openapi.Options{Pydantic: v}
		bl := openapi.NewBuilder()
		bl.Build(files(), opts)
		for _, e := range edits {
			if !strings.Contains(srcs[e.path], e.old) {
				t.Fatalf("%s: %q not in %s", e.name, e.old, e.path)
			}
			srcs[e.path] = strings.Replace(srcs[e.path], e.old, e.new, 1)
			extract(e.path)
			got, gotDiags := bl.Build(files(), opts)
			fresh := map[string][]byte{}
			for p, s := range srcs {
				fresh[p] = []byte(s)
			}
			ff, err := fixture.FromSources(context.Background(), fresh)
			if err != nil {
				t.Fatal(err)
			}
			want, wantDiags := openapi.Build(ff, opts)
			wj, _ := want.JSON()
			gj, _ := got.JSON()
			if string(wj) != string(gj) {
				t.Errorf("v%d %s: the Builder's document differs from a fresh build:\n%s\n%s", v, e.name, wj, gj)
			}
			if fmt.Sprint(wantDiags) != fmt.Sprint(gotDiags) {
				t.Errorf("v%d %s: diagnostics differ:\nfresh   %s\nbuilder %s", v, e.name, diagText(wantDiags), diagText(gotDiags))
			}
			var doc map[string]any
			_ = json.Unmarshal(gj, &doc)
			if names := propNames(doc, "Item"); len(names) == 0 || !containsStr(names, e.want) {
				t.Errorf("v%d %s: Item's properties %q, want %s", v, e.name, names, e.want)
			}
			if len(gotDiags) != 1 || !strings.Contains(gotDiags[0].Message, "alias generator odd") {
				t.Errorf("v%d %s: want one warning about odd, got\n%s", v, e.name, diagText(gotDiags))
			}
		}
		// Back to the start for the next mode.
		for i := len(edits) - 1; i >= 0; i-- {
			e := edits[i]
			srcs[e.path] = strings.Replace(srcs[e.path], e.new, e.old, 1)
			extract(e.path)
		}
	}
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
