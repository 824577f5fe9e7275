package main

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fsnotify/fsnotify"
	"go.lsp.dev/protocol"

	"github.com/farm-stack/farm-lsp/analysis/parse"
	"github.com/farm-stack/farm-lsp/analysis/typegen"
	"github.com/farm-stack/farm-lsp/examples"
	"github.com/farm-stack/farm-lsp/lsp/lsptest"
	"github.com/farm-stack/farm-lsp/reload/atomicfile"
)

// TestKillDuringRegeneration runs the built binary over stdio on a copy of
// the example app (with a large models module, so that writing the
// generated types takes a while), starts a regeneration, kills the server
// with SIGKILL at a varying moment of it, 20 times, restarting each time.
// After every restart no temporary file of ours is left and every
// generated file is whole (starts with the header, parses); at the end the
// outputs hold the last edit.
func TestKillDuringRegeneration(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and kills it 20 times; skipped in -short mode")
	}
	bin := filepath.Join(t.TempDir(), "farm-lsp")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	// The server's state (the trust store) and caches go to a temporary
	// home, not the developer's.
	home := t.TempDir()
	for k, d := range map[string]string{"HOME": "", "XDG_STATE_HOME": "state", "XDG_CONFIG_HOME": "config", "XDG_CACHE_HOME": "cache"} {
		t.Setenv(k, filepath.Join(home, d))
	}
	root, err := examples.CopyFarmApp(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	root, _ = filepath.EvalSymlinks(root)
	closedPorts(t, root)
	bulk := "apps/api/src/models/bulk.py"
	writeFile(t, root, bulk, bulkModels(0))

	const kills = 20
	leftBehind := 0
	for i := 0; i <= kills; i++ {
		bc := lsptest.StartBinary(t, bin, "--log-level", "error")
		c := bc.Client
		c.Timeout = 60 * time.Second
		if _, err := c.Initialize(lsptest.URI(root), protocol.ClientCapabilities{}); err != nil {
			t.Fatalf("run %d: initialize: %v", i, err)
		}
		c.Notify("initialized", map[string]any{})
		c.AwaitLog("indexed") // leftovers are removed before this message
		if temps := tempFiles(t, root); len(temps) > 0 {
			t.Fatalf("run %d: after restart, temporary files remain: %v", i, temps)
		}
		checkOutputs(t, root, i)

		if i == kills {
			// The last start: regenerate to the end and shut down cleanly.
			save(t, c, root, bulk, bulkModels(i))
			if _, err := c.RequestRaw(protocol.MethodWorkspaceExecuteCommand, map[string]any{"command": "farm.regenerate"}); err != nil {
				t.Fatalf("final regenerate: %v", err)
			}
			if err := c.Shutdown(); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			code, err := bc.ExitCode(ctx)
			cancel()
			if err != nil || code != 0 {
				t.Fatalf("final exit: %d, %v", code, err)
			}
			break
		}

		// A model edit (which plans type generation) and an explicit
		// regeneration, then SIGKILL: on even runs the moment a temporary
		// file appears (mid-write), on odd runs after 0 to 57 ms.
		w, err := fsnotify.NewWatcher()
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range []string{"types/models", "types", "services", "hooks"} {
			if err := w.Add(filepath.Join(root, "apps/web/src", d)); err != nil {
				t.Fatal(err)
			}
		}
		save(t, c, root, bulk, bulkModels(i+1))
		go func() {
			_, _ = c.RequestRaw(protocol.MethodWorkspaceExecuteCommand, map[string]any{"command": "farm.regenerate"})
		}()
		if i%2 == 0 {
			awaitTemp(t, w, i)
		} else {
			time.Sleep(time.Duration(i*3) * time.Millisecond)
		}
		if err := bc.Cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatalf("run %d: kill: %v", i, err)
		}
		w.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, err = bc.ExitCode(ctx)
		cancel()
		if err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
		if len(tempFiles(t, root)) > 0 {
			leftBehind++
		}
		c.Disconnect()
	}
	t.Logf("%d of %d kills left a temporary file behind; each was removed at the next start", leftBehind, kills)
	if leftBehind == 0 {
		// Half the kills land the moment a temporary file appears; none
		// leaving one means the removal at start went untested.
		t.Errorf("no kill landed mid-write: the removal of leftovers was not exercised")
	}

	b, err := os.ReadFile(filepath.Join(root, "apps/web/src/types/models/index.ts"))
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("v%d", kills); !bytes.Contains(b, []byte(want)) {
		t.Errorf("the generated types lack the last edit's field %s", want)
	}
}

