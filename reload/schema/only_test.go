package schema

import (
	"reflect"
	"testing"

	"github.com/farm-stack/farm-lsp/analysis/facts"
)

// TestDiffSetsOnlyMatchesDiffSets: DiffSetsOnly choosing every Document
// returns DiffSets' ops in DiffSets' order, also with Documents of one
// name in several files and twice in one (matched with the last by path,
// then position), and choosing some returns those Documents' ops only.
func TestDiffSetsOnlyMatchesDiffSets(t *testing.T) {
	t.Parallel()
	before := map[string][]facts.Model{
		"a.py": {doc("User", fld("name", "str", 0)), doc("Dup", fld("a", "int", 0))},
		"b.py": {doc("Dup", fld("b", "int", 0)), doc("Dup", fld("c", "int", 1))},
		"c.py": {doc("Post", fld("body", "str", 0))},
	}
	after := map[string][]facts.Model{
		"a.py": {doc("User", fld("name", "str", 0), fld("age", "int", 1, def("0"))), doc("Dup", fld("a", "int", 0))},
		"b.py": {doc("Dup", fld("b", "int", 0)), doc("Dup", fld("c", "int", 1), fld("d", "int", 2))},
		"c.py": {doc("Post", fld("body", "str", 0), fld("tags", "list", 1, def("[]")))},
		"d.py": {doc("Shop", fld("name", "str", 0))},
	}
	want := DiffSets(Set{Models: before}, Set{Models: after})
	got := DiffSetsOnly(Set{Models: before}, Set{Models: after}, func(string, facts.Model) bool { return true })
	if len(want) < 6 || !reflect.DeepEqual(got, want) {
		t.Fatalf("DiffSetsOnly = %v\nDiffSets = %v", got, want)
	}
	var wantSome []Op
	for _, op := range want {
		if op.Path == "c.py" || op.Path == "d.py" {
			wantSome = append(wantSome, op)
		}
	}
	got = DiffSetsOnly(Set{Models: before}, Set{Models: after}, func(p string, _ facts.Model) bool { return p >= "c.py" })
	if len(wantSome) != 2 || !reflect.DeepEqual(got, wantSome) {
		t.Fatalf("DiffSetsOnly(c.py, d.py) = %v, want %v", got, wantSome)
	}
}
