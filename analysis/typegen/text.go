package typegen

import (
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"
)

// text is a reusable buffer a block is rendered into: take copies the
// block out with one allocation of its exact size and keeps the buffer
// for the next block.
type text struct {
	b []byte
	// keep leaves each block in the buffer (take returns ""): without a
	// cache a block needs no string of its own, and the file is written
	// straight into one buffer (done).
	keep bool
}

// s appends strings.
func (t *text) s(ss ...string) {
	for _, s := range ss {
		t.b = append(t.b, s...)
	}
}

// grow makes room for n more bytes.
func (t *text) grow(n int) {
	if cap(t.b)-len(t.b) < n {
		b := make([]byte, len(t.b), len(t.b)+n)
		copy(b, t.b)
		t.b = b
	}
}

// lines is the length of the lines "  name,\n" of names.
func lines(names []string) int {
	n := 0
	for _, s := range names {
		n += len(s) + 4
	}
	return n
}

// take returns what was appended since the last take, or "" when
// keeping it.
func (t *text) take() string {
	if t.keep {
		return ""
	}
	s := string(t.b)
	t.b = t.b[:0]
	return s
}

// done returns the whole buffer as a string, without copying it (the
// buffer is never written again), and leaves t empty and not keeping.
func (t *text) done() string {
	s := unsafe.String(unsafe.SliceData(t.b), len(t.b))
	*t = text{}
	return s
}

// file collects the pieces of a generated file and joins them with one
// allocation of the file's exact size; with direct set, they are written
// straight into that buffer instead (which keeps the blocks).
type file struct {
	parts  []string
	n      int
	direct *text
}

// direct makes f write into a buffer of about size bytes that keeps the
// blocks rendered into it.
func (f *file) writeDirect(t *text, size int) {
	t.keep = true
	t.grow(size)
	f.direct = t
}

func (f *file) add(s string) {
	if f.direct != nil {
		f.direct.s(s)
		return
	}
	f.parts = append(f.parts, s)
	f.n += len(s)
}

func (f *file) String() string {
	if f.direct != nil {
		return f.direct.done()
	}
	var b strings.Builder
	b.Grow(f.n)
	for _, s := range f.parts {
		b.WriteString(s)
	}
	return b.String()
}

// concat joins strings with one allocation.
func concat(parts []string) string {
	n := 0
	for _, s := range parts {
		n += len(s)
	}
	f := file{parts: parts, n: n}
	return f.String()
}

// upperMethod is an HTTP method in upper case.
func upperMethod(m string) string {
	switch m {
	case "get":
		return "GET"
	case "post":
		return "POST"
	case "put":
		return "PUT"
	case "patch":
		return "PATCH"
	case "delete":
		return "DELETE"
	case "head":
		return "HEAD"
	case "options":
		return "OPTIONS"
	}
	return strings.ToUpper(m)
}

// group runs functions on goroutines of their own; wait waits for them and
// raises the first panic among them (or among do's) in its caller's
// goroutine, where the server's executors recover from it.
type group struct {
	wg   sync.WaitGroup
	mu   sync.Mutex
	fail any
}

// spawn runs f on a goroutine of its own.
func (g *group) spawn(f func()) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		g.do(f)
	}()
}

// do runs f here, keeping a panic for wait.
func (g *group) do(f func()) {
	defer func() {
		if p := recover(); p != nil {
			g.mu.Lock()
			if g.fail == nil {
				g.fail = p
			}
			g.mu.Unlock()
		}
	}()
	f()
}

func (g *group) wait() {
	g.wg.Wait()
	if g.fail != nil {
		panic(g.fail)
	}
}

// renderEach calls render for 0..count-1, on as many goroutines as there
// are processors when there is enough to share; each goroutine has its own
// typeWriter and buffer.
func renderEach(count int, n *naming, render func(w *typeWriter, t *text, i int)) {
	const chunk = 64
	workers := min(runtime.GOMAXPROCS(0), (count+chunk-1)/chunk, 8)
	if workers <= 1 {
		var t text
		w := newTypeWriter(n)
		for i := 0; i < count; i++ {
			render(w, &t, i)
		}
		return
	}
	var next atomic.Int64
	var g group
	for range workers {
		g.spawn(func() {
			var t text
			w := newTypeWriter(n)
			for {
				end := int(next.Add(chunk))
				start := end - chunk
				if start >= count {
					return
				}
				for i := start; i < min(end, count); i++ {
					render(w, &t, i)
				}
			}
		})
	}
	g.wait()
}
