package coordinator

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/reload/executor"
	"github.com/farm-stack/farm-lsp/reload/plan"
)

const testModel = "from beanie import Document\n\n\nclass Probe(Document):\n    a: int = 0\n"

// setConfig rewrites the example's watch section (before the engine starts).
func setWatch(t *testing.T, watchSrc string) func(root string) {
	return func(root string) {
		t.Helper()
		p := filepath.Join(root, "farm.config.ts")
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		s := string(b)
		i := strings.Index(s, "      watch: {")
		j := strings.Index(s, "      typeGeneration: {")
		if i < 0 || j < 0 {
			t.Fatal("the example's farm.config.ts has no watch section")
		}
		if err := os.WriteFile(p, []byte(s[:i]+"      watch: "+watchSrc+",\n"+s[j:]), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestWatchPathsIgnoredFilePlansNothing: watch.paths ignores test_*.py, so
// a save of one — even one defining a Document — gets an empty plan, while
// a watched model's save plans its reloads; the file still gets its
// diagnostics.
func TestWatchPathsIgnoredFilePlansNothing(t *testing.T) {
	c, rec, root := start(t, Options{NoWatch: true}, setWatch(t,
		"{ paths: [{ pattern: 'apps/api/**/*.py', ignore: ['**/test_*.py'] }, 'apps/web/**'] }"))
	test := filepath.Join(root, "apps/api/src/models/test_probe.py")
	os.WriteFile(test, []byte(testModel), 0o644)
	c.Save(test, []byte(testModel))
	p, res := rec.awaitPlan(t, 0)
	if len(p.Tasks) != 0 || len(p.Changes) != 0 || len(res.Tasks) != 0 {
		t.Fatalf("ignored test_probe.py planned %v %v", changeKinds(p), taskKinds(p))
	}
	broken := testModel + "    b: int = (\n"
	c.Save(test, []byte(broken))
	rec.awaitPlan(t, 1)
	rec.await(t, "a syntax error on the ignored file", func() bool { return len(rec.diags[test]) > 0 })

	probe := filepath.Join(root, "apps/api/src/models/probe.py")
	os.WriteFile(probe, []byte(testModel), 0o644)
	c.Save(probe, []byte(testModel))
	p, _ = rec.awaitPlan(t, 2)
	if len(p.Changes) == 0 || !hasTask(p, plan.BackendReload) {
		t.Fatalf("watched probe.py: changes %v tasks %v", changeKinds(p), taskKinds(p))
	}
}

// TestWatchPathsWatcherEvents: the same filter on out-of-editor changes.
func TestWatchPathsWatcherEvents(t *testing.T) {
	_, rec, root := start(t, Options{}, setWatch(t,
		"{ debounceMs: 20, paths: [{ pattern: 'apps/api/**/*.py', ignore: ['**/test_*.py'] }] }"))
	os.WriteFile(filepath.Join(root, "apps/api/src/models/test_probe.py"), []byte(testModel), 0o644)
	os.WriteFile(filepath.Join(root, "apps/api/src/models/probe.py"), []byte(testModel), 0o644)
	p, _ := rec.awaitPlan(t, 0)
	if p.Trigger.Path != "apps/api/src/models/probe.py" {
		t.Fatalf("first plan from %s", p.Trigger.Path)
	}
	for _, ch := range p.Changes {
		if strings.Contains(ch.Path, "test_probe") {
			t.Errorf("a change of the ignored file was planned: %+v", ch)
		}
	}
}

// TestWatchEnabledAndPolling: watch.enabled false runs no watcher (an
// out-of-editor write plans nothing); usePolling runs the polling one,
// which sees such a write; a live config change switches between them.
func TestWatchEnabledAndPolling(t *testing.T) {
	c, rec, root := start(t, Options{}, setWatch(t, "{ enabled: false }"))
	if running, _, _ := c.Watching(); running {
		t.Fatal("watch.enabled false, yet a watcher runs")
	}
	cfgPath := filepath.Join(root, "farm.config.ts")
	b, _ := os.ReadFile(cfgPath)
	polled := strings.Replace(string(b), "watch: { enabled: false }", "watch: { usePolling: true, interval: 30, debounceMs: 20 }", 1)
	os.WriteFile(cfgPath, []byte(polled), 0o644)
	c.Save(cfgPath, []byte(polled))
	rec.awaitPlan(t, 0)
	deadline := time.Now().Add(20 * time.Second)
	for {
		if running, polling, interval := c.Watching(); running && polling {
			if interval != 30*time.Millisecond {
				t.Fatalf("polling every %v, want watch.interval 30 ms", interval)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("usePolling did not start a polling watcher")
		}
		time.Sleep(10 * time.Millisecond)
	}
	os.WriteFile(filepath.Join(root, "apps/api/src/models/probe.py"), []byte(testModel), 0o644)
	p, _ := rec.awaitPlan(t, 1)
	if p.Trigger.Path != "apps/api/src/models/probe.py" || len(p.Changes) == 0 {
		t.Fatalf("the poller's plan: trigger %s changes %v", p.Trigger.Path, changeKinds(p))
	}
}

// TestLogErrors: errorRecovery.logErrors logs a failed task at level
// error; false keeps the log quiet.
func TestLogErrors(t *testing.T) {
	for _, on := range []bool{true, false} {
		t.Run(map[bool]string{true: "on", false: "off"}[on], func(t *testing.T) {
			var buf syncBuffer
			log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
			failing := executor.Func(func(context.Context, plan.Task, executor.Reporter) executor.Result {
				return executor.Result{Status: executor.Failed, Message: "boom in the backend"}
			})
			c, rec, root := start(t, Options{NoWatch: true, Logger: log, Executors: map[plan.TaskKind]executor.Executor{
				plan.BackendReload: failing}}, func(root string) {
				p := filepath.Join(root, "farm.config.ts")
				b, _ := os.ReadFile(p)
				s := strings.Replace(string(b), "logErrors: true", "logErrors: "+map[bool]string{true: "true", false: "false"}[on], 1)
				s = strings.Replace(s, "maxRetries: 3", "maxRetries: 0", 1)
				os.WriteFile(p, []byte(s), 0o644)
			})
			abs, text := edit(t, root, "apps/api/src/routes/users.py", "    role: Optional[Role] = None,\n):", "    role: Optional[Role] = None,\n    q: str = \"\",\n):")
			c.Save(abs, text)
			_, res := rec.awaitPlan(t, 0)
			failed := false
			for _, tr := range res.Tasks {
				failed = failed || tr.Kind == plan.BackendReload && tr.Status == executor.Failed
			}
			if !failed {
				t.Fatalf("the backend task did not fail: %+v", res.Tasks)
			}
			logged := strings.Contains(buf.String(), "level=ERROR msg=\"reload task failed\"") &&
				strings.Contains(buf.String(), "boom in the backend")
			if logged != on {
				t.Errorf("logErrors %v: logged %v:\n%s", on, logged, buf.String())
			}
		})
	}
}

// TestMissingPluginDiagnostic: a plugin named in `plugins` without a
// manifest gets a warning at its entry; adding the manifest clears it.
func TestMissingPluginDiagnostic(t *testing.T) {
	c, rec, root := start(t, Options{NoWatch: true}, func(root string) {
		p := filepath.Join(root, "farm.config.ts")
		b, _ := os.ReadFile(p)
		os.WriteFile(p, []byte(strings.Replace(string(b), "plugins: ['analytics'],", "plugins: ['analytics', 'missing'],", 1)), 0o644)
	})
	cfg := filepath.Join(root, "farm.config.ts")
	has := func() bool {
		for _, d := range rec.diags[cfg] {
			if d.Code == facts.CodeConfig && strings.Contains(d.Message, `"missing" has no manifest`) {
				return true
			}
		}
		return false
	}
	rec.await(t, "the missing-plugin warning", has)
	manifest := filepath.Join(root, "plugins/missing/plugin.json")
	os.MkdirAll(filepath.Dir(manifest), 0o755)
	body := []byte(`{"name": "missing", "version": "0.1.0"}`)
	os.WriteFile(manifest, body, 0o644)
	c.Save(manifest, body)
	rec.await(t, "the warning cleared", func() bool { return !has() })
}

func hasTask(p plan.Plan, k plan.TaskKind) bool {
	for _, t := range p.Tasks {
		if t.Kind == k {
			return true
		}
	}
	return false
}

// syncBuffer is a bytes.Buffer safe for the logger's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestPerformanceEnabled: a plan slower than slowReloadThreshold is
// reported, unless performance.enabled is false.
func TestPerformanceEnabled(t *testing.T) {
	for _, on := range []bool{true, false} {
		t.Run(map[bool]string{true: "on", false: "off"}[on], func(t *testing.T) {
			slow := executor.Func(func(ctx context.Context, _ plan.Task, _ executor.Reporter) executor.Result {
				select { // longer than the 1 ms threshold
				case <-time.After(50 * time.Millisecond):
				case <-ctx.Done():
				}
				return executor.Result{Status: executor.OK}
			})
			c, rec, root := start(t, Options{NoWatch: true, Executors: map[plan.TaskKind]executor.Executor{plan.BackendReload: slow}},
				func(root string) {
					p := filepath.Join(root, "farm.config.ts")
					b, _ := os.ReadFile(p)
					perf := "performance: { enabled: " + map[bool]string{true: "true", false: "false"}[on] + ", slowReloadThreshold: 1, maxRetries: 3, cooldownPeriod: 5000 }"
					os.WriteFile(p, []byte(strings.Replace(string(b), "performance: { slowReloadThreshold: 5000, maxRetries: 3, cooldownPeriod: 5000 }", perf, 1)), 0o644)
				})
			abs, text := edit(t, root, "apps/api/src/routes/users.py", "    role: Optional[Role] = None,\n):", "    role: Optional[Role] = None,\n    q: str = \"\",\n):")
			c.Save(abs, text)
			rec.awaitPlan(t, 0)
			warned := func() bool {
				for _, m := range rec.msgs {
					if strings.Contains(m, "slow reload") {
						return true
					}
				}
				return false
			}
			if on {
				rec.await(t, "the slow-reload warning", warned)
				return
			}
			// A later plan's result comes after the first one's warning.
			c.Save(abs, text)
			rec.awaitPlan(t, 1)
			rec.mu.Lock()
			defer rec.mu.Unlock()
			if warned() {
				t.Error("performance.enabled false, yet a slow-reload warning")
			}
		})
	}
}

// TestConfigDiagnosticsLogged: the server's log shows farm.config's
// diagnostics at file:line:col, as the CLI commands print them.
func TestConfigDiagnosticsLogged(t *testing.T) {
	var buf syncBuffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	_, _, root := start(t, Options{NoWatch: true, Logger: log}, func(root string) {
		p := filepath.Join(root, "farm.config.ts")
		b, _ := os.ReadFile(p)
		os.WriteFile(p, []byte(strings.Replace(string(b), "hotReload: {", "hotRelaod: {", 1)), 0o644)
	})
	b, _ := os.ReadFile(filepath.Join(root, "farm.config.ts"))
	line := strings.Count(string(b)[:strings.Index(string(b), "hotRelaod")], "\n") + 1
	want := fmt.Sprintf("%s:%d:5: development.hotRelaod: unknown key, ignored; did you mean", filepath.Join(root, "farm.config.ts"), line)
	if !strings.Contains(buf.String(), want) {
		t.Errorf("log lacks %q:\n%s", want, buf.String())
	}
}
