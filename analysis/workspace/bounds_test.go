package workspace

import (
	"strings"
	"testing"

	"github.com/farm-stack/farm-lsp/analysis/facts"
)

// A file whose tree is deeper or bigger than the bounds is reported "too
// complex to analyse" at the file, keeps its last good facts, and leaves
// the rest of the workspace analysed as usual; within the bounds (or with
// them lifted) it is analysed.
func TestTreeBounds(t *testing.T) {
	t.Parallel()
	rel := "apps/api/src/models/base.py"
	deep := basePy + "\nX = " + strings.Repeat("[{1:", 700) + "1" + strings.Repeat("}]", 700) + "\n"
	for _, c := range []struct {
		name    string
		opts    Options
		src     string
		complex string // "" when the file must be analysed
	}{
		{"default depth", Options{}, deep, "nests more than 2000 levels"},
		{"depth lifted", Options{MaxDepth: -1}, deep, ""},
		{"depth raised", Options{MaxDepth: 5000}, deep, ""},
		{"small depth", Options{MaxDepth: 10}, basePy + "\nX = [[[[[[[[[[1]]]]]]]]]]\n", "nests more than 10 levels"},
		{"nodes", Options{MaxNodes: 100}, basePy + strings.Repeat("\ny = [1, 2, 3, 4, 5]\n", 20), "more than 100 nodes"},
		{"nodes lifted", Options{MaxNodes: -1}, basePy + strings.Repeat("\ny = [1, 2, 3, 4, 5]\n", 20), ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := New(c.opts)
			if res := update(t, w, rel, basePy); res.Skipped != "" || res.File == nil {
				t.Fatalf("the small file was not analysed: %+v", res)
			}
			res := update(t, w, rel, c.src)
			if c.complex == "" {
				if res.Skipped != "" || res.File == nil || len(res.Diagnostics) != 0 {
					t.Fatalf("within bounds, not analysed: skipped=%q diags=%v", res.Skipped, res.Diagnostics)
				}
				return
			}
			if !strings.Contains(res.Skipped, "too complex to analyse") || !strings.Contains(res.Skipped, c.complex) {
				t.Fatalf("Skipped = %q, want too complex: %s", res.Skipped, c.complex)
			}
			if len(res.Diagnostics) != 1 || res.Diagnostics[0].Code != facts.CodeFileSkipped || res.Diagnostics[0].Path != rel ||
				res.Diagnostics[0].Range != (facts.Range{}) || res.Diagnostics[0].Message != res.Skipped {
				t.Fatalf("diagnostics = %+v", res.Diagnostics)
			}
			if res.File == nil || len(res.File.Models) != 2 || len(res.Changes) != 0 {
				t.Fatalf("last good facts lost or changes planned: file=%v changes=%v", res.File, kinds(res.Changes))
			}
			// Other files are analysed as before, and so is this one once it
			// is back within the bounds.
			if r := update(t, w, "apps/api/src/models/user.py", userPy); r.Skipped != "" || r.File == nil || len(r.File.Models) != 2 {
				t.Fatalf("another file after the complex one: %+v", r)
			}
			fixed := strings.Replace(basePy, "    name: str\n", "    name: str\n    size: int = 1\n", 1)
			if r := update(t, w, rel, fixed); r.Skipped != "" || len(r.Diagnostics) != 0 || len(r.Changes) != 1 || r.Changes[0].Kind != facts.FieldAdded {
				t.Fatalf("back within bounds: skipped=%q diags=%v changes=%v", r.Skipped, r.Diagnostics, kinds(r.Changes))
			}
			// Check (unsaved buffers) applies the same bounds.
			diags, err := w.Check(ctx, rel, []byte(c.src))
			if err != nil || len(diags) != 1 || !strings.Contains(diags[0].Message, "too complex") {
				t.Fatalf("Check = %v, %v", diags, err)
			}
		})
	}
	// Load (the initial scan) applies them too.
	w := New(Options{MaxDepth: 10})
	diags, err := w.Load(ctx, map[string][]byte{rel: []byte("X = [[[[[[[[[[1]]]]]]]]]]\n"), "apps/api/src/models/user.py": []byte(userPy)})
	if err != nil || len(diags[rel]) != 1 || !strings.Contains(diags[rel][0].Message, "too complex") || len(diags["apps/api/src/models/user.py"]) != 0 {
		t.Fatalf("Load = %v, %v", diags, err)
	}
}
