package pymod

import (
	"maps"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/farm-stack/farm-lsp/analysis/facts"
)

// Symbol is what a name means: a class (model or enum), function, router
// or constant defined in a workspace file, or a framework class, or an
// external name the workspace does not define.
type Symbol struct {
	File      *facts.File // defining file (nil for framework/external)
	Name      string      // the name in that file
	Framework *Framework  // a known framework class
	External  string      // dotted name of an unknown library symbol
}

// Found reports whether the symbol is a workspace or framework symbol.
func (s Symbol) Found() bool { return s.File != nil || s.Framework != nil }

// ID is a stable key: "path:Name" for workspace symbols, "pkg.Name" for
// framework ones.
func (s Symbol) ID() string {
	switch {
	case s.File != nil:
		return s.File.Path + ":" + s.Name
	case s.Framework != nil:
		return s.Framework.Package + "." + s.Framework.Name
	}
	return s.External
}

// Index resolves names across one set of Python files. It memoises
// lookups; it is not safe for concurrent use.
//
// An Index can follow a changing set of files (Set): the tables are
// updated for the one file, the memos are dropped, and Set says which
// Deps changed. A caller that resolves names file by file records the
// Deps each file's lookups read (Track) and asks again only for the files
// that read a changed Dep: the answers equal those of a New Index.
type Index struct {
	byPath   map[string]*facts.File
	absMemo  map[[2]string]absResult // absolute, by (importing directory, module)
	dirs     map[string]int          // every directory holding a .py file (count of files below)
	pyDirs   map[string]int          // directories holding a .py file directly (count)
	mods     map[string]string
	defs     map[string]map[string]bool         // path -> names it defines (memo)
	binds    map[string]map[string]binding      // path -> names its imports bind (memo)
	models   map[string]map[string]*facts.Model // path -> its classes by name (memo)
	memo     map[[2]string]Symbol
	inMemo   map[[2]string]Symbol // inModule results (no fallbacks)
	modMemo  map[modKey]modResult
	exp      map[string]map[string]string // star exports by module path
	star     map[string]map[string]string // starred by module path
	assigned map[string]int               // names of module-level assignments anywhere (count)
	kinds    map[*facts.Model]facts.ModelKind
	// classes lists, by bare name, the paths of the files defining a
	// class (model or enum) of that name, sorted: the first is the
	// fallback for names that are neither defined nor imported.
	classes map[string][]string
	files   []*facts.File // sorted by path; nil after Set until Files
	modsOK  bool          // mods is up to date
	track   func(Dep)
}

// DepKind says what a Dep is.
type DepKind uint8

// Dep kinds.
const (
	// DepFile: the file at Key: whether it exists and its shape (what
	// SameShape compares: the names it defines and imports, its classes'
	// bases).
	DepFile DepKind = iota
	// DepModule: whether module path Key exists: as Key.py,
	// Key/__init__.py or a directory holding Python files at any depth.
	DepModule
	// DepAbs: what absolute module Key ("a/b" for a.b) is, looked for
	// from every ancestor of the importing file.
	DepAbs
	// DepClass: which file is the first to define a class named Key.
	DepClass
)

// Dep is one piece of the Index that a lookup read.
type Dep struct {
	Kind DepKind
	Key  string
}

// binding is what an import binds a local name to.
type binding struct {
	module string // dotted module as written
	level  int
	attr   string // "" when the name is the module itself
}

func empty() *Index {
	return &Index{
		byPath:   map[string]*facts.File{},
		dirs:     map[string]int{},
		pyDirs:   map[string]int{},
		mods:     map[string]string{},
		defs:     map[string]map[string]bool{},
		models:   map[string]map[string]*facts.Model{},
		binds:    map[string]map[string]binding{},
		memo:     map[[2]string]Symbol{},
		inMemo:   map[[2]string]Symbol{},
		modMemo:  map[modKey]modResult{},
		exp:      map[string]map[string]string{},
		star:     map[string]map[string]string{},
		assigned: map[string]int{},
		kinds:    map[*facts.Model]facts.ModelKind{},
		classes:  map[string][]string{},
		absMemo:  map[[2]string]absResult{},
	}
}

