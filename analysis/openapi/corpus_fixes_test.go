package openapi_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/farm-stack/farm-lsp/analysis/openapi"
	"github.com/farm-stack/farm-lsp/analysis/openapi/fixture"
	"github.com/farm-stack/farm-lsp/internal/textdiff"
)

// Fidelity fixes the corpus apps' Pydantic 2 variants revealed; each
// expectation is what FastAPI 0.115 / Pydantic 2.10 emits for the same
// source (TestOracleCorpus checks the apps themselves).

// A module-level Annotated alias used as a model field's type
// (`Password = Annotated[str, Field(min_length=8)]`, full-stack template)
// is the aliased type, also inside a union and from another module.
func TestAnnotatedAliasFieldType(t *testing.T) {
	for _, v := range []int{1, 2} {
		_, doc := build(t, map[string]string{
			"apps/api/src/__init__.py":        "",
			"apps/api/src/types.py":           "from typing import Annotated\nfrom pydantic import Field\nPassword = Annotated[str, Field(min_length=8)]\n",
			"apps/api/src/models/__init__.py": "",
			"apps/api/src/models/user.py": `from typing import Annotated, Optional
from pydantic import BaseModel, Field
from ..types import Password
Age = Annotated[int, Field(ge=0)]
class UserCreate(BaseModel):
    password: Password
    age: Age
    old: Optional[Password] = None
`,
			"apps/api/src/main.py": `from fastapi import FastAPI
from .models.user import UserCreate
app = FastAPI()
@app.post("/users", response_model=UserCreate)
def create(user: UserCreate):
    return user
`,
		}, v)
		props := at(doc, "components", "schemas", "UserCreate", "properties")
		if got := at(props, "password", "type"); got != "string" {
			t.Errorf("v%d: password type %v, want string", v, got)
		}
		if got := at(props, "age", "type"); got != "integer" {
			t.Errorf("v%d: age type %v, want integer", v, got)
		}
		old := at(props, "old")
		if v == 1 && at(old, "type") != "string" {
			t.Errorf("v1: old %v, want a string", old)
		}
		if v == 2 && !reflect.DeepEqual(at(old, "anyOf"), []any{map[string]any{"type": "string"}, map[string]any{"type": "null"}}) {
			t.Errorf("v2: old %v, want string or null", old)
		}
	}
}

// A cached component is rebuilt when a type alias it read in another
// module changes.
func TestBuilderTypeAliasAcrossModules(t *testing.T) {
	srcs := map[string][]byte{
		"apps/api/src/__init__.py": nil,
		"apps/api/src/types.py":    []byte("from typing import Annotated\nfrom pydantic import Field\nPassword = Annotated[str, Field(min_length=8)]\n"),
		"apps/api/src/models.py":   []byte("from pydantic import BaseModel\nfrom .types import Password\nclass UserCreate(BaseModel):\n    password: Password\n"),
		"apps/api/src/main.py":     []byte("from fastapi import FastAPI\nfrom .models import UserCreate\napp = FastAPI()\n@app.post(\"/users\")\ndef create(user: UserCreate) -> UserCreate:\n    return user\n"),
	}
	for _, v := range []int{1, 2} {
		bl := openapi.NewBuilder()
		for i, alias := range []string{"str", "int"} {
			srcs["apps/api/src/types.py"] = []byte("from typing import Annotated\nfrom pydantic import Field\nPassword = Annotated[" + alias + ", Field(min_length=8)]\n")
			files, err := fixture.FromSources(context.Background(), srcs)
			if err != nil {
				t.Fatal(err)
			}
			opts := openapi.Options{Pydantic: v}
			want, _ := openapi.Build(files, opts)
			got, _ := bl.Build(files, opts)
			wj, _ := want.FullJSON()
			gj, _ := got.FullJSON()
			if string(wj) != string(gj) {
				t.Errorf("v%d build %d: cached build differs from a fresh build\n%s", v, i, textdiff.First(string(wj), string(gj)))
			}
		}
	}
}

