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