// New indexes the Python files among files (others are ignored).
func New(files []*facts.File) *Index {
	ix := empty()
	var py []*facts.File
	for _, f := range files {
		if f == nil || !strings.HasSuffix(f.Path, ".py") {
			continue
		}
		py = append(py, f)
	}
	sort.SliceStable(py, func(i, j int) bool { return py[i].Path < py[j].Path })
	for i, f := range py {
		if i+1 < len(py) && py[i+1].Path == f.Path {
			continue // the same path twice: the last one counts
		}
		ix.add(f)
		ix.files = append(ix.files, f)
	}
	ix.moduleNames()
	ix.modsOK = true
	return ix
}

// Set replaces the file at p with f (nil removes it; a non-Python path is
// ignored), drops the memos, and returns the Deps whose answer changed.
func (ix *Index) Set(p string, f *facts.File) []Dep {
	if !strings.HasSuffix(p, ".py") {
		return nil
	}
	if f != nil && f.Path != p {
		panic("pymod: Set(" + p + ") of a file at " + f.Path)
	}
	old := ix.byPath[p]
	if old == nil && f == nil {
		return nil
	}
	var changed []Dep
	if old == nil || f == nil || !SameShape(old, f) {
		changed = append(changed, Dep{DepFile, p})
	}
	// The first definer of each class name either file defines.
	names := map[string]string{}
	for _, g := range []*facts.File{old, f} {
		if g == nil {
			continue
		}
		for _, n := range classNames(g) {
			names[n] = ix.firstClass(n)
		}
	}
	if old != nil {
		ix.drop(old)
	}
	if f != nil {
		ix.add(f)
	}
	for n, before := range names {
		if ix.firstClass(n) != before {
			changed = append(changed, Dep{DepClass, n})
		}
	}
	if (old == nil) != (f == nil) {
		// A module appeared or went: relative lookups of it (DepModule)
		// and absolute ones from any ancestor (DepAbs of each suffix).
		module := func(base string) {
			changed = append(changed, Dep{DepModule, base})
			changed = appendSuffixes(changed, base)
		}
		if base, ok := strings.CutSuffix(p, "/__init__.py"); ok {
			module(base)
		} else if p != "__init__.py" {
			module(strings.TrimSuffix(p, ".py"))
		}
		dir := path.Dir(p)
		if n := ix.pyDirs[dir]; n == 0 || n == 1 && f != nil {
			changed = appendSuffixes(changed, dir) // a namespace package or not
		}
		for d := dir; ; d = path.Dir(d) {
			if n := ix.dirs[d]; n == 0 || n == 1 && f != nil {
				module(d)
			}
			if d == "." || d == "/" {
				break
			}
		}
	}
	ix.files, ix.modsOK = nil, false
	ix.forget()
	return changed
}

// appendSuffixes appends DepAbs of every trailing part of path base
// ("a/b/c": a/b/c, b/c, c): the names absolute imports reach it by.
func appendSuffixes(deps []Dep, base string) []Dep {
	if base == "." || base == "/" || base == "" {
		return deps
	}
	deps = append(deps, Dep{DepAbs, base})
	for i := 0; i < len(base); i++ {
		if base[i] == '/' {
			deps = append(deps, Dep{DepAbs, base[i+1:]})
		}
	}
	return deps
}

// forget drops every memo.
func (ix *Index) forget() {
	clear(ix.memo)
	clear(ix.inMemo)
	clear(ix.modMemo)
	clear(ix.absMemo)
	clear(ix.exp)
	clear(ix.star)
	clear(ix.kinds)
	clear(ix.defs)
	clear(ix.binds)
	clear(ix.models)
}

// Track drops the memos and reports to fn every Dep that lookups read
// from now on (nil stops reporting). Lookups after Track(fn) report all
// they depend on, also those answered from a memo made since.
func (ix *Index) Track(fn func(Dep)) {
	ix.forget()
	ix.track = fn
}

func (ix *Index) dep(k DepKind, key string) {
	if ix.track != nil {
		ix.track(Dep{k, key})
	}
}

// classNames are the names of the classes (models, enums) f defines.
func classNames(f *facts.File) []string {
	out := make([]string, 0, len(f.Models)+len(f.Enums))
	for i := range f.Models {
		out = append(out, f.Models[i].Name)
	}
	for _, e := range f.Enums {
		out = append(out, e.Name)
	}
	return out
}

func (ix *Index) firstClass(name string) string {
	if ps := ix.classes[name]; len(ps) > 0 {
		return ps[0]
	}
	return ""
}

