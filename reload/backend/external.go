package backend

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"syscall"
	"time"

	"github.com/farm-stack/farm-lsp/reload/executor"
)

// checkExternal is Run in external mode: the user's own reloader restarts
// the backend; we wait for it to notice the change, then poll the health
// URL until it answers or StartTimeout passes.
func (m *Manager) checkExternal(ctx context.Context, r executor.Reporter) executor.Result {
	if res, broken := m.brokenResult(); broken {
		return res
	}
	url := "http://" + m.opts.PublicAddr + m.opts.HealthPath
	settle := time.NewTimer(m.opts.ExternalSettle)
	select {
	case <-settle.C:
	case <-ctx.Done():
		settle.Stop()
		return executor.Result{Status: executor.Failed, Message: "backend check cancelled: " + ctx.Err().Error()}
	}
	r.Report("checking "+url, 50)
	ctx, cancel := context.WithTimeout(ctx, m.opts.StartTimeout)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	var last error
	for {
		status, err := m.probe(ctx, url)
		switch {
		case err == nil && status < 400:
			return executor.Result{Status: executor.OK, Message: fmt.Sprintf("backend at %s healthy", m.opts.PublicAddr)}
		case err == nil && status >= 500:
			return executor.Result{Status: executor.Failed, Message: fmt.Sprintf("backend at %s answers %s with HTTP %d", m.opts.PublicAddr, m.opts.HealthPath, status)}
		case err == nil:
			return executor.Result{Status: executor.Failed, Message: fmt.Sprintf("backend at %s answers %s with HTTP %d (check development.backend.health)", m.opts.PublicAddr, m.opts.HealthPath, status)}
		case errors.Is(err, syscall.ECONNREFUSED):
			// A reloader keeps its socket while it restarts: nothing
			// listening means the user is not running a backend.
			return executor.Result{Status: executor.Skipped, Message: "skipped: backend not reachable at " + m.opts.PublicAddr + startHint(m.opts.PublicAddr)}
		}
		last = err
		select {
		case <-ctx.Done():
			return executor.Result{
				Status:    executor.Failed,
				Message:   fmt.Sprintf("backend at %s not responding: %v", m.opts.PublicAddr, last),
				Transient: true,
			}
		case <-tick.C:
		}
	}
}

// probe GETs url once, returning the status code.
func (m *Manager) probe(ctx context.Context, url string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, fmt.Errorf("health request: %w", err)
	}
	resp, err := m.client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("health request: %w", err)
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// startHint says how to run the backend farm-lsp found no one running at
// addr, and what to install for it.
func startHint(addr string) string {
	port := "8000"
	if _, p, err := net.SplitHostPort(addr); err == nil {
		port = p
	}
	return " — start it in the API directory: `python3 -m uvicorn src.main:app --reload --port " + port + "`" +
		" (" + serverInstall + "), or set development.backend in farm.config.ts and farm-lsp runs it"
}

// serverInstall names how to install the backend's server packages.
const serverInstall = "needs FastAPI and uvicorn: `apt-get install -y python3-fastapi python3-uvicorn` on Debian/Ubuntu, else `pip install fastapi uvicorn`"
