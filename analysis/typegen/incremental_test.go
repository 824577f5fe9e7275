package typegen_test

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/analysis/openapi"
	"github.com/farm-stack/farm-lsp/analysis/openapi/fixture"
	"github.com/farm-stack/farm-lsp/analysis/typegen"
	"github.com/farm-stack/farm-lsp/internal/textdiff"
)

// incrementalApp is a backend shaped for invalidation: a base class and
// its subclass in another module, a generic page, an enum, two modules
// with a class of the same name (one reached, one not yet), a Decimal
// model (Pydantic v2 direction sensitivity) and routes using them.
var incrementalApp = map[string]string{
	"apps/api/src/__init__.py":        "",
	"apps/api/src/models/__init__.py": "",
	"apps/api/src/routes/__init__.py": "",
	"apps/api/src/models/base.py": `from typing import Optional

from pydantic import BaseModel


class Stamped(BaseModel):
    created: str = "now"
    note: Optional[str] = None
`,
	"apps/api/src/models/item.py": `from enum import Enum
from typing import Generic, List, Optional, TypeVar

from pydantic import BaseModel

from .base import Stamped

T = TypeVar("T")


class Color(str, Enum):
    RED = "red"
    BLUE = "blue"


class Tag(BaseModel):
    label: str
    tone: Optional[Color] = None


class Item(Stamped):
    name: str
    color: Color = Color.RED
    tags: List[Tag] = []


class Page(BaseModel, Generic[T]):
    items: List[T]
    total: int = 0
`,
	"apps/api/src/models/billing.py": `from decimal import Decimal

from pydantic import BaseModel


class Invoice(BaseModel):
    number: str
    amount: Decimal = Decimal("0")


class Payer(BaseModel):
    name: str


class Receipt(BaseModel):
    payer: Payer
    paid: bool = False
`,
	"apps/api/src/models/legacy.py": `from pydantic import BaseModel


class Owner(BaseModel):
    login: str


class Spare(BaseModel):
    size: int = 1
`,
	"apps/api/src/models/pets.py": `from typing import Literal

from pydantic import BaseModel


class Cat(BaseModel):
    kind: Literal["cat"]
    lives: int = 9


class Dog(BaseModel):
    kind: Literal["dog"]
    good: bool = True
`,
	"apps/api/src/models/adopt.py": `from typing import List, Optional, Union

from pydantic import BaseModel, Field

from .pets import Cat, Dog


class Adoption(BaseModel):
    pet: Union[Cat, Dog] = Field(..., discriminator="kind")
    more: List[Union[Cat, Dog]] = []
    spare: Optional[Union[Cat, Dog]] = Field(None, discriminator="kind")
`,
	"apps/api/src/schemas.py": `from pydantic import BaseModel


class Owner(BaseModel):
    email: str
    admin: bool = False
`,
	"apps/api/src/routes/items.py": `from typing import List

from fastapi import APIRouter

from ..models.adopt import Adoption
from ..models.billing import Invoice, Receipt
from ..models.item import Item, Page
from ..schemas import Owner

router = APIRouter(prefix="/items")


@router.get("/", response_model=Page[Item])
def list_items():
    return []


@router.post("/", response_model=Item, status_code=201)
def create_item(item: Item):
    return item


@router.get("/owner", response_model=Owner)
def get_owner():
    return None


@router.post("/invoices", response_model=Invoice)
def create_invoice(invoice: Invoice):
    return invoice


@router.post("/receipts", response_model=Receipt)
def create_receipt(receipt: Receipt):
    return receipt


@router.post("/adoptions", response_model=Adoption)
def adopt(adoption: Adoption):
    return adoption
`,
	"apps/api/src/main.py": `from fastapi import FastAPI

from .routes import items

app = FastAPI()
app.include_router(items.router, prefix="/api")
`,
}

const (
	incBase    = "apps/api/src/models/base.py"
	incItem    = "apps/api/src/models/item.py"
	incBilling = "apps/api/src/models/billing.py"
	incLegacy  = "apps/api/src/models/legacy.py"
	incRoutes  = "apps/api/src/routes/items.py"
	incPets    = "apps/api/src/models/pets.py"
)