// add enters one file's tables (no file at its path yet).
func (ix *Index) add(f *facts.File) {
	ix.byPath[f.Path] = f
	ix.pyDirs[path.Dir(f.Path)]++
	for d := path.Dir(f.Path); ; d = path.Dir(d) {
		ix.dirs[d]++
		if d == "." || d == "/" {
			break
		}
	}
	for _, n := range classNames(f) {
		ps := ix.classes[n]
		if i, found := slices.BinarySearch(ps, f.Path); !found {
			ix.classes[n] = slices.Insert(ps, i, f.Path)
		}
	}
	for _, a := range f.Assigns {
		ix.assigned[a.Name]++
	}
}

// definitions are the names f defines at module level.
func definitions(f *facts.File) map[string]bool {
	defs := make(map[string]bool, len(f.Models)+len(f.Enums)+len(f.Routers)+len(f.Defs)+len(f.Assigns))
	for i := range f.Models {
		defs[f.Models[i].Name] = true
	}
	for _, e := range f.Enums {
		defs[e.Name] = true
	}
	for _, r := range f.Routers {
		defs[r.Var] = true
	}
	for _, fn := range f.Functions {
		if fn.Kind == "function" {
			defs[fn.Name] = true
		}
	}
	for _, fn := range f.Defs {
		defs[fn.Name] = true
	}
	for _, a := range f.Assigns {
		defs[a.Name] = true
	}
	return defs
}

// drop removes one file's tables (the inverse of add).
func (ix *Index) drop(f *facts.File) {
	delete(ix.byPath, f.Path)
	decr(ix.pyDirs, path.Dir(f.Path))
	for d := path.Dir(f.Path); ; d = path.Dir(d) {
		decr(ix.dirs, d)
		if d == "." || d == "/" {
			break
		}
	}
	for _, n := range classNames(f) {
		ps := ix.classes[n]
		if i, found := slices.BinarySearch(ps, f.Path); found {
			ps = slices.Delete(ps, i, i+1)
		}
		if len(ps) == 0 {
			delete(ix.classes, n)
		} else {
			ix.classes[n] = ps
		}
	}
	for _, a := range f.Assigns {
		decr(ix.assigned, a.Name)
	}
}

func decr(m map[string]int, k string) {
	if m[k] <= 1 {
		delete(m, k)
	} else {
		m[k]--
	}
}

// bindings maps the names f's imports bind to what they stand for.
func bindings(f *facts.File) map[string]binding {
	bs := map[string]binding{}
	for _, imp := range f.Imports {
		aliasOf := map[string]bool{}
		for local, orig := range imp.Aliases {
			aliasOf[orig] = true
			if len(imp.Names) == 0 {
				bs[local] = binding{module: orig, level: imp.Level}
			} else {
				bs[local] = binding{module: imp.Module, level: imp.Level, attr: orig}
			}
		}
		if len(imp.Names) == 0 {
			if len(imp.Aliases) == 0 && imp.Module != "" {
				top := imp.Module
				if i := strings.IndexByte(top, '.'); i >= 0 {
					top = top[:i]
				}
				bs[top] = binding{module: top, level: imp.Level}
			}
			continue
		}
		for _, n := range imp.Names {
			if n == "*" || (aliasOf[n] && len(imp.Aliases) > 0 && imp.Aliases[n] == "") {
				continue
			}
			if _, renamed := imp.Aliases[n]; !renamed && aliasOf[n] {
				continue // `from m import a as b`: only b is bound
			}
			bs[n] = binding{module: imp.Module, level: imp.Level, attr: n}
		}
	}
	return bs
}

// SameShape reports whether two versions of a file look the same to
// lookups made from other files: the names they define (classes, enums,
// routers, functions, assignments), the classes' bases and the imports.
func SameShape(a, b *facts.File) bool {
	if len(a.Models) != len(b.Models) || len(a.Enums) != len(b.Enums) || len(a.Routers) != len(b.Routers) ||
		len(a.Functions) != len(b.Functions) || len(a.Defs) != len(b.Defs) || len(a.Assigns) != len(b.Assigns) ||
		len(a.Imports) != len(b.Imports) {
		return false
	}
	for i := range a.Models {
		if a.Models[i].Name != b.Models[i].Name || !slices.Equal(a.Models[i].Bases, b.Models[i].Bases) {
			return false
		}
	}
	for i := range a.Enums {
		if a.Enums[i].Name != b.Enums[i].Name {
			return false
		}
	}
	for i := range a.Routers {
		if a.Routers[i].Var != b.Routers[i].Var {
			return false
		}
	}
	for i := range a.Functions {
		if a.Functions[i].Name != b.Functions[i].Name || a.Functions[i].Kind != b.Functions[i].Kind {
			return false
		}
	}
	for i := range a.Defs {
		if a.Defs[i].Name != b.Defs[i].Name {
			return false
		}
	}
	for i := range a.Assigns {
		if a.Assigns[i].Name != b.Assigns[i].Name {
			return false
		}
	}
	for i := range a.Imports {
		x, y := a.Imports[i], b.Imports[i]
		if x.Module != y.Module || x.Level != y.Level || !slices.Equal(x.Names, y.Names) || !maps.Equal(x.Aliases, y.Aliases) {
			return false
		}
	}
	return true
}

