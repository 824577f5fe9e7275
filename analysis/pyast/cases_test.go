package pyast

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/analysis/parse"
)

func indexText(ixs []facts.Index) string {
	var parts []string
	for _, ix := range ixs {
		var keys []string
		for _, k := range ix.Keys {
			keys = append(keys, fmt.Sprintf("%s:%d", k.Field, k.Dir))
		}
		s := ix.Name + "{" + strings.Join(keys, ",") + "}"
		if ix.Unique {
			s += "!"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

func TestIndexForms(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, body, want string
	}{
		{"string", `indexes = ["email"]`, "email_1{email:1}"},
		{"compound", `indexes = [[("a", 1), ("b", -1)]]`, "a_1_b_-1{a:1,b:-1}"},
		{"pymongo constants", `indexes = [[("a", pymongo.ASCENDING), ("b", DESCENDING)]]`, "a_1_b_-1{a:1,b:-1}"},
		{"bare pair", `indexes = [("a", -1)]`, "a_-1{a:-1}"},
		{"IndexModel", `indexes = [IndexModel([("a", 1)], unique=True, name="x")]`, "x{a:1}!"},
		{"IndexModel keys=", `indexes = [pymongo.IndexModel(keys=[("a", 1), ("c", -1)])]`, "a_1_c_-1{a:1,c:-1}"},
		{"IndexModel string", `indexes = [IndexModel("a")]`, "a_1{a:1}"},
		{"text", `indexes = [[("body", pymongo.TEXT)], [("loc", "2dsphere")]]`, "body_text{body:0} loc_2dsphere{loc:0}"},
		{"tuple of indexes", `indexes = ("a", "b")`, "a_1{a:1} b_1{b:1}"},
		{"unknown skipped", `indexes = [make_index(), "a"]`, "a_1{a:1}"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := "class U(Document):\n    x: int\n\n    class Settings:\n        name = 'u'\n        " + c.body + "\n"
			f := extractString(t, src)
			if len(f.Models) != 1 || f.Models[0].Settings == nil {
				t.Fatalf("no settings: %+v", f.Models)
			}
			if got := indexText(f.Models[0].Settings.Indexes); got != c.want {
				t.Errorf("indexes = %s, want %s", got, c.want)
			}
		})
	}
}

func TestFieldIndexes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		ann, want string
	}{
		{"Indexed(str)", "f_1{f:1}"},
		{"Indexed(str, unique=True)", "f_1{f:1}!"},
		{"Indexed(str, pymongo.DESCENDING)", "f_-1{f:-1}"},
		{"Indexed(str, index_type=pymongo.TEXT)", "f_text{f:0}"},
		{"Annotated[str, Indexed(unique=True)]", "f_1{f:1}!"},
		{"typing.Annotated[int, Indexed()]", "f_1{f:1}"},
		{"Annotated[str, Field(max_length=3)]", ""},
		{"str", ""},
	}
	for _, c := range cases {
		f := extractString(t, "class U(Document):\n    f: "+c.ann+"\n")
		got := ""
		if s := f.Models[0].Settings; s != nil {
			got = indexText(s.Indexes)
		}
		if got != c.want {
			t.Errorf("%s: indexes = %q, want %q", c.ann, got, c.want)
		}
	}
	// On a plain BaseModel, Indexed means nothing.
	if f := extractString(t, "class U(BaseModel):\n    f: Indexed(str)\n"); f.Models[0].Settings != nil {
		t.Errorf("BaseModel got settings %+v", f.Models[0].Settings)
	}
}

