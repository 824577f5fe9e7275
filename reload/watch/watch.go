// Package watch reports file changes under a workspace root with fsnotify:
// recursively, following directories created later (and reporting the
// files already inside them), never following symlinked directories, and
// skipping ignored paths (the seed's defaults plus configured patterns,
// doublestar globs on the root-relative slash path). A Filter built from
// development.hotReload.watch.paths narrows the files reported further.
//
// With Options.Poll (watch.usePolling, for Docker bind mounts, WSL and
// network file systems where inotify sees nothing) the tree is walked every
// Options.Interval (watch.interval) instead and changes of size, mtime or
// type are reported with the same events; fsnotify has no polling mode.
//
// The watcher reports paths only; it never reads files. Consumers read the
// content and use Hashes to drop events whose content they have already
// seen (an editor save that fsnotify reports too, a Create followed by a
// Write of the same bytes).
package watch

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/bmatcuk/doublestar/v4"
	"github.com/fsnotify/fsnotify"
)

// DefaultIgnore are the seed's FileWatcher ignore patterns.
var DefaultIgnore = []string{
	"**/node_modules/**",
	"**/.git/**",
	"**/dist/**",
	"**/build/**",
	"**/__pycache__/**",
	"**/.pytest_cache/**",
	"**/.*",
	"**/*.log",
	"**/*.tmp",
}

// Op is what happened to a path.
type Op uint8

// Ops. Rename is reported for the old path; the new path gets a Create.
const (
	Create Op = iota + 1
	Write
	Remove
	Rename
)

func (o Op) String() string {
	switch o {
	case Create:
		return "create"
	case Write:
		return "write"
	case Remove:
		return "remove"
	case Rename:
		return "rename"
	}
	return fmt.Sprintf("op(%d)", uint8(o))
}

// Event is one change. Path is absolute. Dir is set for directories: a
// created directory is followed by Create events for the files already in
// it; a removed or renamed directory means every path under it is gone.
type Event struct {
	Path string
	Op   Op
	Dir  bool
}

// Options configure a Watcher.
type Options struct {
	// Ignore adds patterns to DefaultIgnore (e.g. generated outputs,
	// "**/test_*.py"), matched on the root-relative slash path.
	Ignore []string
	// Buffer is the capacity of the Events channel (0: 1024).
	Buffer int
	// Logger (nil: slog.Default()).
	Logger *slog.Logger
	// Filter narrows the files reported (watch.paths); nil: all files.
	// Directories are always followed.
	Filter *Filter
	// Poll walks the tree every Interval instead of using fsnotify
	// (watch.usePolling).
	Poll bool
	// Interval between polls (watch.interval; 0: DefaultInterval).
	Interval time.Duration
}

// DefaultInterval is watch.interval's default.
const DefaultInterval = time.Second

// Watcher watches a directory tree. Create it with New, then call Run
// (which closes everything when its context ends) or Close.
type Watcher struct {
	root     string
	patterns []string
	fsw      *fsnotify.Watcher // nil when polling
	filter   *Filter
	events   chan Event
	log      *slog.Logger

	// Polling: the last walk's stamps, the interval, and stop (closed by
	// Close).
	interval time.Duration
	snap     map[string]stamp
	stop     chan struct{}

	mu   sync.Mutex
	dirs map[string]bool // watched directories (absolute)
	// gone are directories just removed or renamed away: inotify reports
	// them twice (from the parent and from their own watch).
	gone map[string]bool

	closeOnce sync.Once
	closeErr  error
}

