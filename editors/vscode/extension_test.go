// Package vscode runs the VS Code extension's own checks from go test, so
// the repository's single test command covers them: typecheck, bundle,
// .vsix packaging, unit tests (node's test runner) and the end-to-end test
// against the built server with vscode-languageserver-protocol.
package vscode

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

func TestExtension(t *testing.T) {
	if _, err := os.Stat("node_modules"); err != nil {
		t.Skip("needs the extension's packages: (cd editors/vscode && npm ci)")
	}
	if _, err := exec.LookPath("npm"); err != nil {
		t.Skip("needs node and npm (Node 20)")
	}
	// Build the server once for the end-to-end test.
	bin := filepath.Join(t.TempDir(), "farm-lsp")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/farm-lsp").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, script := range []string{"typecheck", "package", "test", "test:e2e"} {
		t.Run(script, func(t *testing.T) {
			cmd := exec.Command("npm", "run", "--silent", script)
			cmd.Env = append(os.Environ(), "FARM_LSP_BIN="+bin)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("npm run %s: %v\n%s", script, err, out)
			}
		})
	}
}
