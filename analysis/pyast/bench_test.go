package pyast

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/analysis/parse"
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
}

// BenchmarkExtract300 is extraction alone (no parse, no diff).
func BenchmarkExtract300(b *testing.B) {
	d, err := parse.Parse(context.Background(), parse.Python, []byte(modelFile(300)), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Extract(d, "models.py", facts.KindBackendModel)
	}
}