// New watches root and every directory under it that is not ignored. It
// fails when root is not a directory, a pattern is malformed or fsnotify
// cannot start; a subdirectory that cannot be watched is logged and
// skipped.
func New(root string, opts Options) (*Watcher, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("watch: %w", err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("watch: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("watch: %s is not a directory", abs)
	}
	patterns := append(append([]string{}, DefaultIgnore...), opts.Ignore...)
	for _, p := range patterns {
		if !doublestar.ValidatePattern(p) {
			return nil, fmt.Errorf("watch: bad ignore pattern %q", p)
		}
	}
	buf := opts.Buffer
	if buf <= 0 {
		buf = 1024
	}
	w := &Watcher{
		root:     abs,
		patterns: patterns,
		filter:   opts.Filter,
		events:   make(chan Event, buf),
		log:      opts.Logger,
		dirs:     map[string]bool{},
		gone:     map[string]bool{},
		stop:     make(chan struct{}),
	}
	if w.log == nil {
		w.log = slog.Default()
	}
	if opts.Poll {
		w.interval = opts.Interval
		if w.interval <= 0 {
			w.interval = DefaultInterval
		}
		w.snap = w.walk(context.Background())
		return w, nil
	}
	fsw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("watch: %w", err)
	}
	w.fsw = fsw
	if err := w.fsw.Add(abs); err != nil {
		_ = fsw.Close()
		return nil, fmt.Errorf("watch: %s: %w", abs, err)
	}
	w.dirs[abs] = true
	w.addTree(context.Background(), abs, false)
	return w, nil
}

// Root is the absolute root directory.
func (w *Watcher) Root() string { return w.root }

// Events delivers changes; it is closed when Run returns.
func (w *Watcher) Events() <-chan Event { return w.events }

// WatchedDirs is the number of directories being watched.
func (w *Watcher) WatchedDirs() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.dirs)
}

// Ignored reports whether an absolute path is ignored.
func (w *Watcher) Ignored(path string) bool {
	rel, ok := w.rel(path)
	return ok && Match(w.patterns, rel)
}

// Interval is the polling interval (0 when not polling).
func (w *Watcher) Interval() time.Duration { return w.interval }

// Polling reports whether the watcher polls instead of using fsnotify.
func (w *Watcher) Polling() bool { return w.fsw == nil }

// Close stops watching. Run calls it when its context ends.
func (w *Watcher) Close() error {
	w.closeOnce.Do(func() {
		close(w.stop)
		if w.fsw != nil {
			w.closeErr = w.fsw.Close()
		}
	})
	return w.closeErr
}

// Run delivers events until ctx is done, then closes the watcher and the
// Events channel. When the consumer falls behind, Run waits for it (the
// kernel queues meanwhile; an overflow is logged).
func (w *Watcher) Run(ctx context.Context) error {
	defer close(w.events)
	defer w.Close()
	if w.fsw == nil {
		w.runPoll(ctx)
		return nil
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.fsw.Events:
			if !ok {
				return nil
			}
			w.handle(ctx, ev)
		case err, ok := <-w.fsw.Errors:
			if !ok {
				return nil
			}
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				w.log.Warn("watch: kernel event queue overflowed; some changes were missed", "root", w.root)
			} else {
				w.log.Warn("watch: error", "root", w.root, "err", err)
			}
		}
	}
}

func (w *Watcher) handle(ctx context.Context, ev fsnotify.Event) {
	path := filepath.Clean(ev.Name)
	if w.Ignored(path) {
		return
	}
	if ev.Has(fsnotify.Create) {
		w.mu.Lock()
		delete(w.gone, path)
		w.mu.Unlock()
		fi, err := os.Lstat(path) // Lstat: a symlink to a directory is not followed
		if err == nil && fi.IsDir() {
			w.emit(ctx, Event{Path: path, Op: Create, Dir: true})
			w.addTree(ctx, path, true)
		} else {
			w.emitFile(ctx, Event{Path: path, Op: Create})
		}
	}
	if ev.Has(fsnotify.Write) {
		w.emitFile(ctx, Event{Path: path, Op: Write})
	}
	for _, op := range []struct {
		fs fsnotify.Op
		op Op
	}{{fsnotify.Remove, Remove}, {fsnotify.Rename, Rename}} {
		if ev.Has(op.fs) {
			if dir, dup := w.forget(path); !dup {
				if dir {
					w.emit(ctx, Event{Path: path, Op: op.op, Dir: true})
				} else {
					w.emitFile(ctx, Event{Path: path, Op: op.op})
				}
			}
		}
	}
}

