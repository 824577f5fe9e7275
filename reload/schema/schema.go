// Package schema turns two versions of a workspace's Beanie Document models
// into MongoDB schema operations (create collection, add/remove/rename
// field, rename collection, create/drop index), writes them as reviewable
// migration files and validates hand-edited ones. It is pure apart from
// WriteMigration: it never talks to a database.
package schema

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/farm-stack/farm-lsp/analysis/facts"
)

// OpKind names a schema operation.
type OpKind string

// Operation kinds.
const (
	CreateCollection OpKind = "create-collection"
	DropCollection   OpKind = "drop-collection" // only as the down of create-collection
	RenameCollection OpKind = "rename-collection"
	AddField         OpKind = "add-field"
	RemoveField      OpKind = "remove-field"
	RenameField      OpKind = "rename-field"
	CreateIndex      OpKind = "create-index"
	DropIndex        OpKind = "drop-index"
)

// Known reports whether k is an operation kind this package understands.
func (k OpKind) Known() bool {
	switch k {
	case CreateCollection, DropCollection, RenameCollection, AddField, RemoveField,
		RenameField, CreateIndex, DropIndex:
		return true
	}
	return false
}

// Index is an index specification as stored in a migration.
type Index struct {
	Name   string           `json:"name"`
	Keys   []facts.IndexKey `json:"keys"`
	Unique bool             `json:"unique,omitempty"`
}

// Op is one schema operation on one collection.
type Op struct {
	Kind       OpKind `json:"op"`
	Collection string `json:"collection"`
	// Field is the stored field name (the alias when the field has one).
	Field string `json:"field,omitempty"`
	// To is the new name of a renamed field or collection.
	To string `json:"to,omitempty"`
	// Backfill says an add-field sets Default on documents missing the
	// field; false means existing documents are left as they are.
	Backfill bool `json:"backfill,omitempty"`
	// Default is the BSON-able backfill value (see DefaultValue).
	Default any    `json:"default,omitempty"`
	Index   *Index `json:"index,omitempty"`
	// Destructive ops lose or move data (unset, rename, drop); they are
	// never applied without an explicit request.
	Destructive bool `json:"destructive,omitempty"`
	// Note explains a choice, e.g. why an add-field does not backfill.
	Note string `json:"note,omitempty"`
	// Model, Path and Line locate the source: the model class, its
	// workspace-relative file and the 1-based line of Range.
	Model string      `json:"model,omitempty"`
	Path  string      `json:"path,omitempty"`
	Line  int         `json:"line,omitempty"`
	Range facts.Range `json:"range"`
}

// String describes the op in a short sentence.
func (o Op) String() string {
	switch o.Kind {
	case CreateCollection, DropCollection:
		return fmt.Sprintf("%s %s", o.Kind, o.Collection)
	case RenameCollection:
		return fmt.Sprintf("%s %s → %s", o.Kind, o.Collection, o.To)
	case RenameField:
		return fmt.Sprintf("%s %s.%s → %s", o.Kind, o.Collection, o.Field, o.To)
	case CreateIndex, DropIndex:
		name := ""
		if o.Index != nil {
			name = o.Index.Name
		}
		return fmt.Sprintf("%s %s.%s", o.Kind, o.Collection, name)
	}
	return fmt.Sprintf("%s %s.%s", o.Kind, o.Collection, o.Field)
}

// CollectionName is the collection a Document model is stored in:
// Settings.name, else the class name (Beanie's default).
func CollectionName(m facts.Model) string {
	if m.Settings != nil && m.Settings.Name != "" {
		return m.Settings.Name
	}
	return m.Name
}

// IndexName is MongoDB's generated index name: a_1_b_-1.
func IndexName(keys []facts.IndexKey) string {
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		dir := k.Dir
		if dir == 0 {
			dir = 1
		}
		parts = append(parts, fmt.Sprintf("%s_%d", k.Field, dir))
	}
	return strings.Join(parts, "_")
}

