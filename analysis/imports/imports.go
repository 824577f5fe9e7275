// Package imports resolves Python and TypeScript imports to workspace files
// and answers "which files are affected when X changes" (its transitive
// importers). Resolution is static: Python relative imports and package
// imports rooted at any source root that holds the first package, TS
// relative specifiers and tsconfig `paths` aliases such as "@/*".
package imports

import (
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/farm-stack/farm-lsp/analysis/deps"
	"github.com/farm-stack/farm-lsp/analysis/facts"
)

// Alias is one tsconfig `paths` entry, made workspace-relative: Prefix
// "@/" maps to Targets ["apps/web/src/"]. An entry without a trailing "*"
// is exact.
type Alias struct {
	Pattern string   // "@/*" or "exact-name"
	Targets []string // workspace-relative, with "*" where the pattern had it
}

// Graph holds each file's imports and resolves them against the set of
// known files. It is not safe for concurrent use (the workspace guards it).
//
// Resolution is incremental: every file remembers what its resolution
// looked at (probes: "is there a file at base+ext", "does dir have a
// tsconfig", "which Python roots are there"), and a change re-resolves
// only the files that looked at something the change altered. The result
// is the same as resolving every file again (TestIncrementalMatchesFull).
type Graph struct {
	imports map[string][]facts.Import // per file, as extracted
	aliases map[string][]Alias        // per tsconfig directory ("" = root)
	edges   map[string][]string       // resolved: file -> imported files
	rev     map[string][]string       // imported file -> importers (sorted)
	// probes records what each file's resolution looked at.
	probes *deps.Index[probe]
	// rootN counts, per Python root, the files making it one; roots is
	// the sorted set, rebuilt when a count goes to or from zero.
	rootN      map[string]int
	roots      []string
	rootsDirty bool
	pending    map[string]struct{} // files to (re-)resolve before the next query
}

// probe is one thing a resolution looked at.
type probe struct {
	kind byte   // probeFile, probeAlias, probeRoots
	key  string // a path base (probeFile: base+ext for some ext), a directory
}

const (
	probeFile  byte = iota // is there a file at key+ext (any ext of tsExts, .py, /__init__.py)
	probeAlias             // the tsconfig paths of directory key
	probeRoots             // the set of Python roots
	probeAbs               // is there a Python module key (key.py, key/__init__.py) below some root
)

// New returns an empty graph.
func New() *Graph {
	return &Graph{imports: map[string][]facts.Import{}, aliases: map[string][]Alias{},
		edges: map[string][]string{}, rev: map[string][]string{},
		probes: deps.New[probe](),
		rootN:  map[string]int{"": 1}, roots: []string{""}, pending: map[string]struct{}{}}
}

// Set records the imports of file (replacing earlier ones). A file with no
// imports is still known, so it can be the target of other imports. Only
// the file itself and the files whose resolution looked for it are
// re-resolved.
func (g *Graph) Set(file string, imps []facts.Import) {
	old, existed := g.imports[file]
	g.imports[file] = imps
	if !existed {
		g.exists(file, 1)
		g.pending[file] = struct{}{}
		return
	}
	if !sameImports(old, imps) {
		g.pending[file] = struct{}{}
	}
}

// exists records that file appeared (d=1) or went (d=-1): every probe that
// could see it is invalidated, and the Python roots are counted.
func (g *Graph) exists(file string, d int) {
	for _, ext := range tsExts {
		if strings.HasSuffix(file, ext) {
			g.invalidate(probe{probeFile, file[:len(file)-len(ext)]})
		}
	}
	if file == "__init__.py" {
		g.invalidate(probe{probeFile, ""})
	} else if base, ok := strings.CutSuffix(file, "/__init__.py"); ok {
		g.invalidate(probe{probeFile, base})
	} else if base, ok := strings.CutSuffix(file, ".py"); ok {
		g.invalidate(probe{probeFile, base})
	}
	if !strings.HasSuffix(file, ".py") {
		return
	}
	// An absolute import reaches file from any of its ancestors (those
	// that are roots, and roots change rarely: probeRoots covers that).
	for dir := path.Dir(file); ; dir = path.Dir(dir) {
		rel := file
		if dir != "." && dir != "/" {
			rel = file[len(dir)+1:]
		}
		if rel == "__init__.py" {
			rel = ""
		} else if m, ok := strings.CutSuffix(rel, "/__init__.py"); ok {
			rel = m
		} else {
			rel = strings.TrimSuffix(rel, ".py")
		}
		g.invalidate(probe{probeAbs, rel})
		if dir == "." || dir == "/" {
			break
		}
	}
	for dir := path.Dir(file); dir != "." && dir != "/"; dir = path.Dir(dir) {
		root := path.Dir(dir)
		if root == "." {
			root = ""
		}
		n := g.rootN[root] + d
		if n <= 0 {
			delete(g.rootN, root)
		} else {
			g.rootN[root] = n
		}
		if n == 0 || n == 1 && d > 0 {
			g.rootsDirty = true
		}
	}
}

