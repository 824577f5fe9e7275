package lsp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.lsp.dev/protocol"

	"github.com/farm-stack/farm-lsp/analysis/parse"
	"github.com/farm-stack/farm-lsp/analysis/typegen"
	"github.com/farm-stack/farm-lsp/examples"
	"github.com/farm-stack/farm-lsp/lsp"
	"github.com/farm-stack/farm-lsp/lsp/lsptest"
	"github.com/farm-stack/farm-lsp/lsp/wire"
	"github.com/farm-stack/farm-lsp/reload/coordinator"
	"github.com/farm-stack/farm-lsp/reload/executor"
	"github.com/farm-stack/farm-lsp/reload/plan"
	"github.com/farm-stack/farm-lsp/reload/plugins"
)

// FuzzProtocol drives the real server and engine (real type, client and
// plugin-registry generation; the services are skipped) on a copy of the
// example app with a program decoded from the input: edits at random
// places with random bytes or FARM-shaped snippets, saves with and without
// the editor, files and folders changed, removed or replaced by links
// behind the server's back, malformed frames, unknown requests, commands.
// Invariants, checked after every step and at the end:
//
//   - farm/status is answered within 2 s;
//   - every generated file (one that starts like the header) is whole: it
//     starts with the header and parses without a syntax error;
//   - nothing outside the workspace is written (the rest of the sandbox,
//     which is also HOME, the XDG directories and TMPDIR, is unchanged).
//
// The seed corpus (testdata/fuzz/FuzzProtocol and the f.Add calls) runs in
// plain go test; go test -run='^$' -fuzz=FuzzProtocol ./lsp explores.
func FuzzProtocol(f *testing.F) {
	sandbox, err := filepath.EvalSymlinks(f.TempDir())
	if err != nil {
		f.Fatal(err)
	}
	for _, d := range []string{"home", "config", "cache", "data", "state", "tmp"} {
		if err := os.MkdirAll(filepath.Join(sandbox, d), 0o755); err != nil {
			f.Fatal(err)
		}
	}
	f.Setenv("HOME", filepath.Join(sandbox, "home"))
	f.Setenv("XDG_CONFIG_HOME", filepath.Join(sandbox, "config"))
	f.Setenv("XDG_CACHE_HOME", filepath.Join(sandbox, "cache"))
	f.Setenv("XDG_DATA_HOME", filepath.Join(sandbox, "data"))
	f.Setenv("XDG_STATE_HOME", filepath.Join(sandbox, "state"))
	f.Setenv("TMPDIR", filepath.Join(sandbox, "tmp"))

	// A few programs in the test itself (the files in testdata add more).
	f.Add([]byte{opSnippet, 0, 0, 3, opStatus, opRegenerate, opStatus})
	f.Add([]byte{opEdit, 2, 40, 0, 5, 6, '[', '{', '[', '{', 0xff, '(', opStatus, opSnippet, 1, 1, 1, opRegenerate})
	f.Add([]byte{opLinkOut, 0, opSnippet, 0, 9, 2, opRegenerate, opStatus, opRemove, 1, opStatus})
	f.Add([]byte{opFrame, 7, '{', '"', 'i', 'd', '"', ':', 1, opUnknown, 0, opOpenClose, 3, opSnippet, 4, 3, 0, opStatus})

	f.Fuzz(func(t *testing.T, prog []byte) {
		runProgram(t, sandbox, prog)
	})
}

// Operations of a program; each takes the bytes after it as operands (a
// missing operand reads as 0).
const (
	opEdit       byte = iota // file, offset hi, offset lo, delete, n, n bytes: edit and save
	opSnippet                // file, snippet, line: insert a FARM-shaped snippet at a line start and save
	opStatus                 // farm/status (the 2 s bound is checked after every op anyway)
	opDiskWrite              // file, snippet: change the file on disk only (the watcher sees it)
	opRemove                 // file: delete it behind the server's back
	opNewDir                 // snippet: a new package directory with a module in it
	opLinkOut                // which: replace an output directory by a link out of the workspace
	opFrame                  // n, n bytes: a frame with a valid header and this body
	opUnknown                // which: an unknown method, a request with bad params, a bad command
	opOpenClose              // file: didOpen then didClose
	opRegenerate             // workspace/executeCommand farm.regenerate
	opConfig                 // snippet: edit farm.config.ts (outDir, paths) and save
	numOps
)

