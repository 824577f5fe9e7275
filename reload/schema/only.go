package schema

import (
	"sort"
	"strings"

	"github.com/farm-stack/farm-lsp/analysis/facts"
)

// DiffSetsOnly is DiffSets restricted to the Documents of after for which
// diff(path, model) is true: the ops are those DiffSets returns for them,
// in the same order. A caller that knows which Documents cannot have
// changed (see Set.Reads) skips their walks; nil diffs every Document.
func DiffSetsOnly(before, after Set, diff func(path string, m facts.Model) bool) []Op {
	if diff == nil {
		return DiffSets(before, after)
	}
	// Only the chosen Documents are sorted, and only their names are
	// looked up in before: a save diffing one Document does not sort
	// every file of the workspace.
	type at struct {
		located
		i int
	}
	var chosen []at
	names := map[string]bool{}
	for p, ms := range after.Models {
		for i, m := range ms {
			if m.Kind == facts.ModelDocument && diff(p, m) {
				chosen = append(chosen, at{located{path: p, model: m}, i})
				names[m.Name] = true
			}
		}
	}
	if len(chosen) == 0 {
		return nil
	}
	sort.Slice(chosen, func(x, y int) bool {
		if chosen[x].path != chosen[y].path {
			return chosen[x].path < chosen[y].path
		}
		return chosen[x].i < chosen[y].i
	})
	a := make([]located, len(chosen))
	for i, c := range chosen {
		a[i] = c.located
	}
	// As DiffSets: the last Document of a name, by path then position.
	b := map[string]located{}
	for p, ms := range before.Models {
		for _, m := range ms {
			if m.Kind != facts.ModelDocument || !names[m.Name] {
				continue
			}
			if old, ok := b[m.Name]; !ok || p >= old.path {
				b[m.Name] = located{path: p, model: m}
			}
		}
	}
	return diffDocs(b, a, before, after)
}

// diffDocs diffs the located Documents (before by name) with each set's
// context; DiffSets' and DiffSetsOnly's shared end.
func diffDocs(b map[string]located, a []located, before, after Set) []Op {
	if len(a) == 0 {
		return nil
	}
	return diff(b, a, before.ctx(), after.ctx())
}

// maxReads bounds the files Reads lists for one model; a model reaching
// more is reported as reading everything (ok false).
const maxReads = 256

// Reads returns the files whose models the diff of the model m (declared
// in file) reads in s, its own file included: the files of its base
// classes and of the models its fields may store, followed through their
// bases and fields, at any depth. It is a superset: every field counts,
// stored or not. With the names resolving as before (no file changed
// the names it defines, imports or its classes' bases) and none of these
// files changed, a Document's diff finds nothing. ok is false when the
// reach is larger than maxReads files.
func (s Set) Reads(m facts.Model, file string) (files []string, ok bool) {
	resolve := s.resolver()
	seenModel := map[string]bool{}
	seenFile := map[string]bool{}
	var walk func(m facts.Model, file string) bool
	walk = func(m facts.Model, file string) bool {
		key := file + ":" + m.Name
		if seenModel[key] {
			return true
		}
		seenModel[key] = true
		if !seenFile[file] {
			if len(files) >= maxReads {
				return false
			}
			seenFile[file] = true
			files = append(files, file)
		}
		visit := func(name string) bool {
			bm, bf, ok := resolve(file, name)
			if !ok {
				return true
			}
			return walk(bm, bf)
		}
		for _, b := range m.Bases {
			if i := strings.IndexByte(b, '['); i >= 0 {
				b = b[:i]
			}
			if !visit(strings.TrimSpace(b)) {
				return false
			}
		}
		for _, f := range m.Fields {
			for _, n := range embeddedType(f.Annotation).names {
				if !visit(n) {
					return false
				}
			}
		}
		return true
	}
	if !walk(m, file) {
		return nil, false
	}
	return files, true
}