// incrementalEdits are applied in order; fast says under which Pydantic
// versions the Builder must derive the document from the previous one
// (only fields changed, no component renamed, and under v2 no model's
// direction sensitivity changed): "" none, "1" v1 only, "12" both.
var incrementalEdits = []struct {
	name, path, old, new string
	fast                 string
}{
	{"field added", incItem, "    name: str\n", "    name: str\n    weight: int = 0\n", "12"},
	{"field removed", incItem, "    weight: int = 0\n", "", "12"},
	{"nested definition no longer refers to another", incItem, "    tone: Optional[Color] = None\n", "    tone: Optional[str] = None\n", "1"},
	{"nested definition refers to another again", incItem, "    tone: Optional[str] = None\n", "    tone: Optional[Color] = None\n", "1"},
	{"base class field added (subclass in another module)", incBase, "    note: Optional[str] = None\n", "    note: Optional[str] = None\n    revision: int = 1\n", "12"},
	{"generic model field added", incItem, "    total: int = 0\n", "    total: int = 0\n    cursor: Optional[str] = None\n", "12"},
	{"enum member added", incItem, "    BLUE = \"blue\"\n", "    BLUE = \"blue\"\n    GREEN = \"green\"\n", ""},
	{"field refers to an unreached model of a clashing name", incItem, "    tags: List[Tag] = []\n", "    tags: List[Tag] = []\n    owner: Optional[\"Owner\"] = None\n", ""},
	{"import of the clashing name", incItem, "from .base import Stamped\n", "from .base import Stamped\nfrom .legacy import Owner\n", ""},
	{"field on the clashing model", incLegacy, "    login: str\n", "    login: str\n    active: bool = True\n", "12"},
	{"field no longer refers to it", incItem, "    owner: Optional[\"Owner\"] = None\n", "    owner_login: Optional[str] = None\n", ""},
	{"field refers to it again", incItem, "    owner_login: Optional[str] = None\n", "    owner: Optional[Owner] = None\n", ""},
	{"unreached model now reached through a field", incLegacy, "    active: bool = True\n", "    active: bool = True\n    spare: Optional[Spare] = None\n", "12"},
	{"decimal field added (direction sensitivity)", incBilling, "    name: str\n", "    name: str\n    balance: Decimal = Decimal(\"0\")\n", "1"},
	{"field of a sensitive model", incBilling, "    number: str\n", "    number: str\n    memo: str = \"\"\n", "12"},
	{"decimal field removed", incBilling, "    amount: Decimal = Decimal(\"0\")\n", "    amount: int = 0\n", "1"},
	{"model renamed", incItem, "class Tag(BaseModel):", "class Label(BaseModel):", ""},
	{"use of the renamed model", incItem, "List[Tag]", "List[Label]", "12"},
	{"new model with a clashing name in another module", incBilling, "class Payer(BaseModel):", "class Label(BaseModel):\n    code: str\n\n\nclass Payer(BaseModel):", ""},
	{"field after the clash", incItem, "    name: str\n", "    name: str\n    sku: str = \"\"\n", "12"},
	{"route added", incRoutes, "@router.get(\"/owner\"", "@router.delete(\"/{item_id}\", status_code=204)\ndef delete_item(item_id: str):\n    return None\n\n\n@router.get(\"/owner\"", ""},
	{"route removed", incRoutes, "@router.post(\"/invoices\", response_model=Invoice)\ndef create_invoice(invoice: Invoice):\n    return invoice\n", "", ""},
	{"unknown annotation", incItem, "    sku: str = \"\"\n", "    sku: Mystery = \"\"\n", "12"},
	{"unknown annotation fixed", incItem, "    sku: Mystery = \"\"\n", "    sku: str = \"\"\n", "12"},
	{"tag of a discriminated union's member (the union is in another module)", incPets, "    kind: Literal[\"dog\"]\n", "    kind: Literal[\"dog\", \"puppy\"]\n", "12"},
	{"member no longer tagged (the union loses its discriminator, with a warning)", incPets, "    kind: Literal[\"cat\"]\n", "    kind: str\n", "12"},
	{"member tagged again", incPets, "    kind: str\n", "    kind: Literal[\"cat\"]\n", "12"},
	{"comment only", incBase, "class Stamped(BaseModel):\n", "# stamps\nclass Stamped(BaseModel):\n", "12"},
	{"lines of an enum move", incItem, "class Color(str, Enum):\n", "# colours\nclass Color(str, Enum):\n", "12"},
}

