package pymod_test

import (
	"context"
	"testing"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/analysis/openapi/fixture"
	"github.com/farm-stack/farm-lsp/analysis/pymod"
)

var sources = map[string][]byte{
	"api/src/__init__.py":        []byte(""),
	"api/src/models/__init__.py": []byte("from .item import Item\nfrom .base import *\n"),
	"api/src/models/base.py": []byte(`from pydantic import BaseModel as PydBase
class Audit(PydBase):
    by: str
`),
	"api/src/models/item.py": []byte(`from beanie import Document
from .base import Audit
class Item(Document):
    name: str
class Tagged(Audit):
    tag: str
`),
	"api/src/schemas/__init__.py": []byte(""),
	"api/src/schemas/item.py": []byte(`from pydantic import BaseModel
class Item(BaseModel):
    title: str
`),
	"api/src/routes/items.py": []byte(`from fastapi import APIRouter
from ..schemas.item import Item as ItemIn
from src.models import Item, Audit
import src.schemas.item as schemas
from src import models
from fastapi.security import OAuth2PasswordRequestForm
router = APIRouter()
`),
}

func TestResolveThroughImports(t *testing.T) {
	t.Parallel()
	files, err := fixture.FromSources(context.Background(), sources)
	if err != nil {
		t.Fatal(err)
	}
	ix := pymod.New(files)
	from := "api/src/routes/items.py"
	for name, want := range map[string]string{
		"ItemIn":                    "api/src/schemas/item.py:Item", // relative import with alias
		"Item":                      "api/src/models/item.py:Item",  // re-export through __init__.py
		"Audit":                     "api/src/models/base.py:Audit", // star re-export
		"schemas.Item":              "api/src/schemas/item.py:Item", // import a.b as c
		"models.Item":               "api/src/models/item.py:Item",  // from pkg import module
		"models.item.Item":          "api/src/models/item.py:Item",  // submodule walk
		"OAuth2PasswordRequestForm": "fastapi.OAuth2PasswordRequestForm",
	} {
		if got := ix.Resolve(from, name).ID(); got != want {
			t.Errorf("Resolve(%q) = %q, want %q", name, got, want)
		}
	}
	if got := ix.Module("api/src/schemas/item.py"); got != "src.schemas.item" {
		t.Errorf("module = %q", got)
	}
	// Kinds follow aliased framework imports and workspace bases.
	for _, c := range []struct {
		file, name string
		want       facts.ModelKind
	}{
		{"api/src/models/base.py", "Audit", facts.ModelBaseModel},
		{"api/src/models/item.py", "Item", facts.ModelDocument},
		{"api/src/models/item.py", "Tagged", facts.ModelBaseModel},
	} {
		if got := ix.Kind(c.file, c.name); got != c.want {
			t.Errorf("Kind(%s) = %q, want %q", c.name, got, c.want)
		}
	}
	if fw := ix.Resolve(from, "OAuth2PasswordRequestForm").Framework; fw == nil || fw.Role != pymod.RoleDependency || len(fw.Params) != 6 {
		t.Errorf("OAuth2PasswordRequestForm role = %+v", fw)
	}
}
