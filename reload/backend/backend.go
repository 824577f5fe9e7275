// Package backend is the backend-reload executor. In managed mode it owns
// the backend: a reverse proxy listens on the public port, backends run on
// free loopback ports, and a reload starts a new process, waits for its
// health check and only then switches traffic to it (keep-last-good); a
// backend that fails to start is killed, the old one keeps serving and its
// Python traceback becomes diagnostics. In external mode (no command: the
// user runs `uvicorn --reload` themselves) a reload polls the health URL.
package backend

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/analysis/openapi"
	"github.com/farm-stack/farm-lsp/reload/executor"
	"github.com/farm-stack/farm-lsp/reload/plan"
	"github.com/farm-stack/farm-lsp/reload/traceback"
)

// Defaults.
const (
	DefaultHealthPath   = "/openapi.json"
	DefaultStartTimeout = 15 * time.Second
	DefaultStopGrace    = 5 * time.Second
	DefaultPublicAddr   = "127.0.0.1:8000"
	// loopback is where managed backends listen ({host}).
	loopback = "127.0.0.1"
)

// Options configure a Manager (DESIGN.md "Configuration",
// development.backend).
type Options struct {
	// Root is the workspace root; diagnostics are relative to it.
	Root string
	// Command is the backend argv; "{port}" and "{host}" are replaced in
	// every argument. Empty means external mode.
	Command []string
	// Cwd is the backend's working directory, relative to Root unless
	// absolute; Root when empty.
	Cwd string
	// Env holds KEY=VALUE pairs added to farm-lsp's environment; PORT is
	// always set to the backend's port.
	Env []string
	// HealthPath is polled until it answers 2xx/3xx (default /openapi.json).
	HealthPath string
	// StartTimeout bounds how long a new backend may take to become
	// healthy (default 15 s).
	StartTimeout time.Duration
	// StopGrace is how long an old backend may finish in-flight requests,
	// and then how long SIGTERM has before SIGKILL (default 5 s each).
	StopGrace time.Duration
	// PublicAddr is the proxy's address in managed mode and the backend's
	// address in external mode (default 127.0.0.1:8000). Port 0 picks a
	// free port; Addr reports it.
	PublicAddr string
	// InitialFiles are the workspace's Python facts when the manager is
	// created: external mode compares the first change's API with them.
	InitialFiles []*facts.File
	// Document, when set, is the static OpenAPI document of a planned state
	// (the one type generation builds, shared rather than built again);
	// InitialState is then the workspace at creation, used instead of
	// InitialFiles. Documents are read, never changed.
	Document     func(*plan.State) *openapi.Document
	InitialState *plan.State
	// NoStandby disables the warm standby interpreter.
	NoStandby bool
	// Logger receives farm-lsp's own log records (default slog.Default()).
	Logger *slog.Logger
	// Log receives every stdout/stderr line of the backend processes
	// (for window/logMessage); it is called from several goroutines.
	Log func(line string)
	// OnCrash, when set, receives the result of the automatic restart
	// that follows a crash of the serving backend (its diagnostics, if
	// the new one does not start either).
	OnCrash func(executor.Result)
	// Broken returns the workspace-relative Python files that currently
	// have syntax errors; when any does, a reload fails at once.
	Broken func() []string
	// Allowed, when set, is asked before any process starts (the backend
	// and the warm standby): false starts nothing (the workspace is not
	// trusted, reload/trust). It must not block.
	Allowed func() bool
}

// Manager runs the backend behind the proxy. It implements
// executor.Executor for backend-reload tasks.
type Manager struct {
	opts   Options
	log    *slog.Logger
	cwd    string
	ln     net.Listener
	srv    *http.Server
	client *http.Client

	// External mode: the static API last confirmed served, and the one a
	// running check waits for.
	extMu      sync.Mutex
	lastAPI    *apiShape
	pendingAPI *apiShape
	apiBuilder *openapi.Builder
	initAPI    *apiShape // the API at start (InitialFiles), once computed
	initDone   bool

	ctx    context.Context // cancelled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup // goroutines the Manager owns
	sem    chan struct{}  // serialises reloads and Close

	cur atomic.Pointer[instance]
	// starting is closed when the reload in progress ends (nil when none):
	// requests that find no backend wait for it instead of failing.
	starting atomic.Pointer[chan struct{}]

	mu       sync.Mutex
	procs    map[*proc]struct{} // every process not yet reaped
	standby  *proc
	reported map[string]bool // paths with backend-error diagnostics out
	closed   bool
	// standbyOff is set when a standby died unused: no more are started.
	standbyOff bool
	lastCrash  time.Time // last restart after a crash

	starts atomic.Int64 // processes started or activated as backends
}

