// Package traceback parses Python tracebacks (as a backend prints them on
// stderr) into errors with their frames, and turns each error into a
// backend-error diagnostic at the last frame that lies in the workspace.
//
// The parser is pure: it reads the text it is handed and, for exact
// columns, source files through a function the caller supplies.
package traceback

import (
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// Frame is one `File "…", line N, in func` entry of a traceback.
type Frame struct {
	File string // as printed (usually absolute)
	Line int    // 1-based
	// Func is the function name; empty for a SyntaxError's location frame,
	// which Python prints without ", in …".
	Func string
	// Source is the source line Python printed under the frame, without
	// the four-space indent it adds ("" when none was printed).
	Source string
	// Col and EndCol delimit the ^/~ marker under Source, in code points
	// of Source; both are -1 when no marker was printed.
	Col, EndCol int
}

// Error is one exception with the frames that led to it, outermost first.
// Frames of the import machinery (`<frozen …>`) are left out.
type Error struct {
	Type    string // "SyntaxError", "ModuleNotFoundError", "json.decoder.JSONDecodeError"
	Message string // the text after "Type: ", first line only
	Frames  []Frame
}

// IsSyntax reports whether the error is a SyntaxError or one of its
// subclasses (IndentationError, TabError).
func (e Error) IsSyntax() bool {
	switch baseName(e.Type) {
	case "SyntaxError", "IndentationError", "TabError":
		return true
	}
	return false
}

// IsImport reports whether the error is an ImportError or
// ModuleNotFoundError.
func (e Error) IsImport() bool {
	switch baseName(e.Type) {
	case "ImportError", "ModuleNotFoundError":
		return true
	}
	return false
}

// String renders the error as Python's last line does: "Type: message".
func (e Error) String() string {
	if e.Message == "" {
		return e.Type
	}
	return e.Type + ": " + e.Message
}

func baseName(t string) string {
	if i := strings.LastIndexByte(t, '.'); i >= 0 {
		return t[i+1:]
	}
	return t
}

var (
	// RUNTIME.md: frames `^\s*File "([^"]+)", line (\d+)(?:, in (.+))?$`.
	frameRE = regexp.MustCompile(`^\s*File "([^"]+)", line (\d+)(?:, in (.+))?$`)
	// The exception line: a (dotted) class name, optionally ": message".
	excRE    = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)(?::(?: (\S.*))?)?$`)
	markerRE = regexp.MustCompile(`^[ \t~^]*[~^][ \t~^]*$`)
	ansiRE   = regexp.MustCompile(`\x1b\[[0-9;]*[A-Za-z]`)
)

const header = "Traceback (most recent call last):"

// Parse returns every traceback found in text, in order. Text between
// tracebacks (log lines, "During handling of the above exception…") is
// ignored. A SyntaxError printed without the "Traceback" header (as
// `python3 file.py` does) is found too.
func Parse(text string) []Error {
	var (
		out    []Error
		frames []Frame
		in     bool // inside a traceback block
		// sawSource: the last frame's source line has been read.
		sawSource bool
	)
	reset := func() { frames, in, sawSource = nil, false, false }
	text = strings.ReplaceAll(text, "\r\n", "\n")
	for _, raw := range strings.Split(text, "\n") {
		line := ansiRE.ReplaceAllString(raw, "")
		if strings.Contains(line, header) {
			reset()
			in = true
			continue
		}
		if m := frameRE.FindStringSubmatch(line); m != nil && strings.HasPrefix(line, " ") {
			in = true
			sawSource = false
			n, _ := strconv.Atoi(m[2])
			f := Frame{File: m[1], Line: n, Func: m[3], Col: -1, EndCol: -1}
			if strings.HasPrefix(f.File, "<frozen ") {
				// Keep a placeholder so its source/marker lines are not
				// attached to the previous frame; dropped when emitted.
				f.Line = -1
			}
			frames = append(frames, f)
			continue
		}
		if !in {
			continue
		}
		if line == "" {
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			if len(frames) == 0 {
				continue
			}
			last := &frames[len(frames)-1]
			body := strings.TrimPrefix(line, "    ")
			switch {
			case markerRE.MatchString(line) && sawSource:
				last.Col, last.EndCol = markerSpan(body)
			case !sawSource:
				last.Source = body
				sawSource = true
			}
			continue
		}
		// An unindented line ends the block: the exception line, or
		// something else (a log line), in which case the block is dropped.
		if m := excRE.FindStringSubmatch(line); m != nil && len(frames) > 0 {
			out = append(out, Error{Type: m[1], Message: strings.TrimSpace(m[2]), Frames: realFrames(frames)})
		}
		reset()
	}
	return out
}

func realFrames(fs []Frame) []Frame {
	out := make([]Frame, 0, len(fs))
	for _, f := range fs {
		if f.Line >= 0 {
			out = append(out, f)
		}
	}
	return out
}

// markerSpan returns the code-point span of the ~/^ run in a marker line.
func markerSpan(s string) (int, int) {
	start, end := -1, -1
	i := 0
	for _, r := range s {
		if r == '^' || r == '~' {
			if start < 0 {
				start = i
			}
			end = i + 1
		}
		i++
	}
	return start, end
}

// UserFrame returns the last frame whose file lies under root (a frame
// path that is relative is taken relative to cwd), skipping installed
// packages (site-packages, dist-packages) even when they sit under root,
// and the frame's workspace-relative slash path.
func (e Error) UserFrame(root, cwd string) (Frame, string, bool) {
	root = filepath.Clean(root)
	for i := len(e.Frames) - 1; i >= 0; i-- {
		f := e.Frames[i]
		if strings.HasPrefix(f.File, "<") {
			continue // <string>, <stdin>
		}
		p := f.File
		if !filepath.IsAbs(p) {
			p = filepath.Join(cwd, p)
		}
		rel, err := filepath.Rel(root, filepath.Clean(p))
		if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			continue
		}
		slash := filepath.ToSlash(rel)
		if strings.Contains("/"+slash, "/site-packages/") || strings.Contains("/"+slash, "/dist-packages/") {
			continue
		}
		return f, slash, true
	}
	return Frame{}, "", false
}

func leadingSpace(s string) string {
	return s[:len(s)-len(strings.TrimLeft(s, " \t\f"))]
}
