package openapi_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/analysis/openapi"
	"github.com/farm-stack/farm-lsp/analysis/openapi/fixture"
)

// build extracts srcs and returns the v1 document as generic JSON (the
// OpenAPI view: reached schemas only).
func build(t *testing.T, srcs map[string]string, v int) (*openapi.Document, map[string]any) {
	t.Helper()
	doc, out, _ := buildDiags(t, srcs, v)
	return doc, out
}

// buildDiags is build with the build's diagnostics.
func buildDiags(t *testing.T, srcs map[string]string, v int) (*openapi.Document, map[string]any, []facts.Diagnostic) {
	t.Helper()
	b := map[string][]byte{}
	for p, s := range srcs {
		b[p] = []byte(s)
	}
	files, err := fixture.FromSources(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	doc, diags := openapi.Build(files, openapi.Options{Pydantic: v})
	raw, err := doc.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return doc, out, diags
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

func ops(t *testing.T, doc map[string]any, path, method string) map[string]any {
	t.Helper()
	op, _ := at(doc, "paths", path, method).(map[string]any)
	if op == nil {
		t.Fatalf("no %s %s in %v", method, path, keys(at(doc, "paths")))
	}
	return op
}

func paramSet(op map[string]any) string {
	var out []string
	ps, _ := op["parameters"].([]any)
	for _, p := range ps {
		m := p.(map[string]any)
		req := ""
		if m["required"] == true {
			req = "!"
		}
		out = append(out, m["in"].(string)+":"+m["name"].(string)+req)
	}
	return strings.Join(sortStrings(out), ",")
}

// Item 3: parameters declared by dependencies (functions, sub-dependencies,
// classes, Annotated[..., Depends(...)], router-level dependencies) are
// flattened into the operation.
func TestDependencyParametersFlattened(t *testing.T) {
	_, doc := build(t, map[string]string{
		"api/src/deps.py": `from typing import Annotated, Optional
from fastapi import Depends, Header, Query

def paging(skip: int = 0, limit: int = Query(20)):
    return skip, limit

async def get_note(note_id: str, page=Depends(paging)):
    ...

class Filters:
    def __init__(self, q: Optional[str] = None):
        self.q = q

def tenant(x_tenant: str = Header(...)):
    ...
`,
		"api/src/main.py": `from typing import Annotated
from fastapi import APIRouter, Depends, FastAPI
from .deps import Filters, get_note, tenant

app = FastAPI()
router = APIRouter(dependencies=[Depends(tenant)])

@router.get("/notes/{note_id}")
def read_note(note=Depends(get_note), filters: Filters = Depends()):
    ...

@router.get("/a/{note_id}")
def read_annotated(note: Annotated[dict, Depends(get_note)]):
    ...

app.include_router(router)
`,
	}, 1)
	want := "header:x-tenant!,path:note_id!,query:limit,query:q,query:skip"
	if got := paramSet(ops(t, doc, "/notes/{note_id}", "get")); got != want {
		t.Errorf("params = %s\nwant     %s", got, want)
	}
	if got := paramSet(ops(t, doc, "/a/{note_id}", "get")); got != "header:x-tenant!,path:note_id!,query:limit,query:skip" {
		t.Errorf("annotated: params = %s", got)
	}
}

// Item 4: markers not written inline — a module-level Body(embed=True), an
// Annotated alias, Form/File bodies, security dependencies.
func TestMarkersNotInline(t *testing.T) {
	src := map[string]string{
		"api/src/main.py": `from typing import Annotated
from fastapi import Body, Depends, FastAPI, File, Form, Path, UploadFile
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm

app = FastAPI()
embed = Body(..., embed=True)
UserId = Annotated[str, Path(min_length=3)]
oauth2 = OAuth2PasswordBearer(tokenUrl="/token")

def current_user(token: str = Depends(oauth2)):
    ...

@app.post("/reset")
def reset(email: str = embed):
    ...

@app.get("/users/{uid}")
def user(uid: UserId, me=Depends(current_user)):
    ...

@app.post("/token")
def token(form: OAuth2PasswordRequestForm = Depends()):
    ...

@app.post("/upload")
def upload(file: UploadFile = File(...), note: str = Form("")):
    ...
`,
	}
	_, doc := build(t, src, 1)
	reset := ops(t, doc, "/reset", "post")
	if paramSet(reset) != "" || at(reset, "requestBody", "content", "application/json", "schema", "$ref") != "#/components/schemas/Body_reset_reset_post" {
		t.Errorf("embed marker: %s", js(reset))
	}
	if got := keys(at(doc, "components", "schemas", "Body_reset_reset_post", "properties")); strings.Join(got, ",") != "email" {
		t.Errorf("Body_reset properties = %v", got)
	}
	user := ops(t, doc, "/users/{uid}", "get")
	if got := paramSet(user); got != "path:uid!" {
		t.Errorf("annotated alias: params = %s", got)
	}
	if sec := js(user["security"]); sec != `[{"OAuth2PasswordBearer":[]}]` {
		t.Errorf("security = %s", sec)
	}
	if s := js(at(doc, "components", "securitySchemes")); s != `{"OAuth2PasswordBearer":{"flows":{"password":{"scopes":{},"tokenUrl":"/token"}},"type":"oauth2"}}` {
		t.Errorf("securitySchemes = %s", s)
	}
	tok := ops(t, doc, "/token", "post")
	if paramSet(tok) != "" || at(tok, "requestBody", "content", "application/x-www-form-urlencoded") == nil {
		t.Errorf("password form must be a form body, not query: %s", js(tok))
	}
	if got := strings.Join(keys(at(doc, "components", "schemas", "Body_token_token_post", "properties")), ","); got != "client_id,client_secret,grant_type,password,scope,username" {
		t.Errorf("form fields = %s", got)
	}
	up := ops(t, doc, "/upload", "post")
	if at(up, "requestBody", "content", "multipart/form-data") == nil {
		t.Errorf("file upload: %s", js(up))
	}
	if f := js(at(doc, "components", "schemas", "Body_upload_upload_post", "properties", "file")); f != `{"format":"binary","title":"File","type":"string"}` && f != `{"format":"binary","type":"string"}` {
		t.Errorf("file property = %s", f)
	}
}

// Item 11: prefixes that are not literals are evaluated; an unknown one is
// a warning at the expression and its routes are left out.
func TestPrefixValues(t *testing.T) {
	d, doc := build(t, map[string]string{
		"api/src/__init__.py": "",
		"api/src/core/config.py": `from pydantic import BaseSettings
API_V1_STR = "/api/v1"
VERSION = 2

class Settings(BaseSettings):
    api_prefix: str = "/svc"

settings = Settings()
`,
		"api/src/routes/users.py": "from fastapi import APIRouter\nfrom ..core.config import API_V1_STR\nrouter = APIRouter(prefix=API_V1_STR + \"/users\")\n\n@router.get(\"/\")\ndef users():\n    ...\n",
		"api/src/routes/items.py": "from fastapi import APIRouter\nrouter = APIRouter()\n\n@router.get(\"/items\")\ndef items():\n    ...\n",
		"api/src/routes/misc.py":  "from fastapi import APIRouter\nrouter = APIRouter()\n\n@router.get(\"/misc\")\ndef misc():\n    ...\n",
		"api/src/main.py": `from fastapi import FastAPI
from src.core import config
from src.core.config import settings
from .routes import items, misc, users
import os

app = FastAPI()
app.include_router(users.router)
app.include_router(items.router, prefix=f"{settings.api_prefix}/v{config.VERSION}")
app.include_router(misc.router, prefix=os.environ["PREFIX"])
`,
	}, 1)
	var got []string
	for p := range at(doc, "paths").(map[string]any) {
		got = append(got, p)
	}
	if g := strings.Join(sortStrings(got), ","); g != "/api/v1/users/,/svc/v2/items" {
		t.Errorf("paths = %s", g)
	}
	if len(d.Paths) != 2 {
		t.Errorf("document paths = %d", len(d.Paths))
	}
}

// Item 11: the warning for a prefix that cannot be known.
func TestUnknownPrefixWarns(t *testing.T) {
	b := map[string][]byte{
		"api/main.py": []byte("import os\nfrom fastapi import FastAPI, APIRouter\napp = FastAPI()\nr = APIRouter()\n\n@r.get(\"/x\")\ndef x():\n    ...\n\napp.include_router(r, prefix=os.environ[\"P\"])\n"),
	}
	files, err := fixture.FromSources(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	doc, diags := openapi.Build(files, openapi.Options{Pydantic: 1})
	if len(doc.Paths) != 0 {
		t.Errorf("a path was made up: %s", doc.Paths[0].Path)
	}
	if len(diags) != 1 || diags[0].Code != "unknown-value" || diags[0].Range.Start.Line != 9 || diags[0].Range.Start.Char != 29 {
		t.Errorf("diags = %+v", diags)
	}
}

// Item 12: route name=, alias generators (v1 Config, v2 model_config),
// custom types' schema hooks, v2 embedded body property names.
func TestNamingAndSchemaHooks(t *testing.T) {
	common := map[string]string{
		"api/src/util.py": "def to_camel(s: str) -> str:\n    first, *rest = s.split('_')\n    return first + ''.join(w.capitalize() for w in rest)\n",
		"api/src/models/ids.py": `class ObjectIdStr(str):
    @classmethod
    def __modify_schema__(cls, field_schema):
        field_schema.update(type="string", format="objectid")

class ObjectIdV2(str):
    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema, handler):
        return {"type": "string", "format": "oid"}
`,
		"api/src/main.py": `from fastapi import Body, FastAPI
from .models.m import Camel1, Camel2

app = FastAPI()

@app.post("/r/{pid}", name="add_review")
def post_review(pid: str, rating: int = Body(...), text: str = Body(None, alias="reviewText")):
    ...

@app.get("/c1", response_model=Camel1)
def c1():
    ...

@app.get("/c2", response_model=Camel2)
def c2():
    ...
`,
	}
	v1 := map[string]string{"api/src/models/m.py": `from pydantic import BaseModel
from ..util import to_camel
from .ids import ObjectIdStr

class Base(BaseModel):
    class Config:
        alias_generator = to_camel

class Camel1(Base):
    item_id: ObjectIdStr
    unit_price: float

class Camel2(BaseModel):
    plain_name: str
`}
	v2 := map[string]string{"api/src/models/m.py": `from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel
from .ids import ObjectIdV2

class Camel1(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel)
    item_id: ObjectIdV2
    unit_price: float

class Camel2(BaseModel):
    plain_name: str
`}
	for _, tc := range []struct {
		v      int
		src    map[string]string
		format string
		text   string
	}{{1, v1, "objectid", "reviewText"}, {2, v2, "oid", "text"}} {
		srcs := map[string]string{}
		for k, v := range common {
			srcs[k] = v
		}
		for k, v := range tc.src {
			srcs[k] = v
		}
		_, doc := build(t, srcs, tc.v)
		op := ops(t, doc, "/r/{pid}", "post")
		if op["operationId"] != "add_review_r__pid__post" || op["summary"] != "Add Review" {
			t.Errorf("v%d: operationId %v summary %v", tc.v, op["operationId"], op["summary"])
		}
		body := at(doc, "components", "schemas", "Body_add_review_r__pid__post", "properties")
		if got := strings.Join(keys(body), ","); got != "rating,"+tc.text {
			t.Errorf("v%d: body properties = %s", tc.v, got)
		}
		c1 := at(doc, "components", "schemas", "Camel1", "properties")
		if got := strings.Join(keys(c1), ","); got != "itemId,unitPrice" {
			t.Errorf("v%d: alias generator: %s", tc.v, got)
		}
		if f := at(c1, "itemId", "format"); f != tc.format {
			t.Errorf("v%d: schema hook format = %v", tc.v, f)
		}
		if got := strings.Join(keys(at(doc, "components", "schemas", "Camel2", "properties")), ","); got != "plain_name" {
			t.Errorf("v%d: no generator: %s", tc.v, got)
		}
	}
}

// Item 11: a settings class that reads a committed .env takes its value
// from there (env_prefix, case-insensitive names); without the file, the
// literal default.
func TestSettingsDotEnv(t *testing.T) {
	b := map[string][]byte{
		"apps/api/src/__init__.py": nil,
		"apps/api/src/config.py": []byte(`from pydantic_settings import BaseSettings, SettingsConfigDict

class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_prefix="APP_")
    api_prefix: str = "/default"

settings = Settings()
`),
		"apps/api/src/main.py": []byte("from fastapi import FastAPI, APIRouter\nfrom .config import settings\napp = FastAPI()\nr = APIRouter()\n\n@r.get(\"/x\")\ndef x():\n    ...\n\napp.include_router(r, prefix=settings.api_prefix)\n"),
	}
	files, err := fixture.FromSources(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "apps/api"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ env, want string }{
		{"", "/default/x"},
		{"# local\nexport app_api_prefix='/from-env'\n", "/from-env/x"},
	} {
		envPath := filepath.Join(root, "apps/api/.env")
		os.Remove(envPath)
		if tc.env != "" {
			if err := os.WriteFile(envPath, []byte(tc.env), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		doc, diags := openapi.Build(files, openapi.Options{Pydantic: 2, ReadFile: openapi.DirReader(root)})
		if len(doc.Paths) != 1 || doc.Paths[0].Path != tc.want || len(diags) != 0 {
			t.Errorf(".env %q: paths %v diags %v, want %s", tc.env, doc.Paths, diags, tc.want)
		}
	}
	if _, err := openapi.DirReader(root)("../outside/.env"); err == nil {
		t.Error("DirReader read outside the workspace")
	}
}

// Discriminated unions (Field(discriminator=…) on a field or as Annotated
// metadata) are a oneOf with the tag's mapping, as FastAPI renders them
// (the oracle corpus's shop apps check the same against the real FastAPI);
// a member whose tag is not a Literal of strings leaves the union as it
// was, with a warning at the field.
func TestDiscriminatedUnions(t *testing.T) {
	src := `from typing import Annotated, List, Literal, Optional, Union

from fastapi import FastAPI
from pydantic import BaseModel, Field


class Cat(BaseModel):
    pet_type: Literal["cat"]


class Lizard(BaseModel):
    pet_type: Literal["reptile", "lizard"]


class Rock(BaseModel):
    pet_type: str


class Fish(BaseModel):
    pet_type: Literal["fish"] = Field(..., alias="petType")


class Owner(BaseModel):
    pet: Union[Cat, Lizard] = Field(..., discriminator="pet_type")
    pets: List[Annotated[Union[Lizard, Cat], Field(discriminator="pet_type")]] = []
    maybe: Optional[Union[Cat, Lizard]] = Field(None, discriminator="pet_type")
    odd: Union[Cat, Rock] = Field(..., discriminator="pet_type")
    named: Union[Cat, Fish] = Field(..., discriminator="pet_type")


app = FastAPI()


@app.post("/owners", response_model=Owner)
def create(o: Owner):
    return o
`
	ref := func(n string) any { return map[string]any{"$ref": "#/components/schemas/" + n} }
	catLizard := map[string]any{
		"oneOf": []any{ref("Cat"), ref("Lizard")},
		"discriminator": map[string]any{"propertyName": "pet_type", "mapping": map[string]any{
			"cat": "#/components/schemas/Cat", "reptile": "#/components/schemas/Lizard", "lizard": "#/components/schemas/Lizard",
		}},
	}
	for _, v := range []int{1, 2} {
		_, out, diags := buildDiags(t, map[string]string{"api/main.py": src}, v)
		owner := func(p string) any { return at(out, "components", "schemas", "Owner", "properties", p) }
		if got := owner("pet"); !reflect.DeepEqual(got, catLizard) {
			t.Errorf("v%d pet = %s", v, js(got))
		}
		items := at(owner("pets"), "items")
		if got := at(items, "oneOf"); !reflect.DeepEqual(got, []any{ref("Lizard"), ref("Cat")}) {
			t.Errorf("v%d pets items = %s", v, js(items))
		}
		maybe := owner("maybe")
		if v == 2 {
			maybe = at(maybe, "anyOf").([]any)[0] // beside {"type": "null"}
		}
		if !reflect.DeepEqual(maybe, catLizard) {
			t.Errorf("v%d maybe = %s", v, js(owner("maybe")))
		}
		for _, p := range []string{"odd", "named"} {
			if got := owner(p); at(got, "oneOf") != nil || at(got, "anyOf") == nil {
				t.Errorf("v%d %s = %s, want the plain union", v, p, js(got))
			}
		}
		if len(diags) != 2 || diags[0].Range.Start.Line != 26 || !strings.Contains(diags[0].Message, `the tag "pet_type" of every member`) ||
			diags[1].Range.Start.Line != 27 || !strings.Contains(diags[1].Message, `differently (pet_type, petType)`) {
			t.Errorf("v%d diags = %+v", v, diags)
		}
	}
}
