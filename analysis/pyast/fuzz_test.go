package pyast

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/analysis/parse"
)

// FuzzExtractDiff feeds arbitrary bytes (invalid UTF-8, binary, broken
// Python) through parse, Extract and Diff: nothing may panic, Extract's
// internal-error guard must never fire, a file diffed with itself gives no
// changes, and Diff is deterministic.
func FuzzExtractDiff(f *testing.F) {
	seeds := [][2]string{
		{"class A(BaseModel):\n    x: int\n", "class A(BaseModel):\n    x: int | None = None\n"},
		{"class A(Document):\n    x: Indexed(str)\n    class Settings:\n        name = 'a'\n        indexes = ['x', [('y', -1)]]\n", "class A(Document):\n    y: str\n"},
		{"@router.get('/x', response_model=A, status_code=201)\nasync def h(q: int = Query(1)):\n    return 1\n", "@router.post('/y')\ndef h(): pass\n"},
		{"class E(str, Enum):\n    A = 'a'\n", "class E(str, Enum):\n    A = 'é😀'\n    B = 'b'\n"},
		{"x = '\xff\xfe'\nclass A(BaseModel):\n    a: str = '\xc3'\n", "\x00\x01\x02binary\xff"},
		{"def f(:\n", "class (:\n  x: = \n"},
		{"from . import (a, b,)\napp.include_router(r, prefix='/p')\n", "from .. import *\n"},
		{"", "\ufeffclass A(BaseModel):\r\n    x: int\r\n"},
	}
	if files, err := filepath.Glob("testdata/extract/*.py"); err == nil {
		for _, file := range files {
			if b, err := os.ReadFile(file); err == nil {
				seeds = append(seeds, [2]string{string(b), strings.Replace(string(b), ": str", ": int", 1)})
			}
		}
	}
	for _, s := range seeds {
		f.Add([]byte(s[0]), []byte(s[1]))
	}
	f.Fuzz(func(t *testing.T, oldSrc, newSrc []byte) {
		if p := os.Getenv("PYAST_FUZZ_TRACE"); p != "" { // debugging hangs
			_ = os.WriteFile(p+".old", oldSrc, 0o644)
			_ = os.WriteFile(p+".new", newSrc, 0o644)
		}
		ctx := context.Background()
		od, err := parse.Parse(ctx, parse.Python, oldSrc, nil)
		if err != nil {
			t.Skip("parser refused input:", err)
		}
		nd, err := parse.Parse(ctx, parse.Python, newSrc, od)
		if err != nil {
			t.Skip("parser refused input:", err)
		}
		of := Extract(od, "f.py", facts.KindBackendModel)
		nf := Extract(nd, "f.py", facts.KindBackendModel)
		for _, file := range []*facts.File{of, nf} {
			for _, d := range file.Diagnostics {
				if d.Code == facts.CodeFileSkipped {
					t.Fatalf("Extract recovered from a panic: %s", d.Message)
				}
			}
		}
		again := Extract(od, "f.py", facts.KindBackendModel)
		if cs := Diff(of, again); len(cs) != 0 {
			t.Fatalf("a file diffed with itself gave %v", cs)
		}
		a, b := Diff(of, nf), Diff(of, nf)
		if renderChanges(a) != renderChanges(b) {
			t.Fatalf("Diff is not deterministic")
		}
		_ = Diff(nf, of)
	})
}