// Diff returns the schema operations that take the Document models in
// before to those in after. Models are matched by class name; BaseModels
// and unresolved models are ignored except as embedded models and bases
// (resolved by name). Removed models produce no operation (their data
// stays). Ops carry Model and Range but no Path (see DiffFiles).
func Diff(before, after []facts.Model) []Op {
	return DiffSets(Set{Models: map[string][]facts.Model{"": before}}, Set{Models: map[string][]facts.Model{"": after}})
}

// DiffFiles is Diff over models keyed by the workspace-relative path of
// their file; it sets each op's Path. A model that moved to another file
// is still matched by name. Names in annotations and bases resolve by
// name (DiffSets resolves them through the imports).
func DiffFiles(before, after map[string][]facts.Model) []Op {
	return DiffSets(Set{Models: before}, Set{Models: after})
}

// DiffSets is DiffFiles with each side's own resolver. Besides a
// Document's own fields it diffs the fields of its base classes and of the
// models embedded in it (fields whose type is a model, in Optional[...],
// List[...], Dict[str, ...]), at their stored dotted paths: an op on a
// field of an embedded model has Field "audit.reviewed_by" (EachElement
// and EachValue stand for array elements and dict values), and Model, Path
// and Range locate it in the embedded model's class.
func DiffSets(before, after Set) []Op {
	b := map[string]located{}
	for _, p := range sortedKeys(before.Models) {
		for _, m := range before.Models[p] {
			if m.Kind == facts.ModelDocument {
				b[m.Name] = located{path: p, model: m}
			}
		}
	}
	var a []located
	for _, p := range sortedKeys(after.Models) {
		for _, m := range after.Models[p] {
			if m.Kind == facts.ModelDocument {
				a = append(a, located{path: p, model: m})
			}
		}
	}
	return diffDocs(b, a, before, after)
}

