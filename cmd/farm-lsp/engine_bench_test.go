package main

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.lsp.dev/protocol"

	"github.com/farm-stack/farm-lsp/lsp"
	"github.com/farm-stack/farm-lsp/lsp/lsptest"
)

// genWorkspace writes the example app plus n/2 Beanie Documents and n/2
// components into a temp dir (ports isolated) and returns its root.
func genWorkspace(b *testing.B, n int) string {
	b.Helper()
	root := isolatedApp(b, b.TempDir())
	for i := 0; i < n/2; i++ {
		py := fmt.Sprintf("from beanie import Document\nfrom typing import Optional\n\n\nclass Gen%d(Document):\n    a: int = 0\n    b: Optional[str] = None\n", i)
		tsx := fmt.Sprintf("import { useState } from 'react';\nexport function Gen%d() {\n  const [v] = useState(0);\n  return <div>{v}</div>;\n}\n", i)
		for p, body := range map[string]string{
			fmt.Sprintf("apps/api/src/models/gen/g%d.py", i):      py,
			fmt.Sprintf("apps/web/src/components/gen/G%d.tsx", i): tsx,
		} {
			abs := filepath.Join(root, p)
			if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
				b.Fatal(err)
			}
			if err := os.WriteFile(abs, []byte(body), 0o644); err != nil {
				b.Fatal(err)
			}
		}
	}
	return root
}

// rssMB is this process's resident set size (server and test client).
func rssMB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}

func median(d []time.Duration) float64 {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return float64(s[len(s)/2]) / float64(time.Millisecond)
}

// BenchmarkEngineSave2000 is issue 9's measure, through the protocol on a
// generated 2,000-file workspace (1,000 Documents, 1,000 components) with
// the default configuration: a field added to / removed from a Document
// and saved. It reports the medians of save → farm/reloadPlan, save →
// farm/taskResult of the type generation, save → the field in the
// generated types on disk, and the RSS after the saves.
func BenchmarkEngineSave2000(b *testing.B) {
	root := genWorkspace(b, 2000)
	c := lsptest.New(b, serverOptions(slog.New(slog.DiscardHandler)))
	if _, err := c.InitializeWith(&protocol.InitializeParams{RootURI: protocol.DocumentURI(lsptest.URI(root)),
		InitializationOptions: trusted(nil)}); err != nil {
		b.Fatal(err)
	}
	c.Notify("initialized", map[string]any{})
	c.AwaitLog("indexed")
	rel := "apps/api/src/models/gen/g7.py"
	abs := filepath.Join(root, rel)
	types := filepath.Join(root, "apps/web/src/types/models/index.ts")
	orig := read(b, root, rel)
	var toPlan, toResult, toDisk []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		field := fmt.Sprintf("f%d", i)
		text := strings.Replace(orig, "    a: int = 0\n", "    a: int = 0\n    "+field+": int = 0\n", 1)
		// The types file as it was before the save: stat it after the plan
		// came and a fast type generation has replaced it already.
		before, _ := os.Stat(types)
		if err := os.WriteFile(abs, []byte(text), 0o644); err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		c.Save(abs, text)
		p := c.AwaitPlan(func(p lsp.PlanMsg) bool { return p.Trigger.URI == lsptest.URI(abs) && len(p.Tasks) > 0 })
		toPlan = append(toPlan, time.Since(t0))
		// The types file is polled from a second goroutine while the
		// protocol is awaited.
		disk := make(chan time.Duration, 1)
		go func() {
			needle := []byte(field + ": number")
			for time.Since(t0) < 30*time.Second {
				// Stat is cheap; the file is read only once it was replaced.
				if st, err := os.Stat(types); err == nil && (before == nil || !os.SameFile(st, before) || st.ModTime() != before.ModTime()) {
					at := time.Since(t0)
					if data, err := os.ReadFile(types); err == nil && bytes.Contains(data, needle) {
						disk <- at
						return
					}
				}
				time.Sleep(100 * time.Microsecond)
			}
			disk <- -1
		}()
		tr := c.AwaitTaskResult(func(m lsp.TaskDoneMsg) bool { return m.PlanID == p.PlanID && m.Task.Kind == "type-generation" })
		toResult = append(toResult, time.Since(t0))
		if tr.Task.Status != "ok" {
			b.Fatalf("type generation %s: %s", tr.Task.Status, tr.Task.Message)
		}
		d := <-disk
		if d < 0 {
			b.Fatal("the field never reached the types on disk")
		}
		toDisk = append(toDisk, d)
		b.StopTimer()
		c.AwaitResult(p.PlanID) // the rest of the plan (backend check, page reload) untimed
		b.StartTimer()
	}
	b.StopTimer()
	runtime.GC()
	b.ReportMetric(median(toPlan), "ms-to-plan")
	b.ReportMetric(median(toResult), "ms-to-taskResult")
	b.ReportMetric(median(toDisk), "ms-to-disk")
	b.ReportMetric(rssMB(), "MB-RSS")
}

// BenchmarkColdIndex10000 measures initialize → "indexed" on a generated
// 10,000-file workspace, and the RSS after it. Run it with -benchtime=1x
// for the RSS of one server in a process, as in use: later servers of one
// process count the C heap (tree-sitter's, kept by glibc's arenas) that
// earlier ones freed.
func BenchmarkColdIndex10000(b *testing.B) {
	root := genWorkspace(b, 10000)
	var d []time.Duration
	for i := 0; i < b.N; i++ {
		c := lsptest.New(b, serverOptions(slog.New(slog.DiscardHandler)))
		t0 := time.Now()
		if _, err := c.InitializeWith(&protocol.InitializeParams{RootURI: protocol.DocumentURI(lsptest.URI(root))}); err != nil {
			b.Fatal(err)
		}
		c.Notify("initialized", map[string]any{})
		c.AwaitLog("indexed")
		d = append(d, time.Since(t0))
		b.StopTimer()
		runtime.GC()
		b.ReportMetric(rssMB(), "MB-RSS")
		c.Shutdown()
		b.StartTimer()
	}
	b.ReportMetric(median(d), "ms-to-index")
}