// file returns the file at p (nil when none), a read of Dep p.
func (ix *Index) file(p string) *facts.File {
	ix.dep(DepFile, p)
	return ix.byPath[p]
}

// defsOf and bindsOf are the names the file at p defines and imports,
// made when first asked (and dropped with the memos: an index that
// follows a workspace keeps only what lookups need).
func (ix *Index) defsOf(p string) map[string]bool {
	ix.dep(DepFile, p)
	d, ok := ix.defs[p]
	if !ok {
		if f := ix.byPath[p]; f != nil {
			d = definitions(f)
		}
		ix.defs[p] = d
	}
	return d
}

func (ix *Index) bindsOf(p string) map[string]binding {
	ix.dep(DepFile, p)
	b, ok := ix.binds[p]
	if !ok {
		if f := ix.byPath[p]; f != nil {
			b = bindings(f)
		}
		ix.binds[p] = b
	}
	return b
}

// moduleNames decides each file's dotted module name (what Python's
// __module__ says when the app runs): the name under which absolute
// imports reach it, else the package path up to the first directory
// without __init__.py.
func (ix *Index) moduleNames() {
	for _, f := range ix.files {
		for _, imp := range f.Imports {
			if imp.Level != 0 || imp.Module == "" {
				continue
			}
			root, p, ok := ix.absolute(f.Path, imp.Module)
			if !ok || ix.mods[p] != "" {
				continue
			}
			_ = root
			ix.mods[p] = imp.Module
		}
	}
	for _, f := range ix.files {
		if ix.mods[f.Path] != "" {
			continue
		}
		mod := strings.TrimSuffix(path.Base(f.Path), ".py")
		if mod == "__init__" {
			mod = ""
		}
		dir := path.Dir(f.Path)
		for dir != "." && dir != "/" && ix.byPath[dir+"/__init__.py"] != nil {
			if mod == "" {
				mod = path.Base(dir)
			} else {
				mod = path.Base(dir) + "." + mod
			}
			dir = path.Dir(dir)
		}
		ix.mods[f.Path] = mod
	}
}

// Module returns the dotted module name of a file ("src.schemas.item").
func (ix *Index) Module(p string) string {
	if !ix.modsOK {
		track := ix.track
		ix.track = nil // module names are not what a Track caller asks about
		clear(ix.mods)
		ix.Files()
		ix.moduleNames()
		ix.modsOK, ix.track = true, track
	}
	return ix.mods[p]
}

// File returns the indexed file at p.
func (ix *Index) File(p string) *facts.File { return ix.file(p) }

// Files returns the indexed Python files sorted by path.
func (ix *Index) Files() []*facts.File {
	if ix.files == nil && len(ix.byPath) > 0 {
		ix.files = make([]*facts.File, 0, len(ix.byPath))
		for _, f := range ix.byPath {
			ix.files = append(ix.files, f)
		}
		sort.Slice(ix.files, func(i, j int) bool { return ix.files[i].Path < ix.files[j].Path })
	}
	return ix.files
}

type modKey struct {
	dir, mod string
	level    int
}

type modResult struct {
	p  string
	ok bool
}

// modulePath finds the file (or "dir/" for a namespace package) of a
// module imported from the file at from (memoised by directory).
func (ix *Index) modulePath(from, mod string, level int) (string, bool) {
	k := modKey{path.Dir(from), mod, level}
	if r, ok := ix.modMemo[k]; ok {
		return r.p, r.ok
	}
	p, ok := ix.modulePathUncached(from, mod, level)
	ix.modMemo[k] = modResult{p, ok}
	return p, ok
}

