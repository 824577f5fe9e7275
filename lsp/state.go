package lsp

import (
	"encoding/json"
	"sync"

	"github.com/farm-stack/farm-lsp/reload/coordinator"
)

// phase is where the connection is in the LSP lifecycle.
type phase int

const (
	phaseNew      phase = iota // before initialize
	phaseRunning               // initialize answered
	phaseShutdown              // shutdown answered
	phaseExited                // exit received
)

// clientCaps is what the server uses of the client's capabilities.
type clientCaps struct {
	workDoneProgress bool // window.workDoneProgress
	dynamicWatch     bool // workspace.didChangeWatchedFiles.dynamicRegistration
}

// root is one workspace root: a directory holding farm.config.ts.
type root struct {
	path    string
	engine  coordinator.Engine
	started bool
	closed  bool
}

// document is an open editor buffer.
type document struct {
	path    string
	root    string
	version int32
}

// state is the connection's mutable state, separate from the handlers.
// Every field is guarded by mu; methods take the lock themselves.
type state struct {
	mu sync.Mutex

	phase        phase
	shutdownSeen bool

	caps     clientCaps
	initOpts json.RawMessage
	folders  []string // workspace folders as paths

	roots     map[string]*root
	rootOrder []string // first discovered first

	docs map[string]*document // by absolute path

	// watchRegistered records whether the client accepted the dynamic
	// didChangeWatchedFiles registration (the engine watches on its own
	// regardless, and dedups by content hash).
	watchRegistered bool
}

func newState() *state {
	return &state{roots: map[string]*root{}, docs: map[string]*document{}}
}

func (s *state) phaseOf() phase {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.phase
}

func (s *state) setPhase(p phase) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p == phaseShutdown {
		s.shutdownSeen = true
	}
	if p > s.phase {
		s.phase = p
	}
}

// ended reports whether shutdown and exit were received.
func (s *state) ended() (shutdown, exited bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.shutdownSeen, s.phase == phaseExited
}

func (s *state) capabilities() clientCaps {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.caps
}

// addRoot records an engine for path unless one exists; it reports whether
// it was added.
func (s *state) addRoot(r *root) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.roots[r.path]; ok {
		return false
	}
	s.roots[r.path] = r
	s.rootOrder = append(s.rootOrder, r.path)
	return true
}

// removeRoot forgets a root and returns it (nil when unknown).
func (s *state) removeRoot(path string) *root {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.roots[path]
	if r == nil {
		return nil
	}
	delete(s.roots, path)
	for i, p := range s.rootOrder {
		if p == path {
			s.rootOrder = append(s.rootOrder[:i:i], s.rootOrder[i+1:]...)
			break
		}
	}
	for p, d := range s.docs {
		if d.root == path {
			delete(s.docs, p)
		}
	}
	return r
}

// rootList returns the roots in discovery order.
func (s *state) rootList() []*root {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*root, 0, len(s.rootOrder))
	for _, p := range s.rootOrder {
		out = append(out, s.roots[p])
	}
	return out
}

// rootFor returns the longest root that holds path, or nil.
func (s *state) rootFor(path string) *root {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rootForLocked(path)
}

func (s *state) rootForLocked(path string) *root {
	var best *root
	for p, r := range s.roots {
		if within(path, p) && (best == nil || len(p) > len(best.path)) {
			best = r
		}
	}
	return best
}

// rootNamed returns the root at exactly path.
func (s *state) rootNamed(path string) *root {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.roots[path]
}

// openDoc records an open document and returns its root (nil: outside
// every root, not tracked).
func (s *state) openDoc(path string, version int32) *root {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.rootForLocked(path)
	if r == nil {
		return nil
	}
	s.docs[path] = &document{path: path, root: r.path, version: version}
	return r
}

// changeDoc updates a document's version and returns its root.
func (s *state) changeDoc(path string, version int32) *root {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.rootForLocked(path)
	if r == nil {
		return nil
	}
	if d := s.docs[path]; d != nil {
		d.version = version
	} else {
		s.docs[path] = &document{path: path, root: r.path, version: version}
	}
	return r
}

// closeDoc forgets a document and returns its root.
func (s *state) closeDoc(path string) *root {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.docs, path)
	return s.rootForLocked(path)
}

// docVersion returns the version of an open document.
func (s *state) docVersion(path string) (int32, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.docs[path]
	if d == nil {
		return 0, false
	}
	return d.version, true
}
