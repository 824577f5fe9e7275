package typegen_test

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/farm-stack/farm-lsp/analysis/openapi"
	"github.com/farm-stack/farm-lsp/analysis/openapi/fixture"
	"github.com/farm-stack/farm-lsp/analysis/typegen"
)

var (
	declRe   = regexp.MustCompile(`(?m)^(?:export )?(?:async )?(?:interface|type|function|const|let|class) ([A-Za-z_$][\w$]*)`)
	importRe = regexp.MustCompile(`(?s)import (?:type )?\{([^}]*)\} from`)
)

// localNames lists every module-level name a generated file binds.
func localNames(src string) []string {
	var out []string
	for _, m := range importRe.FindAllStringSubmatch(src, -1) {
		for _, part := range strings.Split(m[1], ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			if _, as, ok := strings.Cut(part, " as "); ok {
				part = as
			}
			out = append(out, strings.TrimSpace(part))
		}
	}
	for _, m := range declRe.FindAllStringSubmatch(src, -1) {
		out = append(out, m[1])
	}
	return out
}

// TestNamesNeverCollide: a case built to collide (a handler's response
// alias vs an imported model, a hook vs React Query's useQuery, two hooks,
// a handler vs the runtime, models vs Name-Input and input variants) binds
// every name once per file, in both Pydantic modes. TestTypeScriptCompiles
// runs tsc over the same case.
func TestNamesNeverCollide(t *testing.T) {
	src, err := os.ReadFile("testdata/tsc/cases/names.py")
	if err != nil {
		t.Fatal(err)
	}
	files, err := fixture.FromSources(context.Background(), map[string][]byte{"apps/api/src/models/names.py": src})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []int{1, 2} {
		doc, _ := openapi.Build(files, openapi.Options{Pydantic: v})
		out := typegen.Generate(doc)
		for rel, content := range out.ByPath() {
			seen := map[string]bool{}
			for _, n := range localNames(content) {
				if seen[n] {
					t.Errorf("v%d %s: %s is bound twice", v, rel, n)
				}
				seen[n] = true
			}
		}
		if !strings.Contains(out.APITypes, "StatusResponse as StatusResponseModel") {
			t.Errorf("v%d: the StatusResponse model is not imported under another name:\n%s", v, out.APITypes)
		}
	}
}

// TestInputVariants: in what a request sends, a property with a default is
// optional (Pydantic v2's Name-Input schemas and an input variant of models
// a body reaches); the declared (response) shape keeps it required.
func TestInputVariants(t *testing.T) {
	src := []byte(`from fastapi import APIRouter
from pydantic import BaseModel, computed_field


class Dimensions(BaseModel):
    width: float
    unit: str = "cm"


class Product(BaseModel):
    sku: str
    price: float
    in_stock: bool = True
    note: str | None = None
    dimensions: Dimensions


class Invoice(BaseModel):
    net: float
    vat_rate: float = 0.21

    @computed_field
    @property
    def gross(self) -> float:
        return self.net


class Plain(BaseModel):
    name: str
    note: str | None = None


router = APIRouter()


@router.post("/products", response_model=Product)
def create_product(product: Product):
    ...


@router.post("/invoices", response_model=Invoice)
def create_invoice(invoice: Invoice):
    ...


@router.post("/plain", response_model=Plain)
def create_plain(plain: Plain):
    ...
`)
	files, err := fixture.FromSources(context.Background(), map[string][]byte{"apps/api/src/models/shop.py": src})
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := openapi.Build(files, openapi.Options{Pydantic: 2})
	out := typegen.Generate(doc)
	for _, want := range []string{
		"export interface Product {\n  sku: string;\n  price: number;\n  in_stock: boolean;\n  note?: string | null;\n  dimensions: Dimensions;\n}",
		"export interface ProductInput {\n  sku: string;\n  price: number;\n  in_stock?: boolean;\n  note?: string | null;\n  dimensions: DimensionsInput;\n}",
		"export interface DimensionsInput {\n  width: number;\n  unit?: string;\n}",
		"export interface InvoiceInput {\n  net: number;\n  vat_rate?: number;\n}",
	} {
		if !strings.Contains(out.Models, want) {
			t.Errorf("models lack\n%s\nin\n%s", want, out.Models)
		}
	}
	for _, want := range []string{"export type CreateProductBody = ProductInput;", "export type CreateProductResponse = Product;", "export type CreatePlainBody = Plain;"} {
		if !strings.Contains(out.APITypes, want) {
			t.Errorf("api types lack %q:\n%s", want, out.APITypes)
		}
	}
	if strings.Contains(out.Models, "PlainInput") {
		t.Errorf("Plain needs no input variant (its only default is null):\n%s", out.Models)
	}
}

// TestAliasedEmbeddedModel: a Document's field typed by an aliased import
// (`from .base import Audit as AuditInfo`) is the embedded model's
// interface, not unknown.
func TestAliasedEmbeddedModel(t *testing.T) {
	files, err := fixture.FromSources(context.Background(), map[string][]byte{
		"apps/api/src/__init__.py":        []byte(""),
		"apps/api/src/models/__init__.py": []byte(""),
		"apps/api/src/models/base.py":     []byte("from pydantic import BaseModel\n\n\nclass Audit(BaseModel):\n    by: str\n"),
		"apps/api/src/models/user.py":     []byte("from beanie import Document\n\nfrom .base import Audit as AuditInfo\n\n\nclass User(Document):\n    name: str\n    audit: AuditInfo\n"),
	})
	if err != nil {
		t.Fatal(err)
	}
	doc, diags := openapi.Build(files, openapi.Options{Pydantic: 2})
	if len(diags) > 0 {
		t.Errorf("diagnostics: %v", diags)
	}
	models := typegen.Generate(doc).Models
	if !strings.Contains(models, "  audit: Audit;\n") || !strings.Contains(models, "export interface Audit {\n  by: string;\n}") {
		t.Errorf("aliased import not resolved:\n%s", models)
	}
}
