package typegen_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/farm-stack/farm-lsp/analysis/openapi"
	"github.com/farm-stack/farm-lsp/analysis/openapi/fixture"
	"github.com/farm-stack/farm-lsp/analysis/typegen"
)

func TestZZEngine(t *testing.T) {
	srcs := map[string][]byte{}
	for i := 0; i < 1000; i++ {
		srcs[fmt.Sprintf("apps/api/src/models/gen/g%d.py", i)] = []byte(fmt.Sprintf("from beanie import Document\nfrom typing import Optional\n\n\nclass Gen%d(Document):\n    a: int = 0\n    b: Optional[str] = None\n", i))
	}
	fs, _ := fixture.FromSources(context.Background(), srcs)
	rel := "apps/api/src/models/gen/g7.py"
	idx := -1
	for i, f := range fs {
		if f.Path == rel {
			idx = i
		}
	}
	orig := string(srcs[rel])
	bl, g := openapi.NewBuilder(), typegen.NewGenerator()
	d, _ := bl.Build(fs, openapi.Options{})
	g.Generate(d)
	for i := 0; i < 60; i++ {
		field := fmt.Sprintf("f%d", i)
		text := strings.Replace(orig, "    a: int = 0\n", "    a: int = 0\n    "+field+": int = 0\n", 1)
		f, _ := fixture.Python(context.Background(), rel, []byte(text))
		fs[idx] = f
		fixture.ResolveKinds(fs)
		d, _ := bl.Build(fs, openapi.Options{})
		out := g.Generate(d)
		if !strings.Contains(out.Models, field+": number") {
			t.Fatalf("step %d: field missing (fast builds %d)", i, bl.FastBuilds())
		}
	}
}
