package backend

import (
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"sync"
	"time"
)

// instance is a healthy backend process with the reverse proxy that
// forwards to it and a count of requests in flight, so it can be drained
// before it is stopped.
type instance struct {
	p         *proc
	port      int
	proxy     *httputil.ReverseProxy
	transport *http.Transport

	mu       sync.Mutex
	inflight int
	draining bool
	drained  chan struct{}
	once     sync.Once
}

func newInstance(p *proc, host string, port int, log *slog.Logger) *instance {
	target := &url.URL{Scheme: "http", Host: net.JoinHostPort(host, strconv.Itoa(port))}
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConnsPerHost: 32,
		IdleConnTimeout:     30 * time.Second,
	}
	in := &instance{p: p, port: port, transport: tr, drained: make(chan struct{})}
	in.proxy = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.Out.Host = pr.In.Host // the app sees the public host, as without the proxy
			pr.SetXForwarded()
		},
		Transport:     tr,
		FlushInterval: -1, // stream (server-sent events, chunked responses) as it comes
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			log.Warn("proxy to backend failed", "port", port, "path", r.URL.Path, "err", err)
			http.Error(w, "farm-lsp: backend unavailable: "+err.Error(), http.StatusBadGateway)
		},
	}
	return in
}

// acquire counts a request in; false once the instance is draining.
func (in *instance) acquire() bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.draining {
		return false
	}
	in.inflight++
	return true
}

func (in *instance) release() {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.inflight--
	if in.draining && in.inflight == 0 {
		in.once.Do(func() { close(in.drained) })
	}
}

// drain stops new requests from being counted in and returns a channel
// closed when the ones in flight have finished.
func (in *instance) drain() <-chan struct{} {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.draining = true
	if in.inflight == 0 {
		in.once.Do(func() { close(in.drained) })
	}
	return in.drained
}

// ServeHTTP forwards the request to the current backend. A request that
// races with a swap is sent to the new backend; one that arrives while no
// backend serves but one is starting waits for that start.
func (m *Manager) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	for range 3 {
		in := m.cur.Load()
		if in == nil {
			if starting := m.starting.Load(); starting != nil {
				select {
				case <-*starting:
					continue
				case <-r.Context().Done():
					return
				}
			}
			http.Error(w, "farm-lsp: the backend is not running (see the farm-lsp log)", http.StatusServiceUnavailable)
			return
		}
		if in.acquire() {
			defer in.release()
			in.proxy.ServeHTTP(w, r)
			return
		}
	}
	http.Error(w, "farm-lsp: the backend is restarting", http.StatusServiceUnavailable)
}