// addTree watches dir and the directories under it; with report set it
// emits Create for the files found (created before their directory was
// watched) and for the directories under dir. Symlinks are never followed: WalkDir reports them as
// non-directories.
func (w *Watcher) addTree(ctx context.Context, dir string, report bool) {
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
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
		if p != w.root && w.Ignored(p) {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if !d.IsDir() {
			if report {
				w.emitFile(ctx, Event{Path: p, Op: Create})
			}
			return nil
		}
		w.mu.Lock()
		known := w.dirs[p]
		w.mu.Unlock()
		if known {
			return nil
		}
		if err := w.fsw.Add(p); err != nil {
			w.log.Warn("watch: cannot watch directory", "path", p, "err", err)
			return nil
		}
		w.mu.Lock()
		w.dirs[p] = true
		w.mu.Unlock()
		if report && p != dir {
			w.emit(ctx, Event{Path: p, Op: Create, Dir: true})
		}
		return nil
	})
	if err != nil {
		w.log.Warn("watch: walk failed", "dir", dir, "err", err)
	}
}

// forget stops watching path and everything under it when path is a
// watched directory (a renamed directory keeps its inotify watch under the
// old name otherwise). It reports whether path was one, and whether this
// event repeats the removal of a directory already forgotten.
func (w *Watcher) forget(path string) (isDir, dup bool) {
	w.mu.Lock()
	var drop []string
	isDir = w.dirs[path]
	if isDir {
		prefix := path + string(filepath.Separator)
		for d := range w.dirs {
			if d == path || strings.HasPrefix(d, prefix) {
				drop = append(drop, d)
				delete(w.dirs, d)
			}
		}
		if len(w.gone) > 1000 {
			clear(w.gone)
		}
		w.gone[path] = true
	} else if w.gone[path] {
		delete(w.gone, path)
		dup = true
	}
	w.mu.Unlock()
	for _, d := range drop {
		// Already gone when the directory was deleted: nothing to do.
		_ = w.fsw.Remove(d)
	}
	return isDir, dup
}

// emitFile emits a file's event when the filter watches it.
func (w *Watcher) emitFile(ctx context.Context, ev Event) {
	if rel, ok := w.rel(ev.Path); ok && !w.filter.Watched(rel) {
		return
	}
	w.emit(ctx, ev)
}

func (w *Watcher) emit(ctx context.Context, ev Event) {
	select {
	case w.events <- ev:
	case <-ctx.Done():
	}
}

// rel returns the root-relative slash path, false when path is outside
// the root.
func (w *Watcher) rel(path string) (string, bool) {
	r, err := filepath.Rel(w.root, path)
	if err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
		return "", false
	}
	return filepath.ToSlash(r), true
}

// MatchExact reports whether rel itself (not one of its directories)
// matches one of the patterns: for a walk that has already checked, and
// descended through, every directory above rel.
func MatchExact(patterns []string, rel string) bool {
	for _, pat := range patterns {
		if ok, _ := doublestar.Match(pat, rel); ok {
			return true
		}
	}
	return false
}

// Match reports whether the root-relative slash path rel, or any directory
// above it, matches one of the doublestar patterns ("**/node_modules/**",
// "**/.*", "apps/web/src/types/**"). Malformed patterns never match.
func Match(patterns []string, rel string) bool {
	rel = strings.TrimPrefix(rel, "./")
	if rel == "" || rel == "." {
		return false
	}
	for p := rel; ; {
		for _, pat := range patterns {
			if ok, _ := doublestar.Match(pat, p); ok {
				return true
			}
		}
		i := strings.LastIndexByte(p, '/')
		if i < 0 {
			return false
		}
		p = p[:i]
	}
}
