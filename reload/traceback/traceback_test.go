package traceback

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/farm-stack/farm-lsp/analysis/facts"
)

// The testdata tracebacks were printed by real interpreters (Debian
// python3.11 with uvicorn 0.17, pyenv 3.12 and 3.13) for an app under
// /tmp/tb/app.
const fixtureRoot = "/tmp/tb/app"

func rng(l, c1, l2, c2 int) facts.Range {
	return facts.Range{Start: facts.Pos{Line: l, Char: c1}, End: facts.Pos{Line: l2, Char: c2}}
}

func TestParseFixtures(t *testing.T) {
	tests := []struct {
		file    string
		errors  int    // tracebacks found
		typ     string // of the last error
		msg     string
		syntax  bool
		imp     bool
		path    string      // location of the last error ("" = none)
		line    int         // 1-based
		rng     facts.Range // without ReadFile
		related []string    // "path:line" of related frames of the last error
	}{
		{"uvicorn_syntax.txt", 1, "SyntaxError", "invalid syntax", true, false, "src/main.py", 11, rng(10, 11, 10, 12), nil},
		{"uvicorn_import.txt", 1, "ModuleNotFoundError", "No module named 'nonexistent_pkg_xyz'", false, true, "src/models.py", 2, rng(1, 0, 1, 26), []string{"src/main.py:2"}},
		{"uvicorn_indent.txt", 1, "IndentationError", "unexpected indent", true, false, "src/main.py", 8, rng(7, 0, 7, 5), nil},
		{"uvicorn_nameerror.txt", 1, "NameError", "name 'undefined_name' is not defined", false, false, "src/main.py", 5, rng(4, 20, 4, 34), nil},
		{"uvicorn_startup.txt", 1, "RuntimeError", "db down", false, false, "src/main.py", 8, rng(7, 0, 7, 29), nil},
		{"chained.txt", 2, "RuntimeError", "bad config", false, false, "chained.py", 8, rng(7, 0, 7, 39), []string{"chained.py:11"}},
		{"plain_syntax.txt", 1, "SyntaxError", "'(' was never closed", true, false, "plain.py", 1, rng(0, 4, 0, 5), nil},
		{"unicode_syntax.txt", 1, "SyntaxError", "unmatched ')'", true, false, "uni.py", 2, rng(1, 17, 1, 18), nil},
		{"py3.12_plain.txt", 1, "SyntaxError", "'(' was never closed", true, false, "plain.py", 1, rng(0, 4, 0, 5), nil},
		{"py3.12_uni.txt", 1, "SyntaxError", "unmatched ')'", true, false, "uni.py", 2, rng(1, 17, 1, 18), nil},
		{"py3.12_nameerr.txt", 1, "NameError", "name 'undefined_name' is not defined", false, false, "nameerr.py", 2, rng(1, 20, 1, 34), nil},
		{"py3.13_uni.txt", 1, "SyntaxError", "unmatched ')'", true, false, "uni.py", 2, rng(1, 18, 1, 19), nil},
		{"py3.13_imp.txt", 1, "ModuleNotFoundError", "No module named 'nonexistent_pkg_xyz'", false, true, "imp.py", 2, rng(1, 0, 1, 26), nil},
		{"py3.13_nameerr.txt", 1, "NameError", "name 'undefined_name' is not defined", false, false, "nameerr.py", 2, rng(1, 20, 1, 34), nil},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			errs := Parse(string(b))
			if len(errs) != tt.errors {
				t.Fatalf("Parse found %d errors, want %d: %+v", len(errs), tt.errors, errs)
			}
			last := errs[len(errs)-1]
			if last.Type != tt.typ || last.Message != tt.msg {
				t.Errorf("last error = %q / %q, want %q / %q", last.Type, last.Message, tt.typ, tt.msg)
			}
			if last.IsSyntax() != tt.syntax || last.IsImport() != tt.imp {
				t.Errorf("IsSyntax=%v IsImport=%v, want %v %v", last.IsSyntax(), last.IsImport(), tt.syntax, tt.imp)
			}
			for _, f := range last.Frames {
				if strings.HasPrefix(f.File, "<frozen") {
					t.Errorf("frozen frame kept: %+v", f)
				}
			}
			diags := Diagnostics(errs[len(errs)-1:], Options{Root: fixtureRoot})
			if tt.path == "" {
				if len(diags) != 0 {
					t.Fatalf("want no diagnostic, got %+v", diags)
				}
				return
			}
			if len(diags) != 1 {
				t.Fatalf("got %d diagnostics, want 1: %+v", len(diags), diags)
			}
			d := diags[0]
			if d.Path != tt.path || d.Range.Start.Line != tt.line-1 {
				t.Errorf("at %s:%d, want %s:%d", d.Path, d.Range.Start.Line+1, tt.path, tt.line)
			}
			if d.Range != tt.rng {
				t.Errorf("range = %+v, want %+v", d.Range, tt.rng)
			}
			if d.Code != facts.CodeBackendError || d.Severity != facts.SeverityError {
				t.Errorf("code/severity = %q/%d", d.Code, d.Severity)
			}
			if want := tt.typ + ": " + tt.msg; d.Message != want {
				t.Errorf("message = %q, want %q", d.Message, want)
			}
			var rel []string
			for _, r := range d.Related {
				rel = append(rel, r.Path+":"+strconv.Itoa(r.Range.Start.Line+1))
			}
			if !reflect.DeepEqual(rel, tt.related) {
				t.Errorf("related = %v, want %v", rel, tt.related)
			}
		})
	}
}