// invalidate queues the files that looked at p for re-resolution.
func (g *Graph) invalidate(p probe) {
	g.probes.Users(p, func(f string) { g.pending[f] = struct{}{} })
}

// sameImports compares what resolution depends on (not ranges).
func sameImports(a, b []facts.Import) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Module != b[i].Module || a[i].Level != b[i].Level || !slices.Equal(a[i].Names, b[i].Names) {
			return false
		}
	}
	return true
}

// Remove forgets a file.
func (g *Graph) Remove(file string) {
	if _, ok := g.imports[file]; !ok {
		return
	}
	delete(g.imports, file)
	g.unlink(file)
	delete(g.pending, file)
	g.exists(file, -1)
}

// SetAliases records the `paths` of the tsconfig.json in dir (workspace-
// relative directory, "" for the root); nil removes them.
func (g *Graph) SetAliases(dir string, aliases []Alias) {
	if aliases == nil {
		delete(g.aliases, dir)
	} else {
		g.aliases[dir] = aliases
	}
	g.invalidate(probe{probeAlias, dir})
}

// Imports returns the files that file imports (resolved, sorted).
func (g *Graph) Imports(file string) []string {
	g.build()
	return g.edges[file]
}

// Importers returns the files that import file directly (sorted).
func (g *Graph) Importers(file string) []string {
	g.build()
	return g.rev[file]
}

// Affected returns every file that imports file, directly or transitively,
// sorted, without file itself. Import cycles are fine.
func (g *Graph) Affected(file string) []string {
	g.build()
	seen := map[string]bool{file: true}
	queue := []string{file}
	var out []string
	for len(queue) > 0 {
		f := queue[0]
		queue = queue[1:]
		for _, imp := range g.rev[f] {
			if !seen[imp] {
				seen[imp] = true
				out = append(out, imp)
				queue = append(queue, imp)
			}
		}
	}
	sort.Strings(out)
	return out
}

// build resolves the pending files: those set or changed since the last
// query and those whose resolution looked at something that changed.
func (g *Graph) build() {
	if g.rootsDirty {
		g.rootsDirty = false
		roots := make([]string, 0, len(g.rootN))
		for r := range g.rootN {
			roots = append(roots, r)
		}
		sort.Strings(roots)
		if !slices.Equal(roots, g.roots) {
			g.roots = roots
			g.invalidate(probe{kind: probeRoots})
		}
	}
	if len(g.pending) == 0 {
		return
	}
	files := make([]string, 0, len(g.pending))
	for f := range g.pending {
		files = append(files, f)
	}
	clear(g.pending)
	sort.Strings(files)
	for _, f := range files {
		g.link(f)
	}
}

// unlink drops a file's edges and probes.
func (g *Graph) unlink(file string) {
	for _, target := range g.edges[file] {
		if rest := remove(g.rev[target], file); len(rest) > 0 {
			g.rev[target] = rest
		} else {
			delete(g.rev, target)
		}
	}
	delete(g.edges, file)
	g.probes.Drop(file)
}

// link (re-)resolves one file's imports.
func (g *Graph) link(file string) {
	g.unlink(file)
	imps, ok := g.imports[file]
	if !ok {
		return
	}
	r := resolver{g: g, seen: map[probe]bool{}}
	var out []string
	for _, imp := range imps {
		for _, target := range r.resolve(file, imp) {
			if target != file && !slices.Contains(out, target) {
				out = append(out, target)
			}
		}
	}
	sort.Strings(out)
	if len(out) > 0 {
		g.edges[file] = out
	}
	for _, target := range out {
		g.rev[target] = insert(g.rev[target], file)
	}
	g.probes.Set(file, r.probes)
}

// remove deletes s from a sorted list (in place).
func remove(list []string, s string) []string {
	if i, ok := slices.BinarySearch(list, s); ok {
		return slices.Delete(list, i, i+1)
	}
	return list
}

// insert adds s to a sorted list unless present.
func insert(list []string, s string) []string {
	if i, ok := slices.BinarySearch(list, s); !ok {
		return slices.Insert(list, i, s)
	}
	return list
}

func (g *Graph) known(f string) bool {
	_, ok := g.imports[f]
	return ok
}

// resolver resolves one file's imports and records what it looked at.
type resolver struct {
	g      *Graph
	seen   map[probe]bool
	probes []probe
}

func (r *resolver) look(p probe) {
	if !r.seen[p] {
		r.seen[p] = true
		r.probes = append(r.probes, p)
	}
}

// known reports whether base+ext is a file, recording the probe of base.
func (r *resolver) known(base, ext string) bool {
	r.look(probe{probeFile, base})
	return r.g.known(base + ext)
}

