package pyast

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/analysis/parse"
)

// txtar is a minimal reader for "-- name --" sectioned files.
type txtar struct {
	names []string
	data  map[string]string
}

func readTxtar(b []byte) txtar {
	t := txtar{data: map[string]string{}}
	cur := ""
	for _, line := range strings.SplitAfter(string(b), "\n") {
		trimmed := strings.TrimRight(line, "\n")
		if strings.HasPrefix(trimmed, "-- ") && strings.HasSuffix(trimmed, " --") && len(trimmed) > 6 {
			cur = trimmed[3 : len(trimmed)-3]
			t.names = append(t.names, cur)
			continue
		}
		if cur != "" {
			t.data[cur] += line
		}
	}
	return t
}

func (t txtar) format() []byte {
	var b strings.Builder
	for _, n := range t.names {
		b.WriteString("-- " + n + " --\n" + t.data[n])
	}
	return []byte(b.String())
}

func fmtRange(r facts.Range) string {
	return fmt.Sprintf("%d:%d-%d:%d", r.Start.Line, r.Start.Char, r.End.Line, r.End.Char)
}

// renderChanges is the golden form of a change list: one line per change.
func renderChanges(cs []facts.Change) string {
	var b strings.Builder
	for _, c := range cs {
		fmt.Fprintf(&b, "%s %q @%s", c.Kind, c.Subject, fmtRange(c.Range))
		if c.Before != "" || c.After != "" {
			fmt.Fprintf(&b, " before=%q after=%q", c.Before, c.After)
		}
		if c.ModelKind != "" {
			fmt.Fprintf(&b, " model=%s", c.ModelKind)
		}
		fmt.Fprintf(&b, "\n    %s\n", c.Detail)
	}
	return b.String()
}

// diffSources parses old, then new incrementally from old (as the
// workspace does), extracts both and diffs them.
func diffSources(t testing.TB, oldSrc, newSrc string) (*facts.File, *facts.File, []facts.Change) {
	t.Helper()
	ctx := context.Background()
	od, err := parse.Parse(ctx, parse.Python, []byte(oldSrc), nil)
	if err != nil {
		t.Fatal(err)
	}
	nd, err := parse.Parse(ctx, parse.Python, []byte(newSrc), od)
	if err != nil {
		t.Fatal(err)
	}
	of := Extract(od, "app/models.py", facts.KindBackendModel)
	nf := Extract(nd, "app/models.py", facts.KindBackendModel)
	return of, nf, Diff(of, nf)
}

// TestDiffGolden runs every testdata/diff/*.txtar case: old.py → new.py
// must give the changes section. A case named after a change kind must
// contain that kind; cosmetic-*, noop-* and syntax-error-* cases must give none.
func TestDiffGolden(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("testdata/diff/*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no diff cases: %v", err)
	}
	covered := map[facts.ChangeKind]bool{}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".txtar")
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			ar := readTxtar(raw)
			of, nf, changes := diffSources(t, ar.data["old.py"], ar.data["new.py"])
			if of.HasErrors {
				t.Fatalf("old.py has syntax errors: %+v", of.Diagnostics)
			}
			for _, c := range changes {
				covered[c.Kind] = true
				if c.Path != "app/models.py" || c.FileKind != facts.KindBackendModel || c.Detail == "" || c.Subject == "" {
					t.Errorf("incomplete change %+v", c)
				}
			}
			switch {
			case strings.HasPrefix(name, "cosmetic-"):
				if len(changes) != 0 {
					t.Errorf("cosmetic edit gave changes:\n%s", renderChanges(changes))
				}
				if of.SemanticHash != nf.SemanticHash {
					t.Errorf("cosmetic edit changed the semantic hash")
				}
			case strings.HasPrefix(name, "noop-"):
				// equivalent spellings: no change, though the hash may differ
				if len(changes) != 0 {
					t.Errorf("equivalent edit gave changes:\n%s", renderChanges(changes))
				}
			case strings.HasPrefix(name, "syntax-error"):
				if !nf.HasErrors || len(nf.Diagnostics) == 0 || changes != nil {
					t.Errorf("syntax error: HasErrors=%v diags=%v changes=%v", nf.HasErrors, nf.Diagnostics, changes)
				}
			default:
				if len(changes) == 0 {
					t.Errorf("no changes")
				}
				if of.SemanticHash == nf.SemanticHash {
					t.Errorf("semantic edit kept the semantic hash")
				}
			}
			for _, k := range allKinds {
				if strings.HasPrefix(name, string(k)) && !containsKind(changes, k) {
					t.Errorf("case %s does not report %s", name, k)
				}
			}
			got := renderChanges(changes)
			if *update {
				ar.data["changes"] = got
				if err := os.WriteFile(file, ar.format(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if want := ar.data["changes"]; want != got {
				t.Errorf("changes differ (go test -update rewrites them)\nwant:\n%s\ngot:\n%s", want, got)
			}
			// Diff is deterministic.
			if again := renderChanges(Diff(of, nf)); again != got {
				t.Errorf("second Diff differs:\n%s", again)
			}
		})
	}
	if !*update {
		for _, k := range allKinds {
			if !covered[k] {
				t.Errorf("no case covers %s", k)
			}
		}
	}
}

// allKinds are the change kinds Diff produces.
var allKinds = []facts.ChangeKind{
	facts.ModelAdded, facts.ModelRemoved, facts.BaseChanged, facts.FieldAdded, facts.FieldRemoved,
	facts.FieldRenamed, facts.FieldTypeChanged, facts.FieldOptionalityChange, facts.FieldDefaultChanged,
	facts.FieldAliasChanged, facts.CollectionRenamed, facts.IndexAdded, facts.IndexRemoved,
	facts.ValidatorChanged, facts.EnumAdded, facts.EnumRemoved, facts.EnumMemberAdded, facts.EnumMemberRemoved,
	facts.RouteAdded, facts.RouteRemoved, facts.RouteMethodChanged, facts.RoutePathChanged,
	facts.ResponseModelChanged, facts.ParamsChanged, facts.RouterPrefixChanged, facts.IncludeChanged,
	facts.HandlerBodyChanged, facts.SourceChanged, facts.ImportsChanged,
}

func containsKind(cs []facts.Change, k facts.ChangeKind) bool {
	for _, c := range cs {
		if c.Kind == k {
			return true
		}
	}
	return false
}