func TestFieldForms(t *testing.T) {
	t.Parallel()
	cases := []struct {
		line    string
		want    string // name|ann|default|hasDefault|factory|alias|classVar
		exclude bool
	}{
		{"a: int", "a|int||false|||false", false},
		{"a: int = 5", "a|int|5|true|||false", false},
		{"a: int = ...", "a|int|...|false|||false", false},
		{"a: int = Field(...)", "a|int|...|false|||false", false},
		{"a: int = Field()", "a|int||false|||false", false},
		{"a: int = Field(5, ge=0)", "a|int|5|true|||false", false},
		{"a: int = Field(default=5)", "a|int|5|true|||false", false},
		{"a: list[int] = Field(default_factory=list)", "a|list[int]||true|list||false", false},
		{"a: str = Field(..., alias='A')", "a|str|...|false||A|false", false},
		{"a: str = pydantic.Field(None, alias=\"é\")", "a|str|None|true||é|false", false},
		{"a: ClassVar[int] = 1", "a|ClassVar[int]|1|true|||true", false},
		{"a: typing.ClassVar[int] = 1", "a|typing.ClassVar[int]|1|true|||true", false},
		{"a: ClassVar = 1", "a|ClassVar|1|true|||true", false},
		{"_a: int = 1", "", true},
		{"model_config = ConfigDict()", "", true},
		{"model_config: ClassVar[ConfigDict] = ConfigDict()", "", true},
		{"a = 1", "", true},
		{"a.b: int = 1", "", true},
	}
	for _, c := range cases {
		f := extractString(t, "class M(BaseModel):\n    "+c.line+"\n")
		fs := f.Models[0].Fields
		if c.exclude {
			if len(fs) != 0 {
				t.Errorf("%q: want no field, got %+v", c.line, fs)
			}
			continue
		}
		if len(fs) != 1 {
			t.Errorf("%q: got %d fields", c.line, len(fs))
			continue
		}
		x := fs[0]
		got := fmt.Sprintf("%s|%s|%s|%v|%s|%s|%v", x.Name, x.Annotation, x.Default, x.HasDefault, x.DefaultFactory, x.Alias, x.ClassVar)
		if got != c.want {
			t.Errorf("%q: got %s, want %s", c.line, got, c.want)
		}
	}
}

func TestModelKindsAndEnums(t *testing.T) {
	t.Parallel()
	src := `
class A(Document): pass
class B(beanie.Document): pass
class C(BaseModel): pass
class D(pydantic.BaseModel, Generic[K, V]): pass
class E(A): pass
class F(str, Enum):
    X = "x"
class G(enum.IntEnum):
    ONE = 1
    TWO = auto()
class H(StrEnum): pass
@dataclass
class I: pass
`
	f := extractString(t, src)
	var got []string
	for _, m := range f.Models {
		got = append(got, fmt.Sprintf("%s:%s:%s", m.Name, m.Kind, strings.Join(m.TypeVars, ",")))
	}
	if want := "A:document: B:document: C:basemodel: D:basemodel:K,V E:: I::"; strings.Join(got, " ") != want {
		t.Errorf("models = %s, want %s", strings.Join(got, " "), want)
	}
	got = nil
	for _, e := range f.Enums {
		got = append(got, e.Name+"="+memberList(e.Members))
	}
	if want := `F=X="x" G=ONE=1, TWO=auto() H=`; strings.Join(got, " ") != want {
		t.Errorf("enums = %s, want %s", strings.Join(got, " "), want)
	}
}

func TestRouteParams(t *testing.T) {
	t.Parallel()
	src := `
@router.post("/items/{id}", status_code=status.HTTP_204_NO_CONTENT)
def h(
    id: int = Path(..., ge=1),
    q: str | None = Query(None, max_length=5),
    r: Annotated[str, Query(alias="R")] = "x",
    s: Annotated[int, Path()],
    body: Item = Body(embed=True),
    h: str = Header(default="a"),
    c: str = Cookie(),
    f: UploadFile = File(...),
    g: str = Form(""),
    db: Session = Depends(get_db),
    user: Annotated[User, Depends(current_user)],
    sec: User = Security(auth, scopes=["me"]),
    plain: int = 3,
    untyped,
    *args,
    **kwargs,
):
    pass
`
	f := extractString(t, src)
	if len(f.Routes) != 1 {
		t.Fatalf("routes: %+v", f.Routes)
	}
	r := f.Routes[0]
	if r.Method != "POST" || r.Path != "/items/{id}" || r.StatusCode != 204 || r.Router != "router" || r.Async {
		t.Errorf("route = %+v", r)
	}
	want := []string{
		"id|int|...|false|Path|ge=1",
		"q|str | None|None|true|Query|max_length=5",
		"r|Annotated[str, Query(alias=\"R\")]|\"x\"|true|Query|alias=\"R\"",
		"s|Annotated[int, Path()]||false|Path|",
		"body|Item||false|Body|embed=True",
		"h|str|\"a\"|true|Header|default=\"a\"",
		"c|str||false|Cookie|",
		"f|UploadFile|...|false|File|",
		"g|str|\"\"|true|Form|",
		"db|Session||false|Depends|dependency=get_db",
		"user|Annotated[User, Depends(current_user)]||false|Depends|dependency=current_user",
		"sec|User||false|Depends|dependency=auth scopes=[\"me\"]",
		"plain|int|3|true||",
		"untyped|||false||",
	}
	if len(r.Params) != len(want) {
		t.Fatalf("got %d params: %+v", len(r.Params), r.Params)
	}
	for i, p := range r.Params {
		var args []string
		for _, k := range sortedKeys(p.Args) {
			args = append(args, k+"="+p.Args[k])
		}
		got := fmt.Sprintf("%s|%s|%s|%v|%s|%s", p.Name, p.Annotation, p.Default, p.HasDefault, p.Source, strings.Join(args, " "))
		if got != want[i] {
			t.Errorf("param %d = %s, want %s", i, got, want[i])
		}
	}
}

