package typegen

import "strings"

// text is a reusable buffer a block is rendered into: take copies the
// block out with one allocation of its exact size and keeps the buffer
// for the next block.
type text struct{ b []byte }

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

// take returns what was appended since the last take.
func (t *text) take() string {
	s := string(t.b)
	t.b = t.b[:0]
	return s
}

// file collects the pieces of a generated file and joins them with one
// allocation of the file's exact size.
type file struct {
	parts []string
	n     int
}

func (f *file) add(s string) {
	f.parts = append(f.parts, s)
	f.n += len(s)
}

func (f *file) String() string {
	var b strings.Builder
	b.Grow(f.n)
	for _, s := range f.parts {
		b.WriteString(s)
	}
	return b.String()
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