func (ix *Index) modulePathUncached(from, mod string, level int) (string, bool) {
	if level == 0 {
		_, p, ok := ix.absolute(from, mod)
		return p, ok
	}
	dir := path.Dir(from)
	for i := 1; i < level; i++ {
		dir = path.Dir(dir)
	}
	return ix.at(path.Join(dir, strings.ReplaceAll(mod, ".", "/")))
}

// at finds a module at base: base.py, base/__init__.py or the directory.
func (ix *Index) at(base string) (string, bool) {
	ix.dep(DepModule, base)
	return ix.find(base)
}

// find is at without the Dep.
func (ix *Index) find(base string) (string, bool) {
	if ix.byPath[base+".py"] != nil {
		return base + ".py", true
	}
	if ix.byPath[base+"/__init__.py"] != nil {
		return base + "/__init__.py", true
	}
	if ix.dirs[base] > 0 {
		return base + "/", true
	}
	return "", false
}

// absolute resolves an absolute module against the importing file's
// ancestor directories, nearest first (the app's root is one of them).
func (ix *Index) absolute(from, mod string) (root, p string, ok bool) {
	// It depends on the importing file's directory only: files of one
	// directory share the answer (and most import the same modules).
	k := [2]string{path.Dir(from), mod}
	if r, hit := ix.absMemo[k]; hit {
		return r.root, r.p, r.ok
	}
	root, p, ok = ix.absoluteUncached(from, mod)
	if ix.absMemo == nil {
		ix.absMemo = map[[2]string]absResult{}
	}
	ix.absMemo[k] = absResult{root, p, ok}
	return root, p, ok
}

type absResult struct {
	root, p string
	ok      bool
}

func (ix *Index) absoluteUncached(from, mod string) (root, p string, ok bool) {
	rel := strings.ReplaceAll(mod, ".", "/")
	ix.dep(DepAbs, rel) // one Dep for the walk over the ancestors
	for dir := path.Dir(from); ; dir = path.Dir(dir) {
		base := rel
		if dir != "." && dir != "/" {
			base = dir + "/" + rel
		}
		if p, ok := ix.find(base); ok && (p != base+"/" || strings.Contains(mod, ".") || ix.pyDirs[base] > 0) {
			return dir, p, true
		}
		if dir == "." || dir == "/" || dir == "" {
			return "", "", false
		}
	}
}

// A bare directory name is only taken as a namespace package when it
// directly holds a Python file (pyDirs).

// Resolve says what a (possibly dotted) name means in the file at from.
// Names neither defined nor imported there fall back to the framework
// table by bare name, then to the first workspace class of that name.
func (ix *Index) Resolve(from, name string) Symbol {
	k := [2]string{from, name}
	if s, ok := ix.memo[k]; ok {
		return s
	}
	ix.memo[k] = Symbol{External: name} // cycle guard
	s := ix.resolve(from, name, 0)
	if !s.Found() && s.External == "" {
		s.External = name
	}
	if !s.Found() {
		last := name
		if i := strings.LastIndexByte(last, '.'); i >= 0 {
			last = last[i+1:]
		}
		if !ix.imported(from, name) {
			if fw := LookupName(last); fw != nil {
				s = Symbol{Framework: fw}
			} else if g := ix.global(last); g != nil {
				s = Symbol{File: g, Name: last}
			}
		}
	}
	ix.memo[k] = s
	return s
}

// global is the first file (by path) defining a class named name.
func (ix *Index) global(name string) *facts.File {
	ix.dep(DepClass, name)
	if p := ix.firstClass(name); p != "" {
		return ix.byPath[p]
	}
	return nil
}

// imported reports whether the first segment of name is bound by an
// import of from (then a miss is a library name, not a workspace class).
func (ix *Index) imported(from, name string) bool {
	first := name
	if i := strings.IndexByte(first, '.'); i >= 0 {
		first = first[:i]
	}
	b, ok := ix.bindsOf(from)[first]
	if !ok {
		return false
	}
	_, local := ix.modulePath(from, b.module, b.level)
	return !local || strings.Contains(name, ".")
}

