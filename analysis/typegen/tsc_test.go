package typegen_test

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/farm-stack/farm-lsp/analysis/openapi"
	"github.com/farm-stack/farm-lsp/analysis/openapi/fixture"
	"github.com/farm-stack/farm-lsp/analysis/typegen"
)

const tscDir = "testdata/tsc"

const tsconfig = `{
  "compilerOptions": {
    "target": "ES2020",
    "lib": ["ES2020", "DOM", "DOM.Iterable"],
    "module": "ESNext",
    "moduleResolution": "bundler",
    "jsx": "react-jsx",
    "strict": true,
    "noEmit": true,
    "noUnusedLocals": true,
    "noUnusedParameters": true,
    "isolatedModules": true,
    "verbatimModuleSyntax": true,
    "skipLibCheck": true,
    "baseUrl": ".",
    "paths": { "@/*": ["src/*"] }
  },
  "include": ["src"]
}
`

// TestTypeScriptCompiles runs tsc --strict --noEmit over the generated files
// of the example app (both Pydantic modes) together with the example's own
// components, page and hook (TSX that imports the generated types) and a
// plain .ts usage file.
func TestTypeScriptCompiles(t *testing.T) {
	tsc := filepath.Join(tscDir, "node_modules", "typescript", "bin", "tsc")
	if _, err := os.Stat(tsc); err != nil {
		t.Skipf("typescript not installed: (cd analysis/typegen/%s && npm ci)", tscDir)
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node not installed: apt-get install -y nodejs npm")
	}
	files := loadExample(t)
	for _, v := range []int{1, 2} {
		doc, _ := openapi.Build(files, openapi.Options{Pydantic: v})
		dir, err := os.MkdirTemp(tscDir, "gen-")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(dir) })
		src := filepath.Join(dir, "src")
		writeAll(t, src, typegen.Generate(doc))
		copies := map[string]string{
			"usage.ts": filepath.Join(tscDir, "usage.ts"),
		}
		for _, rel := range []string{"components/UserCard.tsx", "components/ConversationList.tsx", "pages/UsersPage.tsx", "hooks/useUsers.ts"} {
			copies[rel] = filepath.Join(exampleRoot, "apps/web/src", rel)
		}
		for rel, from := range copies {
			b, err := os.ReadFile(from)
			if err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(src, rel)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		// Every focused case too, each in its own directory.
		cases, _ := filepath.Glob("../openapi/testdata/cases/*.py")
		for _, p := range cases {
			name := strings.TrimSuffix(filepath.Base(p), ".py")
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			cf, err := fixture.FromSources(context.Background(), map[string][]byte{"apps/api/src/models/" + name + ".py": b})
			if err != nil {
				t.Fatal(err)
			}
			cdoc, _ := openapi.Build(cf, openapi.Options{Pydantic: v})
			writeAll(t, filepath.Join(src, "cases", name), typegen.Generate(cdoc))
		}
		// Cases of this package (names that must not collide, request
		// bodies with defaults), each with code calling what is generated.
		own, _ := filepath.Glob(filepath.Join(tscDir, "cases", "*.py"))
		for _, p := range own {
			name := strings.TrimSuffix(filepath.Base(p), ".py")
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			cf, err := fixture.FromSources(context.Background(), map[string][]byte{"apps/api/src/models/" + name + ".py": b})
			if err != nil {
				t.Fatal(err)
			}
			cdoc, _ := openapi.Build(cf, openapi.Options{Pydantic: v})
			out := filepath.Join(src, "own", name)
			writeAll(t, out, typegen.Generate(cdoc))
			usage, err := os.ReadFile(strings.TrimSuffix(p, ".py") + ".usage.ts")
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(out, "usage.ts"), usage, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		// The oracle corpus apps written for this Pydantic mode, each with
		// code calling every generated function and hook.
		for _, app := range corpusApps(t) {
			if app.pydantic != 0 && app.pydantic != v {
				continue
			}
			fsys := os.DirFS(filepath.Join(corpusRoot, app.dir))
			cf, err := fixture.Load(context.Background(), fsys)
			if err != nil {
				t.Fatal(err)
			}
			cdoc, _ := openapi.Build(cf, openapi.Options{Pydantic: v, ReadFile: func(rel string) ([]byte, error) { return fs.ReadFile(fsys, rel) }})
			gen := typegen.Generate(cdoc)
			usage, err := os.ReadFile(filepath.Join(tscDir, "corpus", app.dir+".usage.ts"))
			if err != nil {
				t.Fatalf("corpus app %s has no usage file: %v", app.dir, err)
			}
			checkCallsAll(t, fmt.Sprintf("v%d %s", v, app.dir), gen, string(usage))
			out := filepath.Join(src, "corpus", app.dir)
			writeAll(t, out, gen)
			if err := os.WriteFile(filepath.Join(out, "usage.ts"), usage, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(dir, "tsconfig.json"), []byte(tsconfig), 0o644); err != nil {
			t.Fatal(err)
		}
		abs, _ := filepath.Abs(tsc)
		cmd := exec.Command("node", abs, "-p", "tsconfig.json")
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("v%d: tsc --strict failed: %v\n%s", v, err, strings.TrimSpace(string(out)))
		}
	}
}

// corpusRoot holds the oracle corpus apps of analysis/openapi.
const corpusRoot = "../openapi/testdata/corpus"

// corpusApp is a corpus app directory and the Pydantic mode it is written
// for (0: both).
type corpusApp struct {
	dir      string
	pydantic int
}

// corpusModes are the Pydantic modes of the corpus apps (TestOracleCorpus
// checks them against the real FastAPI in these modes). Every directory
// under corpusRoot must be listed.
var corpusModes = map[string]int{
	"fullstack": 1, "fullstack_v2": 2,
	"notes": 0,
	"shop":  1, "shop_v2": 2,
	"catalog_v1": 1, "catalog": 2,
	"aliases": 0,
}

func corpusApps(t *testing.T) []corpusApp {
	t.Helper()
	ents, err := os.ReadDir(corpusRoot)
	if err != nil {
		t.Fatal(err)
	}
	var out []corpusApp
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		m, ok := corpusModes[e.Name()]
		if !ok {
			t.Fatalf("corpus app %s: add it to corpusModes and write testdata/tsc/corpus/%s.usage.ts", e.Name(), e.Name())
		}
		out = append(out, corpusApp{e.Name(), m})
	}
	return out
}

var exportedFunc = regexp.MustCompile(`(?m)^export (?:async )?function (\w+)`)

// checkCallsAll fails unless usage calls every function the generated
// client and hooks export (as api.name( / hooks.name(), the transport's
// request helper aside.
func checkCallsAll(t *testing.T, name string, gen typegen.Files, usage string) {
	t.Helper()
	files := gen.ByPath()
	for rel, ns := range map[string]string{"services/api.ts": "api.", "hooks/api.ts": "hooks."} {
		for _, m := range exportedFunc.FindAllStringSubmatch(files[rel], -1) {
			if m[1] == "request" {
				continue
			}
			if !strings.Contains(usage, ns+m[1]+"(") {
				t.Errorf("%s: the usage file does not call %s%s", name, ns, m[1])
			}
		}
	}
}
