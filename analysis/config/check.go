package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/farm-stack/farm-lsp/analysis/facts"
)

// FileNames are the names farm.config may have, in preference order.
var FileNames = []string{"farm.config.ts", "farm.config.mts", "farm.config.js", "farm.config.mjs"}

// ErrNoApp is returned by FindRoot outside a FARM app.
var ErrNoApp = errors.New("not inside a FARM app")

// FindRoot returns the nearest directory at or above dir that holds a
// farm.config file, and that file's name. Outside a FARM app the error
// wraps ErrNoApp and names dir.
func FindRoot(dir string) (root, file string, err error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", "", err
	}
	if fi, err := os.Stat(abs); err != nil {
		return "", "", err
	} else if !fi.IsDir() {
		return "", "", fmt.Errorf("%s is not a directory", abs)
	}
	for d := abs; ; {
		for _, n := range FileNames {
			if fi, err := os.Stat(filepath.Join(d, n)); err == nil && fi.Mode().IsRegular() {
				return d, n, nil
			}
		}
		up := filepath.Dir(d)
		if up == d {
			return "", "", fmt.Errorf("%w: no farm.config.ts in %s or any directory above it", ErrNoApp, abs)
		}
		d = up
	}
}

// MissingPlugins diagnoses each entry of the `plugins` array of the config
// value v whose name has no manifest (known reports the names manifests
// declare). The diagnostics are warnings at the entry, with Path path.
func MissingPlugins(v *facts.Value, path string, known func(name string) bool) []facts.Diagnostic {
	var out []facts.Diagnostic
	for _, e := range PluginEntries(v.Get("plugins")) {
		if known(e.Name) {
			continue
		}
		out = append(out, facts.Diagnostic{Path: path, Range: e.Value.Range, Severity: facts.SeverityWarning,
			Code: facts.CodeConfig,
			Message: fmt.Sprintf("plugins: %q has no manifest (plugins/%s/plugin.json or plugin.ts declaring \"name\": %q); it is not loaded",
				e.Name, e.Name, e.Name)})
	}
	return out
}

// suggest returns the candidate closest to key by edit distance
// (transpositions count once), or "" when none is close: within a third
// of the key's length, at least 1, at most 3 edits.
func suggest(key string, candidates []string) string {
	limit := min(max(len(key)/3, 1), 3)
	best, bestD := "", limit+1
	for _, c := range candidates {
		if d := distance(key, c); d < bestD || d == bestD && c < best {
			best, bestD = c, d
		}
	}
	if bestD > limit {
		return ""
	}
	return best
}

// distance is the optimal-string-alignment edit distance, ASCII
// case-insensitive (a case slip counts as no edit, then as one).
func distance(a, b string) int {
	lower := func(c byte) byte {
		if 'A' <= c && c <= 'Z' {
			return c + 'a' - 'A'
		}
		return c
	}
	n, m := len(a), len(b)
	d := make([][]int, n+1)
	for i := range d {
		d[i] = make([]int, m+1)
		d[i][0] = i
	}
	for j := 0; j <= m; j++ {
		d[0][j] = j
	}
	for i := 1; i <= n; i++ {
		for j := 1; j <= m; j++ {
			cost := 1
			if lower(a[i-1]) == lower(b[j-1]) {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && lower(a[i-1]) == lower(b[j-2]) && lower(a[i-2]) == lower(b[j-1]) {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	dist := d[n][m]
	if dist == 0 && a != b {
		dist = 1
	}
	return dist
}
