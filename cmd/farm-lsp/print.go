package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/farm-stack/farm-lsp/reload/plan"
)

// planView is what the CLI prints of a plan, whether it came from the
// planner directly (plan) or over the protocol (demo).
type planView struct {
	ID      string
	Trigger string
	Changes []changeView
	Tasks   []taskView
	Err     string
}

type changeView struct {
	Kind, Subject, Detail, Path string
	Line                        int // 1-based
}

type taskView struct {
	ID, Kind, Target, Reason string
	DependsOn                []string
}

func viewOf(p plan.Plan) planView {
	v := planView{ID: p.ID, Trigger: p.Trigger.Path, Err: p.Err}
	for _, c := range p.Changes {
		v.Changes = append(v.Changes, changeView{Kind: string(c.Kind), Subject: c.Subject, Detail: c.Detail,
			Path: c.Path, Line: c.Range.Start.Line + 1})
	}
	for _, t := range p.Tasks {
		v.Tasks = append(v.Tasks, taskView{ID: t.ID, Kind: string(t.Kind), Target: t.Target, Reason: t.Reason, DependsOn: t.DependsOn})
	}
	return v
}

func printPlan(w io.Writer, indent string, p plan.Plan) { printView(w, indent, viewOf(p)) }

func printView(w io.Writer, indent string, v planView) {
	if len(v.Changes) == 0 {
		fmt.Fprintf(w, "%ssemantic changes: none (cosmetic edit)\n", indent)
	} else {
		fmt.Fprintf(w, "%ssemantic changes:\n", indent)
		for _, c := range v.Changes {
			fmt.Fprintf(w, "%s  %-28s %-28s %s:%d", indent, c.Kind, c.Subject, c.Path, c.Line)
			if c.Detail != "" {
				fmt.Fprintf(w, "  — %s", c.Detail)
			}
			fmt.Fprintln(w)
		}
	}
	if v.Err != "" {
		fmt.Fprintf(w, "%splan error: %s\n", indent, v.Err)
	}
	if len(v.Tasks) == 0 {
		fmt.Fprintf(w, "%splan %s: nothing to do\n", indent, v.ID)
		return
	}
	fmt.Fprintf(w, "%splan %s:\n", indent, v.ID)
	for _, t := range v.Tasks {
		deps := ""
		if len(t.DependsOn) > 0 {
			deps = " after " + strings.Join(t.DependsOn, ", ")
		}
		fmt.Fprintf(w, "%s  %-3s %-24s %-12s%s\n", indent, t.ID, t.Kind, t.Target, deps)
		if t.Reason != "" {
			fmt.Fprintf(w, "%s      why: %s\n", indent, t.Reason)
		}
	}
}
