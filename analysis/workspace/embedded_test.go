package workspace

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/farm-stack/farm-lsp/analysis/facts"
)

// TestEmbeddedIn: a change to a BaseModel names the Documents that store
// it — through an aliased import (`Audit as AuditInfo`), through another
// BaseModel, through a subclass — but not those that only Link to it; in
// a one-shot workspace too, which works embeds out only when asked.
func TestEmbeddedIn(t *testing.T) {
	t.Parallel()
	for _, oneShot := range []bool{false, true} {
		t.Run(fmt.Sprintf("oneShot=%t", oneShot), func(t *testing.T) { testEmbeddedIn(t, oneShot) })
	}
}

func testEmbeddedIn(t *testing.T, oneShot bool) {
	w := New(Options{OneShot: oneShot})
	files := map[string]string{
		"apps/api/src/__init__.py":        "",
		"apps/api/src/models/__init__.py": "",
		"apps/api/src/models/base.py":     "from pydantic import BaseModel\n\n\nclass Audit(BaseModel):\n    by: str\n",
		"apps/api/src/models/user.py": "from typing import List, Optional\n\nfrom beanie import Document, Link\nfrom pydantic import BaseModel\n\nfrom .base import Audit as AuditInfo\n\n\n" +
			"class User(Document):\n    name: str\n    audit: AuditInfo\n\n\n" +
			"class Profile(BaseModel):\n    history: List[AuditInfo] = []\n\n\n" +
			"class Account(Document):\n    profile: Optional[Profile] = None\n\n\n" +
			"class Note(Document):\n    author: Link[User]\n    refs: List[Link[\"Account\"]] = []\n\n\n" +
			"class Stamped(AuditInfo):\n    at: int\n\n\n" +
			"class Log(Document):\n    entries: List[Stamped] = []\n",
	}
	in := map[string][]byte{}
	for k, v := range files {
		in[k] = []byte(v)
	}
	if _, err := w.Load(ctx, in); err != nil {
		t.Fatal(err)
	}
	res := update(t, w, "apps/api/src/models/base.py", "from pydantic import BaseModel\n\n\nclass Audit(BaseModel):\n    by: str\n    reason: str = \"\"\n")
	var added *facts.Change
	for i := range res.Changes {
		if res.Changes[i].Kind == facts.FieldAdded {
			added = &res.Changes[i]
		}
	}
	if added == nil {
		t.Fatalf("no field-added change: %v", kinds(res.Changes))
	}
	if added.ModelKind != facts.ModelBaseModel {
		t.Errorf("model kind %q", added.ModelKind)
	}
	if want := []string{"Account", "Log", "User"}; !reflect.DeepEqual(added.EmbeddedIn, want) {
		t.Errorf("EmbeddedIn = %q, want %q", added.EmbeddedIn, want)
	}
}

func TestAnnotationNames(t *testing.T) {
	t.Parallel()
	var got []string
	annotationNames(`Optional[Dict[str, "Item"]] | List[Link[User]] | models.Tag | BackLink["Book"]`, func(n string) { got = append(got, n) })
	want := []string{"Optional", "Dict", "str", "Item", "List", "models.Tag"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}
