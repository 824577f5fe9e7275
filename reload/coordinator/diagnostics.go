package coordinator

import (
	"encoding/json"
	"sort"
	"sync"

	"github.com/farm-stack/farm-lsp/analysis/facts"
)

// Diagnostic sources: each owner replaces its own set for a path and the
// published set is their union, so a healthy backend start clears its
// traceback without touching a syntax error reported by analysis.
const (
	srcAnalysis = "analysis"     // syntax errors, skipped files (saved state)
	srcBuffer   = "buffer"       // an open, unsaved buffer's syntax errors
	srcConfig   = "config"       // farm.config.ts evaluation
	srcReload   = "reload"       // reload-failed on the trigger file
	srcTaskPref = "task:"        // + task kind: executor diagnostics
	srcFieldUse = "field-in-use" // components still reading a removed field
	srcVite     = "vite"         // compile errors Vite reported over its HMR socket
	srcPydantic = "pydantic"     // typeGeneration.pydantic contradicting the requirements' pin
)

// diagStore unions diagnostics per absolute path over sources and
// publishes a path only when its union changed.
type diagStore struct {
	mu        sync.Mutex
	bySource  map[string]map[string][]facts.Diagnostic // path -> source -> set
	published map[string]string                        // path -> canonical JSON last sent
}

func newDiagStore() *diagStore {
	return &diagStore{bySource: map[string]map[string][]facts.Diagnostic{}, published: map[string]string{}}
}

// set replaces one source's diagnostics for a path and returns the union
// to publish, or ok=false when the union is unchanged.
func (s *diagStore) set(path, source string, diags []facts.Diagnostic) (union []facts.Diagnostic, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	srcs := s.bySource[path]
	if srcs == nil {
		srcs = map[string][]facts.Diagnostic{}
		s.bySource[path] = srcs
	}
	if len(diags) == 0 {
		delete(srcs, source)
	} else {
		srcs[source] = append([]facts.Diagnostic(nil), diags...)
	}
	return s.unionLocked(path)
}

// clearSource removes a source from every path, returning the paths whose
// union changed with their new unions.
func (s *diagStore) clearSource(source string) map[string][]facts.Diagnostic {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string][]facts.Diagnostic{}
	for path, srcs := range s.bySource {
		if _, has := srcs[source]; !has {
			continue
		}
		delete(srcs, source)
		if u, ok := s.unionLocked(path); ok {
			out[path] = u
		}
	}
	return out
}

// get returns one source's diagnostics for a path.
func (s *diagStore) get(path, source string) []facts.Diagnostic {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bySource[path][source]
}

// all returns the current union for a path.
func (s *diagStore) all(path string) []facts.Diagnostic {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.union(path)
}

func (s *diagStore) union(path string) []facts.Diagnostic {
	srcs := s.bySource[path]
	names := make([]string, 0, len(srcs))
	for n := range srcs {
		names = append(names, n)
	}
	sort.Strings(names)
	out := []facts.Diagnostic{}
	// While a buffer is open with its own parse, its syntax errors replace
	// the saved state's (they describe what the user sees).
	_, hasBuffer := srcs[srcBuffer]
	for _, n := range names {
		if n == srcAnalysis && hasBuffer {
			continue
		}
		out = append(out, srcs[n]...)
	}
	return out
}

func (s *diagStore) unionLocked(path string) ([]facts.Diagnostic, bool) {
	u := s.union(path)
	b, _ := json.Marshal(u)
	key := string(b)
	prev, seen := s.published[path]
	if seen && prev == key || !seen && len(u) == 0 {
		return u, false
	}
	s.published[path] = key
	if len(s.bySource[path]) == 0 {
		delete(s.bySource, path)
	}
	return u, true
}
