package coordinator

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/farm-stack/farm-lsp/reload/executor"
	"github.com/farm-stack/farm-lsp/reload/plan"
)

// TestNoGoroutineOutlivesClose: the engine's goroutines (analysis loop,
// lanes, watcher, executors' helpers) all end with Close, including a lane
// whose task was still running and lanes with queued work.
func TestNoGoroutineOutlivesClose(t *testing.T) {
	started := make(chan struct{}, 1)
	stuck := executor.Func(func(ctx context.Context, _ plan.Task, _ executor.Reporter) executor.Result {
		started <- struct{}{}
		<-ctx.Done() // a minutes-long pull, cut short only by Close
		return executor.Result{Status: executor.Failed, Message: ctx.Err().Error()}
	})
	c, rec, root := start(t, Options{Trusted: true, Executors: map[plan.TaskKind]executor.Executor{plan.AIModelReload: stuck}})
	abs, text := edit(t, root, "farm.config.ts", "models: ['llama3.1'],", "models: ['llama3.1', 'qwen2.5'],")
	c.Save(abs, text)
	<-started
	abs, text = edit(t, root, userPy, "    login_count: int = 0\n", "    login_count: int = 0\n    karma: int = 0\n")
	c.Save(abs, text)
	rec.awaitPlan(t, 1)
	if err := c.Close(); err != nil {
		t.Logf("close: %v", err)
	}
	var left []string
	for deadline := time.Now().Add(5 * time.Second); ; {
		left = left[:0]
		buf := make([]byte, 4<<20)
		buf = buf[:runtime.Stack(buf, true)]
		for _, g := range strings.Split(string(buf), "\n\n") {
			if (strings.Contains(g, "farm-lsp/reload/") || strings.Contains(g, "farm-lsp/analysis/")) &&
				!strings.Contains(g, "TestNoGoroutineOutlivesClose") && !strings.Contains(g, "testing.tRunner") {
				left = append(left, g)
			}
		}
		if len(left) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, g := range left {
		t.Errorf("goroutine left after Close:\n%s", g)
	}
}