// `Annotated[OAuth2PasswordRequestForm, Depends()]` (the full-stack
// template's login) is the form class as a dependency: its fields are the
// form body, as with `form: OAuth2PasswordRequestForm = Depends()`.
func TestAnnotatedClassDependency(t *testing.T) {
	_, doc := build(t, map[string]string{
		"apps/api/src/__init__.py": "",
		"apps/api/src/main.py": `from typing import Annotated
from fastapi import Depends, FastAPI
from fastapi.security import OAuth2PasswordRequestForm
app = FastAPI()
@app.post("/login")
def login(form_data: Annotated[OAuth2PasswordRequestForm, Depends()]) -> str:
    return ""
`,
	}, 2)
	body := at(doc, "paths", "/login", "post", "requestBody", "content", "application/x-www-form-urlencoded", "schema", "$ref")
	if body != "#/components/schemas/Body_login_login_post" {
		t.Fatalf("login body %v, want the form's Body_login_login_post", body)
	}
	if got := keys(at(doc, "components", "schemas", "Body_login_login_post", "properties")); !reflect.DeepEqual(got, []string{"client_id", "client_secret", "grant_type", "password", "scope", "username"}) {
		t.Errorf("form fields %v", got)
	}
}

// Pydantic 2.10 leaves a model used both as input and output as two
// identical schemas, Name-Input and Name-Output, when it refers to a
// definition that refers to another (shop's OrderLine -> Product ->
// Category); a model referring only to definitions without references is
// named once. Expected: what FastAPI 0.115 / Pydantic 2.10 emits for this
// source.
func TestNestedInputOutputPairs(t *testing.T) {
	_, doc := build(t, map[string]string{
		"apps/api/src/__init__.py": "",
		"apps/api/src/main.py": `from enum import Enum
from typing import Optional
from fastapi import FastAPI
from pydantic import BaseModel

class E(str, Enum):
    a = "a"
class Leaf(BaseModel):
    s: str
class X1(BaseModel):
    l: list[Leaf]
    e: E
class Mid(BaseModel):
    l: Leaf
class X2(BaseModel):
    m: Optional[Mid] = None
class Rec(BaseModel):
    children: list["Rec"] = []
class Both(BaseModel):
    x1: X1
    x2: X2
    r: Rec
class OnlyOut(BaseModel):
    x2: X2
class OnlyIn(BaseModel):
    x2: list[X2]

app = FastAPI()
@app.post("/o", response_model=Both)
def f(o: Both): pass
@app.post("/p", response_model=OnlyOut)
def g(o: OnlyIn, x: X2): pass
`,
	}, 2)
	want := map[string]map[string]string{
		"Body_g_p_post":       {"o": "OnlyIn", "x": "X2-Input"},
		"Both-Input":          {"x1": "X1", "x2": "X2-Input", "r": "Rec-Input"},
		"Both-Output":         {"x1": "X1", "x2": "X2-Output", "r": "Rec-Output"},
		"E":                   nil,
		"Leaf":                {},
		"Mid":                 {"l": "Leaf"},
		"OnlyIn":              {"x2": "X2-Input"},
		"OnlyOut":             {"x2": "X2-Output"},
		"Rec-Input":           {"children": "Rec-Input"},
		"Rec-Output":          {"children": "Rec-Output"},
		"X1":                  {"l": "Leaf", "e": "E"},
		"X2-Input":            {"m": "Mid"},
		"X2-Output":           {"m": "Mid"},
		"HTTPValidationError": {"detail": "ValidationError"},
		"ValidationError":     {},
	}
	schemas, _ := at(doc, "components", "schemas").(map[string]any)
	if got := keys(schemas); !reflect.DeepEqual(got, keys(map[string]any(func() map[string]any {
		m := map[string]any{}
		for k := range want {
			m[k] = true
		}
		return m
	}()))) {
		t.Fatalf("components %v", got)
	}
	// The first $ref found under each property.
	var firstRef func(v any) string
	firstRef = func(v any) string {
		switch x := v.(type) {
		case map[string]any:
			if r, ok := x["$ref"].(string); ok {
				return strings.TrimPrefix(r, "#/components/schemas/")
			}
			for _, k := range []string{"items", "anyOf"} {
				if r := firstRef(x[k]); r != "" {
					return r
				}
			}
		case []any:
			for _, e := range x {
				if r := firstRef(e); r != "" {
					return r
				}
			}
		}
		return ""
	}
	for name, props := range want {
		for p, ref := range props {
			if got := firstRef(at(schemas, name, "properties", p)); got != ref {
				t.Errorf("%s.%s refers to %q, want %q", name, p, got, ref)
			}
		}
	}
	if got := at(doc, "paths", "/o", "post", "requestBody", "content", "application/json", "schema", "$ref"); got != "#/components/schemas/Both-Input" {
		t.Errorf("/o body %v", got)
	}
	if got := at(doc, "paths", "/o", "post", "responses", "200", "content", "application/json", "schema", "$ref"); got != "#/components/schemas/Both-Output" {
		t.Errorf("/o response %v", got)
	}
}

