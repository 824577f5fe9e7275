package openapi_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/farm-stack/farm-lsp/analysis/openapi"
	"github.com/farm-stack/farm-lsp/analysis/openapi/fixture"
)

// build extracts srcs and returns the v1 document as generic JSON (the
// OpenAPI view: reached schemas only).
func build(t *testing.T, srcs map[string]string, v int) (*openapi.Document, map[string]any) {
	t.Helper()
	b := map[string][]byte{}
	for p, s := range srcs {
		b[p] = []byte(s)
	}
	files, err := fixture.FromSources(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := openapi.Build(files, openapi.Options{Pydantic: v})
	raw, err := doc.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return doc, out
}

func at(v any, path ...string) any {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

func keys(v any) []string {
	m, _ := v.(map[string]any)
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return sortStrings(out)
}

func sortStrings(s []string) []string {
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	return s
}

// Item 1: two classes named Item in different modules; routes name them
// through imports; FastAPI names both by module.
func TestClashingModelsResolvedByImport(t *testing.T) {
	_, doc := build(t, map[string]string{
		"apps/api/src/__init__.py":         "",
		"apps/api/src/models/__init__.py":  "from .item import Item\n",
		"apps/api/src/models/item.py":      "from beanie import Document\nclass Item(Document):\n    name: str\n    stock: int\n",
		"apps/api/src/schemas/__init__.py": "",
		"apps/api/src/schemas/item.py":     "from pydantic import BaseModel\nclass Item(BaseModel):\n    title: str\n",
		"apps/api/src/main.py": `from fastapi import FastAPI
from src.models import Item
from .schemas import item as schemas
app = FastAPI()

@app.post("/items", response_model=Item)
def create(body: schemas.Item):
    ...
`,
	}, 1)
	schemas := at(doc, "components", "schemas")
	got := strings.Join(keys(schemas), ",")
	want := "HTTPValidationError,ValidationError,src__models__item__Item,src__schemas__item__Item"
	if got != want {
		t.Fatalf("schemas = %s\nwant      %s", got, want)
	}
	if props := keys(at(schemas, "src__schemas__item__Item", "properties")); strings.Join(props, ",") != "title" {
		t.Errorf("schemas Item properties = %v", props)
	}
	body := at(doc, "paths", "/items", "post", "requestBody", "content", "application/json", "schema", "$ref")
	if body != "#/components/schemas/src__schemas__item__Item" {
		t.Errorf("body = %v", body)
	}
	resp := at(doc, "paths", "/items", "post", "responses", "200", "content", "application/json", "schema", "$ref")
	if resp != "#/components/schemas/src__models__item__Item" {
		t.Errorf("response = %v", resp)
	}
}

// Item 2: a model no route reaches is not in the OpenAPI JSON, but stays
// in the document for the TypeScript models.
func TestUnreachedModelsOnlyForTypeScript(t *testing.T) {
	d, doc := build(t, map[string]string{
		"apps/api/src/models/item.py": "from pydantic import BaseModel\nclass Item(BaseModel):\n    name: str\nclass Unused(BaseModel):\n    x: int\n",
		"apps/api/src/main.py":        "from fastapi import FastAPI\nfrom .models.item import Item\napp = FastAPI()\n\n@app.get(\"/i\", response_model=Item)\ndef get():\n    ...\n",
	}, 1)
	if got := strings.Join(keys(at(doc, "components", "schemas")), ","); got != "Item" {
		t.Errorf("openapi schemas = %s, want Item", got)
	}
	if ns := d.Schema("Unused"); ns == nil || !ns.Unreached {
		t.Errorf("Unused should stay in the document, marked unreached: %+v", ns)
	}
}
