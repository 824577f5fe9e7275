package workspace

import (
	"fmt"
	"maps"
	"math/rand"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/analysis/pymod"
)

// variants are the versions each file of a small backend goes through in
// TestIncrementalKindsMatchFull: classes added, removed and renamed,
// imports changed, re-exports through __init__.py (renamed, starred),
// names used without an import (the workspace-wide fallback), a second
// package root appearing and going, broken versions. "" deletes the file.
var variants = map[string][]string{
	"app/__init__.py": {"", "\n"},
	"app/models/__init__.py": {"", "\n",
		"from .user import User\n",
		"from .base import *\n",
		"from .user import User as Person\n",
		"from .base import Base\nfrom .user import *\n",
		"from .audit import Audit\nfrom .base import Base as Person\n"},
	"app/models/base.py": {"",
		"from beanie import Document\n\nclass Base(Document):\n    x: int\n",
		"from pydantic import BaseModel\n\nclass Base(BaseModel):\n    x: int\n",
		"class Base:\n    pass\n",
		"from pydantic import BaseModel as Document\n\nclass Base(Document):\n    x: int\n",
		"X = 1\n",
		"from beanie import Document\n\nclass Root(Document):\n    x: int\n",
		"from beanie import Document\n\nclass Base(Document:\n", // broken
		"from .audit import Audit\n\nclass Base(Audit):\n    x: int\n"},
	"app/models/user.py": {"",
		"from .base import Base\n\nclass User(Base):\n    a: int\n",
		"from app.models.base import Base\n\nclass User(Base):\n    a: Audit\n",
		"from . import base\n\nclass User(base.Base):\n    a: int\n",
		"class User(Base):\n    a: int\n",
		"from pydantic import BaseModel\n\nclass Audit(BaseModel):\n    by: str\n\nclass User(Audit):\n    a: int\n",
		"from .base import Root as Base\n\nclass User(Base):\n    a: list[Base]\n"},
	"app/models/audit.py": {"",
		"from pydantic import BaseModel\n\nclass Audit(BaseModel):\n    by: str\n",
		"class Audit(Base):\n    by: str\n",
		"from .base import *\n\nclass Audit(Base):\n    by: str\n",
		"from beanie import Document\n\nclass Audit(Document):\n    by: str\n\nclass Base(Audit):\n    y: int\n"},
	"app/routes/items.py": {"",
		"from app.models import User, Base\n\nclass Item(User):\n    owner: User\n    audit: Audit\n",
		"from ..models import Person\n\nclass Item(Person):\n    pass\n",
		"from app.models.user import *\n\nclass Item(User):\n    x: Base\n",
		"from typing import Optional\nfrom beanie import Document, Link\nfrom app.models import User\n\nclass Item(Document):\n    u: Link[User]\n    v: Optional[Base]\n",
		"from app import models\n\nclass Item(models.User):\n    z: models.Base\n"},
	"app/other/base.py": {"",
		"from beanie import Document\n\nclass Base(Document):\n    y: int\n",
		"class Base:\n    y: int\n",
		"class Audit:\n    y: int\n"},
	"lib/models/__init__.py": {"",
		"from app.models.base import Base as LibBase\n",
		"from app.models import *\n"},
	"app/z.py": {"",
		"from lib.models import LibBase\n\nclass Z(LibBase):\n    q: int\n",
		"from lib.models import User\n\nclass Z(User):\n    q: Person\n",
		"from models import User\n\nclass Z(User):\n    q: int\n"},
	"apps/web/src/x.tsx": {"", "import { U } from '../../../app/models';\nexport function X() { return <div/> }\n"},
}

// state is what the cross-file resolution of a workspace found.
type state struct {
	fileKinds map[string][]facts.ModelKind // path -> its models' kinds
	kinds     map[string]facts.ModelKind
	embeds    map[string][]string // model -> sorted models storing it
	imports   map[string][]string
	affected  map[string][]string
}

func stateOf(w *Workspace) state {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.addEmbeds() // a one-shot workspace works them out when first read
	s := state{fileKinds: map[string][]facts.ModelKind{}, kinds: maps.Clone(w.kinds), embeds: map[string][]string{},
		imports: map[string][]string{}, affected: map[string][]string{}}
	for rel, e := range w.files {
		if e.good != nil {
			var ks []facts.ModelKind
			for _, m := range e.good.Models {
				ks = append(ks, m.Kind)
			}
			s.fileKinds[rel] = ks
		}
		s.imports[rel] = w.graph.Imports(rel)
		s.affected[rel] = w.graph.Affected(rel)
	}
	for m, by := range w.embeds {
		s.embeds[m] = slices.Sorted(maps.Keys(by))
	}
	return s
}

