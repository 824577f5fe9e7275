package pyast

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/analysis/parse"
	"github.com/farm-stack/farm-lsp/internal/cpumeter"
)

// modelFile generates a realistic Beanie/Pydantic module of about `lines`
// lines: documents with Settings and indexes, models with Field(...)s and
// validators.
func modelFile(lines int) string {
	var b strings.Builder
	b.WriteString("from typing import Optional, List\nfrom beanie import Document, Indexed\nfrom pydantic import BaseModel, Field, field_validator\n\n")
	for i := 0; strings.Count(b.String(), "\n") < lines-16; i++ {
		fmt.Fprintf(&b, "\nclass Model%d(Document):\n", i)
		fmt.Fprintf(&b, "    \"\"\"Model number %d.\"\"\"\n\n", i)
		fmt.Fprintf(&b, "    email: Indexed(str, unique=True)\n")
		fmt.Fprintf(&b, "    name: str = Field(..., min_length=1, max_length=100)\n")
		fmt.Fprintf(&b, "    age: Optional[int] = None  # years\n")
		fmt.Fprintf(&b, "    tags: List[str] = Field(default_factory=list)\n")
		fmt.Fprintf(&b, "    score: float = Field(0.0, ge=0, alias=\"Score\")\n\n")
		fmt.Fprintf(&b, "    class Settings:\n        name = \"model_%d\"\n        indexes = [\"name\", [(\"age\", -1), (\"score\", 1)]]\n\n", i)
		fmt.Fprintf(&b, "    @field_validator(\"name\")\n    @classmethod\n    def strip(cls, v):\n        return v.strip()\n")
	}
	return b.String()
}

// BenchmarkExtractDiff300 measures what one save of a 300-line model file
// costs: incremental reparse against the previous tree, extraction, and the
// diff against the previous facts (one field's type changed).
func BenchmarkExtractDiff300(b *testing.B) {
	ctx := context.Background()
	oldSrc := modelFile(300)
	newSrc := strings.Replace(oldSrc, "    age: Optional[int] = None  # years\n", "    age: Optional[float] = None  # years\n", 1)
	if n := strings.Count(oldSrc, "\n"); n < 290 || n > 310 {
		b.Fatalf("generated %d lines", n)
	}
	od, err := parse.Parse(ctx, parse.Python, []byte(oldSrc), nil)
	if err != nil {
		b.Fatal(err)
	}
	of := Extract(od, "models.py", facts.KindBackendModel)
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpumeter.Start(b)
	for i := 0; i < b.N; i++ {
		nd, err := parse.Parse(ctx, parse.Python, []byte(newSrc), od)
		if err != nil {
			b.Fatal(err)
		}
		nf := Extract(nd, "models.py", facts.KindBackendModel)
		cs := Diff(of, nf)
		if len(cs) != 1 || cs[0].Kind != facts.FieldTypeChanged {
			b.Fatalf("changes = %v", cs)
		}
	}
	cpu.Report(b)
}

// BenchmarkExtract300 is extraction alone (no parse, no diff).
func BenchmarkExtract300(b *testing.B) {
	d, err := parse.Parse(context.Background(), parse.Python, []byte(modelFile(300)), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpumeter.Start(b)
	for i := 0; i < b.N; i++ {
		Extract(d, "models.py", facts.KindBackendModel)
	}
	cpu.Report(b)
}

// BenchmarkIndex300 is the tree mirror alone (parse.Doc.Flatten and the Go
// mirror built from it); BenchmarkIndexCursor300 is the cursor walk it
// replaced, on a fresh tree each time as after a save (smacker caches every
// node it hands out per tree).
func BenchmarkIndex300(b *testing.B) {
	d, err := parse.Parse(context.Background(), parse.Python, []byte(modelFile(300)), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpumeter.Start(b)
	for i := 0; i < b.N; i++ {
		newIndex(d)
	}
	cpu.Report(b)
}

func BenchmarkIndexCursor300(b *testing.B) {
	src := []byte(modelFile(300))
	docs := make([]*parse.Doc, b.N)
	for i := range docs {
		d, err := parse.Parse(context.Background(), parse.Python, src, nil)
		if err != nil {
			b.Fatal(err)
		}
		docs[i] = d
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpumeter.Start(b)
	for i := 0; i < b.N; i++ {
		cursorIndex(docs[i])
	}
	cpu.Report(b)
}

// BenchmarkColdExtract1000 is the Python half of the workspace's cold
// Load of 2,000 files: 1,000 ~25-line model files parsed and extracted on
// one goroutine. cpu-ns/op is per 1,000 files.
func BenchmarkColdExtract1000(b *testing.B) {
	files := make([][]byte, 1000)
	for i := range files {
		var py strings.Builder
		fmt.Fprintf(&py, "from typing import Optional\nfrom beanie import Document\nfrom pydantic import BaseModel, Field\n\n")
		fmt.Fprintf(&py, "class M%d(Document):\n", i)
		for f := 0; f < 20; f++ {
			fmt.Fprintf(&py, "    f%d: Optional[str] = Field(None, alias=\"F%d\")\n", f, f)
		}
		fmt.Fprintf(&py, "\n    class Settings:\n        name = \"m%d\"\n        indexes = [\"f1\"]\n", i)
		files[i] = []byte(py.String())
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpumeter.Start(b)
	for i := 0; i < b.N; i++ {
		for j, src := range files {
			d, err := parse.Parse(ctx, parse.Python, src, nil)
			if err != nil {
				b.Fatal(err)
			}
			if f := Extract(d, fmt.Sprintf("m%d.py", j), facts.KindBackendModel); len(f.Models) != 1 {
				b.Fatalf("models = %v", f.Models)
			}
		}
	}
	cpu.Report(b)
}
