package pyast

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/farm-stack/farm-lsp/analysis/facts"
)

// TestNoSemanticHashChangesNothingElse: the one-shot option drops the
// semantic hash and nothing else.
func TestNoSemanticHashChangesNothingElse(t *testing.T) {
	paths, _ := filepath.Glob("testdata/*/*.py")
	if len(paths) == 0 {
		t.Fatal("no testdata/*/*.py")
	}
	for _, p := range paths {
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		d := mustParse(t, string(src))
		full := Extract(d, p, facts.KindBackendModel)
		lean := ExtractWith(d, p, facts.KindBackendModel, Options{NoSemanticHash: true})
		if full.SemanticHash == "" || lean.SemanticHash != "" {
			t.Errorf("%s: semantic hashes %q and %q", p, full.SemanticHash, lean.SemanticHash)
		}
		cp := *full
		cp.SemanticHash = ""
		if !reflect.DeepEqual(&cp, lean) {
			t.Errorf("%s: the facts differ beyond the semantic hash", p)
		}
	}
}
