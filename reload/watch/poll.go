package watch

import (
	"context"
	"errors"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/bmatcuk/doublestar/v4"
)

// stamp is what a poll compares: a file whose size, mtime or type changed
// was written (or replaced).
type stamp struct {
	size int64
	mod  int64 // ModTime().UnixNano()
	dir  bool
}

// walk stamps every path under the root that is not ignored. Symlinks are
// stamped, never followed.
func (w *Watcher) walk(ctx context.Context) map[string]stamp {
	out := map[string]stamp{}
	dirs := map[string]bool{w.root: true}
	err := filepath.WalkDir(w.root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				w.log.Warn("watch: cannot read", "path", p, "err", err)
			}
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if ctx.Err() != nil {
			return fs.SkipAll
		}
		if p == w.root {
			return nil
		}
		// Its directories were checked on the way down (an ignored one is
		// skipped whole), so only the path itself is matched: a poll
		// costs one match per entry, not one per ancestor.
		if rel, ok := w.rel(p); ok && matchSelf(w.patterns, rel) {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil // gone meanwhile
		}
		out[p] = stamp{size: info.Size(), mod: info.ModTime().UnixNano(), dir: d.IsDir()}
		if d.IsDir() {
			dirs[p] = true
		}
		return nil
	})
	if err != nil {
		w.log.Warn("watch: poll failed", "root", w.root, "err", err)
	}
	w.mu.Lock()
	w.dirs = dirs
	w.mu.Unlock()
	return out
}

// runPoll walks the tree every interval until ctx ends or Close.
func (w *Watcher) runPoll(ctx context.Context) {
	t := time.NewTicker(w.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-w.stop:
			return
		case <-t.C:
			w.poll(ctx)
		}
	}
}

// poll compares a new walk with the last and emits the differences:
// removals first (a removed directory once, not each path under it), then
// creations (a directory before what is in it) and writes, in path order.
func (w *Watcher) poll(ctx context.Context) {
	cur := w.walk(ctx)
	if ctx.Err() != nil {
		return
	}
	prev := w.snap
	w.snap = cur

	var removed, created, written []string
	for p, old := range prev {
		now, ok := cur[p]
		switch {
		case !ok:
			removed = append(removed, p)
		case now.dir != old.dir: // replaced by another kind
			removed = append(removed, p)
			created = append(created, p)
		case !now.dir && now != old:
			written = append(written, p)
		}
	}
	for p := range cur {
		if _, ok := prev[p]; !ok {
			created = append(created, p)
		}
	}
	sort.Strings(removed)
	sort.Strings(created)
	sort.Strings(written)

	var gone []string // removed directories
	for _, p := range removed {
		if under(p, gone) {
			continue
		}
		if prev[p].dir {
			gone = append(gone, p)
			w.emit(ctx, Event{Path: p, Op: Remove, Dir: true})
		} else {
			w.emitFile(ctx, Event{Path: p, Op: Remove})
		}
	}
	for _, p := range created {
		if cur[p].dir {
			w.emit(ctx, Event{Path: p, Op: Create, Dir: true})
		} else {
			w.emitFile(ctx, Event{Path: p, Op: Create})
		}
	}
	for _, p := range written {
		w.emitFile(ctx, Event{Path: p, Op: Write})
	}
}

// under reports whether p is below one of dirs.
func under(p string, dirs []string) bool {
	for _, d := range dirs {
		if strings.HasPrefix(p, d+string(filepath.Separator)) {
			return true
		}
	}
	return false
}

// matchSelf reports whether one of the patterns matches rel itself.
func matchSelf(patterns []string, rel string) bool {
	for _, pat := range patterns {
		if ok, _ := doublestar.Match(pat, rel); ok {
			return true
		}
	}
	return false
}
