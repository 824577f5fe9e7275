package workspace

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/farm-stack/farm-lsp/analysis/facts"
)

var ctx = context.Background()

const basePy = `from beanie import Document
from pydantic import BaseModel


class Base(BaseModel):
    created: int = 0


class Doc(Document):
    name: str
`

const userPy = `from .base import Base, Doc


class User(Doc):
    email: str


class Profile(Base):
    bio: str = ""
`

func load(t *testing.T, files map[string]string) *Workspace {
	t.Helper()
	w := New(Options{})
	in := map[string][]byte{}
	for k, v := range files {
		in[k] = []byte(v)
	}
	if _, err := w.Load(ctx, in); err != nil {
		t.Fatal(err)
	}
	return w
}

func update(t *testing.T, w *Workspace, rel, content string) Result {
	t.Helper()
	res, err := w.Update(ctx, rel, []byte(content))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func kinds(cs []facts.Change) []string {
	var out []string
	for _, c := range cs {
		out = append(out, string(c.Kind)+" "+c.Subject+" "+string(c.ModelKind))
	}
	return out
}

func TestCrossFileModelKinds(t *testing.T) {
	t.Parallel()
	w := load(t, map[string]string{
		"apps/api/src/models/base.py": basePy,
		"apps/api/src/models/user.py": userPy,
	})
	got := map[string]facts.ModelKind{}
	for _, m := range w.Snapshot().Models() {
		got[m.Model.Name] = m.Model.Kind
	}
	want := map[string]facts.ModelKind{"Base": facts.ModelBaseModel, "Doc": facts.ModelDocument,
		"User": facts.ModelDocument, "Profile": facts.ModelBaseModel}
	for name, k := range want {
		if got[name] != k {
			t.Errorf("%s resolved to %q, want %q (all: %v)", name, got[name], k, got)
		}
	}

	// A change in user.py carries the kind resolved through base.py.
	res := update(t, w, "apps/api/src/models/user.py", strings.Replace(userPy, "    email: str\n", "    email: str\n    age: int = 0\n", 1))
	if len(res.Changes) != 1 || res.Changes[0].Kind != facts.FieldAdded || res.Changes[0].ModelKind != facts.ModelDocument {
		t.Fatalf("changes = %v, want one field-added on a document", kinds(res.Changes))
	}
	// user.py imports base.py: base.py's importers include it.
	if aff := w.Affected("apps/api/src/models/base.py"); len(aff) != 1 || aff[0] != "apps/api/src/models/user.py" {
		t.Errorf("Affected(base.py) = %v", aff)
	}
}

func TestSnapshotsAreNotMutated(t *testing.T) {
	t.Parallel()
	w := load(t, map[string]string{"apps/api/src/models/user.py": userPy})
	before := w.Snapshot()
	var kindBefore facts.ModelKind
	for _, m := range before.Files["apps/api/src/models/user.py"].Models {
		if m.Name == "User" {
			kindBefore = m.Kind
		}
	}
	// base.py arrives later and makes User a document.
	update(t, w, "apps/api/src/models/base.py", basePy)
	for _, m := range before.Files["apps/api/src/models/user.py"].Models {
		if m.Name == "User" && m.Kind != kindBefore {
			t.Fatalf("an earlier snapshot changed under its reader: %q -> %q", kindBefore, m.Kind)
		}
	}
	for _, m := range w.Snapshot().Models() {
		if m.Model.Name == "User" && m.Model.Kind != facts.ModelDocument {
			t.Errorf("User kind after base.py arrived = %q", m.Model.Kind)
		}
	}
}

func TestCosmeticAndSyntaxErrors(t *testing.T) {
	t.Parallel()
	w := load(t, map[string]string{"apps/api/src/models/base.py": basePy})
	rel := "apps/api/src/models/base.py"

	if res := update(t, w, rel, strings.Replace(basePy, "class Doc", "# a comment\nclass  Doc", 1)); len(res.Changes) != 0 {
		t.Fatalf("cosmetic edit gave changes: %v", kinds(res.Changes))
	}
	if res := update(t, w, rel, basePy); len(res.Changes) != 0 {
		t.Fatalf("reverting a cosmetic edit gave changes: %v", kinds(res.Changes))
	}
	if res := update(t, w, rel, basePy); !res.Unchanged {
		t.Fatalf("identical content not reported as unchanged")
	}

	broken := strings.Replace(basePy, "    name: str\n", "    name: str = (\n", 1)
	res := update(t, w, rel, broken)
	if !res.SyntaxError || len(res.Diagnostics) == 0 {
		t.Fatalf("syntax error not reported: %+v", res)
	}
	if len(res.Changes) != 1 || res.Changes[0].Kind != facts.SyntaxError {
		t.Fatalf("broken file changes = %v, want only syntax-error", kinds(res.Changes))
	}
	if d := res.Diagnostics[0]; d.Range.Start.Line < 9 {
		t.Errorf("syntax error reported at line %d, want at or after the broken line (10)", d.Range.Start.Line+1)
	}
	// The last good facts are kept for everything else.
	found := false
	for _, m := range w.Snapshot().Models() {
		found = found || m.Model.Name == "Doc"
	}
	if !found || len(w.Broken()) != 1 {
		t.Errorf("last good facts lost (Doc found=%v) or Broken()=%v", found, w.Broken())
	}

	// Fixing it with a real change diffs against the last good version.
	fixed := strings.Replace(basePy, "    name: str\n", "    name: str\n    size: int = 1\n", 1)
	res = update(t, w, rel, fixed)
	if res.SyntaxError || len(res.Diagnostics) != 0 || len(res.Changes) != 1 || res.Changes[0].Kind != facts.FieldAdded {
		t.Fatalf("fix: syntaxError=%v diags=%v changes=%v", res.SyntaxError, res.Diagnostics, kinds(res.Changes))
	}
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	w := New(Options{MaxFileSize: 1 << 10})
	res := update(t, w, "apps/api/src/models/big.py", strings.Repeat("x = 1\n", 1000))
	if res.Skipped == "" || len(res.Diagnostics) != 1 || res.Diagnostics[0].Code != facts.CodeFileSkipped {
		t.Fatalf("oversized file not skipped with a diagnostic: %+v", res)
	}
	// Invalid UTF-8 and binary content: no panic, diagnostics or facts.
	for _, src := range []string{"class A(BaseModel):\n    x: str = '\xff\xfe'\n", "\x00\x01\x02\xff\xd8binary\x00", ""} {
		w := New(Options{})
		if _, err := w.Update(ctx, "apps/api/src/models/a.py", []byte(src)); err != nil {
			t.Fatalf("update of %q: %v", src, err)
		}
		if _, err := w.Update(ctx, "apps/web/src/components/A.tsx", []byte(src)); err != nil {
			t.Fatalf("update of %q: %v", src, err)
		}
	}
	if res := w.TooLarge("apps/api/src/huge.py", 50<<20); res.Skipped == "" || res.Diagnostics[0].Code != facts.CodeFileSkipped {
		t.Fatalf("TooLarge = %+v", res)
	}
}

func TestRemoveAndUnder(t *testing.T) {
	t.Parallel()
	w := load(t, map[string]string{
		"apps/api/src/models/base.py": basePy,
		"apps/api/src/models/user.py": userPy,
	})
	if got := w.Under("apps/api/src"); len(got) != 2 {
		t.Fatalf("Under = %v", got)
	}
	res := w.Remove("apps/api/src/models/user.py")
	var ks []facts.ChangeKind
	for _, c := range res.Changes {
		ks = append(ks, c.Kind)
	}
	if len(ks) < 2 || ks[len(ks)-1] != facts.FileRemoved {
		t.Fatalf("remove changes = %v, want model removals then file-removed", ks)
	}
	for _, c := range res.Changes {
		if c.Kind == facts.ModelRemoved && c.Subject == "User" && c.ModelKind != facts.ModelDocument {
			t.Errorf("removed User lost its resolved kind: %q", c.ModelKind)
		}
	}
	if w.Len() != 1 {
		t.Errorf("Len after remove = %d", w.Len())
	}
}

func TestNewFileAndConfig(t *testing.T) {
	t.Parallel()
	w := New(Options{})
	res := update(t, w, "apps/api/src/models/base.py", basePy)
	if len(res.Changes) == 0 || res.Changes[0].Kind != facts.ModelAdded {
		t.Fatalf("new model file changes = %v", kinds(res.Changes))
	}
	cfg := "export default defineConfig({ ai: { providers: { ollama: { models: ['a'] } } } });\n"
	res = update(t, w, "farm.config.ts", cfg)
	if res.Kind != facts.KindFarmConfig || res.File == nil || res.File.Config == nil {
		t.Fatalf("farm.config.ts not read statically: %+v", res)
	}
	res = update(t, w, "farm.config.ts", strings.Replace(cfg, "['a']", "['a', 'b']", 1))
	found := false
	for _, c := range res.Changes {
		found = found || c.Kind == facts.AIModelAdded && c.Subject == "ollama:b"
	}
	if !found {
		t.Errorf("ai-model-added not found in %v", kinds(res.Changes))
	}
}

// BenchmarkLoad2000 is the cold index of a generated 2,000-file workspace
// (1,000 model files of ~30 lines and 1,000 TSX components).
func BenchmarkLoad2000(b *testing.B) {
	files := map[string][]byte{}
	for i := 0; i < 1000; i++ {
		var py strings.Builder
		fmt.Fprintf(&py, "from typing import Optional\nfrom beanie import Document\nfrom pydantic import BaseModel, Field\n\n")
		fmt.Fprintf(&py, "class M%d(Document):\n", i)
		for f := 0; f < 20; f++ {
			fmt.Fprintf(&py, "    f%d: Optional[str] = Field(None, alias=\"F%d\")\n", f, f)
		}
		fmt.Fprintf(&py, "\n    class Settings:\n        name = \"m%d\"\n        indexes = [\"f1\"]\n", i)
		files[fmt.Sprintf("apps/api/src/models/m%d.py", i)] = []byte(py.String())
		tsx := fmt.Sprintf("import { useState } from 'react';\nimport type { M%d } from '@/types/models';\n\nexport interface P%d { m: M%d; compact?: boolean }\n\nexport function C%d({ m }: P%d) {\n  const [open, setOpen] = useState(false);\n  return <div onClick={() => setOpen(!open)}>{m.f1}</div>;\n}\n", i, i, i, i, i)
		files[fmt.Sprintf("apps/web/src/components/C%d.tsx", i)] = []byte(tsx)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w := New(Options{})
		if _, err := w.Load(ctx, files); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(files)), "files")
}

