package tsxast

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/analysis/parse"
)

// tsx300 is a 300-line TSX module: imports, a props interface per
// component, and components with hooks and JSX. label varies the body of
// the first component (a save edits one place).
func tsx300(label string) string {
	var b strings.Builder
	b.WriteString("import React, { useEffect, useMemo, useState } from 'react';\n")
	b.WriteString("import type { User } from '../types/models';\n")
	b.WriteString("import { useUsers } from '../hooks/api';\n\n")
	for i := 0; b.Len() == 0 || strings.Count(b.String(), "\n") < 290; i++ {
		fmt.Fprintf(&b, "export interface Card%dProps {\n  user: User;\n  compact?: boolean;\n  onSelect?: (id: string) => void;\n}\n\n", i)
		fmt.Fprintf(&b, "export function Card%d({ user, compact, onSelect }: Card%dProps) {\n", i, i)
		b.WriteString("  const [open, setOpen] = useState(false);\n  const { data } = useUsers();\n")
		b.WriteString("  const total = useMemo(() => data?.length ?? 0, [data]);\n")
		b.WriteString("  useEffect(() => { document.title = user.name; }, [user.name]);\n")
		b.WriteString("  return (\n    <div className=\"card\" onClick={() => onSelect?.(user.id)}>\n")
		tag := "x"
		if i == 0 {
			tag = label
		}
		fmt.Fprintf(&b, "      <h2>{user.email} — %s {total}</h2>\n", tag)
		b.WriteString("      {open && !compact ? <p>{user.address?.city}</p> : null}\n")
		b.WriteString("      <button onClick={() => setOpen(!open)}>toggle</button>\n    </div>\n  );\n}\n\n")
	}
	return b.String()
}

func BenchmarkExtractDiffTSX300(b *testing.B) {
	srcs := [2][]byte{[]byte(tsx300("a")), []byte(tsx300("b"))}
	if n := strings.Count(string(srcs[0]), "\n"); n < 295 || n > 320 {
		b.Fatalf("generated %d lines", n)
	}
	ctx := context.Background()
	doc, err := parse.Parse(ctx, parse.TSX, srcs[0], nil)
	if err != nil {
		b.Fatal(err)
	}
	prev := Extract(doc, "c.tsx", facts.KindFrontendComponent)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		src := srcs[(i+1)%2]
		doc, err = parse.Parse(ctx, parse.TSX, src, doc)
		if err != nil {
			b.Fatal(err)
		}
		cur := Extract(doc, "c.tsx", facts.KindFrontendComponent)
		if cs := Diff(prev, cur); len(cs) == 0 {
			b.Fatal("no change found")
		}
		prev = cur
	}
}
