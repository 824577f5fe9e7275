// Package textpos converts byte offsets into LSP positions. It is the one
// place where bytes become (line, UTF-16 column) pairs: tree-sitter reports
// bytes, editors count UTF-16 code units.
package textpos

import (
	"sort"
	"unicode/utf8"

	"github.com/farm-stack/farm-lsp/analysis/facts"
)

// Lines indexes the line starts of a source text.
type Lines struct {
	src    []byte
	starts []int // byte offset of each line start
}

// New indexes src. It keeps a reference to src, which must not change.
func New(src []byte) *Lines {
	starts := make([]int, 1, len(src)/32+1)
	for i, b := range src {
		if b == '\n' {
			starts = append(starts, i+1)
		}
	}
	return &Lines{src: src, starts: starts}
}

// Count returns the number of lines (a trailing newline opens an empty line).
func (l *Lines) Count() int { return len(l.starts) }

// Pos converts a byte offset (clamped to the text) into a position whose
// column counts UTF-16 code units. Invalid UTF-8 bytes count as one unit
// each (they decode as U+FFFD, which is one unit).
func (l *Lines) Pos(off int) facts.Pos {
	if off < 0 {
		off = 0
	}
	if off > len(l.src) {
		off = len(l.src)
	}
	line := sort.Search(len(l.starts), func(i int) bool { return l.starts[i] > off }) - 1
	return facts.Pos{Line: line, Char: utf16Len(l.src[l.starts[line]:off])}
}

// Range converts a byte span.
func (l *Lines) Range(start, end int) facts.Range {
	return facts.Range{Start: l.Pos(start), End: l.Pos(end)}
}

// LineRange is the range of a whole line's text (without its newline).
func (l *Lines) LineRange(line int) facts.Range {
	if line < 0 {
		line = 0
	}
	if line >= len(l.starts) {
		line = len(l.starts) - 1
	}
	start := l.starts[line]
	end := len(l.src)
	if line+1 < len(l.starts) {
		end = l.starts[line+1] - 1
	}
	if end > start && l.src[end-1] == '\r' {
		end--
	}
	return l.Range(start, end)
}

// Offset converts a position back into a byte offset (clamped).
func (l *Lines) Offset(p facts.Pos) int {
	if p.Line < 0 {
		return 0
	}
	if p.Line >= len(l.starts) {
		return len(l.src)
	}
	off := l.starts[p.Line]
	units := 0
	for off < len(l.src) && l.src[off] != '\n' && units < p.Char {
		r, size := utf8.DecodeRune(l.src[off:])
		units += runeUnits(r)
		off += size
	}
	return off
}

// UTF16Len is the length of s in UTF-16 code units (an LSP column count).
// Invalid UTF-8 bytes count as one unit each, as in Pos.
func UTF16Len(s string) int {
	n := 0
	for _, r := range s {
		n += runeUnits(r)
	}
	return n
}

// UTF16Col converts a column counted in code points into s (as Python
// reports them) into UTF-16 code units. A column past the end of s keeps
// its overshoot, one unit per missing code point.
func UTF16Col(s string, cp int) int {
	n, i := 0, 0
	for _, r := range s {
		if i >= cp {
			return n
		}
		n += runeUnits(r)
		i++
	}
	return n + max(cp-i, 0)
}

func utf16Len(b []byte) int {
	n := 0
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		n += runeUnits(r)
		b = b[size:]
	}
	return n
}

func runeUnits(r rune) int {
	if r >= 0x10000 && r <= utf8.MaxRune {
		return 2
	}
	return 1
}