// BenchmarkSaveToChanges is one save of a model field in a 300-line file
// inside an indexed workspace: parse (incremental) + extract + diff +
// cross-file resolution.
func BenchmarkSaveToChanges(b *testing.B) {
	var py strings.Builder
	py.WriteString("from typing import Optional\nfrom beanie import Document\n\n")
	for i := 0; i < 50; i++ {
		fmt.Fprintf(&py, "class M%d(Document):\n    a: int = 1\n    b: str\n    c: Optional[list[str]] = None\n\n", i)
	}
	src := py.String()
	w := New(Options{})
	if _, err := w.Load(ctx, map[string][]byte{"apps/api/src/models/m.py": []byte(src)}); err != nil {
		b.Fatal(err)
	}
	edits := [][]byte{[]byte(strings.Replace(src, "a: int = 1", "a: int = 2", 1)), []byte(src)}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := w.Update(ctx, "apps/api/src/models/m.py", edits[i%2])
		if err != nil || len(res.Changes) != 1 {
			b.Fatalf("err=%v changes=%d", err, len(res.Changes))
		}
	}
}

// TestLoadFromLeavesOutUnread: LoadFrom indexes what it reads, as Load
// does, and leaves out a path whose read fails.
func TestLoadFromLeavesOutUnread(t *testing.T) {
	t.Parallel()
	files := map[string][]byte{
		"apps/api/src/models/a.py": []byte("from beanie import Document\n\nclass A(Document):\n    x: int\n"),
		"apps/api/src/models/b.py": []byte("from .a import A\n\nclass B(A):\n    y: str\n"),
		"apps/api/src/models/c.py": []byte("class C:\n    pass\n"),
	}
	w := New(Options{})
	_, err := w.LoadFrom(ctx, slices.Values([]string{"apps/api/src/models/a.py", "apps/api/src/models/b.py", "apps/api/src/models/c.py"}), func(rel string) ([]byte, error) {
		if strings.HasSuffix(rel, "c.py") {
			return nil, fmt.Errorf("unreadable")
		}
		return files[rel], nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if w.Len() != 2 || w.File("apps/api/src/models/c.py") != nil {
		t.Fatalf("%d files indexed, c.py %v", w.Len(), w.File("apps/api/src/models/c.py"))
	}
	delete(files, "apps/api/src/models/c.py")
	want := New(Options{})
	if _, err := want.Load(ctx, files); err != nil {
		t.Fatal(err)
	}
	if d := diffState(stateOf(w), stateOf(want)); d != "" {
		t.Fatalf("LoadFrom and Load differ:\n%s", d)
	}
	if b := w.File("apps/api/src/models/b.py"); b == nil || len(b.Models) != 1 || b.Models[0].Kind != facts.ModelDocument {
		t.Fatalf("b.py: %+v", b)
	}
}

// TestLoadFromOverlapsTheListing: the workers read and analyse the paths
// listed so far while the listing goes on (a scan of the disk overlaps
// the analysis).
func TestLoadFromOverlapsTheListing(t *testing.T) {
	t.Parallel()
	readA := make(chan struct{})
	rels := func(yield func(string) bool) {
		if !yield("apps/api/src/a.py") {
			return
		}
		select {
		case <-readA:
		case <-time.After(10 * time.Second):
			t.Error("a.py was not read before the listing went on")
		}
		yield("apps/api/src/b.py")
	}
	w := New(Options{})
	if _, err := w.LoadFrom(ctx, rels, func(rel string) ([]byte, error) {
		if strings.HasSuffix(rel, "a.py") {
			close(readA)
		}
		return []byte("x = 1\n"), nil
	}); err != nil {
		t.Fatal(err)
	}
	if w.Len() != 2 {
		t.Fatalf("%d files indexed, want 2", w.Len())
	}
}
