package lsp

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// ConfigFile marks a workspace root.
const ConfigFile = "farm.config.ts"

// maxRootDepth is how deep below a workspace folder farm.config.ts is
// looked for (the folder itself is depth 0).
const maxRootDepth = 3

// findRoots returns the directories at or below folder (at most
// maxRootDepth levels) that hold farm.config.ts, shallowest first.
// node_modules and dot-directories are skipped and symlinked directories
// are not followed (no loops).
func findRoots(folder string) []string {
	var out []string
	level := []string{filepath.Clean(folder)}
	for depth := 0; depth <= maxRootDepth && len(level) > 0; depth++ {
		var next []string
		for _, dir := range level {
			entries, err := os.ReadDir(dir)
			if err != nil {
				continue
			}
			for _, e := range entries {
				name := e.Name()
				switch {
				case !e.IsDir() && name == ConfigFile && (e.Type().IsRegular() || isFile(filepath.Join(dir, name))):
					out = append(out, dir)
				case e.IsDir() && depth < maxRootDepth && name != "node_modules" && !strings.HasPrefix(name, "."):
					next = append(next, filepath.Join(dir, name))
				}
			}
		}
		level = next
	}
	return out
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

// within reports whether path is dir or below it.
func within(path, dir string) bool {
	if path == dir {
		return true
	}
	if dir == string(filepath.Separator) {
		return strings.HasPrefix(path, dir)
	}
	return strings.HasPrefix(path, dir+string(filepath.Separator))
}

// PathFromURI converts a file:// URI to a clean absolute path. It reports
// false for other schemes and unparsable URIs (never panics, unlike
// go.lsp.dev/uri's Filename).
func PathFromURI(u string) (string, bool) {
	pu, err := url.Parse(u)
	if err != nil || pu.Scheme != "file" || pu.Path == "" {
		return "", false
	}
	p := pu.Path
	// file:///C:/x on Windows.
	if len(p) >= 3 && p[0] == '/' && p[2] == ':' {
		p = p[1:]
	}
	p = filepath.Clean(filepath.FromSlash(p))
	if !filepath.IsAbs(p) {
		return "", false
	}
	return p, true
}

// URIFromPath converts an absolute path to a file:// URI.
func URIFromPath(p string) string {
	p = filepath.ToSlash(p)
	if len(p) >= 2 && p[1] == ':' { // C:/x
		p = "/" + p
	}
	return (&url.URL{Scheme: "file", Path: p}).String()
}

// rootURI joins a workspace-relative slash path to a root as a URI.
func rootURI(root, rel string) string {
	if rel == "" {
		return URIFromPath(root)
	}
	if filepath.IsAbs(rel) {
		return URIFromPath(rel)
	}
	return URIFromPath(filepath.Join(root, filepath.FromSlash(rel)))
}

func isAbs(p string) bool { return filepath.IsAbs(p) }