func TestParseChainedKeepsBoth(t *testing.T) {
	b, err := os.ReadFile("testdata/chained.txt")
	if err != nil {
		t.Fatal(err)
	}
	errs := Parse(string(b))
	diags := Diagnostics(errs, Options{Root: fixtureRoot})
	var got []string
	for _, d := range diags {
		got = append(got, d.Path+":"+strconv.Itoa(d.Range.Start.Line+1)+" "+d.Message)
	}
	want := []string{
		"chained.py:6 json.decoder.JSONDecodeError: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)",
		"chained.py:8 RuntimeError: bad config",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("diagnostics = %q, want %q", got, want)
	}
}

// With the source at hand, columns include the indentation Python stripped
// and a line without a marker spans to its real end.
func TestDiagnosticsReadFile(t *testing.T) {
	files := map[string]string{
		"/tmp/tb/app/uni.py":      "def f():\n\treturn  \"café\" + )\n",
		"/tmp/tb/app/src/main.py": "from fastapi import FastAPI\n\napp = FastAPI()\n\n\ndef f():\n    x = 1\n      y = 2\n",
	}
	read := func(p string) ([]byte, error) {
		if s, ok := files[p]; ok {
			return []byte(s), nil
		}
		return nil, errors.New("no such file")
	}
	tests := []struct {
		file string
		want facts.Range
	}{
		{"unicode_syntax.txt", rng(1, 18, 1, 19)}, // 3.11 strips the tab
		{"py3.13_uni.txt", rng(1, 18, 1, 19)},     // 3.13 keeps it
		{"uvicorn_indent.txt", rng(7, 0, 7, 11)},  // whole real line
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			d := Diagnostics(Parse(string(b)), Options{Root: fixtureRoot, ReadFile: read})
			if len(d) != 1 || d[0].Range != tt.want {
				t.Fatalf("got %+v, want one at %+v", d, tt.want)
			}
		})
	}
}

