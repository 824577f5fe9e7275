package pyast

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/farm-stack/farm-lsp/analysis/facts"
)

// TestNoSemanticHashChangesNothingElse: the one-shot option drops the
// semantic hash and nothing else, and a content hash given is the one
// the facts carry.
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
		lean := ExtractWith(d, p, facts.KindBackendModel, Options{NoSemanticHash: true, ContentHash: "given"})
		if full.SemanticHash == "" || lean.SemanticHash != "" {
			t.Errorf("%s: semantic hashes %q and %q", p, full.SemanticHash, lean.SemanticHash)
		}
		if full.Hash == "" || lean.Hash != "given" {
			t.Errorf("%s: content hashes %q and %q, want the one given", p, full.Hash, lean.Hash)
		}
		cp := *full
		cp.SemanticHash, cp.Hash = "", "given"
		if !reflect.DeepEqual(&cp, lean) {
			t.Errorf("%s: the facts differ beyond the hashes", p)
		}
	}
}
