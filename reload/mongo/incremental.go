package mongo

import (
	"maps"
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
// and each answer (the defining file and class name) is remembered, also
// across shape changes (asked again then). Only the model itself is read
// from each snapshot's own file.
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
// for a snapshot of the same shape), with models its ModelsOf.
func setOn(snap analysis.Snapshot, n *names, models map[string][]facts.Model) schema.Set {
	return schema.NewSet(models, func(path, name string) (facts.Model, string, bool) {
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

// docKey names a Document: its file and class name.
type docKey struct{ path, name string }

// differ diffs consecutive snapshots, walking only the Documents whose
// diff can find something: those declared in a changed file, those
// reading (through their bases and embedded models, schema.Set.Reads) a
// changed file, and those sharing their name with another Document.
// When some Python file changed shape, was added or was removed, the
// names are resolved with a new index, and every name a diff asked about
// before is asked again: a file where one now means something else (a
// star import or a new module brought another class) counts as changed.
// The ops equal schema.DiffSets over SetOf of both snapshots
// (TestIncrementalDiffMatchesFull).
type differ struct {
	snap  analysis.Snapshot
	set   schema.Set
	names *names
	// reads are the files the diff of each Document of snap reads; a
	// Document missing here is diffed.
	reads map[docKey][]string
	// walked counts the Documents the last diff walked (tests check a
	// save walks few).
	walked int
}

func newDiffer(snap analysis.Snapshot) *differ {
	n := newNames(snap)
	d := &differ{snap: snap, set: setOn(snap, n, ModelsOf(snap)), names: n}
	d.readAll()
	return d
}

// readAll records what every Document of d.set reads.
func (d *differ) readAll() {
	d.reads = map[docKey][]string{}
	for p, ms := range d.set.Models {
		for _, m := range ms {
			if m.Kind == facts.ModelDocument {
				d.read(p, m)
			}
		}
	}
}

// read records what the Document m of d.set in file p reads.
func (d *differ) read(p string, m facts.Model) {
	k := docKey{p, m.Name}
	if r, ok := d.set.Reads(m, p); ok {
		d.reads[k] = r
	} else {
		delete(d.reads, k)
	}
}

// fromSet returns a differ whose previous snapshot is unknown, with set
// its models: the first diff walks every Document.
func fromSet(set schema.Set) *differ {
	return &differ{set: set, names: newNames(analysis.Snapshot{}), reads: map[docKey][]string{}}
}

// next diffs snap against the previous snapshot; commit makes snap the
// previous one.
func (d *differ) next(snap analysis.Snapshot) (ops []schema.Op, cur schema.Set, commit func()) {
	changed, sameShape := changedFiles(d.snap.Files, snap.Files)
	n := d.names
	var models map[string][]facts.Model
	if sameShape {
		// The same files with the same shapes: the names resolve as
		// before, and the models of the changed files replace theirs
		// (ModelsOf, without going over every file).
		models = maps.Clone(d.set.Models)
		for p := range changed {
			if !strings.HasSuffix(p, ".py") {
				continue
			}
			if f := snap.Files[p]; f != nil && len(f.Models) > 0 {
				models[p] = f.Models
			} else {
				delete(models, p)
			}
		}
	} else {
		// Names are resolved afresh; a file where a name the diffs asked
		// about (every one is remembered) now means something else counts
		// as changed.
		n = newNames(snap)
		for k, r := range d.names.memo {
			if !changed[k[0]] && n.resolve(k[0], k[1]) != r {
				changed[k[0]] = true
			}
		}
		models = ModelsOf(snap)
	}
	cur = setOn(snap, n, models)
	// Where each Document name was before (the last one by path, as the
	// diff matches them) and how many Documents bear it now.
	before, count := map[string]string{}, map[string]int{}
	for p, ms := range d.set.Models {
		for _, m := range ms {
			if m.Kind == facts.ModelDocument && p > before[m.Name] {
				before[m.Name] = p
			}
		}
	}
	for _, ms := range models {
		for _, m := range ms {
			if m.Kind == facts.ModelDocument {
				count[m.Name]++
			}
		}
	}
	type walk struct {
		path string
		m    facts.Model
	}
	var walked []walk
	ops = schema.DiffSetsOnly(d.set, cur, func(p string, m facts.Model) bool {
		r, known := d.reads[docKey{p, m.Name}]
		diff := !known || changed[p] || count[m.Name] != 1 || before[m.Name] != p
		for i := 0; !diff && i < len(r); i++ {
			diff = changed[r[i]]
		}
		if diff {
			walked = append(walked, walk{p, m})
		}
		// Otherwise nothing it reads changed, nor did what it reads.
		return diff
	})
	return ops, cur, func() {
		// The Documents of the changed files and those walked may read
		// other files now; the others read what they read.
		for p := range changed {
			for _, m := range d.set.Models[p] {
				delete(d.reads, docKey{p, m.Name})
			}
		}
		d.snap, d.set, d.names, d.walked = snap, cur, n, len(walked)
		for _, w := range walked {
			d.read(w.path, w.m)
		}
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