func sortedKeys(m map[string]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	for i := range ks {
		for j := i + 1; j < len(ks); j++ {
			if ks[j] < ks[i] {
				ks[i], ks[j] = ks[j], ks[i]
			}
		}
	}
	return ks
}

func TestStatusCodes(t *testing.T) {
	t.Parallel()
	cases := map[string]int{
		"201": 201, "status.HTTP_204_NO_CONTENT": 204, "starlette.status.HTTP_202_ACCEPTED": 202,
		"HTTPStatus.CREATED": 201, "HTTPStatus.NO_CONTENT": 204, "http.HTTPStatus.UNPROCESSABLE_ENTITY": 422, "code": 0,
	}
	for expr, want := range cases {
		f := extractString(t, "@app.get('/', status_code="+expr+")\ndef h(): pass\n")
		if got := f.Routes[0].StatusCode; got != want {
			t.Errorf("status_code=%s → %d, want %d", expr, got, want)
		}
	}
}

func TestRoutersIncludesImports(t *testing.T) {
	t.Parallel()
	src := `
import os, a.b as ab
from . import models
from ..core.db import (get_db, Session as S,)
from .x import *
app = FastAPI(title="x")
router: APIRouter = fastapi.APIRouter(prefix="/v1", tags=["a"])
app.include_router(users.router, prefix="/api")
def create_app():
    application = FastAPI()
    application.include_router(router=items.router)
    if DEBUG:
        application.include_router(debug.router, prefix=PREFIX)
    return application
@router.api_route("/x", methods=["get", "POST"])
async def x(): pass
@app.websocket("/ws")
async def ws(): pass
`
	f := extractString(t, src)
	var got []string
	for _, r := range f.Routers {
		got = append(got, r.Var+"="+r.Prefix)
	}
	for _, i := range f.Includes {
		got = append(got, i.Target+"<"+i.Router+"@"+i.Prefix)
	}
	for _, i := range f.Imports {
		got = append(got, fmt.Sprintf("%d:%s:%s", i.Level, i.Module, strings.Join(i.Names, ",")))
	}
	for _, r := range f.Routes {
		got = append(got, r.Method+" "+r.Path+" "+r.Handler)
	}
	for _, s := range f.Functions {
		got = append(got, s.Kind+":"+s.Name)
	}
	want := "app= router=/v1 application= app<users.router@/api application<items.router@ application<debug.router@PREFIX " +
		"0:os: 0:a.b: 1::models 2:core.db:get_db,Session 1:x:* GET /x x POST /x x function:create_app function:ws module:<module>"
	if strings.Join(got, " ") != want {
		t.Errorf("got  %s\nwant %s", strings.Join(got, " "), want)
	}
}

