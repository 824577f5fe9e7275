package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	mdb "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// lockedBuf is a buffer written by one goroutine and read by another.
type lockedBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuf) WriteString(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b.WriteString(s)
}

func (l *lockedBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// devdbProc is `farm-lsp devdb` running as a child process.
type devdbProc struct {
	cmd    *exec.Cmd
	url    string
	stdout *lockedBuf
	stderr *lockedBuf
	done   chan error
}

func startDevdb(t *testing.T, root string) *devdbProc {
	t.Helper()
	cmd := exec.Command(os.Args[0], "devdb", "--root", root, "--port", "0")
	cmd.Env = append(os.Environ(), "FARM_LSP_RUN_MAIN=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &devdbProc{cmd: cmd, stdout: &lockedBuf{}, stderr: &lockedBuf{}, done: make(chan error, 1)}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	urls := make(chan string, 1)
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			line := sc.Text()
			p.stdout.WriteString(line + "\n")
			if u, ok := strings.CutPrefix(line, "url:"); ok {
				urls <- strings.TrimSpace(u)
			}
		}
	}()
	go func() {
		<-copied
		p.done <- cmd.Wait()
	}()
	// Kill after Wait reaped it is a no-op ("process already finished").
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	select {
	case p.url = <-urls:
	case err := <-p.done:
		t.Fatalf("devdb exited before printing its URL: %v\nstdout:\n%s\nstderr:\n%s", err, p.stdout, p.stderr)
	case <-time.After(60 * time.Second):
		t.Fatalf("devdb printed no URL within 60s\nstdout:\n%s\nstderr:\n%s", p.stdout, p.stderr)
	}
	return p
}

func (p *devdbProc) stop(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.done:
		if err != nil {
			t.Fatalf("devdb after %v: %v\nstdout:\n%s\nstderr:\n%s", sig, err, p.stdout, p.stderr)
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("devdb did not stop within 60s of %v", sig)
	}
	if !strings.Contains(p.stdout.String(), "stopped; the data stays in") {
		t.Errorf("no stop message:\n%s", p.stdout)
	}
}

func connect(t *testing.T, url string) *mdb.Client {
	t.Helper()
	c, err := mdb.Connect(options.Client().ApplyURI(url).SetServerSelectionTimeout(10 * time.Second))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestDevdbKeepsDataAcrossRestarts starts `farm-lsp devdb` as a process,
// writes through the real driver, stops it with SIGINT, starts it again
// and finds the data; a second devdb on the same data is refused.
func TestDevdbKeepsDataAcrossRestarts(t *testing.T) {
	root := t.TempDir()
	cfg := "export default defineConfig({ database: { url: 'mongodb://127.0.0.1:27017/shop' } });\n"
	if err := os.WriteFile(filepath.Join(root, "farm.config.ts"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(root, "apps", "api")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	p := startDevdb(t, sub) // found from below, like the other commands
	out := p.stdout.String()
	for _, want := range []string{"FerretDB v", "not MongoDB", filepath.Join(root, ".farm", "devdb")} {
		if !strings.Contains(out, want) {
			t.Errorf("devdb output does not say %q:\n%s", want, out)
		}
	}
	if !strings.HasSuffix(p.url, "/shop") || !strings.HasPrefix(p.url, "mongodb://127.0.0.1:") {
		t.Errorf("url %q: want the app's database (shop) on loopback", p.url)
	}
	c := connect(t, p.url)
	docs := make([]any, 40)
	for i := range docs {
		docs[i] = bson.D{{Key: "sku", Value: fmt.Sprintf("sku-%02d", i)}, {Key: "price", Value: i * 100}}
	}
	if _, err := c.Database("shop").Collection("products").InsertMany(ctx, docs); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Database("shop").Collection("products").Indexes().CreateOne(ctx,
		mdb.IndexModel{Keys: bson.D{{Key: "sku", Value: 1}}, Options: options.Index().SetUnique(true)}); err != nil {
		t.Fatal(err)
	}
	_ = c.Disconnect(ctx)

	// A second devdb on the same data directory is refused, clearly.
	second := exec.Command(os.Args[0], "devdb", "--root", root, "--port", "0")
	second.Env = append(os.Environ(), "FARM_LSP_RUN_MAIN=1")
	msg, err := second.CombinedOutput()
	if err == nil || !strings.Contains(string(msg), "in use by another devdb") {
		t.Errorf("a second devdb on the same data: %v\n%s", err, msg)
	}

	p.stop(t, syscall.SIGINT)
	if _, err := os.Stat(filepath.Join(root, ".farm", "devdb", ".gitignore")); err != nil {
		t.Errorf("the data directory is not git-ignored: %v", err)
	}

	p = startDevdb(t, root)
	c = connect(t, p.url)
	defer func() { _ = c.Disconnect(ctx) }()
	n, err := c.Database("shop").Collection("products").CountDocuments(ctx, bson.D{})
	if err != nil || n != 40 {
		t.Errorf("after restart: %d documents (%v), want 40", n, err)
	}
	specs, err := c.Database("shop").Collection("products").Indexes().ListSpecifications(ctx)
	found := false
	for _, s := range specs {
		found = found || s.Name == "sku_1"
	}
	if err != nil || !found {
		t.Errorf("after restart: indexes %+v (%v), want sku_1", specs, err)
	}
	_ = c.Disconnect(ctx)
	p.stop(t, syscall.SIGTERM)
}

// TestDevdbOutsideAnApp refuses to create a database where there is no
// farm.config.ts.
func TestDevdbOutsideAnApp(t *testing.T) {
	dir := t.TempDir()
	var out, errb bytes.Buffer
	code := run([]string{"devdb", "--root", dir, "--port", "0"}, strings.NewReader(""), &out, &errb)
	if code != 1 || !strings.Contains(errb.String(), "farm.config") {
		t.Errorf("exit %d, stderr %q", code, errb.String())
	}
	if _, err := os.Stat(filepath.Join(dir, ".farm")); err == nil {
		t.Errorf("a data directory was created outside an app")
	}
}