var _ executor.Executor = (*Manager)(nil)

// New validates opts and, in managed mode, starts the proxy on PublicAddr
// (no backend yet: the first Run or Restart starts one). In managed mode
// with a `python -m uvicorn` command it also starts a warm standby.
func New(opts Options) (*Manager, error) {
	if opts.HealthPath == "" {
		opts.HealthPath = DefaultHealthPath
	}
	if !strings.HasPrefix(opts.HealthPath, "/") {
		opts.HealthPath = "/" + opts.HealthPath
	}
	if opts.StartTimeout <= 0 {
		opts.StartTimeout = DefaultStartTimeout
	}
	if opts.StopGrace <= 0 {
		opts.StopGrace = DefaultStopGrace
	}
	if opts.PublicAddr == "" {
		opts.PublicAddr = DefaultPublicAddr
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	log = log.With("component", "backend")
	root, err := filepath.Abs(opts.Root)
	if err != nil {
		return nil, fmt.Errorf("backend: workspace root: %w", err)
	}
	opts.Root = root
	cwd := opts.Cwd
	if cwd == "" {
		cwd = root
	} else if !filepath.IsAbs(cwd) {
		cwd = filepath.Join(root, cwd)
	}
	if len(opts.Command) > 0 {
		opts.Command = withoutReloader(opts.Command, log)
		if !slices.ContainsFunc(opts.Command, func(a string) bool { return strings.Contains(a, "{port}") }) {
			log.Warn("development.backend.command has no {port}: the backend must listen on $PORT", "command", opts.Command)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	m := &Manager{
		opts: opts, log: log, cwd: cwd,
		client:   &http.Client{Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}},
		ctx:      ctx,
		cancel:   cancel,
		sem:      make(chan struct{}, 1),
		procs:    map[*proc]struct{}{},
		reported: map[string]bool{},
	}
	if !m.Managed() {
		return m, nil
	}
	ln, err := net.Listen("tcp", opts.PublicAddr)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("backend: listen on the public port: %w", err)
	}
	m.ln = ln
	m.srv = &http.Server{Handler: m, ReadHeaderTimeout: 30 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelDebug)}
	m.goOwned("proxy", func() {
		if err := m.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("proxy stopped", "err", err)
		}
	})
	m.prespawn()
	return m, nil
}

// Managed reports whether farm-lsp runs the backend (a command is set).
func (m *Manager) Managed() bool { return len(m.opts.Command) > 0 }

// Addr is the proxy's bound address in managed mode, or the configured
// backend address in external mode.
func (m *Manager) Addr() string {
	if m.ln != nil {
		return m.ln.Addr().String()
	}
	return m.opts.PublicAddr
}

// PID is the serving backend's process id (0 when none).
func (m *Manager) PID() int {
	if in := m.cur.Load(); in != nil {
		return in.p.pid
	}
	return 0
}

// Run implements executor.Executor: it restarts the backend (managed
// mode) or checks it (external mode) after a change.
func (m *Manager) Run(ctx context.Context, task plan.Task, r executor.Reporter) (res executor.Result) {
	defer func() {
		if p := recover(); p != nil {
			m.log.Error("backend reload panicked", "panic", p)
			res = executor.Result{Status: executor.Failed, Message: fmt.Sprintf("backend reload: internal error: %v", p)}
		}
	}()
	if r == nil {
		r = executor.NopReporter{}
	}
	if !m.Managed() {
		return m.checkExternal(ctx, task, r)
	}
	return m.reload(ctx, r, nil)
}

// Restart starts a new backend and swaps traffic to it once healthy
// (farm.restartBackend, and the first start). It is Run without a task.
func (m *Manager) Restart(ctx context.Context) executor.Result {
	return m.Run(ctx, plan.Task{Kind: plan.BackendReload, Reason: "restart requested"}, nil)
}