// awaitTemp returns when a temporary file of ours is created (bounded).
func awaitTemp(t *testing.T, w *fsnotify.Watcher, run int) {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case ev := <-w.Events:
			if ev.Has(fsnotify.Create) && atomicfile.IsTemp(filepath.Base(ev.Name)) {
				return
			}
		case err := <-w.Errors:
			t.Fatalf("run %d: watch: %v", run, err)
		case <-timeout:
			t.Fatalf("run %d: no regeneration started within 30 s", run)
		}
	}
}

// bulkModels is a models module big enough that rendering and writing its
// types takes milliseconds; rev names one field, so every revision changes
// the outputs.
func bulkModels(rev int) string {
	var b strings.Builder
	b.WriteString("from typing import List, Optional\n\nfrom beanie import Document\nfrom pydantic import BaseModel, Field\n\n")
	for i := 0; i < 300; i++ {
		fmt.Fprintf(&b, "\nclass Bulk%d(BaseModel):\n", i)
		for j := 0; j < 12; j++ {
			fmt.Fprintf(&b, "    field_%d: Optional[List[str]] = Field(default=None, description=\"field %d of model %d\")\n", j, j, i)
		}
	}
	fmt.Fprintf(&b, "\nclass BulkDoc(Document):\n    v%d: int = 0\n", rev)
	return b.String()
}

func writeFile(t *testing.T, root, rel, text string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(root, filepath.FromSlash(rel)), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// closedPorts points the copy's service ports at loopback ports nothing
// listens on, so the server never talks to what runs on the machine.
func closedPorts(t *testing.T, root string) {
	t.Helper()
	s := read(t, root, "farm.config.ts")
	for _, port := range []string{"3000", "8000", "11434", "27017"} {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		free := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
		l.Close()
		if !strings.Contains(s, port) {
			t.Fatalf("example farm.config.ts has no port %s any more: update the test", port)
		}
		s = strings.ReplaceAll(s, port, free)
	}
	writeFile(t, root, "farm.config.ts", s)
}

// tempFiles lists our temporary files anywhere in the workspace.
func tempFiles(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "node_modules" {
			return fs.SkipDir
		}
		if !d.IsDir() && (atomicfile.IsTemp(d.Name()) || strings.HasSuffix(d.Name(), ".tmp")) {
			rel, _ := filepath.Rel(root, p)
			out = append(out, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// checkOutputs: every generated file starts with the header and parses.
func checkOutputs(t *testing.T, root string, run int) {
	t.Helper()
	for _, rel := range []string{"types/models/index.ts", "types/api.ts", "services/api.ts", "hooks/api.ts"} {
		b, err := os.ReadFile(filepath.Join(root, "apps/web/src", rel))
		if err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		if !bytes.HasPrefix(b, []byte(typegen.Header)) {
			t.Fatalf("run %d: %s does not start with the header: %.80q", run, rel, b)
		}
		doc, err := parse.Parse(context.Background(), parse.TypeScript, b, nil)
		if err != nil {
			t.Fatalf("run %d: %s: %v", run, rel, err)
		}
		if errs := doc.Errors(rel); len(errs) > 0 {
			t.Fatalf("run %d: %s is not whole: %v", run, rel, errs)
		}
	}
}