// fullKinds is the resolution as it was before it was incremental: one
// index over every good Python file, every model resolved in path order.
func fullKinds(w *Workspace) (map[string][]facts.ModelKind, map[string]facts.ModelKind, map[string][]string) {
	w.mu.Lock()
	var py []*facts.File
	for rel, e := range w.files {
		if e.good != nil && strings.HasSuffix(rel, ".py") {
			py = append(py, e.good)
		}
	}
	w.mu.Unlock()
	ix := pymod.New(py)
	fileKinds := map[string][]facts.ModelKind{}
	kinds := map[string]facts.ModelKind{}
	embedSet := map[string]map[string]bool{}
	for _, f := range ix.Files() {
		var ks []facts.ModelKind
		for _, m := range f.Models {
			for _, p := range embedsOf(ix, f.Path, m, nil) {
				if embedSet[p[0]] == nil {
					embedSet[p[0]] = map[string]bool{}
				}
				embedSet[p[0]][p[1]] = true
			}
			k := ix.Kind(f.Path, m.Name)
			if prev, seen := kinds[m.Name]; !seen || prev == facts.ModelUnknown {
				kinds[m.Name] = k
			}
			ks = append(ks, k)
		}
		fileKinds[f.Path] = ks
	}
	embeds := map[string][]string{}
	for m, by := range embedSet {
		embeds[m] = slices.Sorted(maps.Keys(by))
	}
	return fileKinds, kinds, embeds
}

func diffState(got, want state) string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(want.fileKinds)) {
		if !slices.Equal(got.fileKinds[k], want.fileKinds[k]) {
			out = append(out, fmt.Sprintf("kinds of %s: %q, full %q", k, got.fileKinds[k], want.fileKinds[k]))
		}
	}
	if !maps.Equal(got.kinds, want.kinds) {
		out = append(out, fmt.Sprintf("kinds by name: %v, full %v", got.kinds, want.kinds))
	}
	if !maps.EqualFunc(got.embeds, want.embeds, slices.Equal) {
		out = append(out, fmt.Sprintf("embeds: %v, full %v", got.embeds, want.embeds))
	}
	for _, k := range slices.Sorted(maps.Keys(want.imports)) {
		if !slices.Equal(got.imports[k], want.imports[k]) {
			out = append(out, fmt.Sprintf("imports of %s: %v, full %v", k, got.imports[k], want.imports[k]))
		}
		if !slices.Equal(got.affected[k], want.affected[k]) {
			out = append(out, fmt.Sprintf("affected by %s: %v, full %v", k, got.affected[k], want.affected[k]))
		}
	}
	return strings.Join(out, "\n")
}

// TestIncrementalKindsMatchFull edits a small backend at random (see
// variants) and after every edit compares the incrementally kept model
// kinds, embeds and import graph with a workspace loaded from scratch from
// the same contents, and the kinds and embeds with the whole-index
// resolution they replaced.
func TestIncrementalKindsMatchFull(t *testing.T) {
	t.Parallel()
	paths := slices.Sorted(maps.Keys(variants))
	for seed := int64(1); seed <= 25; seed++ {
		rnd := rand.New(rand.NewSource(seed))
		oneShot := seed%5 == 0 // resolves everything again on each update
		w := New(Options{OneShot: oneShot})
		// The last content of each file, good or broken; what a fresh
		// workspace loads is the last good one.
		good := map[string]string{}
		var log []string
		for step := 0; step < 40; step++ {
			p := paths[rnd.Intn(len(paths))]
			v := variants[p][rnd.Intn(len(variants[p]))]
			if v == "" {
				w.Remove(p)
				delete(good, p)
				log = append(log, "rm "+p)
			} else {
				res := update(t, w, p, v)
				if !res.SyntaxError {
					good[p] = v
				}
				log = append(log, fmt.Sprintf("%s = %q", p, v))
			}
			fresh := New(Options{})
			in := map[string][]byte{}
			for k, v := range good {
				in[k] = []byte(v)
			}
			if _, err := fresh.Load(ctx, in); err != nil {
				t.Fatal(err)
			}
			got, want := stateOf(w), stateOf(fresh)
			// A file whose latest content is broken keeps its last good
			// facts in w; fresh has those too (good holds them).
			if d := diffState(got, want); d != "" {
				t.Fatalf("seed %d after\n  %s\nincremental and fresh load differ:\n%s", seed, strings.Join(log, "\n  "), d)
			}
			fk, k, em := fullKinds(w)
			if d := diffState(got, state{fileKinds: fk, kinds: k, embeds: em}); d != "" {
				t.Fatalf("seed %d after\n  %s\nincremental and whole-index resolution differ:\n%s", seed, strings.Join(log, "\n  "), d)
			}
		}
	}
}

