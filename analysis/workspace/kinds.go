package workspace

import (
	"slices"
	"sort"
	"strings"

	"github.com/farm-stack/farm-lsp/analysis/deps"
	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/analysis/pymod"
)

// pyState is the cross-file resolution of the Python files' models: each
// model's kind (a class is a document when a base leads to a Beanie
// document class, a basemodel when one leads to a Pydantic model) and what
// it embeds, following the imports (pymod).
//
// It is incremental. Each file is resolved on its own, from the index's
// tables, and the index reports what that resolution read (pymod.Dep: a
// file's shape, a directory's existence, the first definer of a class
// name). A change of one file re-resolves that file and the files that
// read a Dep the change altered: modules importing it (directly or through
// re-exports and star imports), subclasses of its classes in other files,
// files that named a class it adds or removes without importing it. What
// one file's resolution finds depends only on the tables, never on the
// order files are resolved in, so the result equals resolving every file
// again (TestIncrementalKindsMatchFull).
type pyState struct {
	ix   *pymod.Index
	deps *deps.Index[pymod.Dep] // what each file's resolution read
	res  map[string]pyRes       // file -> what its resolution found
	// names lists, by model name, the resolved kinds of the models of
	// that name in (path, position) order: Workspace.kinds is the first
	// known one.
	names map[string][]nameKind
	// resolved counts file resolutions (tests check a save does few).
	resolved int
	// embedsLater is set in a one-shot workspace, whose resolutions leave
	// out what models embed (four fifths of their CPU): only the changes
	// of a later update read it (Change.EmbeddedIn), and embeddedIn then
	// works it out for every file (addEmbeds).
	embedsLater bool
}

// pyRes is what resolving one file found.
type pyRes struct {
	names  []string          // its models' names, in order
	kinds  []facts.ModelKind // their kinds
	embeds [][2]string       // (stored model, storing model) pairs
}

type nameKind struct {
	path string
	i    int
	kind facts.ModelKind
}

// resetPy resolves every Python file from scratch. Caller holds mu.
func (w *Workspace) resetPy() {
	var py []*facts.File
	models := 0
	for rel, e := range w.files {
		if e.good != nil && strings.HasSuffix(rel, ".py") {
			py = append(py, e.good)
			models += len(e.good.Models)
		}
	}
	// The maps sized for every file and model at once, not grown.
	w.py = pyState{ix: pymod.New(py), deps: deps.New[pymod.Dep](), res: make(map[string]pyRes, len(py)),
		names: make(map[string][]nameKind, models), embedsLater: w.lim.oneShot}
	w.kinds = make(map[string]facts.ModelKind, models)
	w.embeds = map[string]map[string]int{}
	seen := map[pymod.Dep]struct{}{}
	for _, f := range w.py.ix.Files() {
		w.resolvePy(f.Path, seen)
	}
}

// addEmbeds works out what the models of every file embed, when the
// resolutions left it out (pyState.embedsLater), as resolvePy would have:
// each file from fresh memos. Caller holds mu.
func (w *Workspace) addEmbeds() {
	st := &w.py
	if !st.embedsLater {
		return
	}
	st.embedsLater = false
	for _, f := range st.ix.Files() {
		st.ix.Track(nil)
		var pairs [][2]string
		for _, m := range f.Models {
			pairs = embedsOf(st.ix, f.Path, m, pairs)
		}
		for _, p := range pairs {
			by := w.embeds[p[0]]
			if by == nil {
				by = map[string]int{}
				w.embeds[p[0]] = by
			}
			by[p[1]]++
		}
	}
	st.ix.Track(nil)
}

// setPy records the new good facts of a Python file (nil: it has none
// now) and re-resolves what they can change. Caller holds mu.
func (w *Workspace) setPy(rel string, f *facts.File) {
	if !strings.HasSuffix(rel, ".py") {
		return
	}
	if w.lim.oneShot {
		// A one-shot workspace records no Deps (it is not meant to be
		// updated): an update resolves everything again.
		w.resetPy()
		return
	}
	changed := w.py.ix.Set(rel, f)
	todo := map[string]struct{}{}
	if f != nil {
		todo[rel] = struct{}{}
	} else {
		w.unresolvePy(rel)
	}
	for _, d := range changed {
		w.py.deps.Users(d, func(u string) { todo[u] = struct{}{} })
	}
	files := make([]string, 0, len(todo))
	for u := range todo {
		files = append(files, u)
	}
	sort.Strings(files)
	seen := map[pymod.Dep]struct{}{}
	for _, u := range files {
		w.resolvePy(u, seen)
	}
}

