package plan

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/internal/textdiff"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// TestReasonsGolden renders every rule case's tasks with their reasons and
// notes, so the sentences users read in the editor are reviewed as text.
func TestReasonsGolden(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	for _, tc := range ruleCases() {
		p := Build("p1", Trigger{Path: userPy, Kind: facts.KindBackendModel}, tc.changes, tc.opts)
		fmt.Fprintf(&b, "## %s\n", tc.name)
		if len(p.Tasks) == 0 {
			b.WriteString("(no tasks)\n")
		}
		for _, task := range p.Tasks {
			mode := ""
			if task.Mode != "" {
				mode = " (" + task.Mode + ")"
			}
			fmt.Fprintf(&b, "%s %s:%s%s after %v\n    %s\n", task.ID, task.Kind, task.Target, mode, task.DependsOn, task.Reason)
		}
		for _, n := range p.Notes {
			fmt.Fprintf(&b, "note: %s\n", n)
		}
		b.WriteString("\n")
	}
	golden := filepath.Join("testdata", "reasons.golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update once)", err)
	}
	if got := b.String(); got != string(want) {
		t.Errorf("reasons differ from %s (run go test ./reload/plan -update and review the diff)\n%s", golden, textdiff.First(string(want), got))
	}
}