// A root model's schema is its root type's: Pydantic 2's
// `class ProductList(RootModel[list[Product]])` and `root:` field, Pydantic
// 1's `__root__`. Expected: what FastAPI 0.115 / 0.92 emit for this source.
func TestRootModels(t *testing.T) {
	_, doc := build(t, map[string]string{
		"apps/api/src/__init__.py": "",
		"apps/api/src/models.py": `from pydantic import BaseModel, RootModel
class Product(BaseModel):
    sku: str
class ProductList(RootModel[list[Product]]):
    pass
class Tags(RootModel):
    root: list[str]
class Plain(BaseModel):
    root: str
`,
		"apps/api/src/main.py": `from fastapi import FastAPI
from .models import Plain, ProductList, Tags
app = FastAPI()
@app.get("/products", response_model=ProductList)
def products(): pass
@app.put("/tags", response_model=Tags)
def tags(tags: Tags, p: Plain): pass
`,
	}, 2)
	pl := at(doc, "components", "schemas", "ProductList")
	if at(pl, "type") != "array" || at(pl, "items", "$ref") != "#/components/schemas/Product" || at(pl, "properties") != nil {
		t.Errorf("ProductList %v, want an array of Product", pl)
	}
	tg := at(doc, "components", "schemas", "Tags")
	if at(tg, "type") != "array" || at(tg, "items", "type") != "string" {
		t.Errorf("Tags %v, want an array of strings", tg)
	}
	if p := at(doc, "components", "schemas", "Plain"); at(p, "type") != "object" || at(p, "properties", "root", "type") != "string" {
		t.Errorf("Plain %v, want an object with a root property", p)
	}
	// Pydantic 1's custom root type (what FastAPI 0.92 emits).
	_, doc = build(t, map[string]string{
		"apps/api/src/__init__.py": "",
		"apps/api/src/models.py": `from typing import List
from pydantic import BaseModel
class Product(BaseModel):
    sku: str
class ProductList(BaseModel):
    __root__: List[Product]
class Tags(BaseModel):
    __root__: List[str]
`,
		"apps/api/src/main.py": `from fastapi import FastAPI
from .models import ProductList, Tags
app = FastAPI()
@app.get("/products", response_model=ProductList)
def products(): pass
@app.put("/tags", response_model=Tags)
def tags(tags: Tags): pass
`,
	}, 1)
	pl = at(doc, "components", "schemas", "ProductList")
	if at(pl, "type") != "array" || at(pl, "items", "$ref") != "#/components/schemas/Product" || at(pl, "properties") != nil {
		t.Errorf("v1: ProductList %v, want an array of Product", pl)
	}
	if tg := at(doc, "components", "schemas", "Tags"); at(tg, "type") != "array" || at(tg, "items", "type") != "string" {
		t.Errorf("v1: Tags %v, want an array of strings", tg)
	}
}