func TestSyntaxErrors(t *testing.T) {
	t.Parallel()
	src := "class User(BaseModel):\n    name: str\n    # é😀\n    def f(self)\n        return 1\n"
	f := extractString(t, src)
	if !f.HasErrors || len(f.Diagnostics) == 0 {
		t.Fatalf("want errors, got %+v", f)
	}
	dg := f.Diagnostics[0]
	if dg.Code != facts.CodeSyntaxError || dg.Path != "x.py" || dg.Range.Start.Line != 3 {
		t.Errorf("diagnostic = %+v", dg)
	}
	// What can be read is still read.
	if len(f.Models) != 1 || f.Models[0].Name != "User" {
		t.Errorf("models = %+v", f.Models)
	}
	if Diff(extractString(t, "x = 1\n"), f) != nil || Diff(f, extractString(t, "x = 1\n")) != nil {
		t.Errorf("Diff with a broken side must be nil")
	}
}

// TestUTF16Ranges checks positions after non-ASCII text on the same line.
func TestUTF16Ranges(t *testing.T) {
	t.Parallel()
	src := "class M(BaseModel):\n    a: str = \"é😀\"; b: int = 1  # naïve 😀\n    c: str\n"
	f := extractString(t, src)
	fs := f.Models[0].Fields
	if len(fs) != 3 {
		t.Fatalf("fields %+v", fs)
	}
	// `    a: str = "é😀"; ` is 4+12+2 = 18... count: a(4) `a: str = ` ends at 13, `"é😀"` is 1+1+2+1 = 5 units.
	b := fs[1]
	if want := (facts.Range{Start: facts.Pos{Line: 1, Char: 20}, End: facts.Pos{Line: 1, Char: 30}}); b.Range != want {
		t.Errorf("b range = %+v, want %+v", b.Range, want)
	}
	if want := (facts.Range{Start: facts.Pos{Line: 1, Char: 23}, End: facts.Pos{Line: 1, Char: 26}}); b.AnnRange != want {
		t.Errorf("b annotation range = %+v, want %+v", b.AnnRange, want)
	}
	if fs[0].Default != `"é😀"` {
		t.Errorf("a default = %q", fs[0].Default)
	}
}