func (r *resolver) resolve(file string, imp facts.Import) []string {
	if strings.HasSuffix(file, ".py") {
		return r.resolvePython(file, imp)
	}
	return r.resolveTS(file, imp.Module)
}

func (r *resolver) resolvePython(file string, imp facts.Import) []string {
	modPath := strings.ReplaceAll(imp.Module, ".", "/")
	var bases []string
	if imp.Level > 0 {
		dir := path.Dir(file)
		for i := 1; i < imp.Level; i++ {
			dir = path.Dir(dir)
		}
		if dir == "." {
			dir = ""
		}
		bases = []string{dir}
	} else {
		r.look(probe{kind: probeRoots})
		bases = r.g.roots
	}
	// What a relative import looks at is a file base; an absolute one
	// looks at the same module below every root: one probe of the module.
	look := func(mod, rel string) probe {
		if imp.Level > 0 {
			return probe{probeFile, mod}
		}
		return probe{probeAbs, rel}
	}
	var out []string
	for _, base := range bases {
		mod := path.Join(base, modPath)
		found := r.pyModule(mod, look(mod, modPath))
		// `from pkg import name` may import submodule pkg/name.py, also
		// when pkg is a namespace package (no __init__.py).
		var subs []string
		if found == "" || strings.HasSuffix(found, "__init__.py") {
			for _, n := range imp.Names {
				sub := path.Join(mod, n)
				if sub := r.pyModule(sub, look(sub, path.Join(modPath, n))); sub != "" {
					subs = append(subs, sub)
				}
			}
		}
		if found == "" && len(subs) == 0 {
			continue
		}
		if found != "" {
			out = append(out, found)
		}
		return append(out, subs...)
	}
	return out
}

// pyModule finds module mod (mod.py or mod/__init__.py), recording p as
// what it looked at.
func (r *resolver) pyModule(mod string, p probe) string {
	r.look(p)
	if mod == "" || mod == "." {
		if r.g.known("__init__.py") {
			return "__init__.py"
		}
		return ""
	}
	if r.g.known(mod + ".py") {
		return mod + ".py"
	}
	if r.g.known(mod + "/__init__.py") {
		return mod + "/__init__.py"
	}
	return ""
}

var tsExts = []string{"", ".ts", ".tsx", ".d.ts", ".js", ".jsx", ".mts", "/index.ts", "/index.tsx", "/index.js", "/index.jsx"}

func (r *resolver) resolveTS(file, spec string) []string {
	var cands []string
	switch {
	case strings.HasPrefix(spec, "./") || strings.HasPrefix(spec, "../") || spec == "." || spec == "..":
		cands = []string{path.Join(path.Dir(file), spec)}
	default:
		cands = r.aliasTargets(file, spec)
	}
	for _, c := range cands {
		c = strings.TrimPrefix(c, "./")
		// "./x.js" in TS source may name x.ts.
		trimmed := strings.TrimSuffix(strings.TrimSuffix(c, ".js"), ".jsx")
		for _, base := range []string{c, trimmed} {
			for _, ext := range tsExts {
				if r.known(base, ext) {
					return []string{base + ext}
				}
			}
		}
	}
	return nil
}

// aliasTargets applies the tsconfig nearest above file.
func (r *resolver) aliasTargets(file, spec string) []string {
	dir := path.Dir(file)
	for {
		if dir == "." {
			dir = ""
		}
		r.look(probe{probeAlias, dir})
		if aliases, ok := r.g.aliases[dir]; ok {
			var out []string
			for _, a := range aliases {
				if strings.HasSuffix(a.Pattern, "*") {
					prefix := strings.TrimSuffix(a.Pattern, "*")
					if strings.HasPrefix(spec, prefix) {
						rest := strings.TrimPrefix(spec, prefix)
						for _, t := range a.Targets {
							out = append(out, strings.Replace(t, "*", rest, 1))
						}
					}
				} else if a.Pattern == spec {
					out = append(out, a.Targets...)
				}
			}
			return out
		}
		if dir == "" {
			return nil
		}
		dir = path.Dir(dir)
	}
}

// ParseTSConfigPaths turns a tsconfig's compilerOptions (baseUrl, paths),
// read by the static reader, into aliases relative to the workspace. dir
// is the tsconfig's workspace-relative directory.
func ParseTSConfigPaths(dir string, cfg *facts.Value) []Alias {
	opts := cfg.Get("compilerOptions")
	if opts == nil {
		return nil
	}
	base := path.Join(dir, opts.Get("baseUrl").String("."))
	paths := opts.Get("paths")
	if paths == nil || paths.Kind != facts.ValueObject {
		return nil
	}
	var out []Alias
	for _, k := range paths.Keys {
		var targets []string
		for _, t := range paths.Fields[k].Strings() {
			targets = append(targets, path.Join(base, t))
		}
		out = append(out, Alias{Pattern: k, Targets: targets})
	}
	return out
}