// unresolvePy takes back what resolving rel contributed.
func (w *Workspace) unresolvePy(rel string) {
	st := &w.py
	st.deps.Drop(rel)
	r, ok := st.res[rel]
	if !ok {
		return
	}
	delete(st.res, rel)
	for _, p := range r.embeds {
		by := w.embeds[p[0]]
		if by[p[1]] <= 1 {
			delete(by, p[1])
			if len(by) == 0 {
				delete(w.embeds, p[0])
			}
		} else {
			by[p[1]]--
		}
	}
	for _, n := range uniq(r.names) {
		list := slices.DeleteFunc(st.names[n], func(k nameKind) bool { return k.path == rel })
		if len(list) == 0 {
			delete(st.names, n)
		} else {
			st.names[n] = list
		}
		w.kindOfName(n)
	}
}

// resolvePy resolves the models of one file: their kinds (written to the
// file's good facts, by copy) and what they embed. seen is scratch space.
func (w *Workspace) resolvePy(rel string, seen map[pymod.Dep]struct{}) {
	w.unresolvePy(rel)
	st := &w.py
	st.resolved++
	f := st.ix.File(rel)
	e := w.files[rel]
	if f == nil || e == nil || e.good == nil {
		return
	}
	clear(seen)
	var read []pymod.Dep
	if w.lim.oneShot {
		st.ix.Track(nil) // each file from fresh memos all the same: the answers do not depend on the order
	} else {
		st.ix.Track(func(d pymod.Dep) {
			if _, ok := seen[d]; !ok {
				seen[d] = struct{}{}
				read = append(read, d)
			}
		})
	}
	r := pyRes{}
	for _, m := range f.Models {
		if !st.embedsLater {
			r.embeds = embedsOf(st.ix, rel, m, r.embeds)
		}
		r.names = append(r.names, m.Name)
		r.kinds = append(r.kinds, st.ix.Kind(rel, m.Name))
	}
	st.ix.Track(nil)
	if !w.lim.oneShot {
		st.deps.Set(rel, read)
	}
	if len(r.names) == 0 && len(r.embeds) == 0 {
		return
	}
	st.res[rel] = r
	for _, p := range r.embeds {
		by := w.embeds[p[0]]
		if by == nil {
			by = map[string]int{}
			w.embeds[p[0]] = by
		}
		by[p[1]]++
	}
	for i, n := range r.names {
		list := st.names[n]
		at := sort.Search(len(list), func(j int) bool {
			return list[j].path > rel || list[j].path == rel && list[j].i >= i
		})
		st.names[n] = slices.Insert(list, at, nameKind{rel, i, r.kinds[i]})
	}
	for _, n := range uniq(r.names) {
		w.kindOfName(n)
	}
	// The good facts carry the resolved kinds; a file whose kinds change
	// is replaced by a copy, never mutated, so snapshots handed out
	// earlier stay valid.
	var models []facts.Model
	for i, k := range r.kinds {
		if i < len(e.good.Models) && e.good.Models[i].Kind != k {
			if models == nil {
				models = slices.Clone(e.good.Models)
			}
			models[i].Kind = k
		}
	}
	if models != nil {
		cp := *e.good
		cp.Models = models
		e.good = &cp
	}
}

// kindOfName sets Workspace.kinds[n]: the first known kind among the
// models of that name in path order, unknown when none is known.
func (w *Workspace) kindOfName(n string) {
	list := w.py.names[n]
	if len(list) == 0 {
		delete(w.kinds, n)
		return
	}
	k := facts.ModelUnknown
	for _, nk := range list {
		if nk.kind != facts.ModelUnknown {
			k = nk.kind
			break
		}
	}
	w.kinds[n] = k
}

func uniq(names []string) []string {
	if len(names) < 2 {
		return names
	}
	out := slices.Clone(names)
	slices.Sort(out)
	return slices.Compact(out)
}
