package trust

import (
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/farm-stack/farm-lsp/analysis/config"
)

// RemoteDatabaseError is why an automatic migration may not write to the
// configured database: its host is not loopback and
// development.hotReload.database.allowRemote is not set.
type RemoteDatabaseError struct {
	Host string // the first host that is not loopback ("" when none could be read)
	URL  string // database.url, password hidden
}

func (e *RemoteDatabaseError) Error() string {
	host := fmt.Sprintf("host %q", e.Host)
	if e.Host == "" {
		host = fmt.Sprintf("the host of %q could not be read and", e.URL)
	}
	return fmt.Sprintf("database %s is not local: automatic migrations are not applied to it "+
		"(set development.hotReload.database.allowRemote: true in farm.config.ts to allow them)", host)
}

// CheckDatabaseWrite returns nil when an automatic migration may write to
// cfg's database: every host of database.url is loopback (localhost,
// 127.0.0.0/8, ::1, a Unix socket), or allowRemote is set. Otherwise it
// returns a *RemoteDatabaseError naming the host.
func CheckDatabaseWrite(cfg config.Config) error {
	if cfg.Development.HotReload.Database.AllowRemote {
		return nil
	}
	host, remote := RemoteHost(cfg.Database.URL)
	if !remote {
		return nil
	}
	return &RemoteDatabaseError{Host: host, URL: RedactURL(cfg.Database.URL)}
}

// RemoteHost returns the first host of a database URL that is not
// loopback, and whether there is one. A URL whose hosts cannot be read
// counts as remote (with host ""), and so does mongodb+srv:// whatever its
// name: the DNS SRV record chooses the servers.
func RemoteHost(raw string) (host string, remote bool) {
	scheme, rest, ok := strings.Cut(strings.TrimSpace(raw), "://")
	if !ok {
		return "", true
	}
	scheme = strings.ToLower(scheme)
	// The authority ends at the path or the query; Unix socket paths in
	// it are percent-encoded, so a '/' is never part of it.
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	if i := strings.LastIndex(rest, "@"); i >= 0 {
		rest = rest[i+1:]
	}
	if rest == "" {
		return "", true
	}
	for _, h := range strings.Split(rest, ",") {
		name, err := url.PathUnescape(h)
		if err != nil || name == "" {
			return h, true
		}
		if scheme == "mongodb+srv" {
			return hostOnly(name), true
		}
		if !loopback(name) {
			return hostOnly(name), true
		}
	}
	return "", false
}

// hostOnly strips the port (and IPv6 brackets).
func hostOnly(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return strings.TrimSuffix(strings.TrimPrefix(hostport, "["), "]")
}

func loopback(hostport string) bool {
	if strings.HasPrefix(hostport, "/") || strings.HasSuffix(hostport, ".sock") {
		return true // a Unix socket is on this machine
	}
	h := strings.ToLower(hostOnly(hostport))
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}
