package pyast

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/analysis/parse"
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

// TestExtractReusesMemory: extractions reuse the memory of earlier ones
// (mirrors), big files after small ones and the other way round, in
// parallel too, and every file's facts are the same each time.
func TestExtractReusesMemory(t *testing.T) {
	paths, _ := filepath.Glob("testdata/*/*.py")
	if len(paths) < 2 {
		t.Fatal("too few testdata/*/*.py")
	}
	first := map[string]*facts.File{}
	srcs := map[string]string{}
	for _, p := range paths {
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		srcs[p] = string(src)
		first[p] = Extract(mustParse(t, string(src)), p, facts.KindBackendModel)
	}
	check := func(p string) { // from any goroutine: no t.Fatal
		d, err := parse.Parse(context.Background(), parse.Python, []byte(srcs[p]), nil)
		if err != nil {
			t.Error(err)
			return
		}
		if got := Extract(d, p, facts.KindBackendModel); !reflect.DeepEqual(got, first[p]) {
			t.Errorf("%s: the facts differ on another extraction", p)
		}
	}
	for i := len(paths) - 1; i >= 0; i-- {
		check(paths[i])
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, p := range paths {
				check(p)
			}
		}()
	}
	wg.Wait()
}
