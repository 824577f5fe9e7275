package codegen_test

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/analysis/openapi"
	"github.com/farm-stack/farm-lsp/analysis/openapi/fixture"
	"github.com/farm-stack/farm-lsp/reload/codegen"
	"github.com/farm-stack/farm-lsp/reload/executor"
)

var update = flag.Bool("update", false, "regenerate the example app's generated files")

// TestExampleOutputsAreCurrent is `farm-lsp generate --check` on the bundled
// example: its committed generated files must match the generator (Pydantic
// version detected from apps/api/requirements.txt). -update rewrites them.
func TestExampleOutputsAreCurrent(t *testing.T) {
	req, err := os.ReadFile(filepath.Join(exampleRoot, "apps/api/requirements.txt"))
	if err != nil {
		t.Fatal(err)
	}
	pyd := openapi.DetectPydantic(req)
	if pyd != 1 {
		t.Fatalf("example pins pydantic<2, detected %d", pyd)
	}
	files, err := fixture.Load(context.Background(), os.DirFS(exampleRoot))
	if err != nil {
		t.Fatal(err)
	}
	opts := codegen.Options{Root: exampleRoot, Files: func() []*facts.File { return files }, Pydantic: func() int { return pyd }, Title: "FARM App API"}
	if *update {
		if res := codegen.New(opts).WriteAll(context.Background(), nil); res.Status != executor.OK {
			t.Fatalf("%s: %s", res.Status, res.Message)
		}
	}
	stale, err := codegen.Check(exampleRoot, files, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(stale) > 0 {
		t.Errorf("stale generated files in the example (go test ./reload/codegen -run TestExampleOutputsAreCurrent -update): %v", stale)
	}
}
