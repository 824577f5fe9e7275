// Package imports resolves Python and TypeScript imports to workspace files
// and answers "which files are affected when X changes" (its transitive
// importers). Resolution is static: Python relative imports and package
// imports rooted at any source root that holds the first package, TS
// relative specifiers and tsconfig `paths` aliases such as "@/*".
package imports

import (
	"path"
	"sort"
	"strings"

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
type Graph struct {
	imports map[string][]facts.Import // per file, as extracted
	aliases map[string][]Alias        // per tsconfig directory ("" = root)
	edges   map[string][]string       // resolved: file -> imported files
	rev     map[string][]string       // imported file -> importers
	roots   []string                  // Python source roots of the last build
	dirty   bool
}

// New returns an empty graph.
func New() *Graph {
	return &Graph{imports: map[string][]facts.Import{}, aliases: map[string][]Alias{}}
}

// Set records the imports of file (replacing earlier ones). A file with no
// imports is still known, so it can be the target of other imports. A new
// file can change how others resolve, so the graph is rebuilt lazily; for a
// file already known only its own edges are re-resolved (a save in a large
// workspace must not re-resolve every import).
func (g *Graph) Set(file string, imps []facts.Import) {
	old, existed := g.imports[file]
	g.imports[file] = imps
	switch {
	case !existed:
		g.dirty = true
	case g.dirty || g.edges == nil || sameImports(old, imps):
	default:
		g.reresolve(file)
	}
}

// reresolve replaces one file's edges (the set of files is unchanged).
func (g *Graph) reresolve(file string) {
	for _, target := range g.edges[file] {
		if rest := without(g.rev[target], file); len(rest) > 0 {
			g.rev[target] = rest
		} else {
			delete(g.rev, target)
		}
	}
	delete(g.edges, file)
	seen := map[string]bool{}
	for _, imp := range g.imports[file] {
		for _, target := range g.resolve(file, imp, g.roots) {
			if target != file && !seen[target] {
				seen[target] = true
				g.edges[file] = append(g.edges[file], target)
				g.rev[target] = append(g.rev[target], file)
				sort.Strings(g.rev[target])
			}
		}
	}
	sort.Strings(g.edges[file])
}

func without(list []string, s string) []string {
	out := list[:0]
	for _, x := range list {
		if x != s {
			out = append(out, x)
		}
	}
	return out
}

// sameImports compares what resolution depends on (not ranges).
func sameImports(a, b []facts.Import) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Module != b[i].Module || a[i].Level != b[i].Level || strings.Join(a[i].Names, ",") != strings.Join(b[i].Names, ",") {
			return false
		}
	}
	return true
}

// Remove forgets a file.
func (g *Graph) Remove(file string) {
	delete(g.imports, file)
	g.dirty = true
}

// SetAliases records the `paths` of the tsconfig.json in dir (workspace-
// relative directory, "" for the root); nil removes them.
func (g *Graph) SetAliases(dir string, aliases []Alias) {
	if aliases == nil {
		delete(g.aliases, dir)
	} else {
		g.aliases[dir] = aliases
	}
	g.dirty = true
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

// build re-resolves every edge when anything changed. Resolution is cheap
// (map lookups), and rebuilding whole keeps files that appear later
// resolvable without tracking unresolved imports.
func (g *Graph) build() {
	if !g.dirty && g.edges != nil {
		return
	}
	g.edges = make(map[string][]string, len(g.imports))
	g.rev = make(map[string][]string, len(g.imports))
	roots := g.pythonRoots()
	g.roots = roots
	for file, imps := range g.imports {
		seen := map[string]bool{}
		for _, imp := range imps {
			for _, target := range g.resolve(file, imp, roots) {
				if target != file && !seen[target] {
					seen[target] = true
					g.edges[file] = append(g.edges[file], target)
					g.rev[target] = append(g.rev[target], file)
				}
			}
		}
		sort.Strings(g.edges[file])
	}
	for k := range g.rev {
		sort.Strings(g.rev[k])
	}
	g.dirty = false
}

func (g *Graph) known(f string) bool {
	_, ok := g.imports[f]
	return ok
}

// pythonRoots are the directories an absolute Python import may be rooted
// at: every parent directory of a package (a directory of .py files), so
// both `from src.models import x` (rooted at apps/api) and `from models
// import x` (rooted at apps/api/src) resolve.
func (g *Graph) pythonRoots() []string {
	set := map[string]bool{"": true}
	for f := range g.imports {
		if !strings.HasSuffix(f, ".py") {
			continue
		}
		for d := path.Dir(f); d != "." && d != "/"; d = path.Dir(d) {
			set[path.Dir(d)] = true
		}
	}
	out := make([]string, 0, len(set))
	for d := range set {
		if d == "." {
			d = ""
		}
		out = append(out, d)
	}
	sort.Strings(out)
	return out
}

func (g *Graph) resolve(file string, imp facts.Import, pyRoots []string) []string {
	if strings.HasSuffix(file, ".py") {
		return g.resolvePython(file, imp, pyRoots)
	}
	return g.resolveTS(file, imp.Module)
}

func (g *Graph) resolvePython(file string, imp facts.Import, roots []string) []string {
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
		bases = roots
	}
	var out []string
	for _, base := range bases {
		mod := path.Join(base, modPath)
		found := g.pyModule(mod)
		// `from pkg import name` may import submodule pkg/name.py, also
		// when pkg is a namespace package (no __init__.py).
		var subs []string
		if found == "" || strings.HasSuffix(found, "__init__.py") {
			for _, n := range imp.Names {
				if sub := g.pyModule(path.Join(mod, n)); sub != "" {
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

func (g *Graph) pyModule(mod string) string {
	if mod == "" || mod == "." {
		mod = ""
	}
	if c := mod + ".py"; mod != "" && g.known(c) {
		return c
	}
	if c := path.Join(mod, "__init__.py"); g.known(c) {
		return c
	}
	return ""
}

var tsExts = []string{"", ".ts", ".tsx", ".d.ts", ".js", ".jsx", ".mts", "/index.ts", "/index.tsx", "/index.js", "/index.jsx"}

func (g *Graph) resolveTS(file, spec string) []string {
	var cands []string
	switch {
	case strings.HasPrefix(spec, "./") || strings.HasPrefix(spec, "../") || spec == "." || spec == "..":
		cands = []string{path.Join(path.Dir(file), spec)}
	default:
		cands = g.aliasTargets(file, spec)
	}
	for _, c := range cands {
		c = strings.TrimPrefix(c, "./")
		// "./x.js" in TS source may name x.ts.
		trimmed := strings.TrimSuffix(strings.TrimSuffix(c, ".js"), ".jsx")
		for _, base := range []string{c, trimmed} {
			for _, ext := range tsExts {
				if f := base + ext; g.known(f) {
					return []string{f}
				}
			}
		}
	}
	return nil
}

// aliasTargets applies the tsconfig nearest above file.
func (g *Graph) aliasTargets(file, spec string) []string {
	dir := path.Dir(file)
	for {
		if dir == "." {
			dir = ""
		}
		if aliases, ok := g.aliases[dir]; ok {
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
