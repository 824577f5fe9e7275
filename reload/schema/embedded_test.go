package schema

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/farm-stack/farm-lsp/analysis/facts"
)

func basemodel(name string, fields ...facts.Field) facts.Model {
	return facts.Model{Name: name, Bases: []string{"BaseModel"}, Kind: facts.ModelBaseModel, Fields: fields, NameRange: rng(30)}
}

func TestDiffEmbedded(t *testing.T) {
	t.Parallel()
	audit := basemodel("Audit", fld("created_by", "str", 0))
	audit2 := basemodel("Audit", fld("created_by", "str", 0), fld("reviewed_by", "str", 1, def(`"nobody"`)))
	note := func(ann string) facts.Model {
		return withSettings(doc("Note", fld("title", "str", 0), fld("audit", ann, 1)), "notes")
	}
	tests := []struct {
		name          string
		before, after []facts.Model
		want          []string
	}{
		{"direct", []facts.Model{note("Audit"), audit}, []facts.Model{note("Audit"), audit2},
			[]string{`add-field notes.audit.reviewed_by ="nobody"`}},
		{"optional", []facts.Model{note("Optional[Audit]"), audit}, []facts.Model{note("Optional[Audit]"), audit2},
			[]string{`add-field notes.audit.reviewed_by ="nobody"`}},
		{"pep 604 optional", []facts.Model{note("Audit | None"), audit}, []facts.Model{note("Audit | None"), audit2},
			[]string{`add-field notes.audit.reviewed_by ="nobody"`}},
		{"annotated forward reference", []facts.Model{note(`Annotated["Audit", Field(description="x")]`), audit},
			[]facts.Model{note(`Annotated["Audit", Field(description="x")]`), audit2},
			[]string{`add-field notes.audit.reviewed_by ="nobody"`}},
		{"list", []facts.Model{note("List[Audit]"), audit}, []facts.Model{note("List[Audit]"), audit2},
			[]string{`add-field notes.audit.$[].reviewed_by ="nobody"`}},
		{"optional list of lists", []facts.Model{note("Optional[list[list[Audit]]]"), audit}, []facts.Model{note("Optional[list[list[Audit]]]"), audit2},
			[]string{`add-field notes.audit.$[].$[].reviewed_by ="nobody"`}},
		{"dict values", []facts.Model{note("Dict[str, Audit]"), audit}, []facts.Model{note("Dict[str, Audit]"), audit2},
			[]string{`add-field notes.audit.$*.reviewed_by ="nobody"`}},
		{"union of models is not backfilled", []facts.Model{note("Union[Audit, Other]"), audit, basemodel("Other")},
			[]facts.Model{note("Union[Audit, Other]"), audit2, basemodel("Other")},
			[]string{`add-field notes.audit.reviewed_by (no backfill)`}},
		{"link is a reference", []facts.Model{note("Link[Audit]"), audit}, []facts.Model{note("Link[Audit]"), audit2},
			[]string{}},
		{"not a model", []facts.Model{note("str"), audit}, []facts.Model{note("str"), audit2}, []string{}},
		{"removed embedded field is destructive", []facts.Model{note("Audit"), audit2}, []facts.Model{note("Audit"), audit},
			[]string{`remove-field notes.audit.reviewed_by !`}},
		{"renamed embedded field", []facts.Model{note("List[Audit]"), audit},
			[]facts.Model{note("List[Audit]"), basemodel("Audit", fld("author", "str", 0))},
			[]string{`rename-field notes.audit.$[].created_by → audit.$[].author !`}},
		{"nested two levels", []facts.Model{note("Audit"), basemodel("Audit", fld("by", "User", 0)), basemodel("User", fld("name", "str", 0))},
			[]facts.Model{note("Audit"), basemodel("Audit", fld("by", "User", 0)), basemodel("User", fld("name", "str", 0), fld("age", "int", 1, def("0")))},
			[]string{`add-field notes.audit.by.age =0`}},
		{"embedded field appears with the field: only the field is added", []facts.Model{withSettings(doc("Note", fld("title", "str", 0)), "notes"), audit},
			[]facts.Model{note("Optional[Audit]"), audit2}, []string{`add-field notes.audit (no backfill)`}},
		{"self reference stops", []facts.Model{doc("Tree", fld("kids", "List[Node]", 0)), basemodel("Node", fld("kids", "List[Node]", 0))},
			[]facts.Model{doc("Tree", fld("kids", "List[Node]", 0)), basemodel("Node", fld("kids", "List[Node]", 0), fld("n", "int", 1, def("1")))},
			[]string{`add-field Tree.kids.$[].n =1`}},
		{"inherited field of a base class", []facts.Model{doc("Post", fld("title", "str", 0)), basemodel("Stamped", fld("at", "int", 0))},
			[]facts.Model{{Name: "Post", Bases: []string{"Stamped", "Document"}, Kind: facts.ModelDocument, Fields: []facts.Field{fld("title", "str", 0)}},
				basemodel("Stamped", fld("at", "int", 0), fld("by", "str", 1, def(`""`)))},
			[]string{`add-field Post.at (no backfill)`, `add-field Post.by =""`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := brief(Diff(tt.before, tt.after))
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Diff:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

// An embedded model imported under another name resolves through the
// Set's resolver; the op points at the field in the embedded model's file.
func TestDiffSetsEmbeddedThroughResolver(t *testing.T) {
	t.Parallel()
	const docPath, basePath = "apps/api/src/models/note.py", "apps/api/src/models/base.py"
	note := withSettings(doc("Note", fld("audit", "Optional[AuditInfo]", 0)), "notes")
	set := func(audit facts.Model) Set {
		return Set{
			Models: map[string][]facts.Model{docPath: {note}, basePath: {audit}},
			Resolve: func(path, name string) (facts.Model, string, bool) {
				if path == docPath && name == "AuditInfo" {
					return audit, basePath, true
				}
				return facts.Model{}, "", false
			},
		}
	}
	before := set(basemodel("Audit", fld("created_by", "str", 0)))
	after := set(basemodel("Audit", fld("created_by", "str", 0), fld("reviewed_by", "Optional[str]", 1, def("None"))))
	ops := DiffSets(before, after)
	if got := brief(ops); !reflect.DeepEqual(got, []string{"add-field notes.audit.reviewed_by =null"}) {
		t.Fatalf("ops = %q", got)
	}
	o := ops[0]
	if o.Path != basePath || o.Model != "Audit" || o.Range != rng(11) || o.Collection != "notes" {
		t.Errorf("op located at %s %s %v (collection %s)", o.Path, o.Model, o.Range, o.Collection)
	}
	// By name alone, AuditInfo names no model: nothing to diff.
	if ops := DiffFiles(before.Models, after.Models); len(ops) != 0 {
		t.Errorf("by-name diff found %q", brief(ops))
	}
	m := NewMigration(ops)
	if len(m.Sources) != 1 || m.Sources[0].Path != basePath || !strings.Contains(m.ID, "audit_add_field_audit_reviewed_by") {
		t.Errorf("migration = %+v", m)
	}
}

func TestEmbeddedTypeIsLinear(t *testing.T) {
	t.Parallel()
	for _, ann := range []string{"", "[", "]]]", "List[", "Dict[str,", "Callable[[int], str]", "Indexed(str, unique=True)",
		"conlist(Audit, min_items=1)", `"Audit`, "List[-1]", "Tuple[Audit, Other]", "Union[]"} {
		_ = embeddedType(ann) // must return
	}
	if e := embeddedType("Tuple[Audit, ...]"); !reflect.DeepEqual(e.segs, []string{EachElement}) || e.names[0] != "Audit" {
		t.Errorf("Tuple[Audit, ...] = %+v", e)
	}
	if e := embeddedType("Tuple[Audit, Other]"); len(e.names) != 0 {
		t.Errorf("fixed tuple = %+v", e)
	}
	if e := embeddedType("typing.Optional[models.base.Audit]"); !reflect.DeepEqual(e.names, []string{"models.base.Audit"}) || len(e.segs) != 0 {
		t.Errorf("dotted = %+v", e)
	}
}

// A model reached along several paths (a DAG of embedded models) gets an
// op at every path; a subtree whose models did not change is not walked
// (its ops would be none anyway: the diff of an unchanged set is empty).
func TestDiffEmbeddedDAG(t *testing.T) {
	t.Parallel()
	set := func(leaf ...facts.Field) []facts.Model {
		ms := []facts.Model{withSettings(doc("D", fld("root", "L0", 0), fld("side", "Side", 1)), "d"), basemodel("Side", fld("x", "int", 0))}
		for i := 0; i < 5; i++ {
			next := fmt.Sprintf("L%d", i+1)
			ms = append(ms, basemodel(fmt.Sprintf("L%d", i), fld("a", next, 0), fld("b", "List["+next+"]", 1)))
		}
		return append(ms, basemodel("L5", leaf...))
	}
	before, after := set(fld("v", "int", 0)), set(fld("v", "int", 0), fld("w", "int", 1, def("7")))
	ops := Diff(before, after)
	if len(ops) != 32 {
		t.Fatalf("%d ops, want one per path to L5 (32): %q", len(ops), brief(ops))
	}
	seen := map[string]bool{}
	for _, o := range ops {
		if o.Kind != AddField || !o.Backfill || !strings.HasPrefix(o.Field, "root.") || !strings.HasSuffix(o.Field, ".w") || seen[o.Field] {
			t.Errorf("op %s", o)
		}
		seen[o.Field] = true
	}
	if !seen["root.a.a.a.a.a.w"] || !seen["root.b.$[].b.$[].b.$[].b.$[].b.$[].w"] {
		t.Errorf("paths = %v", seen)
	}
	if ops := Diff(after, after); len(ops) != 0 {
		t.Errorf("unchanged: %q", brief(ops))
	}
}