// FastAPI(generate_unique_id_function=…) and its overrides on routers,
// include_router and decorators name operations and Body_* schemas; the
// function's returned f-string / concatenation over route.tags, name,
// methods is evaluated with FastAPI's route.tags (include_router's and
// routers' tags, outermost first). Expected: what FastAPI 0.92 and 0.115
// emit for this source (the same in both).
func TestGenerateUniqueIDFunction(t *testing.T) {
	src := `from fastapi import APIRouter, Body, FastAPI
from fastapi.routing import APIRoute

PREFIX = "svc"


def custom_generate_unique_id(route: APIRoute) -> str:
    """Client method names."""
    return f"{route.tags[0]}-{route.name}"


def by_method(route):
    return PREFIX + "_" + list(route.methods)[0].lower() + str(route.name)


items = APIRouter(prefix="/items", tags=["items"])
admin = APIRouter(tags=["admin"], generate_unique_id_function=by_method)
api = APIRouter(tags=["api"])


@items.post("/", tags=["write"])
def create_item(name: str = Body(...), size: int = Body(...)):
    return {}


@items.get("/{id}", name="one_item")
def read_item(id: str):
    return {}


@admin.post("/reset")
def reset(token: str = Body(...), really: bool = Body(...)):
    return {}


api.include_router(items, tags=["v1"])
api.include_router(admin)

app = FastAPI(generate_unique_id_function=custom_generate_unique_id)
app.include_router(api, prefix="/api", tags=["outer"])


@app.get("/health", tags=["meta"])
def health():
    return {}
`
	for _, v := range []int{1, 2} {
		_, doc := build(t, map[string]string{"apps/api/src/__init__.py": "", "apps/api/src/main.py": src}, v)
		for _, c := range []struct{ path, method, id string }{
			{"/api/items/", "post", "outer-create_item"},
			{"/api/items/{id}", "get", "outer-one_item"},
			{"/api/reset", "post", "svc_postreset"},
			{"/health", "get", "meta-health"},
		} {
			if got := at(doc, "paths", c.path, c.method, "operationId"); got != c.id {
				t.Errorf("v%d %s %s: operationId %v, want %s", v, c.method, c.path, got, c.id)
			}
		}
		if got := keys(at(doc, "components", "schemas")); !reflect.DeepEqual(got, []string{"Body_outer-create_item", "Body_svc_postreset", "HTTPValidationError", "ValidationError"}) {
			t.Errorf("v%d: components %v", v, got)
		}
	}
	// A function that is not one return of what a static reader knows:
	// FastAPI's default id and a warning.
	other := strings.Replace(src, "def custom_generate_unique_id(route: APIRoute) -> str:", "def custom_generate_unique_id(route: APIRoute) -> str:\n    print(route)", 1)
	files, err := fixture.FromSources(context.Background(), map[string][]byte{"apps/api/src/__init__.py": nil, "apps/api/src/main.py": []byte(other)})
	if err != nil {
		t.Fatal(err)
	}
	d, diags := openapi.Build(files, openapi.Options{Pydantic: 2})
	var health *openapi.Operation
	for _, op := range d.Operations() {
		if op.Path == "/health" {
			health = op
		}
	}
	if health == nil || health.OperationID != "health_health_get" {
		t.Errorf("unreadable function: %+v, want the default id", health)
	}
	if len(diags) == 0 || !strings.Contains(string(diagText(diags)), "generate_unique_id_function custom_generate_unique_id") {
		t.Errorf("unreadable function: no warning: %s", diagText(diags))
	}
}