// TestNilAndEmpty covers degenerate inputs.
func TestNilAndEmpty(t *testing.T) {
	t.Parallel()
	if f := Extract(nil, "x.py", facts.KindBackendSource); f == nil || f.Path != "x.py" {
		t.Errorf("nil doc: %+v", f)
	}
	tsx, err := parse.Parse(context.Background(), parse.TSX, []byte("export const A = () => <div/>;\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if f := Extract(tsx, "a.tsx", facts.KindFrontendComponent); len(f.Models)+len(f.Functions) != 0 || f.HasErrors {
		t.Errorf("a TSX doc gave Python facts: %+v", f)
	}
	e := extractString(t, "")
	if e.HasErrors || len(e.Models) != 0 {
		t.Errorf("empty file: %+v", e)
	}
	if cs := Diff(nil, extractString(t, "class A(BaseModel):\n    x: int\n")); len(cs) != 1 || cs[0].Kind != facts.ModelAdded {
		t.Errorf("Diff(nil, new) = %+v", cs)
	}
	if cs := Diff(extractString(t, "class A(BaseModel):\n    x: int\n"), nil); len(cs) != 1 || cs[0].Kind != facts.ModelRemoved {
		t.Errorf("Diff(old, nil) = %+v", cs)
	}
}

func TestStripRanges(t *testing.T) {
	t.Parallel()
	r := `{"start":{"line":1,"character":2},"end":{"line":3,"character":4}}`
	in := `{"a":1,"range":` + r + `,"x":[{"annRange":` + r + `,"nameRange":` + r + `}],"keyRange":` + r + `}`
	if got, want := string(stripRanges([]byte(in))), `{"a":1,"x":[{}],}`; got != want {
		t.Errorf("stripRanges = %s, want %s", got, want)
	}
}

func TestFutureAndAliasImports(t *testing.T) {
	t.Parallel()
	f := extractString(t, "from __future__ import annotations\nimport numpy as np\nimport os.path\nfrom .health import router as health_router, ping\n")
	var got []string
	for _, i := range f.Imports {
		got = append(got, fmt.Sprintf("%s:%s:%v", i.Module, strings.Join(i.Names, ","), i.Aliases))
	}
	if want := "__future__:annotations:map[] numpy::map[np:numpy] os.path::map[] health:router,ping:map[health_router:router]"; strings.Join(got, " ") != want {
		t.Errorf("imports = %s, want %s", strings.Join(got, " "), want)
	}
	for _, i := range f.Imports {
		if i.Aliases != nil && len(i.Aliases) == 0 {
			t.Errorf("%s: empty non-nil Aliases", i.Module)
		}
	}
	// Renaming an alias changes what the module binds: imports-changed,
	// once, and not also source-changed.
	cases := []struct{ from, to, want string }{
		{"numpy as np", "numpy as npy", `numpy "numpy as np" → "numpy as npy"`},
		{"numpy as np", "numpy", `numpy "numpy as np" → "numpy"`},
		{"router as health_router", "router as status_router", `health ".health import router as health_router, ping" → ".health import router as status_router, ping"`},
		{", ping", ", ping as p", `health ".health import router as health_router, ping" → ".health import router as health_router, ping as p"`},
	}
	base := "from __future__ import annotations\nimport numpy as np\nfrom .health import router as health_router, ping\n"
	for _, c := range cases {
		cs := Diff(extractString(t, base), extractString(t, strings.Replace(base, c.from, c.to, 1)))
		if len(cs) != 1 || cs[0].Kind != facts.ImportsChanged {
			t.Errorf("%s → %s: %s", c.from, c.to, renderChanges(cs))
			continue
		}
		if got := fmt.Sprintf("%s %q → %q", strings.TrimLeft(cs[0].Subject, "."), cs[0].Before, cs[0].After); got != c.want {
			t.Errorf("%s → %s: got %s, want %s", c.from, c.to, got, c.want)
		}
	}
}

// TestRestIsolation checks that edits to unmodelled code are seen as
// source-changed exactly once, and modelled edits are not also reported as
// source-changed.
func TestRestIsolation(t *testing.T) {
	t.Parallel()
	base := "from pydantic import BaseModel, ConfigDict\n\nLIMIT = 10\n\nclass A(BaseModel):\n    model_config = ConfigDict(extra='forbid')\n    x: int = 1\n\nrouter = APIRouter(prefix='/a', tags=['a'])\n"
	cases := []struct {
		from, to string
		want     string
	}{
		{"LIMIT = 10", "LIMIT = 11", "source-changed"},
		{"extra='forbid'", "extra='allow'", "source-changed"},
		{"tags=['a']", "tags=['b']", "source-changed"},
		{"prefix='/a'", "prefix='/b'", "router-prefix-changed"},
		{"x: int = 1", "x: int = 2", "field-default-changed"},
		{"x: int = 1", "x: int = 1\n    y: str", "field-added"},
		{"class A(BaseModel):\n", "class A(BaseModel):\n    '''Doc.'''\n", ""},
	}
	for _, c := range cases {
		cs := Diff(extractString(t, base), extractString(t, strings.Replace(base, c.from, c.to, 1)))
		var kinds []string
		for _, ch := range cs {
			kinds = append(kinds, string(ch.Kind))
		}
		if got := strings.Join(kinds, " "); got != c.want {
			t.Errorf("%q → %q: got [%s], want [%s]", c.from, c.to, got, c.want)
		}
	}
}

// TestLineEndingsAndTabs: converting a file to CRLF or re-indenting it with
// tabs is cosmetic.
func TestLineEndingsAndTabs(t *testing.T) {
	t.Parallel()
	lf := "from pydantic import BaseModel\n\n\nclass A(BaseModel):\n    \"\"\"Doc.\"\"\"\n    x: int = 1\n\n    def f(self):\n        return {\"a\": [1, 2]}\n"
	for name, src := range map[string]string{
		"crlf": strings.ReplaceAll(lf, "\n", "\r\n"),
		"tabs": strings.ReplaceAll(strings.ReplaceAll(lf, "        ", "\t\t"), "    ", "\t"),
	} {
		a, b := extractString(t, lf), extractString(t, src)
		if b.HasErrors {
			t.Fatalf("%s: %v", name, b.Diagnostics)
		}
		if a.SemanticHash != b.SemanticHash {
			t.Errorf("%s changed the semantic hash", name)
		}
		if cs := Diff(a, b); cs != nil {
			t.Errorf("%s gave changes: %s", name, renderChanges(cs))
		}
	}
}
