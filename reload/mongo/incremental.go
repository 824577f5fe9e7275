package mongo

import (
	"strings"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/analysis/pymod"
	analysis "github.com/farm-stack/farm-lsp/analysis/workspace"
	"github.com/farm-stack/farm-lsp/reload/schema"
)

// names is the resolution of names in annotations and bases shared by
// the snapshots whose Python files all have the same shape
// (pymod.SameShape: the names they define and import, their classes'
// bases): the import index is built once for such a run of snapshots,
// and each answer (the defining file and class name) is remembered.
// Only the model itself is read from each snapshot's own file.
type names struct {
	files map[string]*facts.File // the snapshot the index is built from
	ix    *pymod.Index
	memo  map[[2]string]symRef
}

type symRef struct {
	file, name string
	ok         bool
}

func newNames(snap analysis.Snapshot) *names {
	return &names{files: snap.Files, memo: map[[2]string]symRef{}}
}

func (n *names) resolve(from, name string) symRef {
	k := [2]string{from, name}
	if r, ok := n.memo[k]; ok {
		return r
	}
	if n.ix == nil {
		n.ix = pymod.New(analysis.Snapshot{Files: n.files}.Python())
	}
	s := n.ix.Resolve(from, name)
	var r symRef
	if m := n.ix.Model(s); m != nil {
		r = symRef{file: s.File.Path, name: s.Name, ok: true}
	}
	n.memo[k] = r
	return r
}

// setOn is a snapshot's Set resolving through n (which must have been made
// for a snapshot of the same shape).
func setOn(snap analysis.Snapshot, n *names) schema.Set {
	return schema.NewSet(ModelsOf(snap), func(path, name string) (facts.Model, string, bool) {
		r := n.resolve(path, name)
		if !r.ok {
			return facts.Model{}, "", false
		}
		f := snap.Files[r.file]
		if f == nil {
			return facts.Model{}, "", false
		}
		// The last class of a name is the one Python keeps (pymod.Model).
		for i := len(f.Models) - 1; i >= 0; i-- {
			if f.Models[i].Name == r.name {
				return f.Models[i], r.file, true
			}
		}
		return facts.Model{}, "", false
	})
}

// differ diffs consecutive snapshots, walking only the Documents whose
// diff can find something: those declared in a changed file, and those
// reading (through their bases and embedded models, schema.Set.Reads) a
// changed file. When some Python file changed shape, was added or was
// removed, every Document is diffed and the names resolved afresh. The
// ops equal schema.DiffSets over SetOf of both snapshots
// (TestIncrementalDiffMatchesFull).
type differ struct {
	snap  analysis.Snapshot
	set   schema.Set
	names *names
	// reads are, by "path:Name" of a Document of snap, the files its diff
	// reads; a Document missing here is diffed.
	reads map[string][]string
	// walked counts the Documents diffed (tests check a save walks few).
	walked int
}

func newDiffer(snap analysis.Snapshot) *differ {
	n := newNames(snap)
	d := &differ{snap: snap, set: setOn(snap, n), names: n, reads: map[string][]string{}}
	d.read(nil)
	return d
}

// read records what the Documents of d.set read, except those in known.
func (d *differ) read(known map[string][]string) {
	for p, ms := range d.set.Models {
		for _, m := range ms {
			if m.Kind != facts.ModelDocument {
				continue
			}
			key := p + ":" + m.Name
			if r, ok := known[key]; ok {
				d.reads[key] = r
				continue
			}
			if r, ok := d.set.Reads(m, p); ok {
				d.reads[key] = r
			}
		}
	}
}

// fromSet returns a differ whose previous snapshot is unknown, with set
// its models: the first diff walks every Document.
func fromSet(set schema.Set) *differ {
	return &differ{set: set, names: newNames(analysis.Snapshot{}), reads: map[string][]string{}}
}

// next diffs snap against the previous snapshot; commit makes snap the
// previous one.
func (d *differ) next(snap analysis.Snapshot) (ops []schema.Op, cur schema.Set, commit func()) {
	changed, sameShape := changedFiles(d.snap.Files, snap.Files)
	n := d.names
	if !sameShape {
		n = newNames(snap)
	}
	cur = setOn(snap, n)
	var only func(string, facts.Model) bool
	reads := map[string][]string{}
	if sameShape {
		// Where each Document name was before (the last one by path, as
		// the diff matches them) and how many Documents bear it now.
		before, count := map[string]string{}, map[string]int{}
		for p, ms := range d.set.Models {
			for _, m := range ms {
				if m.Kind == facts.ModelDocument && p > before[m.Name] {
					before[m.Name] = p
				}
			}
		}
		for _, ms := range cur.Models {
			for _, m := range ms {
				if m.Kind == facts.ModelDocument {
					count[m.Name]++
				}
			}
		}
		only = func(p string, m facts.Model) bool {
			key := p + ":" + m.Name
			r, known := d.reads[key]
			if !known || changed[p] || count[m.Name] != 1 || before[m.Name] != p {
				return true
			}
			for _, f := range r {
				if changed[f] {
					return true
				}
			}
			reads[key] = r // nothing it reads changed: neither did what it reads
			return false
		}
	}
	walked := 0
	diff := func(p string, m facts.Model) bool {
		if only != nil && !only(p, m) {
			return false
		}
		walked++
		return true
	}
	ops = schema.DiffSetsOnly(d.set, cur, diff)
	return ops, cur, func() {
		// What the Documents diffed now read, for the next diff.
		d.snap, d.set, d.names, d.reads, d.walked = snap, cur, n, map[string][]string{}, walked
		d.read(reads)
	}
}

// changedFiles returns the paths whose files differ between two
// snapshots and whether every changed Python file kept its shape (none
// added or removed).
func changedFiles(before, after map[string]*facts.File) (map[string]bool, bool) {
	changed := map[string]bool{}
	same := true
	for p, a := range after {
		b := before[p]
		if a == b {
			continue
		}
		changed[p] = true
		if strings.HasSuffix(p, ".py") && (b == nil || !pymod.SameShape(a, b)) {
			same = false
		}
	}
	for p := range before {
		if _, ok := after[p]; !ok {
			changed[p] = true
			if strings.HasSuffix(p, ".py") {
				same = false
			}
		}
	}
	return changed, same
}