// maxOps bounds one program: each op may wait on the engine.
const maxOps = 24

var fuzzFiles = []string{
	"apps/api/src/models/user.py",
	"apps/api/src/models/item.py",
	"apps/api/src/routes/users.py",
	"apps/web/src/components/UserCard.tsx",
	"apps/api/src/models/conversation.py",
	"plugins/analytics/plugin.json",
	"farm.config.ts",
}

var fuzzSnippets = []string{
	"class Extra(Document):\n    name: str\n    rating: int = 5\n\n",
	"    nickname: Optional[str] = None\n",
	"    color: Indexed(str, unique=True) = \"red\"\n",
	"@router.get(\"/extra/{id}\", response_model=User)\nasync def get_extra(id: str):\n    return None\n\n",
	"x = " + strings.Repeat("[{", 3000) + "\n",
	"class Ünïcødé😀(BaseModel):\n    naïve: str = \"\\xff\"\n\n",
	"def broken(:\n",
	"\xff\xfe\x00garbage\x00\n",
	strings.Repeat("y", 200_000) + "\n",
	"class Weird(BaseModel):\n    a: 'List[Dict[str, Optional[\"Weird\"]]]' = []\n    b: Literal['x', \"y\"] = 'x'\n\n",
	"export const X = () => <div>{" + strings.Repeat("[{a:", 500) + "}</div>;\n",
	"from .user import User as U\nclass Sub(U):\n    extra: float = 1.5\n\n",
}

var configSnippets = []string{
	"outDir: 'apps/web/src',",
	"outDir: '../outside',",
	"outDir: '/tmp',",
	"outDir: 'apps/web/src/../../../..',",
	"outDir: 'apps/api/src',",
	"outDir: " + strings.Repeat("[{a:", 200) + ",",
}

type fuzzRun struct {
	t       *testing.T
	c       *lsptest.Client
	ws      string
	sandbox string
	prog    []byte
	pos     int
	texts   map[string]string
	// generated counts the generated files checked at the end.
	generated int
}

func (r *fuzzRun) next() byte {
	if r.pos >= len(r.prog) {
		return 0
	}
	b := r.prog[r.pos]
	r.pos++
	return b
}

func (r *fuzzRun) nextN(n int) []byte {
	end := min(r.pos+n, len(r.prog))
	b := r.prog[r.pos:end]
	r.pos = end
	return b
}

// TestProtocolProgramRegenerates runs one program outside the fuzzer and
// checks it reached generation: the harness is not idling through its
// invariants.
func TestProtocolProgramRegenerates(t *testing.T) {
	sandbox, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(sandbox, "tmp"), 0o755); err != nil {
		t.Fatal(err)
	}
	r := runProgram(t, sandbox, []byte{opSnippet, 0, 0, 3, opStatus, opRegenerate})
	b, err := os.ReadFile(r.abs("apps/web/src/types/models/index.ts"))
	if err != nil || !bytes.Contains(b, []byte("Extra")) || r.generated < 4 {
		t.Fatalf("the model added by the program is not in the generated types (%d generated files checked): %v", r.generated, err)
	}
}

