package watch

import (
	"fmt"

	"github.com/bmatcuk/doublestar/v4"
)

// Path is one development.hotReload.watch.paths entry: files matching
// Pattern are watched unless they match one of its Ignore patterns.
// Patterns are doublestar globs on the root-relative slash path, matched
// like Match (a pattern naming a directory covers what is under it).
type Path struct {
	Pattern string
	Ignore  []string
}

// Filter decides which files farm-lsp acts on, from watch.paths. The zero
// value and a nil *Filter watch everything.
type Filter struct {
	paths []Path
}

// NewFilter checks the patterns. No paths: everything is watched.
func NewFilter(paths []Path) (*Filter, error) {
	f := &Filter{}
	for _, p := range paths {
		pats := append([]string{p.Pattern}, p.Ignore...)
		for _, pat := range pats {
			if !doublestar.ValidatePattern(pat) {
				return nil, fmt.Errorf("watch: bad pattern %q", pat)
			}
		}
		f.paths = append(f.paths, Path{Pattern: p.Pattern, Ignore: append([]string(nil), p.Ignore...)})
	}
	return f, nil
}

// Watched reports whether the file at the root-relative slash path rel is
// watched: some entry's pattern matches it and none of that entry's
// ignores does. With no entries every file is watched.
func (f *Filter) Watched(rel string) bool {
	if f == nil || len(f.paths) == 0 {
		return true
	}
	for _, p := range f.paths {
		if Match([]string{p.Pattern}, rel) && !Match(p.Ignore, rel) {
			return true
		}
	}
	return false
}

// All reports whether the filter watches everything (no entries).
func (f *Filter) All() bool { return f == nil || len(f.paths) == 0 }