// A cached operation is rebuilt when the unique-id function it read in
// another module changes.
func TestBuilderUniqueIDAcrossModules(t *testing.T) {
	srcs := map[string][]byte{
		"apps/api/src/__init__.py": nil,
		"apps/api/src/main.py": []byte(`from fastapi import Body, FastAPI
from .ids import unique
app = FastAPI(generate_unique_id_function=unique)
@app.post("/items", tags=["items"])
def create(name: str = Body(...), size: int = Body(...)):
    return {}
`),
	}
	for _, v := range []int{1, 2} {
		bl := openapi.NewBuilder()
		for i, body := range []string{`f"{route.tags[0]}-{route.name}"`, `route.name`} {
			srcs["apps/api/src/ids.py"] = []byte("def unique(route):\n    return " + body + "\n")
			files, err := fixture.FromSources(context.Background(), srcs)
			if err != nil {
				t.Fatal(err)
			}
			opts := openapi.Options{Pydantic: v}
			want, _ := openapi.Build(files, opts)
			got, _ := bl.Build(files, opts)
			wj, _ := want.FullJSON()
			gj, _ := got.FullJSON()
			if string(wj) != string(gj) {
				t.Errorf("v%d build %d: cached build differs from a fresh build\n%s", v, i, textdiff.First(string(wj), string(gj)))
			}
			if i == 1 && !strings.Contains(string(wj), `"operationId": "create"`) && !strings.Contains(string(wj), `"operationId":"create"`) {
				t.Errorf("v%d: operationId is not the function's: %s", v, wj)
			}
		}
	}
}

// A Decimal default is rendered as FastAPI does: Pydantic 2 serialises it
// as its string, Pydantic 1 as a number (shop's grand_total).
func TestDecimalDefault(t *testing.T) {
	src := map[string]string{
		"apps/api/src/__init__.py": "",
		"apps/api/src/main.py": `from decimal import Decimal
from fastapi import FastAPI
from pydantic import BaseModel, Field
class Order(BaseModel):
    total: Decimal = Field(default=Decimal("9.90"))
    count: Decimal = Decimal(0)
app = FastAPI()
@app.get("/order", response_model=Order)
def order(): pass
`,
	}
	for v, want := range map[int][2]any{1: {9.9, 0.0}, 2: {"9.90", "0"}} {
		_, doc := build(t, src, v)
		props := at(doc, "components", "schemas", "Order", "properties")
		if got := at(props, "total", "default"); got != want[0] {
			t.Errorf("v%d: total default %#v, want %#v", v, got, want[0])
		}
		if got := at(props, "count", "default"); got != want[1] {
			t.Errorf("v%d: count default %#v, want %#v", v, got, want[1])
		}
	}
}

// responses={…} of include_router, a router and the decorator (a
// module-level dict too; an inner code replaces an outer one) add
// FastAPI's additional responses, with a model's schema; a 4XX entry
// stands in for the 422. Expected: what FastAPI 0.92 and 0.115 emit.
func TestAdditionalResponses(t *testing.T) {
	src := `from fastapi import APIRouter, FastAPI
from pydantic import BaseModel


class Message(BaseModel):
    detail: str


class Item(BaseModel):
    name: str


COMMON = {401: {"description": "Not signed in"}, 404: {"description": "Gone"}}

router = APIRouter(prefix="/items", responses={404: {"description": "Not found"}, "4XX": {"model": Message}})


@router.get("/{item_id}", response_model=Item, responses={404: {"model": Message}, 409: {"description": "Conflict"}})
def read_item(item_id: str):
    return {}


@router.get("/", response_model=list[Item])
def list_items():
    return []


app = FastAPI()
app.include_router(router, responses=COMMON)
`
	for _, v := range []int{1, 2} {
		_, doc := build(t, map[string]string{"apps/api/src/__init__.py": "", "apps/api/src/main.py": src}, v)
		want := map[string]map[string]string{
			"/items/{item_id}": {"200": "Item", "401": "", "404": "Message", "4XX": "Message", "409": ""},
			"/items/":          {"200": "", "401": "", "404": "", "4XX": "Message"},
		}
		for path, codes := range want {
			rs, _ := at(doc, "paths", path, "get", "responses").(map[string]any)
			if got := keys(rs); !reflect.DeepEqual(got, keys(map[string]any(func() map[string]any {
				m := map[string]any{}
				for c := range codes {
					m[c] = true
				}
				return m
			}()))) {
				t.Errorf("v%d %s: responses %v", v, path, got)
			}
			for code, model := range codes {
				ref, _ := at(rs, code, "content", "application/json", "schema", "$ref").(string)
				if model != "" && ref != "#/components/schemas/"+model {
					t.Errorf("v%d %s %s: schema %v, want %s", v, path, code, at(rs, code), model)
				}
				if model == "" && code != "200" && at(rs, code, "content") != nil {
					t.Errorf("v%d %s %s: content %v, want none", v, path, code, at(rs, code, "content"))
				}
			}
		}
	}
}