func (ix *Index) resolve(from, name string, depth int) Symbol {
	if depth > 16 {
		return Symbol{}
	}
	first, tail := name, ""
	if i := strings.IndexByte(name, '.'); i >= 0 {
		first, tail = name[:i], name[i+1:]
	}
	if ix.defsOf(from)[first] {
		if tail == "" {
			return Symbol{File: ix.byPath[from], Name: name}
		}
		return Symbol{} // an attribute of a local object
	}
	b, ok := ix.bindsOf(from)[first]
	if !ok {
		// star imports: the module (in)directly exporting the name
		if tail == "" {
			if e := ix.starred(from)[name]; e != "" {
				return ix.inModule(e, name, depth+1)
			}
		}
		return Symbol{}
	}
	mod := b.module
	var rest []string
	if tail != "" {
		rest = strings.Split(tail, ".")
	}
	if b.attr != "" {
		rest = append([]string{b.attr}, rest...)
	} else if b.level == 0 && len(rest) > 0 {
		// `import a.b.c` binds a; a.b.c.X walks down the packages.
	}
	p, ok := ix.modulePath(from, mod, b.level)
	if !ok {
		if fw := Lookup(mod, rest[len(rest)-1]); fw != nil && len(rest) > 0 {
			return Symbol{Framework: fw}
		}
		if len(rest) > 0 {
			return Symbol{External: joinDot(mod, strings.Join(rest, "."))}
		}
		return Symbol{External: mod}
	}
	// Walk submodules as long as they exist.
	for len(rest) > 1 || (len(rest) == 1 && !ix.definesOrBinds(p, rest[0])) {
		sub, ok := ix.submodule(p, rest[0])
		if !ok {
			break
		}
		p, rest = sub, rest[1:]
	}
	if len(rest) != 1 {
		return Symbol{}
	}
	return ix.inModule(p, rest[0], depth+1)
}

func joinDot(a, b string) string {
	if a == "" {
		return b
	}
	if b == "" {
		return a
	}
	return a + "." + b
}

// submodule finds package p's submodule name.
func (ix *Index) submodule(p, name string) (string, bool) {
	dir := strings.TrimSuffix(p, "/")
	if strings.HasSuffix(p, "/__init__.py") {
		dir = path.Dir(p)
	} else if !strings.HasSuffix(p, "/") {
		return "", false
	}
	return ix.at(path.Join(dir, name))
}

func (ix *Index) definesOrBinds(p, name string) bool {
	if ix.defsOf(p)[name] {
		return true
	}
	_, ok := ix.bindsOf(p)[name]
	return ok
}

// inModule finds name in the module at p: defined there, imported there
// (a re-export), or a submodule of the package.
func (ix *Index) inModule(p, name string, depth int) Symbol {
	if strings.HasSuffix(p, "/") {
		if sub, ok := ix.submodule(p, name); ok {
			return Symbol{External: sub} // a module, not a class
		}
		return Symbol{}
	}
	if ix.defsOf(p)[name] {
		return Symbol{File: ix.byPath[p], Name: name}
	}
	k := [2]string{p, name}
	if s, ok := ix.inMemo[k]; ok {
		return s
	}
	s := ix.resolve(p, name, depth)
	if !s.Found() {
		s = Symbol{}
	}
	if depth <= 16 { // a result cut short by the depth bound is not memoised
		ix.inMemo[k] = s
	}
	return s
}

// Assigned reports whether some file assigns name at module level (a
// cheap test before resolving a name as a constant or alias).
func (ix *Index) Assigned(name string) bool {
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		name = name[i+1:]
	}
	return ix.assigned[name] > 0
}

// starred maps the names the star imports of the file at p bring in to
// the module defining or importing each (the last star import wins).
func (ix *Index) starred(p string) map[string]string {
	if m, ok := ix.star[p]; ok {
		return m
	}
	m := ix.starredUncached(p)
	ix.star[p] = m
	return m
}

func (ix *Index) starredUncached(p string) map[string]string {
	f := ix.file(p)
	if f == nil {
		return nil
	}
	// The star imports in order, a later one's name winning: merged once
	// (an __init__.py of hundreds of star imports made pairwise merging
	// quadratic).
	var exs []map[string]string
	n := 0
	for _, imp := range f.Imports {
		if len(imp.Names) != 1 || imp.Names[0] != "*" {
			continue
		}
		q, ok := ix.modulePath(p, imp.Module, imp.Level)
		if !ok || strings.HasSuffix(q, "/") {
			continue
		}
		ex := ix.exports(q)
		exs = append(exs, ex)
		n += len(ex)
	}
	switch len(exs) {
	case 0:
		return nil
	case 1:
		return exs[0]
	}
	out := make(map[string]string, n)
	for _, ex := range exs {
		for k, v := range ex {
			out[k] = v
		}
	}
	return out
}

