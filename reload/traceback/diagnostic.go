package traceback

import (
	"path/filepath"
	"strconv"
	"strings"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/analysis/textpos"
)

// Options tell Diagnostics where the workspace is.
type Options struct {
	// Root is the workspace root; only frames under it become locations
	// and diagnostic paths are relative to it.
	Root string
	// Cwd resolves relative frame paths (the backend's working directory);
	// Root when empty.
	Cwd string
	// ReadFile, when set, reads a source file (absolute path) so columns
	// account for indentation Python stripped and ranges end at the real
	// end of line. Without it columns are as printed.
	ReadFile func(path string) ([]byte, error)
}

// maxRelated caps the "called from" frames attached to a diagnostic.
const maxRelated = 5

// Diagnostics turns the errors of Parse into backend-error diagnostics,
// one per distinct (path, line, message), at each error's last workspace
// frame. Errors with no frame in the workspace yield nothing.
func Diagnostics(errs []Error, opts Options) []facts.Diagnostic {
	cwd := opts.Cwd
	if cwd == "" {
		cwd = opts.Root
	}
	seen := map[string]bool{}
	var out []facts.Diagnostic
	for _, e := range errs {
		f, rel, ok := e.UserFrame(opts.Root, cwd)
		if !ok {
			continue
		}
		d := facts.Diagnostic{
			Path:     rel,
			Range:    frameRange(f, filepath.Join(opts.Root, filepath.FromSlash(rel)), opts.ReadFile),
			Severity: facts.SeverityError,
			Code:     facts.CodeBackendError,
			Message:  e.String(),
		}
		key := rel + "\x00" + d.Message + "\x00" + strconv.Itoa(d.Range.Start.Line)
		if seen[key] {
			continue
		}
		seen[key] = true
		d.Related = related(e, f, opts.Root, cwd)
		out = append(out, d)
	}
	return out
}

// related lists the other workspace frames of e (innermost first) as
// "called from" locations.
func related(e Error, loc Frame, root, cwd string) []facts.Related {
	var out []facts.Related
	for i := len(e.Frames) - 1; i >= 0 && len(out) < maxRelated; i-- {
		f := e.Frames[i]
		if f == loc {
			continue
		}
		one := Error{Frames: []Frame{f}}
		_, rel, ok := one.UserFrame(root, cwd)
		if !ok {
			continue
		}
		msg := "called from here"
		if f.Func != "" {
			msg = "in " + f.Func
		}
		out = append(out, facts.Related{
			Path:    rel,
			Range:   frameRange(f, "", nil),
			Message: msg,
		})
	}
	return out
}

// frameRange is the zero-based range of a frame: the marker span when one
// was printed, else the source line (column 0 to end of line).
func frameRange(f Frame, abs string, read func(string) ([]byte, error)) facts.Range {
	line := f.Line - 1
	if line < 0 {
		line = 0
	}
	var src string // the real line from the file, when readable
	haveSrc := false
	if read != nil && abs != "" {
		if b, err := read(abs); err == nil {
			lines := strings.Split(string(b), "\n")
			if line < len(lines) {
				src = strings.TrimRight(lines[line], "\r")
				haveSrc = true
			}
		}
	}
	if !haveSrc {
		if f.Col >= 0 {
			end := f.EndCol
			if end <= f.Col {
				end = f.Col + 1
			}
			return facts.Range{
				Start: facts.Pos{Line: line, Char: textpos.UTF16Col(f.Source, f.Col)},
				End:   facts.Pos{Line: line, Char: textpos.UTF16Col(f.Source, end)},
			}
		}
		if f.Source != "" {
			s := strings.TrimRight(f.Source, " \t")
			lead := textpos.UTF16Len(leadingSpace(s))
			return facts.Range{Start: facts.Pos{Line: line, Char: lead}, End: facts.Pos{Line: line, Char: textpos.UTF16Len(s)}}
		}
		return facts.Range{Start: facts.Pos{Line: line}, End: facts.Pos{Line: line + 1}}
	}
	eol := textpos.UTF16Len(src)
	if f.Col < 0 {
		return facts.Range{Start: facts.Pos{Line: line}, End: facts.Pos{Line: line, Char: eol}}
	}
	// Python may strip the line's indentation before printing it (3.11)
	// or keep it (3.13): shift the printed column by the difference.
	shift := len([]rune(leadingSpace(src))) - len([]rune(leadingSpace(f.Source)))
	start, end := f.Col+shift, f.EndCol+shift
	if end <= start {
		end = start + 1
	}
	if start < 0 {
		start = 0
	}
	sc, ec := textpos.UTF16Col(src, start), textpos.UTF16Col(src, end)
	if sc > eol {
		sc = eol
	}
	if ec > eol {
		// A caret just past the end (e.g. "was never closed" at EOF).
		ec = sc + 1
	}
	return facts.Range{Start: facts.Pos{Line: line, Char: sc}, End: facts.Pos{Line: line, Char: ec}}
}