func TestParseEdgeCases(t *testing.T) {
	tests := []struct {
		name  string
		text  string
		root  string
		types []string
		locs  []string // path:line of diagnostics
	}{
		{
			name:  "no user frame",
			text:  "Traceback (most recent call last):\n  File \"/usr/lib/python3/dist-packages/x.py\", line 3, in f\n    g()\nValueError: nope\n",
			root:  "/work/app",
			types: []string{"ValueError"},
		},
		{
			name: "venv under root is not user code",
			text: "Traceback (most recent call last):\n  File \"/work/app/main.py\", line 9, in <module>\n    lib.go()\n" +
				"  File \"/work/app/.venv/lib/python3.11/site-packages/lib.py\", line 2, in go\n    raise KeyError('k')\nKeyError: 'k'\n",
			root:  "/work/app",
			types: []string{"KeyError"},
			locs:  []string{"main.py:9"},
		},
		{
			name:  "relative frame path resolved against cwd",
			text:  "Traceback (most recent call last):\n  File \"src/main.py\", line 4, in <module>\n    import x\nModuleNotFoundError: No module named 'x'\n",
			root:  "/work/app",
			types: []string{"ModuleNotFoundError"},
			locs:  []string{"api/src/main.py:4"},
		},
		{
			name:  "log line interrupts a block",
			text:  "  File \"/work/app/a.py\", line 1, in f\nINFO:     Started server process [1]\nINFO:     Waiting for application startup.\n",
			root:  "/work/app",
			types: nil,
		},
		{
			name:  "no message",
			text:  "Traceback (most recent call last):\n  File \"/work/app/a.py\", line 2, in <module>\n    raise KeyboardInterrupt\nKeyboardInterrupt\n",
			root:  "/work/app",
			types: []string{"KeyboardInterrupt"},
			locs:  []string{"a.py:2"},
		},
		{
			name:  "ansi colours and CRLF",
			text:  "\x1b[35mTraceback (most recent call last):\x1b[0m\r\n  File \x1b[35m\"/work/app/a.py\"\x1b[0m, line \x1b[35m3\x1b[0m, in \x1b[35m<module>\x1b[0m\r\n    x(\r\n\x1b[1;35mSyntaxError\x1b[0m: \x1b[35mbad\x1b[0m\r\n",
			root:  "/work/app",
			types: []string{"SyntaxError"},
			locs:  []string{"a.py:3"},
		},
		{
			name:  "uvicorn prefix on the header",
			text:  "ERROR:    Traceback (most recent call last):\n  File \"/work/app/a.py\", line 7, in boot\n    raise RuntimeError('x')\nRuntimeError: x\n\nERROR:    Application startup failed. Exiting.\n",
			root:  "/work/app",
			types: []string{"RuntimeError"},
			locs:  []string{"a.py:7"},
		},
		{
			name:  "empty",
			text:  "",
			root:  "/work/app",
			types: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := Parse(tt.text)
			var types []string
			for _, e := range errs {
				types = append(types, e.Type)
			}
			if !reflect.DeepEqual(types, tt.types) {
				t.Fatalf("types = %v, want %v", types, tt.types)
			}
			var locs []string
			for _, d := range Diagnostics(errs, Options{Root: tt.root, Cwd: tt.root + "/api"}) {
				locs = append(locs, d.Path+":"+strconv.Itoa(d.Range.Start.Line+1))
			}
			if !reflect.DeepEqual(locs, tt.locs) {
				t.Errorf("locations = %v, want %v", locs, tt.locs)
			}
		})
	}
}

// TestLivePython runs the machine's interpreters on broken files and
// parses what they print, so a format change in a Python release shows up.
func TestLivePython(t *testing.T) {
	var pythons []string
	for _, p := range []string{"/usr/bin/python3", "python3"} {
		if path, err := exec.LookPath(p); err == nil {
			pythons = append(pythons, path)
		}
	}
	if len(pythons) == 0 {
		t.Skip("no python3 on this machine (apt-get install -y python3)")
	}
	dir := t.TempDir()
	cases := []struct {
		name, src, typ string
		line, col      int // 1-based line, 0-based UTF-16 column
	}{
		{"syntax.py", "x = 1\ndef f(:\n    pass\n", "SyntaxError", 2, 6},
		{"indented.py", "def f():\n    if True:\n        x = (1,\n", "SyntaxError", 3, 12},
		{"imp.py", "import os\n\nimport no_such_module_farm\n", "ModuleNotFoundError", 3, 0},
		{"name.py", "def g():\n    return 1 + missing_name\n\ng()\n", "NameError", 2, 15},
	}
	for _, py := range pythons {
		for _, c := range cases {
			t.Run(filepath.Base(py)+"/"+c.name, func(t *testing.T) {
				file := filepath.Join(dir, c.name)
				if err := os.WriteFile(file, []byte(c.src), 0o644); err != nil {
					t.Fatal(err)
				}
				cmd := exec.Command(py, file)
				cmd.Env = append(os.Environ(), "NO_COLOR=1", "PYTHON_COLORS=0")
				out, _ := cmd.CombinedOutput()
				errs := Parse(string(out))
				if len(errs) == 0 {
					t.Fatalf("no traceback parsed from:\n%s", out)
				}
				last := errs[len(errs)-1]
				if last.Type != c.typ {
					t.Errorf("type = %q, want %q\n%s", last.Type, c.typ, out)
				}
				d := Diagnostics(errs, Options{Root: dir, ReadFile: os.ReadFile})
				if len(d) != 1 {
					t.Fatalf("diagnostics = %+v\n%s", d, out)
				}
				if d[0].Path != c.name || d[0].Range.Start.Line != c.line-1 || d[0].Range.Start.Char != c.col {
					t.Errorf("at %s:%d:%d, want %s:%d:%d\n%s", d[0].Path, d[0].Range.Start.Line+1, d[0].Range.Start.Char, c.name, c.line, c.col, out)
				}
			})
		}
	}
}
