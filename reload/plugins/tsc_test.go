package plugins

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/reload/executor"
	"github.com/farm-stack/farm-lsp/reload/plan"
)

const tscDir = "testdata/tsc"

const tsconfig = `{
  "compilerOptions": {
    "target": "ES2020",
    "lib": ["ES2020", "DOM"],
    "module": "ESNext",
    "moduleResolution": "bundler",
    "jsx": "react-jsx",
    "strict": true,
    "noEmit": true,
    "isolatedModules": true,
    "verbatimModuleSyntax": true,
    "skipLibCheck": true
  },
  "include": ["apps", "plugins"]
}
`

// TestRegistryCompiles runs tsc --strict over a generated registry whose
// plugins export components both ways (default and named) and a hook.
func TestRegistryCompiles(t *testing.T) {
	tsc := filepath.Join(tscDir, "node_modules", "typescript", "bin", "tsc")
	if _, err := os.Stat(tsc); err != nil {
		t.Skipf("typescript not installed: (cd reload/plugins/%s && npm ci)", tscDir)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not installed: apt-get install -y nodejs npm")
	}
	root, err := os.MkdirTemp(tscDir, "ws-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(root) })
	files := map[string]string{
		"tsconfig.json":                          tsconfig,
		"plugins/analytics/components/Chart.tsx": "export default function Chart() {\n  return <div>chart</div>;\n}\n",
		"plugins/analytics/components/Table.tsx": "export function Table(props: { rows?: number }) {\n  return <table>{props.rows}</table>;\n}\n",
		"plugins/analytics/hooks/useStats.ts":    "export function useStats(): number {\n  return 1;\n}\n",
		"apps/web/src/main.tsx": "import { Suspense } from \"react\";\nimport plugins from \"./plugins/registry\";\n\n" +
			"export function App() {\n  const Chart = plugins[\"analytics\"].components[\"Chart\"];\n" +
			"  return <Suspense fallback={null}><Chart /></Suspense>;\n}\n",
	}
	for rel, content := range files {
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	m := manifest("analytics", "1.0.0", "Chart=./components/Chart.tsx", "Table=./components/Table.tsx")
	m.Fields["frontend"].Fields["hooks"] = &facts.Value{Kind: facts.ValueArray, Items: []*facts.Value{str("./hooks/useStats", 9, 12)}}
	ex := New(Options{Root: root, Enabled: func() []string { return []string{"analytics"} },
		Manifests: func() map[string]*facts.Value { return map[string]*facts.Value{"plugins/analytics/plugin.json": m} }})
	if res := ex.Run(context.Background(), plan.Task{}, executor.NopReporter{}); res.Status != executor.OK || len(res.Written) != 1 {
		t.Fatalf("run = %+v", res)
	}
	abs, _ := filepath.Abs(tsc)
	cmd := exec.Command(node, abs, "-p", "tsconfig.json")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		reg, _ := os.ReadFile(filepath.Join(root, DefaultOutFile))
		t.Fatalf("tsc: %v\n%s\nregistry:\n%s", err, out, reg)
	}
}