// exports is what `from <module at p> import *` brings in: the public
// names the module defines or imports, and those of its own star imports
// (memoised; read-only).
func (ix *Index) exports(p string) map[string]string {
	if m, ok := ix.exp[p]; ok {
		return m
	}
	ix.exp[p] = nil // cycle guard
	st := ix.starred(p)
	defs, binds := ix.defsOf(p), ix.bindsOf(p)
	m := make(map[string]string, len(st)+len(defs)+len(binds))
	for k, v := range st {
		m[k] = v
	}
	for n := range binds {
		if !strings.HasPrefix(n, "_") {
			m[n] = p
		}
	}
	for n := range defs {
		if !strings.HasPrefix(n, "_") {
			m[n] = p
		}
	}
	ix.exp[p] = m
	return m
}

// Model returns the model a symbol names (nil if it is not a class of the
// workspace).
func (ix *Index) Model(s Symbol) *facts.Model {
	if s.File == nil {
		return nil
	}
	ix.dep(DepFile, s.File.Path)
	ms, ok := ix.models[s.File.Path]
	if !ok {
		if f := ix.byPath[s.File.Path]; f != nil {
			ms = make(map[string]*facts.Model, len(f.Models))
			for i := range f.Models { // the last class of a name is the one Python keeps
				ms[f.Models[i].Name] = &f.Models[i]
			}
		}
		ix.models[s.File.Path] = ms
	}
	return ms[s.Name]
}

// Enum returns the enum a symbol names, or nil.
func (ix *Index) Enum(s Symbol) *facts.Enum {
	if s.File == nil {
		return nil
	}
	for i := range s.File.Enums {
		if s.File.Enums[i].Name == s.Name {
			return &s.File.Enums[i]
		}
	}
	return nil
}

// Base resolves a base class expression as written ("Document",
// "models.Base", "Generic[T]", "Page[Item]") in file from.
func (ix *Index) Base(from, base string) Symbol {
	if i := strings.IndexByte(base, '['); i >= 0 {
		base = base[:i]
	}
	return ix.Resolve(from, strings.TrimSpace(base))
}

// Kind resolves the model kind of the class name defined in the file at
// p, following its bases through the imports: a Document when any base
// leads to a Beanie document class, a BaseModel when one leads to a
// Pydantic model.
func (ix *Index) Kind(p, name string) facts.ModelKind {
	return ix.kind(Symbol{File: ix.file(p), Name: name}, 0)
}

func (ix *Index) kind(s Symbol, depth int) facts.ModelKind {
	if s.Framework != nil {
		return s.Framework.Kind()
	}
	m := ix.Model(s)
	if m == nil || depth > 32 {
		return facts.ModelUnknown
	}
	if k, ok := ix.kinds[m]; ok {
		return k
	}
	ix.kinds[m] = facts.ModelUnknown // cycle guard
	k := facts.ModelUnknown
	for _, b := range m.Bases {
		bs := ix.Base(s.File.Path, b)
		if bs.File == s.File && bs.Name == s.Name {
			continue
		}
		bk := ix.kind(bs, depth+1)
		if bk == facts.ModelDocument || (bk == facts.ModelBaseModel && k == facts.ModelUnknown) {
			k = bk
		}
	}
	ix.kinds[m] = k
	return k
}

// Role returns the framework role a class derives from (the first base
// that leads to a framework class), or "".
func (ix *Index) Role(s Symbol) *Framework {
	return ix.role(s, 0)
}

func (ix *Index) role(s Symbol, depth int) *Framework {
	if s.Framework != nil {
		return s.Framework
	}
	m := ix.Model(s)
	if m == nil || depth > 32 {
		return nil
	}
	var out *Framework
	for _, b := range m.Bases {
		bs := ix.Base(s.File.Path, b)
		if bs.File == s.File && bs.Name == s.Name {
			continue
		}
		if fw := ix.role(bs, depth+1); fw != nil && (out == nil || fw.Role == RoleDocument) {
			out = fw
		}
	}
	return out
}

// ResolveKinds sets Model.Kind of every model in files in place (for
// fixtures and tests: the workspace copies instead of mutating).
func ResolveKinds(files []*facts.File) {
	ix := New(files)
	for _, f := range ix.Files() {
		for i := range f.Models {
			f.Models[i].Kind = ix.Kind(f.Path, f.Models[i].Name)
		}
	}
}
