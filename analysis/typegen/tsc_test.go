package typegen_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
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