// brokenResult fails at once when the analysis knows of syntax errors.
func (m *Manager) brokenResult() (executor.Result, bool) {
	if m.opts.Broken == nil {
		return executor.Result{}, false
	}
	broken := m.opts.Broken()
	if len(broken) == 0 {
		return executor.Result{}, false
	}
	broken = slices.Clone(broken)
	slices.Sort(broken)
	return executor.Result{
		Status:  executor.Failed,
		Message: "backend not restarted: syntax errors in " + strings.Join(broken, ", ") + " (the previous backend keeps serving)",
	}, true
}

func (m *Manager) acquire(ctx context.Context) error {
	select {
	case m.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-m.ctx.Done():
		return errors.New("backend manager closed")
	}
}

// reload starts a new backend and swaps to it once healthy. crashed, when
// not nil, is the serving instance whose process died: it is taken out of
// service first (requests then wait for this start).
func (m *Manager) reload(ctx context.Context, r executor.Reporter, crashed *instance) executor.Result {
	if res, broken := m.brokenResult(); broken {
		return res
	}
	if err := m.acquire(ctx); err != nil {
		return executor.Result{Status: executor.Failed, Message: "backend reload: " + err.Error()}
	}
	defer func() { <-m.sem }()
	starting := make(chan struct{})
	m.starting.Store(&starting)
	defer func() {
		m.starting.Store(nil)
		close(starting)
	}()
	if crashed != nil && !m.cur.CompareAndSwap(crashed, nil) {
		return executor.Result{Status: executor.OK, Message: "backend already replaced"}
	}
	// Checked again: the tree may have broken while we waited.
	if res, broken := m.brokenResult(); broken {
		return res
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stopOnClose := context.AfterFunc(m.ctx, cancel)
	defer stopOnClose()

	begin := time.Now()
	port, err := freePort(loopback)
	if err != nil {
		return executor.Result{Status: executor.Failed, Message: "backend reload: " + err.Error(), Transient: true}
	}
	r.Report("starting backend", 10)
	p, how, err := m.startBackend(ctx, port)
	if err != nil {
		// Not found / not executable: a configuration problem.
		return executor.Result{Status: executor.Failed, Message: "backend could not be started: " + err.Error()}
	}
	m.starts.Add(1)
	r.Report("waiting for "+m.opts.HealthPath, 30)
	err = m.waitHealthy(ctx, p, port)
	defer m.prespawn() // the next standby, once this one is taken
	if err != nil {
		p.stop(m.opts.StopGrace)
		return m.failed(p, err)
	}
	r.Report("switching traffic", 90)
	in := newInstance(p, loopback, port, m.log)
	old := m.cur.Swap(in)
	if old != nil {
		m.retire(old)
	}
	m.log.Info("backend serving", "pid", p.pid, "port", port, "start", how, "took", time.Since(begin))
	res := executor.Result{
		Status:  executor.OK,
		Message: fmt.Sprintf("backend serving on %s (pid %d, %s start) in %d ms", m.Addr(), p.pid, how, time.Since(begin).Milliseconds()),
	}
	res.Diagnostics = m.replaceReported(nil)
	return res
}

// startBackend activates the warm standby when there is one, else spawns
// the command. how names which ("warm" or "cold").
func (m *Manager) startBackend(ctx context.Context, port int) (*proc, string, error) {
	args := fill(m.opts.Command, port)
	env := map[string]string{"PORT": strconv.Itoa(port)}
	m.mu.Lock()
	sb := m.standby
	m.standby = nil
	m.mu.Unlock()
	if sb != nil {
		// A standby still importing is waited for: it is ahead of a cold
		// start, which would import the same modules from scratch.
		t := time.NewTimer(m.opts.StartTimeout)
		select {
		case <-sb.ready:
		case <-sb.exited:
		case <-ctx.Done():
		case <-t.C:
		}
		t.Stop()
		if !sb.running() {
			// It died before being asked to serve: the interpreter cannot
			// run the bootstrap (no uvicorn?). Stop pre-spawning.
			m.log.Warn("warm standby exited before use; starting backends cold from now on",
				"err", sb.err, "stderr", lastLine(sb.stderr.text()))
			m.mu.Lock()
			m.standbyOff = true
			m.mu.Unlock()
		} else if isClosed(sb.ready) {
			line, err := activation{Args: args[3:], Env: env}.line()
			if err == nil {
				if _, err = sb.stdin.Write(line); err == nil {
					return sb, "warm", nil
				}
			}
			m.log.Warn("standby could not be activated; starting cold", "err", err)
		}
		m.goOwned("stop standby", func() { sb.stop(m.opts.StopGrace) })
	}
	p, err := m.spawn(args, env, false)
	return p, "cold", err
}

// prespawn starts a warm standby when the command allows one and none is
// waiting.
func (m *Manager) prespawn() {
	if m.opts.NoStandby {
		return
	}
	argv, ok := standbyArgs(m.opts.Command)
	if !ok || m.opts.Allowed != nil && !m.opts.Allowed() {
		return // not trusted yet: the first reload after trust prespawns
	}
	m.mu.Lock()
	if m.closed || m.standbyOff || (m.standby != nil && m.standby.running()) {
		m.mu.Unlock()
		return
	}
	m.mu.Unlock()
	p, err := m.spawn(argv, nil, true)
	if err != nil {
		m.log.Warn("warm standby not started", "err", err)
		return
	}
	m.mu.Lock()
	if m.closed || m.standby != nil {
		m.mu.Unlock()
		p.stop(m.opts.StopGrace)
		return
	}
	m.standby = p
	m.mu.Unlock()
}

// withoutReloader drops uvicorn's own reloader flags: farm-lsp is the
// reloader in managed mode, and a second one would restart the backend
// behind the proxy's back, without the health check.
func withoutReloader(cmd []string, log *slog.Logger) []string {
	isUvicorn := filepath.Base(cmd[0]) == "uvicorn" || len(cmd) > 2 && cmd[1] == "-m" && cmd[2] == "uvicorn"
	if !isUvicorn {
		return cmd
	}
	out := make([]string, 0, len(cmd))
	var dropped []string
	for i := 0; i < len(cmd); i++ {
		a := cmd[i]
		name, _, hasValue := strings.Cut(a, "=")
		switch name {
		case "--reload":
			dropped = append(dropped, a)
			continue
		case "--reload-dir", "--reload-include", "--reload-exclude", "--reload-delay":
			dropped = append(dropped, a)
			if !hasValue && i+1 < len(cmd) {
				i++
				dropped = append(dropped, cmd[i])
			}
			continue
		}
		out = append(out, a)
	}
	if len(dropped) > 0 {
		log.Info("dropped uvicorn reloader flags: farm-lsp reloads the backend itself", "flags", dropped)
	}
	return out
}

// fill replaces {port} and {host} in every argument.
func fill(cmd []string, port int) []string {
	out := make([]string, len(cmd))
	rep := strings.NewReplacer("{port}", strconv.Itoa(port), "{host}", loopback)
	for i, a := range cmd {
		out[i] = rep.Replace(a)
	}
	return out
}

// spawn starts argv in its own process group with the backend's
// environment plus extra. The wait goroutine reaps it.
func (m *Manager) spawn(argv []string, extra map[string]string, withStdin bool) (*proc, error) {
	m.mu.Lock()
	closed := m.closed
	m.mu.Unlock()
	if closed {
		return nil, errors.New("backend manager closed")
	}
	if m.opts.Allowed != nil && !m.opts.Allowed() {
		return nil, errors.New("workspace not trusted")
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = m.cwd
	env := append(os.Environ(), "PYTHONUNBUFFERED=1", "NO_COLOR=1", "PYTHON_COLORS=0")
	env = append(env, m.opts.Env...)
	for k, v := range extra {
		env = append(env, k+"="+v)
	}
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.WaitDelay = time.Second // grandchildren holding the pipes open
	p := &proc{cmd: cmd, exited: make(chan struct{})}
	p.stdout = &lineSink{onLine: m.logLine}
	p.stderr = &lineSink{onLine: m.logLine}
	if withStdin {
		p.ready = make(chan struct{})
		var once sync.Once
		p.stderr.onLine = func(l string) {
			if l == standbyReady {
				once.Do(func() { close(p.ready) })
				return
			}
			m.logLine(l)
		}
	}
	cmd.Stdout, cmd.Stderr = p.stdout, p.stderr
	if withStdin {
		w, err := cmd.StdinPipe()
		if err != nil {
			return nil, fmt.Errorf("stdin pipe: %w", err)
		}
		p.stdin = w
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", argv[0], err)
	}
	p.pid = cmd.Process.Pid
	m.mu.Lock()
	m.procs[p] = struct{}{}
	m.mu.Unlock()
	m.goOwned("reap", func() {
		p.err = cmd.Wait()
		m.mu.Lock()
		delete(m.procs, p)
		m.mu.Unlock()
		// Before exited is closed, so whoever awaits the exit sees the
		// crash already handled.
		if in := m.cur.Load(); in != nil && in.p == p {
			m.log.Warn("the serving backend exited", "pid", p.pid, "err", p.err)
			m.crashed(in)
		}
		close(p.exited)
	})
	return p, nil
}

func (m *Manager) logLine(line string) {
	if m.opts.Log != nil {
		m.opts.Log(line)
	}
}

// errExited is returned by waitHealthy when the process died first.
var errExited = errors.New("backend exited during start-up")

// errTimeout is returned by waitHealthy when StartTimeout passed.
var errTimeout = errors.New("backend did not become healthy in time")

// waitHealthy polls the health path until it answers, the process exits,
// the start timeout passes or ctx ends.
func (m *Manager) waitHealthy(ctx context.Context, p *proc, port int) error {
	url := "http://" + net.JoinHostPort(loopback, strconv.Itoa(port)) + m.opts.HealthPath
	deadline := time.NewTimer(m.opts.StartTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(15 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-p.exited:
			return errExited
		default:
		}
		if m.healthy(ctx, url) {
			return nil
		}
		select {
		case <-p.exited:
			return errExited
		case <-ctx.Done():
			return fmt.Errorf("backend start cancelled: %w", ctx.Err())
		case <-deadline.C:
			return fmt.Errorf("%w (%s)", errTimeout, m.opts.StartTimeout)
		case <-tick.C:
		}
	}
}

// healthy reports whether one GET of url answered 2xx or 3xx.
func (m *Manager) healthy(ctx context.Context, url string) bool {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false
	}
	resp, err := m.client.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode >= 200 && resp.StatusCode < 400
}

// failed builds the result of a start that did not become healthy: the
// traceback on stderr becomes diagnostics; the old backend keeps serving.
func (m *Manager) failed(p *proc, cause error) executor.Result {
	stderr := p.stderr.text()
	errs := traceback.Parse(stderr)
	diags := traceback.Diagnostics(errs, traceback.Options{Root: m.opts.Root, Cwd: m.cwd, ReadFile: os.ReadFile})
	if len(diags) == 0 && len(errs) > 0 {
		// Frames name real paths; the root may be reached through a symlink.
		if root, err := filepath.EvalSymlinks(m.opts.Root); err == nil && root != m.opts.Root {
			cwd, _ := filepath.EvalSymlinks(m.cwd)
			diags = traceback.Diagnostics(errs, traceback.Options{Root: root, Cwd: cwd, ReadFile: os.ReadFile})
		}
	}
	serving := "no backend is serving"
	if m.cur.Load() != nil {
		serving = "the previous backend keeps serving"
	}
	res := executor.Result{Status: executor.Failed}
	switch {
	case len(errs) > 0:
		last := errs[len(errs)-1]
		where := ""
		if len(diags) > 0 {
			d := diags[len(diags)-1]
			where = fmt.Sprintf(" at %s:%d", d.Path, d.Range.Start.Line+1)
		}
		res.Message = fmt.Sprintf("backend failed to start: %s%s; %s", last, where, serving)
	case loaderError(stderr) != "":
		res.Message = fmt.Sprintf("backend failed to start: %s; %s", loaderError(stderr), serving)
	case errors.Is(cause, errExited):
		res.Message = fmt.Sprintf("backend exited during start-up (%v); %s", p.err, serving)
		res.Transient = true
	default:
		res.Message = fmt.Sprintf("%v; %s", cause, serving)
		res.Transient = !errors.Is(cause, context.Canceled)
	}
	byPath := map[string][]facts.Diagnostic{}
	for _, d := range diags {
		byPath[d.Path] = append(byPath[d.Path], d)
	}
	res.Diagnostics = m.replaceReported(byPath)
	m.log.Warn("backend start failed", "pid", p.pid, "msg", res.Message)
	return res
}

func isClosed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// loaderError finds uvicorn's own start-up error lines (no traceback).
func loaderError(stderr string) string {
	for _, l := range strings.Split(stderr, "\n") {
		if i := strings.Index(l, ": No module named "); i >= 0 && !strings.HasPrefix(l, " ") {
			msg := strings.TrimSpace(l) // python3 -m of a missing module
			if mod := strings.Trim(l[i+len(": No module named "):], "' \r"); mod == "uvicorn" || mod == "fastapi" {
				msg += " (" + serverInstall + ")"
			}
			return msg
		}
		for _, marker := range []string{"Error loading ASGI app.", "Application startup failed."} {
			if i := strings.Index(l, marker); i >= 0 {
				return strings.TrimSpace(l[i:])
			}
		}
	}
	return ""
}

// replaceReported records the paths that now have diagnostics and returns
// next plus empty slices for every previously reported path that has none
// now, so the editor clears them.
func (m *Manager) replaceReported(next map[string][]facts.Diagnostic) map[string][]facts.Diagnostic {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string][]facts.Diagnostic{}
	for p := range m.reported {
		out[p] = []facts.Diagnostic{}
	}
	m.reported = map[string]bool{}
	for p, ds := range next {
		out[p] = ds
		m.reported[p] = true
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// retire drains the old instance and stops it, in the background.
func (m *Manager) retire(old *instance) {
	m.goOwned("retire", func() {
		t := time.NewTimer(m.opts.StopGrace)
		select {
		case <-old.drain():
		case <-t.C:
			m.log.Warn("old backend still busy; stopping it anyway", "pid", old.p.pid)
		case <-m.ctx.Done():
		}
		t.Stop()
		old.p.stop(m.opts.StopGrace)
		old.transport.CloseIdleConnections()
	})
}

// crashCooldown is the least time between two restarts after crashes.
const crashCooldown = 10 * time.Second

// crashed restarts the backend after the serving process died on its own
// (not stopped by a reload or Close), at most once per crashCooldown.
func (m *Manager) crashed(in *instance) {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return
	}
	if !m.lastCrash.IsZero() && time.Since(m.lastCrash) < crashCooldown {
		m.mu.Unlock()
		m.cur.CompareAndSwap(in, nil)
		m.log.Error("the backend crashed again; not restarting it until the next reload", "pid", in.p.pid)
		return
	}
	m.lastCrash = time.Now()
	m.mu.Unlock()
	m.goOwned("restart after crash", func() {
		res := m.reload(m.ctx, executor.NopReporter{}, in)
		m.log.Info("backend restarted after a crash", "status", res.Status, "message", res.Message)
		if m.opts.OnCrash != nil {
			m.opts.OnCrash(res)
		}
	})
}

// goOwned runs fn on a goroutine the Manager owns: Close waits for it and
// a panic in it is logged, not fatal.
func (m *Manager) goOwned(name string, fn func()) {
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		defer func() {
			if p := recover(); p != nil {
				m.log.Error("backend goroutine panicked", "goroutine", name, "panic", p)
			}
		}()
		fn()
	}()
}

// Close stops the proxy and every backend process (serving, standby,
// starting, retiring) and waits until they are reaped.
func (m *Manager) Close() error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil
	}
	m.closed = true
	m.mu.Unlock()
	m.cancel()
	m.sem <- struct{}{} // wait for a reload in progress to give up
	var err error
	if m.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		if e := m.srv.Shutdown(ctx); e != nil {
			err = m.srv.Close()
		}
		cancel()
	}
	if in := m.cur.Swap(nil); in != nil {
		in.drain()
		in.transport.CloseIdleConnections()
	}
	m.mu.Lock()
	procs := make([]*proc, 0, len(m.procs))
	for p := range m.procs {
		procs = append(procs, p)
	}
	m.standby = nil
	m.mu.Unlock()
	var wg sync.WaitGroup
	for _, p := range procs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.stop(m.opts.StopGrace)
		}()
	}
	wg.Wait()
	m.wg.Wait()
	if err != nil {
		return fmt.Errorf("backend: close proxy: %w", err)
	}
	return nil
}
