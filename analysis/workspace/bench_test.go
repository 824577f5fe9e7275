package workspace

import (
	"fmt"
	"strings"
	"testing"

	"github.com/farm-stack/farm-lsp/internal/cpumeter"
)

// nesting is a file that opens n bracket pairs and never closes them, as
// an editor mid-typing or a hostile client sends: `x = [{[{…` in Python,
// `[{a:[{a:…` in TSX and in farm.config.ts. tree-sitter's recovery makes
// one ERROR node with a child per token, so any walk that indexes children
// (Child(i) scans from the first child) is quadratic here. closed closes
// them again, which makes the tree as deep as the nesting instead.
type nesting struct {
	name, path, head, open, close string
}

var nestings = []nesting{
	{"python", "apps/api/app/models.py", "x = ", "[{", "1:1}]"},
	{"tsx", "apps/web/src/App.tsx", "const x = ", "[{a:", "1}]"},
	{"config", "farm.config.ts", "export default ", "[{a:", "1}]"},
}

func (s nesting) src(n int, closed bool) []byte {
	var b strings.Builder
	b.WriteString(s.head)
	b.WriteString(strings.Repeat(s.open, n))
	if closed {
		b.WriteString("1")
		// the innermost value is `1`; each level closes with the rest of
		// close after its first byte (the `1:` / `1` placeholder)
		b.WriteString(strings.Repeat(s.close[strings.IndexAny(s.close, "}]"):], n))
	}
	b.WriteString("\n")
	return []byte(b.String())
}

// BenchmarkNesting measures one Update (parse, bound check, extraction,
// diff) of a fresh workspace with the nesting files at 5k to 50k pairs.
// Per-op time must grow linearly with the pairs: compare cpu-ns/op (the
// machine may be shared; ns/op is wall time) across the sizes
// (go test -run=^$ -bench=Nesting -benchtime=3x ./analysis/workspace).
// "open" is the unclosed file under the default bounds (flat and wide: the
// whole file is analysed); "deep" closes the brackets and lifts the depth
// bound, so the walks run over a tree as deep as the nesting.
func BenchmarkNesting(b *testing.B) {
	for _, s := range nestings {
		for _, shape := range []string{"open", "deep"} {
			for _, n := range []int{5_000, 10_000, 20_000, 50_000} {
				src := s.src(n, shape == "deep")
				opts := Options{}
				if shape == "deep" {
					opts.MaxDepth = -1
				}
				b.Run(fmt.Sprintf("%s/%s/%dk", s.name, shape, n/1000), func(b *testing.B) {
					b.SetBytes(int64(len(src)))
					cpu := cpumeter.Start(b)
					for i := 0; i < b.N; i++ {
						w := New(opts)
						res, err := w.Update(ctx, s.path, src)
						if err != nil {
							b.Fatal(err)
						}
						if strings.Contains(res.Skipped, "tree-sitter gave up") {
							// parse.ParseTimeout is wall time: on a loaded
							// machine the deepest inputs can pass it.
							b.Skipf("parse over its time bound here: %s", res.Skipped)
						}
						if res.Skipped != "" {
							b.Fatalf("skipped: %s", res.Skipped)
						}
					}
					cpu.Report(b)
				})
			}
		}
	}
}

// BenchmarkSaveModel2000 is the analysis part of issue 9's save → plan on
// the generated 2,000-file workspace (1,000 Beanie Documents, 1,000
// components): one Update adding a field to a Document, one Update of the
// migration file the save makes (a new file), and the Affected query the
// coordinator asks (go test -run=^$ -bench=SaveModel2000 -benchtime=200x
// ./analysis/workspace).
func BenchmarkSaveModel2000(b *testing.B) {
	files := map[string][]byte{}
	for i := range 1000 {
		files[fmt.Sprintf("apps/api/src/models/gen/g%d.py", i)] = fmt.Appendf(nil, "from beanie import Document\nfrom typing import Optional\n\n\nclass Gen%d(Document):\n    a: int = 0\n    b: Optional[str] = None\n", i)
		files[fmt.Sprintf("apps/web/src/components/gen/G%d.tsx", i)] = fmt.Appendf(nil, "import { useState } from 'react';\nexport function Gen%d() {\n  const [v] = useState(0);\n  return <div>{v}</div>;\n}\n", i)
	}
	files["apps/api/src/__init__.py"] = nil
	files["apps/api/src/models/__init__.py"] = []byte("from .gen.g7 import Gen7\n")
	w := New(Options{})
	if _, err := w.Load(ctx, files); err != nil {
		b.Fatal(err)
	}
	rel := "apps/api/src/models/gen/g7.py"
	orig := string(files[rel])
	w.Affected(rel)
	cpu := cpumeter.Start(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		src := strings.Replace(orig, "    a: int = 0\n", fmt.Sprintf("    a: int = 0\n    f%d: int = 0\n", i), 1)
		res, err := w.Update(ctx, rel, []byte(src))
		if err != nil || len(res.Changes) == 0 || res.Changes[0].ModelKind != "document" {
			b.Fatalf("%v %+v", err, res.Changes)
		}
		if _, err := w.Update(ctx, fmt.Sprintf("apps/api/migrations/%04d_gen7.json", i), []byte(`{"op": "add"}`)); err != nil {
			b.Fatal(err)
		}
		w.Affected(rel)
	}
	cpu.Report(b)
}