func runProgram(t *testing.T, sandbox string, prog []byte) *fuzzRun {
	base, err := os.MkdirTemp(filepath.Join(sandbox, "tmp"), "ws-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	ws, err := examples.CopyFarmApp(filepath.Join(base, "ws"))
	if err != nil {
		t.Fatal(err)
	}
	outside := filepath.Join(base, "outside")
	if err := os.MkdirAll(outside, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(outside, "keep.ts"), []byte("// not ours\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	hermeticConfig(t, ws)
	before := snapshot(t, sandbox, ws)

	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	execs := skipServices()
	c := lsptest.New(t, lsp.Options{Logger: log, NewEngine: func(root string) (coordinator.Engine, error) {
		return coordinator.New(coordinator.Options{Root: root, Logger: log, Executors: execs, Getenv: func(string) string { return "" }})
	}})
	c.Timeout = 20 * time.Second
	if _, err := c.Initialize(lsptest.URI(ws), protocol.ClientCapabilities{}); err != nil {
		t.Fatal(err)
	}
	c.AwaitLog("indexed")
	r := &fuzzRun{t: t, c: c, ws: ws, sandbox: sandbox, prog: prog, texts: map[string]string{}}
	for i := 0; i < maxOps && r.pos < len(prog); i++ {
		r.step(prog[r.pos] % numOps)
		r.status()
		r.checkGenerated()
	}
	// Let the engine finish what the program started, then check again.
	r.awaitIdle()
	r.generated = r.checkGenerated()
	if n := r.generated; os.Getenv("FARM_FUZZ_VERBOSE") != "" {
		b, _ := os.ReadFile(r.abs("apps/web/src/types/models/index.ts"))
		t.Logf("%d generated files checked; index.ts has Extra: %v; notifications: %d", n, bytes.Contains(b, []byte("Extra")), len(c.Notifications()))
		for _, m := range c.Notifications() {
			t.Logf("%s %.300s", m.Method, m.Params)
		}
	}
	if err := c.Shutdown(); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if code := c.ExitCode(); code != 0 {
		t.Errorf("exit code %d", code)
	}
	after := snapshot(t, sandbox, ws)
	for p, s := range after {
		if before[p] != s {
			t.Errorf("written outside the workspace: %s (%s, before: %q)", p, s, before[p])
		}
	}
	for p := range before {
		if _, ok := after[p]; !ok {
			t.Errorf("removed outside the workspace: %s", p)
		}
	}
	return r
}

// hermeticConfig points every service port of the copy's farm.config.ts at
// a port nothing listens on, so the engine never talks to whatever runs on
// the machine's 3000, 8000, 11434 or 27017.
func hermeticConfig(t *testing.T, ws string) {
	p := filepath.Join(ws, "farm.config.ts")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, port := range []string{"3000", "8000", "11434", "27017"} {
		if !strings.Contains(s, port) {
			t.Fatalf("example farm.config.ts has no port %s any more: update the test", port)
		}
		s = strings.ReplaceAll(s, port, strconv.Itoa(closedPort(t)))
	}
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// closedPort returns a loopback port that was free a moment ago.
func closedPort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// skipServices replaces the executors that need services (backend, Vite,
// MongoDB, Ollama) by ones that skip; generation and the plugin registry
// stay real, as they are what writes files.
func skipServices() map[plan.TaskKind]executor.Executor {
	skip := executor.Func(func(context.Context, plan.Task, executor.Reporter) executor.Result {
		return executor.Result{Status: executor.Skipped, Message: "no services in the fuzz test"}
	})
	return map[plan.TaskKind]executor.Executor{
		plan.BackendReload: skip, plan.FrontendHMR: skip, plan.DatabaseSchemaUpdate: skip, plan.AIModelReload: skip,
	}
}

func (r *fuzzRun) abs(rel string) string { return filepath.Join(r.ws, filepath.FromSlash(rel)) }

func (r *fuzzRun) text(rel string) string {
	if s, ok := r.texts[rel]; ok {
		return s
	}
	b, _ := os.ReadFile(r.abs(rel))
	return string(b)
}

// save is what an editor does: full-text change, write, didSave.
func (r *fuzzRun) save(rel, text string) {
	r.texts[rel] = text
	p := r.abs(rel)
	r.c.Change(p, text)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		r.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		// a link or directory put in the way by an earlier op: the
		// editor fails to save, the server still gets the change.
		r.t.Logf("save %s: %v", rel, err)
	}
	r.c.Save(p, text)
}

func (r *fuzzRun) step(op byte) {
	r.next()
	switch op {
	case opEdit:
		rel := fuzzFiles[int(r.next())%len(fuzzFiles)]
		s := r.text(rel)
		off := (int(r.next())<<8 | int(r.next())) % (len(s) + 1)
		del := min(int(r.next()%32), len(s)-off)
		ins := r.nextN(int(r.next() % 48))
		r.save(rel, s[:off]+string(ins)+s[off+del:])
	case opSnippet, opDiskWrite:
		rel := fuzzFiles[int(r.next())%(len(fuzzFiles)-2)] // not plugin.json or the config
		snip := fuzzSnippets[int(r.next())%len(fuzzSnippets)]
		s := r.text(rel)
		lines := strings.SplitAfter(s, "\n")
		at := int(r.next()) % (len(lines) + 1)
		ns := strings.Join(lines[:at], "") + snip + strings.Join(lines[at:], "")
		if op == opSnippet {
			r.save(rel, ns)
			return
		}
		r.texts[rel] = ns
		_ = os.WriteFile(r.abs(rel), []byte(ns), 0o644)
	case opRemove:
		rel := fuzzFiles[int(r.next())%len(fuzzFiles)]
		delete(r.texts, rel)
		_ = os.Remove(r.abs(rel))
	case opNewDir:
		snip := fuzzSnippets[int(r.next())%len(fuzzSnippets)]
		dir := r.abs(fmt.Sprintf("apps/api/src/models/pkg%d", r.pos))
		_ = os.MkdirAll(dir, 0o755)
		_ = os.WriteFile(filepath.Join(dir, "__init__.py"), nil, 0o644)
		_ = os.WriteFile(filepath.Join(dir, "m.py"), []byte("from beanie import Document\n"+snip), 0o644)
	case opLinkOut:
		// The server must not write through a link that leaves the
		// workspace, wherever it appears among the outputs.
		dirs := []string{"apps/web/src/types", "apps/web/src/services", "apps/web/src/hooks", "apps/web/src/plugins", "apps/api/migrations"}
		d := r.abs(dirs[int(r.next())%len(dirs)])
		_ = os.RemoveAll(d)
		_ = os.MkdirAll(filepath.Dir(d), 0o755)
		_ = os.Symlink(filepath.Join(filepath.Dir(r.ws), "outside"), d)
	case opFrame:
		body := r.nextN(int(r.next()))
		if err := r.c.WriteRaw(wire.Frame(body)); err != nil {
			r.t.Fatalf("write frame: %v", err)
		}
	case opUnknown:
		var err error
		switch r.next() % 3 {
		case 0:
			_, err = r.c.RequestRaw("farm/noSuchMethod", map[string]any{"x": 1})
		case 1:
			_, err = r.c.RequestRaw(protocol.MethodTextDocumentHover, "not params")
		default:
			_, err = r.c.RequestRaw(protocol.MethodWorkspaceExecuteCommand, map[string]any{"command": "farm.noSuch", "arguments": []any{nil, 3}})
		}
		if lsptest.Code(err) == 0 {
			r.t.Fatalf("a bad request got no JSON-RPC error: %v", err)
		}
	case opOpenClose:
		rel := fuzzFiles[int(r.next())%len(fuzzFiles)]
		r.c.Open(r.abs(rel), r.text(rel))
		r.c.Close(r.abs(rel))
	case opRegenerate:
		// Its outcome may be an error (a link in the way, a broken
		// model); only the answer and the files' state are checked.
		_, _ = r.c.RequestRaw(protocol.MethodWorkspaceExecuteCommand, map[string]any{"command": "farm.regenerate"})
	case opConfig:
		s := r.text("farm.config.ts")
		snip := configSnippets[int(r.next())%len(configSnippets)]
		i := strings.Index(s, "outDir:")
		if i < 0 {
			return
		}
		j := strings.IndexByte(s[i:], '\n')
		if j < 0 {
			j = len(s) - i
		}
		r.save("farm.config.ts", s[:i]+snip+s[i+j:])
	}
}

// status asks for farm/status and fails past 2 s.
func (r *fuzzRun) status() lsp.StatusMsg {
	r.t.Helper()
	type answer struct {
		raw json.RawMessage
		err error
	}
	ch := make(chan answer, 1)
	go func() {
		raw, err := r.c.RequestRaw(lsp.MethodStatus, nil)
		ch <- answer{raw, err}
	}()
	select {
	case a := <-ch:
		if a.err != nil {
			r.t.Fatalf("farm/status: %v", a.err)
		}
		var st lsp.StatusMsg
		if err := json.Unmarshal(a.raw, &st); err != nil {
			r.t.Fatalf("farm/status: %v in %s", err, a.raw)
		}
		return st
	case <-time.After(2 * time.Second):
		r.t.Fatalf("farm/status not answered within 2 s (program %q at byte %d)", r.prog, r.pos)
	}
	return lsp.StatusMsg{}
}

// awaitIdle polls farm/status until the engine has nothing queued or
// running (bounded: a program's work is bounded too).
func (r *fuzzRun) awaitIdle() {
	deadline := time.Now().Add(60 * time.Second)
	idle := 0
	for time.Now().Before(deadline) {
		st := r.status()
		if !st.Processing && st.QueueLength == 0 {
			// twice in a row, across the watcher's debounce
			if idle++; idle == 2 {
				return
			}
		} else {
			idle = 0
		}
		time.Sleep(200 * time.Millisecond)
	}
	r.t.Fatalf("engine still busy after 60 s")
}

// checkGenerated reads every file in the workspace that starts like a
// generated one: it must be whole (the full header) and parse.
func (r *fuzzRun) checkGenerated() (checked int) {
	r.t.Helper()
	prefix := []byte("// Code generated by farm-lsp")
	if !strings.HasPrefix(typegen.Header, string(prefix)) || !strings.HasPrefix(plugins.Header, string(prefix)) {
		r.t.Fatal("the generated-file header changed: update the test")
	}
	_ = filepath.WalkDir(r.ws, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() && d.Name() == "node_modules" {
			return fs.SkipDir
		}
		if !d.Type().IsRegular() || !(strings.HasSuffix(p, ".ts") || strings.HasSuffix(p, ".tsx")) {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil || !bytes.HasPrefix(b, prefix) {
			return nil
		}
		rel, _ := filepath.Rel(r.ws, p)
		if !bytes.HasPrefix(b, []byte(typegen.Header)) && !bytes.HasPrefix(b, []byte(plugins.Header+"\n")) {
			r.t.Fatalf("%s: a generated file with a broken header: %.80q", rel, b)
		}
		lang := parse.TypeScript
		if strings.HasSuffix(p, ".tsx") {
			lang = parse.TSX
		}
		doc, err := parse.Parse(context.Background(), lang, b, nil)
		if err != nil {
			r.t.Fatalf("%s: generated file does not parse: %v", rel, err)
		}
		if errs := doc.Errors(rel); len(errs) > 0 {
			r.t.Fatalf("%s: generated file has syntax errors: %v\n%s", rel, errs, b)
		}
		checked++
		return nil
	})
	return checked
}

// snapshot records every path under the sandbox except the workspace, with
// size, mode and modification time.
func snapshot(t *testing.T, sandbox, ws string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(sandbox, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == ws {
			return fs.SkipDir
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if d.IsDir() {
			out[p] = fmt.Sprintf("dir %v", info.Mode())
			return nil
		}
		out[p] = fmt.Sprintf("%v %d %d", info.Mode(), info.Size(), info.ModTime().UnixNano())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