type located struct {
	path  string
	model facts.Model
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func diff(before map[string]located, after []located, pc, cc *setCtx) []Op {
	var ops []Op
	for _, cur := range after {
		m := cur.model
		coll := CollectionName(m)
		at := func(op Op, r facts.Range) Op {
			op.Model, op.Path, op.Range, op.Line = m.Name, cur.path, r, r.Start.Line+1
			if op.Collection == "" {
				op.Collection = coll
			}
			return op
		}
		prev, ok := before[m.Name]
		if !ok {
			ops = append(ops, at(Op{Kind: CreateCollection}, m.NameRange))
			for _, ix := range modelIndexes(m) {
				ops = append(ops, at(Op{Kind: CreateIndex, Index: indexSpec(ix)}, ix.Range))
			}
			continue
		}
		pm := prev.model
		if oldColl := CollectionName(pm); oldColl != coll {
			r := m.NameRange
			if m.Settings != nil && m.Settings.Name != "" {
				r = m.Settings.NameRange
			}
			ops = append(ops, at(Op{Kind: RenameCollection, Collection: oldColl, To: coll, Destructive: true}, r))
		}
		visits := 0
		ops = append(ops, embeddedOps(pc, cc, pm, prev.path, m, cur.path, "", "", []string{cur.path + ":" + m.Name}, &visits, at)...)
		ops = append(ops, indexOps(pm, m, at)...)
	}
	return ops
}

// modelIndexes returns a Document's declared indexes.
func modelIndexes(m facts.Model) []facts.Index {
	if m.Settings == nil {
		return nil
	}
	return m.Settings.Indexes
}

func storedName(f facts.Field) string {
	if f.Alias != "" {
		return f.Alias
	}
	return f.Name
}

func byIndex(slots map[string]slot, names []string) []string {
	sort.Slice(names, func(i, j int) bool {
		a, b := slots[names[i]], slots[names[j]]
		if a.field.Index != b.field.Index {
			return a.field.Index < b.field.Index
		}
		return names[i] < names[j]
	})
	return names
}

type placeFunc func(op Op, r facts.Range) Op

// fieldOps diffs the fields stored at one path (hp, "" for the Document
// itself) of a Document. Added fields are placed at their declaration,
// removed ones at the class holding them now.
func fieldOps(hp string, prev, cur *holder, at placeFunc) []Op {
	pf, cf := prev.slots, cur.slots
	var removed, added []string
	for n := range pf {
		if _, ok := cf[n]; !ok {
			removed = append(removed, n)
		}
	}
	for n := range cf {
		if _, ok := pf[n]; !ok {
			added = append(added, n)
		}
	}
	removed, added = byIndex(pf, removed), byIndex(cf, added)
	in := func(op Op, owner facts.Model, file string, r facts.Range) Op {
		op = at(op, r)
		if hp != "" || owner.Name != op.Model {
			op.Model, op.Path = owner.Name, file
		}
		return op
	}
	if cur.why != "" {
		// Which stored values hold this model is unknown: nothing is
		// changed, and the migration says why.
		var ops []Op
		for _, n := range added {
			s := cf[n]
			ops = append(ops, in(Op{Kind: AddField, Field: s.path, Note: cur.why + ": existing documents are not backfilled automatically"}, s.owner, s.file, s.field.Range))
		}
		return ops
	}
	// The rename heuristic: exactly one field removed and one added, with
	// the same annotation at the same position of the same class.
	if len(removed) == 1 && len(added) == 1 {
		o, n := pf[removed[0]], cf[added[0]]
		if o.field.Annotation == n.field.Annotation && o.field.Index == n.field.Index && o.owner.Name == n.owner.Name {
			return []Op{in(Op{Kind: RenameField, Field: o.path, To: n.path, Destructive: true}, n.owner, n.file, n.field.Range)}
		}
	}
	var ops []Op
	for _, n := range removed {
		ops = append(ops, in(Op{Kind: RemoveField, Field: pf[n].path, Destructive: true}, cur.model, cur.file, cur.model.NameRange))
	}
	for _, n := range added {
		s := cf[n]
		f := s.field
		op := Op{Kind: AddField, Field: s.path}
		v, ok, why := DefaultValue(FieldDefault{Source: f.Default, Has: f.HasDefault, Factory: f.DefaultFactory})
		if ok {
			op.Backfill, op.Default = true, v
		} else {
			op.Note = why + ": existing documents are not backfilled"
		}
		ops = append(ops, in(op, s.owner, s.file, f.Range))
	}
	return ops
}

func indexOps(prev, cur facts.Model, at placeFunc) []Op {
	pi := map[string]*Index{}
	for _, ix := range modelIndexes(prev) {
		s := indexSpec(ix)
		pi[s.Name] = s
	}
	var drops, creates []Op
	seen := map[string]bool{}
	for _, ix := range modelIndexes(cur) {
		s := indexSpec(ix)
		seen[s.Name] = true
		old, ok := pi[s.Name]
		if ok && old.Unique == s.Unique && slices.Equal(old.Keys, s.Keys) {
			continue
		}
		if ok {
			drops = append(drops, at(Op{Kind: DropIndex, Index: old, Destructive: true}, ix.Range))
		}
		creates = append(creates, at(Op{Kind: CreateIndex, Index: s}, ix.Range))
	}
	for _, ix := range modelIndexes(prev) {
		s := indexSpec(ix)
		if !seen[s.Name] {
			drops = append(drops, at(Op{Kind: DropIndex, Index: s, Destructive: true}, cur.NameRange))
		}
	}
	return append(drops, creates...)
}

func indexSpec(ix facts.Index) *Index {
	name := ix.Name
	if name == "" {
		name = IndexName(ix.Keys)
	}
	return &Index{Name: name, Keys: slices.Clone(ix.Keys), Unique: ix.Unique}
}
