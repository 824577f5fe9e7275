package textpos

import (
	"testing"
	"unicode/utf8"

	"github.com/farm-stack/farm-lsp/analysis/facts"
)

func TestPos(t *testing.T) {
	t.Parallel()
	src := []byte("ab\nnamé = 1\n😀x = 2\n\xffz\n")
	l := New(src)
	cases := []struct {
		name string
		off  int
		want facts.Pos
	}{
		{"start", 0, facts.Pos{Line: 0, Char: 0}},
		{"end of first line", 2, facts.Pos{Line: 0, Char: 2}},
		{"second line start", 3, facts.Pos{Line: 1, Char: 0}},
		{"after é (2 bytes, 1 unit)", 3 + len("namé"), facts.Pos{Line: 1, Char: 4}},
		{"after emoji (4 bytes, 2 units)", 13 + 4, facts.Pos{Line: 2, Char: 2}},
		{"x after emoji", 13 + 5, facts.Pos{Line: 2, Char: 3}},
		{"after invalid byte", 23 + 1, facts.Pos{Line: 3, Char: 1}},
		{"clamped", 9999, facts.Pos{Line: 4, Char: 0}},
		{"negative", -5, facts.Pos{Line: 0, Char: 0}},
	}
	for _, c := range cases {
		if got := l.Pos(c.off); got != c.want {
			t.Errorf("%s: Pos(%d) = %+v, want %+v", c.name, c.off, got, c.want)
		}
	}
}

func TestOffsetRoundTrip(t *testing.T) {
	t.Parallel()
	src := []byte("x\nnamé😀 = \"ü\"\r\nend")
	l := New(src)
	for off := 0; off <= len(src); off++ {
		if off < len(src) && !utf8.RuneStart(src[off]) {
			continue // tree-sitter offsets are always on rune boundaries
		}
		p := l.Pos(off)
		if back := l.Offset(p); back != off {
			t.Fatalf("offset %d -> %+v -> %d", off, p, back)
		}
	}
}

func TestLineRange(t *testing.T) {
	t.Parallel()
	l := New([]byte("one\r\ntwö\n"))
	if got, want := l.LineRange(1), (facts.Range{Start: facts.Pos{Line: 1, Char: 0}, End: facts.Pos{Line: 1, Char: 3}}); got != want {
		t.Fatalf("LineRange(1) = %+v, want %+v", got, want)
	}
	if got, want := l.LineRange(0).End, (facts.Pos{Line: 0, Char: 3}); got != want {
		t.Fatalf("CRLF line end = %+v, want %+v", got, want)
	}
}

func TestUTF16LenAndCol(t *testing.T) {
	t.Parallel()
	s := "a😀é\xffb" // 1 + 2 + 1 + 1 (invalid byte) + 1 units; 5 code points
	if got := UTF16Len(s); got != 6 {
		t.Errorf("UTF16Len = %d, want 6", got)
	}
	if got := New([]byte(s)).Pos(len(s)).Char; got != UTF16Len(s) {
		t.Errorf("Pos at the end = %d, UTF16Len = %d: they must agree", got, UTF16Len(s))
	}
	for cp, want := range map[int]int{-1: 0, 0: 0, 1: 1, 2: 3, 3: 4, 4: 5, 5: 6, 7: 8} {
		if got := UTF16Col(s, cp); got != want {
			t.Errorf("UTF16Col(%d) = %d, want %d", cp, got, want)
		}
	}
}
