package mongo

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"

	analysis "github.com/farm-stack/farm-lsp/analysis/workspace"
	"github.com/farm-stack/farm-lsp/reload/schema"
)

const incDir = "apps/api/src/models/"

// incEdit is one step of TestIncrementalDiffMatchesFull: files written
// (content "" removes the file) and how many Documents the incremental
// diff must walk (the two Documents named Dup are always
// walked: the diff matches Documents by name, one of them against the
// other).
type incEdit struct {
	name  string
	files map[string]string
	walk  int
}

// TestIncrementalDiffMatchesFull saves a sequence of edits and checks
// after each that the executor's diff (differ: only the Documents a
// change can reach) returns exactly schema.DiffSets over both whole
// snapshots, and that same-shape edits walk only the Documents they
// reach.
func TestIncrementalDiffMatchesFull(t *testing.T) {
	ctx := context.Background()
	ws := analysis.New(analysis.Options{})
	set := func(files map[string]string) {
		for p, src := range files {
			if src == "" {
				ws.Remove(incDir + p)
				continue
			}
			if _, err := ws.Update(ctx, incDir+p, []byte(src)); err != nil {
				t.Fatal(err)
			}
		}
	}
	initial := map[string]string{
		"__init__.py": "",
		"reviewer.py": "from pydantic import BaseModel\n\n\nclass Reviewer(BaseModel):\n    name: str = \"\"\n",
		"base.py": `from typing import Optional

from pydantic import BaseModel

from .reviewer import Reviewer


class Audit(BaseModel):
    at: int = 0
    by: Optional[Reviewer] = None


class Stamp(BaseModel):
    when: int = 0
`,
		"note.py": `from typing import Dict, List, Optional

from beanie import Document

from .base import Audit as AuditInfo


class Note(Document):
    title: str
    audit: Optional[AuditInfo] = None
    history: List[AuditInfo] = []
    by_lang: Dict[str, AuditInfo] = {}
`,
		"user.py":         "from beanie import Document\n\n\nclass User(Document):\n    name: str\n",
		"mixin.py":        "from pydantic import BaseModel\n\n\nclass Timestamps(BaseModel):\n    created: int = 0\n",
		"post.py":         "from beanie import Document\n\nfrom .mixin import Timestamps\n\n\nclass Post(Timestamps, Document):\n    body: str = \"\"\n",
		"plain.py":        "def helper():\n    return 1\n",
		"dup_a.py":        "from beanie import Document\n\n\nclass Dup(Document):\n    a: int = 0\n",
		"dup_b.py":        "from beanie import Document\n\n\nclass Dup(Document):\n    b: int = 0\n",
		"gen/__init__.py": "",
		"extras.py":       "from pydantic import BaseModel\n\n\nclass Misc(BaseModel):\n    x: int = 0\n",
		"star.py":         "from beanie import Document\n\nfrom .extras import *\n\n\nclass Starred(Document):\n    audit: Audit\n",
		"late.py":         "from beanie import Document\n\nfrom .later import Thing\n\n\nclass Late(Document):\n    thing: Thing\n",
	}
	for i := 0; i < 12; i++ {
		initial[fmt.Sprintf("gen/g%d.py", i)] = fmt.Sprintf("from beanie import Document\n\nfrom ..base import Stamp\n\n\nclass G%d(Document):\n    a: int = 0\n    stamp: Stamp = Stamp()\n", i)
	}
	set(initial)

	edits := []incEdit{
		{name: "unrelated function file", files: map[string]string{"plain.py": "def helper():\n    return 2\n"}, walk: 2},
		{name: "top-level field added", files: map[string]string{"user.py": "from beanie import Document\n\n\nclass User(Document):\n    name: str\n    age: int = 0\n"}, walk: 3},
		{name: "top-level field removed", files: map[string]string{"user.py": "from beanie import Document\n\n\nclass User(Document):\n    age: int = 0\n"}, walk: 3},
		{name: "embedded model two modules down gains a field", files: map[string]string{
			"reviewer.py": "from pydantic import BaseModel\n\n\nclass Reviewer(BaseModel):\n    name: str = \"\"\n    email: str = \"\"\n"}, walk: 4}, // Note, Starred (its Audit is base.py's) and both Dups,
		{name: "embedded model in another module gains a field (shared by 12 Documents)", files: map[string]string{
			"base.py": strings.Replace(initial["base.py"], "    when: int = 0\n", "    when: int = 0\n    where: str = \"\"\n", 1)}, walk: 16}, // Note and Starred read base.py too (Audit),
		{name: "aliased import now names another model", files: map[string]string{
			"note.py": strings.Replace(initial["note.py"], "import Audit as AuditInfo", "import Stamp as AuditInfo", 1)}, walk: 3},
		{name: "base class gains a field", files: map[string]string{
			"mixin.py": "from pydantic import BaseModel\n\n\nclass Timestamps(BaseModel):\n    created: int = 0\n    updated: int = 0\n"}, walk: 3},
		{name: "base class dropped", files: map[string]string{
			"post.py": "from beanie import Document\n\nfrom .mixin import Timestamps\n\n\nclass Post(Document):\n    body: str = \"\"\n"}, walk: 3},
		{name: "base class back", files: map[string]string{
			"post.py": "from beanie import Document\n\nfrom .mixin import Timestamps\n\n\nclass Post(Timestamps, Document):\n    body: str = \"\"\n"}, walk: 3},
		{name: "one of two Documents of a name changes", files: map[string]string{
			"dup_a.py": "from beanie import Document\n\n\nclass Dup(Document):\n    a: int = 0\n    c: int = 0\n"}, walk: 2},
		{name: "Document added", files: map[string]string{
			"shop.py": "from beanie import Document\n\nfrom .base import Audit\n\n\nclass Shop(Document):\n    name: str\n    audit: Audit\n"}, walk: 3},
		{name: "embedded model of the new Document changes", files: map[string]string{
			"base.py": strings.Replace(strings.Replace(initial["base.py"], "    when: int = 0\n", "    when: int = 0\n    where: str = \"\"\n", 1),
				"    at: int = 0\n", "    at: int = 0\n    note: str = \"\"\n", 1)}, walk: 17}, // a changed file counts whole: the 12 Stamp readers too
		{name: "Document renamed", files: map[string]string{
			"user.py": "from beanie import Document\n\n\nclass Account(Document):\n    age: int = 0\n\n    class Settings:\n        name = \"User\"\n"}, walk: 3},
		{name: "Document removed", files: map[string]string{
			"shop.py": "from pydantic import BaseModel\n\nfrom .base import Audit\n\n\nclass Shop(BaseModel):\n    name: str\n    audit: Audit\n"}, walk: 2},
		{name: "file of a base class deleted", files: map[string]string{"mixin.py": ""}, walk: 3},
		{name: "file of a Document deleted", files: map[string]string{"post.py": ""}, walk: 2},
		{name: "file of embedded models deleted", files: map[string]string{"base.py": ""}, walk: 16},
		{name: "file of embedded models back", files: map[string]string{"base.py": initial["base.py"]}, walk: 16},
		{name: "field added after the shape changes", files: map[string]string{
			"gen/g3.py": strings.Replace(initial["gen/g3.py"], "    a: int = 0\n", "    a: int = 0\n    b: int = 1\n", 1)}, walk: 3},
		// Files that did not change whose names mean something else now.
		{name: "a star import now brings the class a Document stores", files: map[string]string{
			"extras.py": "from pydantic import BaseModel\n\n\nclass Misc(BaseModel):\n    x: int = 0\n\n\nclass Audit(BaseModel):\n    other: int = 0\n"}, walk: 3},
		{name: "the module an import names appears", files: map[string]string{
			"later.py": "from pydantic import BaseModel\n\n\nclass Thing(BaseModel):\n    t: int = 0\n"}, walk: 3},
		{name: "its model gains a field", files: map[string]string{
			"later.py": "from pydantic import BaseModel\n\n\nclass Thing(BaseModel):\n    t: int = 0\n    u: int = 0\n"}, walk: 3},
	}

	prev := ws.Snapshot()
	d := newDiffer(prev)
	nonEmpty := 0
	for _, e := range edits {
		set(e.files)
		snap := ws.Snapshot()
		got, _, commit := d.next(snap)
		commit()
		want := schema.DiffSets(SetOf(prev), SetOf(snap))
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: incremental diff\n%s\nfull diff\n%s", e.name, opsText(got), opsText(want))
		}
		// What the differ remembers each Document reads is what a new
		// one finds.
		if !reflect.DeepEqual(d.set.Models, ModelsOf(snap)) {
			t.Fatalf("%s: the differ's models are not the snapshot's", e.name)
		}
		if fresh := newDiffer(snap); !reflect.DeepEqual(d.reads, fresh.reads) {
			t.Fatalf("%s: reads\n%v\nwant\n%v", e.name, d.reads, fresh.reads)
		}
		if d.walked != e.walk {
			t.Errorf("%s: walked %d Documents, want %d", e.name, d.walked, e.walk)
		}
		if len(want) > 0 {
			nonEmpty++
		}
		t.Logf("%s: %d op(s), %d Document(s) walked", e.name, len(got), d.walked)
		prev = snap
	}
	if nonEmpty < len(edits)-2 {
		t.Errorf("only %d of %d edits changed the schema: the sequence tests too little", nonEmpty, len(edits))
	}
}

func opsText(ops []schema.Op) string {
	var b strings.Builder
	for _, o := range ops {
		fmt.Fprintf(&b, "  %s (%s %s:%d) %+v\n", o, o.Model, o.Path, o.Line, o)
	}
	return b.String()
}
