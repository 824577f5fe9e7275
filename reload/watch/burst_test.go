package watch_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/reload/executor"
	"github.com/farm-stack/farm-lsp/reload/plan"
	"github.com/farm-stack/farm-lsp/reload/scheduler"
	"github.com/farm-stack/farm-lsp/reload/watch"
)

// forward is the consumer loop the coordinator runs: read the file, drop
// content already seen, submit the rest.
func forward(w *watch.Watcher, s *scheduler.Scheduler, hashes *watch.Hashes) {
	for ev := range w.Events() {
		if ev.Dir {
			continue
		}
		rel, _ := filepath.Rel(w.Root(), ev.Path)
		rel = filepath.ToSlash(rel)
		switch ev.Op {
		case watch.Remove, watch.Rename:
			hashes.Forget(ev.Path)
			s.Submit(scheduler.Batch{Path: rel, Kind: facts.KindBackendSource, Changes: []facts.Change{
				{Kind: facts.FileRemoved, Path: rel, FileKind: facts.KindBackendSource}}})
		default:
			content, err := os.ReadFile(ev.Path)
			if errors.Is(err, fs.ErrNotExist) || (err == nil && !hashes.Changed(ev.Path, content)) {
				continue
			}
			s.Submit(scheduler.Batch{Path: rel, Kind: facts.KindBackendSource, Changes: []facts.Change{
				{Kind: facts.SourceChanged, Path: rel, FileKind: facts.KindBackendSource}}})
		}
	}
}

// A git checkout writing 500 files becomes one plan with one backend reload.
func TestBurstOfFilesIsOnePlan(t *testing.T) {
	quiet := slog.New(slog.DiscardHandler)
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "apps/api/src"), 0o755); err != nil {
		t.Fatal(err)
	}
	w, err := watch.New(root, watch.Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	plans := make(chan plan.Plan, 10)
	results := make(chan scheduler.PlanResult, 10)
	s := scheduler.New(scheduler.Options{
		// Generous: the writes below come far closer together than this.
		Debounce: 500 * time.Millisecond,
		Logger:   quiet,
		Executors: map[plan.TaskKind]executor.Executor{plan.BackendReload: executor.Func(func(context.Context, plan.Task, executor.Reporter) executor.Result {
			return executor.Result{Status: executor.OK}
		})},
		OnPlan:   func(p plan.Plan) { plans <- p },
		OnResult: func(r scheduler.PlanResult) { results <- r },
	})
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{}, 3)
	go func() { _ = w.Run(ctx); stopped <- struct{}{} }()
	go func() { s.Run(ctx); stopped <- struct{}{} }()
	var hashes watch.Hashes
	go func() { forward(w, s, &hashes); stopped <- struct{}{} }()
	defer func() {
		cancel()
		for i := 0; i < 3; i++ {
			select {
			case <-stopped:
			case <-time.After(10 * time.Second):
				t.Error("a goroutine did not stop")
			}
		}
	}()

	// Half into the watched directory, half into a new package directory.
	for i := 0; i < 500; i++ {
		dir := "apps/api/src"
		if i%2 == 1 {
			dir = "apps/api/src/newpkg"
		}
		p := filepath.Join(root, dir, fmt.Sprintf("m%03d.py", i))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, fmt.Appendf(nil, "X = %d\n", i), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	var p plan.Plan
	select {
	case p = <-plans:
	case <-time.After(10 * time.Second):
		t.Fatal("no plan")
	}
	select {
	case r := <-results:
		if len(r.Tasks) != 1 || r.Tasks[0].Kind != plan.BackendReload || r.Tasks[0].Status != executor.OK {
			t.Errorf("result %+v, want one ok backend-reload", r.Tasks)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no result")
	}
	if len(p.Files) != 500 {
		t.Fatalf("plan covers %d files, want 500", len(p.Files))
	}
	if len(p.Tasks) != 1 || p.Tasks[0].Kind != plan.BackendReload {
		t.Errorf("tasks %+v, want one backend-reload", p.Tasks)
	}
	if st := s.Status(); st.QueueLength != 0 {
		t.Errorf("batches still queued after the plan: %+v", st)
	}
	select {
	case extra := <-plans:
		t.Errorf("second plan %s with %d files", extra.ID, len(extra.Files))
	default:
	}
}