// A Pydantic 2 plain @field_serializer with a return annotation types the
// field in the output schema (its own class's or a base class's), makes
// the model differ between input and output, and — called by Pydantic
// with the default alone, which a method cannot take — leaves the
// output without the default. Expected: what FastAPI 0.115 emits.
func TestFieldSerializers(t *testing.T) {
	_, doc := build(t, map[string]string{"apps/api/src/__init__.py": "", "apps/api/src/main.py": `from datetime import datetime

from fastapi import FastAPI
from pydantic import BaseModel, field_serializer


class Stamped(BaseModel):
    created_at: datetime

    @field_serializer("created_at")
    def iso(self, value: datetime) -> str:
        return value.isoformat()


class Event(Stamped):
    name: str
    count: float = 0

    @field_serializer("count", "name")
    def plain(self, value) -> int | str:
        return value


app = FastAPI()


@app.put("/events", response_model=Event)
def put_event(event: Event):
    return event
`}, 2)
	in := at(doc, "components", "schemas", "Event-Input", "properties")
	out := at(doc, "components", "schemas", "Event-Output", "properties")
	if at(in, "created_at", "format") != "date-time" || at(out, "created_at", "type") != "string" || at(out, "created_at", "format") != nil {
		t.Errorf("created_at: input %v, output %v", at(in, "created_at"), at(out, "created_at"))
	}
	union := []any{map[string]any{"type": "integer"}, map[string]any{"type": "string"}}
	for _, f := range []string{"name", "count"} {
		if !reflect.DeepEqual(at(out, f, "anyOf"), union) {
			t.Errorf("output %s: %v, want integer or string", f, at(out, f))
		}
	}
	if at(in, "count", "default") == nil || at(out, "count", "default") != nil {
		t.Errorf("count default: input %v, output %v; want only the input's", at(in, "count"), at(out, "count"))
	}
}

// deprecated=True (on a route, a router or include_router: any marks the
// operation) and include_in_schema=False (at any level: the route is not
// documented). Expected: what FastAPI 0.92 and 0.115 emit.
func TestDeprecatedAndHiddenRoutes(t *testing.T) {
	for _, v := range []int{1, 2} {
		_, doc := build(t, map[string]string{"apps/api/src/__init__.py": "", "apps/api/src/main.py": `from fastapi import APIRouter, FastAPI

old = APIRouter(prefix="/old", deprecated=True)
internal = APIRouter(prefix="/internal", include_in_schema=False)
items = APIRouter(prefix="/items")


@old.get("/a")
def old_a():
    return {}


@internal.get("/b")
def internal_b():
    return {}


@items.get("/c", deprecated=True)
def item_c():
    return {}


@items.get("/d", include_in_schema=False)
def item_d():
    return {}


@items.get("/e")
def item_e():
    return {}


app = FastAPI()
app.include_router(old)
app.include_router(internal)
app.include_router(items)
app.include_router(items, prefix="/v0", deprecated=True)
app.include_router(items, prefix="/hidden", include_in_schema=False)
`}, v)
		want := map[string]bool{"/old/a": true, "/items/c": true, "/items/e": false, "/v0/items/c": true, "/v0/items/e": true}
		paths, _ := at(doc, "paths").(map[string]any)
		if got := keys(paths); !reflect.DeepEqual(got, []string{"/items/c", "/items/e", "/old/a", "/v0/items/c", "/v0/items/e"}) {
			t.Errorf("v%d: paths %v", v, got)
		}
		for p, dep := range want {
			if got, _ := at(paths, p, "get", "deprecated").(bool); got != dep {
				t.Errorf("v%d %s: deprecated %v, want %v", v, p, got, dep)
			}
		}
	}
}
