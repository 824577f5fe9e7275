package watch

import (
	"crypto/sha256"
	"sync"
)

// Hashes remembers a content hash per path so the same bytes are not
// planned twice: an editor save that fsnotify reports as well, or the
// Create and Write events of one file. The zero value is ready to use and
// it is safe for concurrent use.
type Hashes struct {
	mu sync.Mutex
	m  map[string][sha256.Size]byte
}

// Remember records content as the last seen content of path.
func (h *Hashes) Remember(path string, content []byte) {
	sum := sha256.Sum256(content)
	h.mu.Lock()
	if h.m == nil {
		h.m = map[string][sha256.Size]byte{}
	}
	h.m[path] = sum
	h.mu.Unlock()
}

// Changed reports whether content differs from the last remembered content
// of path (true for a path never seen) and, if so, remembers it.
func (h *Hashes) Changed(path string, content []byte) bool {
	sum := sha256.Sum256(content)
	h.mu.Lock()
	defer h.mu.Unlock()
	if old, ok := h.m[path]; ok && old == sum {
		return false
	}
	if h.m == nil {
		h.m = map[string][sha256.Size]byte{}
	}
	h.m[path] = sum
	return true
}

// Forget drops path (after it was removed: its next content is new).
func (h *Hashes) Forget(path string) {
	h.mu.Lock()
	delete(h.m, path)
	h.mu.Unlock()
}
