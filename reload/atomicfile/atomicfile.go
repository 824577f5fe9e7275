// Package atomicfile writes files so that readers see the old content or
// the new, never part of it, and cleans up after a writer that was killed
// mid-write. Every file farm-lsp generates (types, API client, hooks,
// plugin registry, migrations) goes through Write.
package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// A temporary file is named after its target: .<name>.farm-<digits>.tmp in
// the target's directory (os.CreateTemp puts the digits in place of *).
// The file watcher ignores *.tmp.
const (
	tempPrefix = "."
	tempInfix  = ".farm-"
	tempSuffix = ".tmp"
)

var tempRE = regexp.MustCompile(`^\..+\.farm-[0-9]+\.tmp$`)

// IsTemp reports whether a file name (a base name) is one of Write's
// temporary files.
func IsTemp(name string) bool { return tempRE.MatchString(name) }

// Write writes data to name through a temporary file in the same
// directory, renamed over name once complete, with permissions perm. The
// directory must exist. On error the temporary file is removed and name is
// untouched; only a process killed between the create and the rename leaves
// the temporary file behind, for RemoveLeftovers.
func Write(name string, data []byte, perm fs.FileMode) error {
	f, err := createTemp(name)
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, werr := f.Write(data)
	if err := errors.Join(werr, f.Close(), os.Chmod(tmp, perm)); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, name); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	return nil
}

// createTemp creates the temporary file for name.
func createTemp(name string) (*os.File, error) {
	return os.CreateTemp(filepath.Dir(name), tempPrefix+filepath.Base(name)+tempInfix+"*"+tempSuffix)
}

// RemoveLeftovers removes the temporary files Write leaves behind when the
// process is killed mid-write: regular files named .<name>.farm-<digits>.tmp
// in the given directories (relative to root, slash or OS separated) and
// their subdirectories, not descending into node_modules or dot-directories
// and never following symbolic links. Missing directories are skipped; a
// directory outside root is refused. It returns the root-relative slash
// paths it removed, and the errors it met joined (it goes on past them).
//
// Call it at start, before anything writes: a file of this name that a
// running writer is about to rename would be lost with its write.
func RemoveLeftovers(root string, dirs ...string) ([]string, error) {
	var removed []string
	var errs []error
	seen := map[string]bool{}
	for _, d := range dirs {
		rel := filepath.Clean(filepath.FromSlash(d))
		if filepath.IsAbs(rel) || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			errs = append(errs, fmt.Errorf("atomicfile: %s is outside the workspace", d))
			continue
		}
		if seen[rel] {
			continue
		}
		seen[rel] = true
		start := filepath.Join(root, rel)
		if st, err := os.Lstat(start); err != nil || !st.IsDir() {
			continue // missing (nothing generated yet), a file or a link
		}
		err := filepath.WalkDir(start, func(p string, e fs.DirEntry, err error) error {
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return nil
				}
				errs = append(errs, err)
				if e != nil && e.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if e.IsDir() {
				if p != start && (e.Name() == "node_modules" || strings.HasPrefix(e.Name(), ".")) {
					return fs.SkipDir
				}
				return nil
			}
			if !e.Type().IsRegular() || !IsTemp(e.Name()) {
				return nil
			}
			r, _ := filepath.Rel(root, p)
			r = filepath.ToSlash(r)
			if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, err)
				return nil
			}
			removed = append(removed, r)
			return nil
		})
		if err != nil {
			errs = append(errs, err)
		}
	}
	return removed, errors.Join(errs...)
}
