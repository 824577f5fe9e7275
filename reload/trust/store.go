package trust

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/farm-stack/farm-lsp/reload/atomicfile"
)

// Store remembers which settings the user allowed for which workspace
// root. Each allow is one file, allow/<sha256(root, hash)>.json, written
// atomically (reload/atomicfile), so two farm-lsp processes
// (two editors) never see half an entry and never lose each other's. The
// directory and its files are private to the user (0700/0600).
type Store struct {
	dir string
}

// Entry is one remembered allow.
type Entry struct {
	Root      string    `json:"root"`
	Hash      string    `json:"hash"`
	AllowedAt time.Time `json:"allowedAt"`
	// Settings is what was allowed, kept so that `farm-lsp trust` can show it.
	Settings Settings `json:"settings"`
}

// DefaultDir is farm-lsp's state directory: $XDG_STATE_HOME/farm-lsp, or
// ~/.local/state/farm-lsp when XDG_STATE_HOME is unset or not absolute
// (the XDG base directory specification says to ignore relative paths).
func DefaultDir(getenv func(string) string) (string, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	if d := getenv("XDG_STATE_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "farm-lsp"), nil
	}
	home := getenv("HOME")
	if home == "" || !filepath.IsAbs(home) {
		h, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("trust: no state directory: set XDG_STATE_HOME or HOME: %w", err)
		}
		home = h
	}
	return filepath.Join(home, ".local", "state", "farm-lsp"), nil
}

// OpenStore returns the store in dir (created on the first Allow).
func OpenStore(dir string) *Store { return &Store{dir: dir} }

// OpenDefaultStore returns the store in DefaultDir.
func OpenDefaultStore(getenv func(string) string) (*Store, error) {
	dir, err := DefaultDir(getenv)
	if err != nil {
		return nil, err
	}
	return OpenStore(dir), nil
}

// Dir is the store's directory.
func (s *Store) Dir() string { return s.dir }

func (s *Store) allowDir() string { return filepath.Join(s.dir, "allow") }

func (s *Store) file(root, hash string) string {
	sum := sha256.Sum256([]byte(root + "\x00" + hash))
	return filepath.Join(s.allowDir(), hex.EncodeToString(sum[:])+".json")
}

// Allowed reports whether hash was allowed for root.
func (s *Store) Allowed(root, hash string) (bool, error) {
	e, err := readEntry(s.file(root, hash))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return e.Root == root && e.Hash == hash, nil
}

// Allow remembers that the user allowed set for its root.
func (s *Store) Allow(set Settings) error {
	if set.Root == "" {
		return errors.New("trust: allow: no workspace root")
	}
	e := Entry{Root: set.Root, Hash: set.Hash(), AllowedAt: time.Now().UTC().Truncate(time.Second), Settings: set}
	b, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(s.allowDir(), 0o700); err != nil {
		return fmt.Errorf("trust: %w", err)
	}
	if err := atomicfile.Write(s.file(e.Root, e.Hash), append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("trust: %w", err)
	}
	return nil
}

// Entries lists the allows remembered for root, newest first.
func (s *Store) Entries(root string) ([]Entry, error) {
	var out []Entry
	err := s.each(func(name string, e Entry) error {
		if e.Root == root {
			out = append(out, e)
		}
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].AllowedAt.After(out[j].AllowedAt) })
	return out, err
}

// Revoke forgets every allow of root and returns how many there were.
func (s *Store) Revoke(root string) (int, error) {
	n := 0
	err := s.each(func(name string, e Entry) error {
		if e.Root != root {
			return nil
		}
		if err := os.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		n++
		return nil
	})
	return n, err
}

// each calls f for every readable entry; unreadable files are skipped.
func (s *Store) each(f func(name string, e Entry) error) error {
	des, err := os.ReadDir(s.allowDir())
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("trust: %w", err)
	}
	for _, de := range des {
		if de.IsDir() || !strings.HasSuffix(de.Name(), ".json") {
			continue
		}
		name := filepath.Join(s.allowDir(), de.Name())
		e, err := readEntry(name)
		if err != nil {
			continue
		}
		if err := f(name, e); err != nil {
			return err
		}
	}
	return nil
}

func readEntry(name string) (Entry, error) {
	var e Entry
	b, err := os.ReadFile(name)
	if err != nil {
		return e, err
	}
	if err := json.Unmarshal(b, &e); err != nil {
		return e, fmt.Errorf("trust: %s: %w", name, err)
	}
	return e, nil
}