// A save re-resolves the saved file and only the files whose resolution
// read what the save changed.
func TestSaveResolvesOnlyWhatItCanChange(t *testing.T) {
	t.Parallel()
	files := map[string]string{"app/models/base.py": "from beanie import Document\n\nclass Base(Document):\n    x: int\n"}
	for i := range 50 {
		files[fmt.Sprintf("app/models/m%d.py", i)] = fmt.Sprintf("from .base import Base\n\nclass M%d(Base):\n    a: int\n", i)
	}
	w := load(t, files)
	resolved := func(rel, content string) int {
		w.mu.Lock()
		before := w.py.resolved
		w.mu.Unlock()
		update(t, w, rel, content)
		w.mu.Lock()
		defer w.mu.Unlock()
		return w.py.resolved - before
	}
	if n := resolved("app/models/m3.py", "from .base import Base\n\nclass M3(Base):\n    a: int\n    b: int\n"); n != 1 {
		t.Errorf("field added to a subclass: %d files resolved, want 1", n)
	}
	if n := resolved("app/models/base.py", "# the base\nfrom beanie import Document\n\nclass Base(Document):\n    x: int\n    y: int = 0\n"); n != 1 {
		t.Errorf("field and comment added to the base: %d files resolved, want 1", n)
	}
	if n := resolved("app/models/base.py", "from pydantic import BaseModel\n\nclass Base(BaseModel):\n    x: int\n"); n != 51 {
		t.Errorf("base's import changed: %d files resolved, want 51", n)
	}
	if k := w.File("app/models/m7.py").Models[0].Kind; k != facts.ModelBaseModel {
		t.Errorf("M7 is %q after its base became a BaseModel", k)
	}
	if n := resolved("app/other.py", "X = 1\n"); n != 1 {
		t.Errorf("an unrelated new file: %d files resolved, want 1", n)
	}
}

// Snapshots between two changes are one copy; a change makes a new one
// and leaves the old one as it was; Python() is sorted and the caller's.
func TestSnapshotSharedUntilChange(t *testing.T) {
	t.Parallel()
	w := load(t, map[string]string{"b.py": "class B:\n    pass\n", "a.py": "X = 1\n", "c.tsx": "export const c = 1;\n"})
	s1, s2 := w.Snapshot(), w.Snapshot()
	if reflect.ValueOf(s1.Files).Pointer() != reflect.ValueOf(s2.Files).Pointer() {
		t.Error("two snapshots without a change in between copied the files twice")
	}
	py := s1.Python()
	if len(py) != 2 || py[0].Path != "a.py" || py[1].Path != "b.py" {
		t.Fatalf("Python() = %v", py)
	}
	py[0] = nil // the caller's slice
	if again := s2.Python(); again[0] == nil {
		t.Error("Python() handed out its cached slice")
	}
	update(t, w, "a.py", "X = 2\n")
	s3 := w.Snapshot()
	if s1.Files["a.py"] == s3.Files["a.py"] {
		t.Error("the snapshot after a change still holds the old facts")
	}
	if s1.Files["a.py"].Assigns[0].Value == s3.Files["a.py"].Assigns[0].Value {
		t.Errorf("old and new snapshot both say %q", s1.Files["a.py"].Assigns[0].Value)
	}
	w.Remove("b.py")
	if _, ok := s3.Files["b.py"]; !ok {
		t.Error("Remove changed a snapshot handed out before")
	}
	if _, ok := w.Snapshot().Files["b.py"]; ok {
		t.Error("the snapshot after Remove still has the file")
	}
}