// TestIncrementalMatchesFresh edits a workspace step by step the way the
// server does (only the saved file is re-extracted) and checks after each
// step that the caching Builder and Generator give exactly what a fresh
// Build and Generate give: document, diagnostics and the four files.
func TestIncrementalMatchesFresh(t *testing.T) {
	for _, v := range []int{1, 2} {
		srcs := map[string]string{}
		for p, s := range incrementalApp {
			srcs[p] = s
		}
		ws := map[string]*facts.File{}
		extract := func(p string) {
			f, err := fixture.Python(context.Background(), p, []byte(srcs[p]))
			if err != nil {
				t.Fatal(err)
			}
			ws[p] = f
		}
		for p := range srcs {
			extract(p)
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
		opts := openapi.Options{Pydantic: v}
		bl, g := openapi.NewBuilder(), typegen.NewGenerator()
		doc, _ := bl.Build(files(), opts)
		g.Generate(doc)
		for _, e := range incrementalEdits {
			if !strings.Contains(srcs[e.path], e.old) {
				t.Fatalf("%s: %q not in %s", e.name, e.old, e.path)
			}
			srcs[e.path] = strings.Replace(srcs[e.path], e.old, e.new, 1)
			extract(e.path)
			fs := files()
			prevJSON, _ := doc.FullJSON()
			before := bl.FastBuilds()
			// Another executor may still read the previous document while
			// the next is built (under -race this fails if a build writes
			// to it).
			read := make(chan struct{})
			go func(prev *openapi.Document) {
				defer close(read)
				prev.FullJSON()
				typegen.Generate(prev)
			}(doc)
			got, gotDiags := bl.Build(fs, opts)
			<-read
			fast := bl.FastBuilds() > before
			gotFiles := g.Generate(got)
			if pj, _ := doc.FullJSON(); string(pj) != string(prevJSON) {
				t.Errorf("v%d %s: the previous document changed\n%s", v, e.name, textdiff.First(string(prevJSON), string(pj)))
			}
			doc = got

			fresh, err := fixture.FromSources(context.Background(), bytesOf(srcs))
			if err != nil {
				t.Fatal(err)
			}
			want, wantDiags := openapi.Build(fresh, opts)
			wantFiles := typegen.Generate(want)
			for _, all := range []bool{false, true} {
				render := (*openapi.Document).JSON
				if all {
					render = (*openapi.Document).FullJSON
				}
				wj, _ := render(want)
				gj, _ := render(got)
				if string(wj) != string(gj) {
					t.Errorf("v%d %s (fast path %v): document differs from a fresh build\n%s", v, e.name, fast, textdiff.First(string(wj), string(gj)))
				}
			}
			// What the editor features read besides the JSON: where each
			// component and operation comes from.
			if w, g := locations(want), locations(got); !reflect.DeepEqual(w, g) {
				t.Errorf("v%d %s: component or operation locations differ:\nfresh       %v\nincremental %v", v, e.name, w, g)
			}
			if !reflect.DeepEqual(nonNilDiags(wantDiags), nonNilDiags(gotDiags)) {
				t.Errorf("v%d %s: diagnostics differ:\nfresh       %v\nincremental %v", v, e.name, wantDiags, gotDiags)
			}
			for p, w := range wantFiles.ByPath() {
				if gf := gotFiles.ByPath()[p]; gf != w {
					t.Errorf("v%d %s: %s differs from a fresh generation\n%s", v, e.name, p, textdiff.First(w, gf))
				}
			}
			wantFast := strings.Contains(e.fast, string(rune('0'+v)))
			if wantFast && !fast {
				t.Errorf("v%d %s: only fields changed, yet the Builder rebuilt everything", v, e.name)
			}
			if !wantFast && fast {
				t.Errorf("v%d %s: the structure changed, yet the Builder took the fast path", v, e.name)
			}
		}
	}
}

func locations(d *openapi.Document) []string {
	var out []string
	for _, ns := range d.Components.Schemas {
		out = append(out, fmt.Sprintf("%s %s %s:%d unreached=%v", ns.Name, ns.Model, ns.File, ns.Line, ns.Unreached))
	}
	for _, o := range d.Operations() {
		out = append(out, fmt.Sprintf("%s %s %s %s %v", o.Method, o.Path, o.Handler, o.File, o.Range))
	}
	return out
}

func bytesOf(srcs map[string]string) map[string][]byte {
	out := make(map[string][]byte, len(srcs))
	for p, s := range srcs {
		out[p] = []byte(s)
	}
	return out
}

func nonNilDiags(d []facts.Diagnostic) []facts.Diagnostic {
	if d == nil {
		return []facts.Diagnostic{}
	}
	return d
}

// TestRepeatedFieldSaves: the engine benchmark's edit (a field replaced by
// another in one of many Beanie Documents, saved again and again) reaches
// the models file every time.
func TestRepeatedFieldSaves(t *testing.T) {
	srcs := map[string][]byte{}
	for i := 0; i < 200; i++ {
		srcs[fmt.Sprintf("apps/api/src/models/gen/g%d.py", i)] = []byte(fmt.Sprintf("from beanie import Document\nfrom typing import Optional\n\n\nclass Gen%d(Document):\n    a: int = 0\n    b: Optional[str] = None\n", i))
	}
	fs, err := fixture.FromSources(context.Background(), srcs)
	if err != nil {
		t.Fatal(err)
	}
	const rel = "apps/api/src/models/gen/g7.py"
	idx := sort.Search(len(fs), func(i int) bool { return fs[i].Path >= rel })
	orig := string(srcs[rel])
	bl, g := openapi.NewBuilder(), typegen.NewGenerator()
	d, _ := bl.Build(fs, openapi.Options{})
	g.Generate(d)
	for i := 0; i < 30; i++ {
		field := fmt.Sprintf("f%d", i)
		text := strings.Replace(orig, "    a: int = 0\n", "    a: int = 0\n    "+field+": int = 0\n", 1)
		f, err := fixture.Python(context.Background(), rel, []byte(text))
		if err != nil {
			t.Fatal(err)
		}
		fs[idx] = f
		fixture.ResolveKinds(fs)
		d, _ := bl.Build(fs, openapi.Options{})
		if out := g.Generate(d); !strings.Contains(out.Models, "  "+field+": number;\n") || strings.Contains(out.Models, fmt.Sprintf("  f%d: number;\n", i-1)) {
			t.Fatalf("save %d: the models file does not have exactly the new field", i)
		}
	}
	if bl.FastBuilds() != 30 {
		t.Errorf("%d of 30 field saves took the fast path", bl.FastBuilds())
	}
}
