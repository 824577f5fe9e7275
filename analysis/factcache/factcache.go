// Package factcache is a content-addressed on-disk cache of the facts
// extracted from Python files, so that a one-shot `farm-lsp generate` or
// `farm-lsp openapi` over an unchanged backend skips parsing (as .pyc
// files spare Python its compiling, and tsbuildinfo spares tsc).
//
// An entry is keyed by a hash of everything its facts depend on: the
// running farm-lsp build (the Go build ID of its executable, so a cache is
// never trusted across versions, not even two builds of one commit with
// different code), the shape of the facts, the analysis options, the
// file's workspace path and kind, and its content. Entries are written
// atomically; one that does not decode (corrupt, truncated, from a foreign
// writer) is ignored and rewritten. Reading an entry refreshes its
// modification time (at most once a day), and Trim removes entries unused
// for a week, as Go's build cache does.
package factcache

import (
	"bytes"
	"crypto/sha256"
	"debug/elf"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/internal/readfile"
)

// magic starts every entry; the key and a CRC of the payload follow.
const magic = "farm-lsp facts 1\n"

// Timings of the cache's upkeep.
const (
	touchAfter = 24 * time.Hour     // refresh an entry's mtime when older
	trimAfter  = 7 * 24 * time.Hour // Trim removes entries unused this long
	trimEvery  = 24 * time.Hour     // Trim runs at most this often
)

// Cache is a directory of entries. A nil *Cache caches nothing. It is
// safe for concurrent use, also by several processes.
type Cache struct {
	dir     string
	version string
	// Puts write in the background, one at a time: a cold run's writes
	// overlap its (single-threaded) OpenAPI build instead of delaying the
	// parses. Flush waits for them.
	pending sync.WaitGroup
	writer  sync.Mutex
}

// DefaultDir is where farm-lsp caches facts: farm-lsp/facts under the
// user's cache directory ($XDG_CACHE_HOME, else ~/.cache on Linux).
func DefaultDir() (string, error) {
	d, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "farm-lsp", "facts"), nil
}

// Open returns the cache in dir for the running build, or nil (caching
// nothing) when the build has no identity to key entries by, or the facts'
// shape is not the one the entry codec was written for.
func Open(dir string) *Cache {
	v, err := BuildVersion()
	if err != nil {
		return nil
	}
	return OpenVersion(dir, v)
}

// OpenVersion is Open with an explicit analyser version (tests).
func OpenVersion(dir, version string) *Cache {
	if dir == "" || version == "" || fingerprint() != schemaFingerprint {
		return nil
	}
	return &Cache{dir: dir, version: version}
}

// Flush waits for the entries being written.
func (c *Cache) Flush() {
	if c != nil {
		c.pending.Wait()
	}
}

// Dir is the cache's directory.
func (c *Cache) Dir() string { return c.dir }

// key is the entry key of content analysed as meta (path, kind, options).
func (c *Cache) key(meta string, content []byte) string {
	h := sha256.New()
	for _, s := range []string{magic, c.version, schemaFingerprint, runtime.Version(), meta} {
		var n [binary.MaxVarintLen64]byte
		h.Write(n[:binary.PutUvarint(n[:], uint64(len(s)))])
		h.Write([]byte(s))
	}
	h.Write(content)
	return hex.EncodeToString(h.Sum(nil))
}

func (c *Cache) path(key string) string { return filepath.Join(c.dir, key[:2], key) }

// Get returns the facts cached for content analysed as meta, or nil.
func (c *Cache) Get(meta string, content []byte) *facts.File {
	if c == nil {
		return nil
	}
	key := c.key(meta, content)
	p := c.path(key)
	b, mtime, err := readfile.Read(p, 64<<20)
	if err != nil {
		return nil
	}
	f, err := unwrap(key, b)
	if err != nil {
		return nil // rewritten by the Put that follows the miss
	}
	if time.Since(mtime) > touchAfter {
		now := time.Now()
		_ = os.Chtimes(p, now, now)
	}
	return f
}

// Put stores the facts of content analysed as meta, in the background (see
// Flush); f must not change afterwards. Errors are ignored: a cache that
// cannot be written only costs time.
func (c *Cache) Put(meta string, content []byte, f *facts.File) {
	if c == nil || f == nil {
		return
	}
	key := c.key(meta, content)
	c.pending.Add(1)
	go func() {
		defer c.pending.Done()
		c.writer.Lock()
		defer c.writer.Unlock()
		c.put(key, f)
	}()
}

func (c *Cache) put(key string, f *facts.File) {
	b, err := wrap(key, f)
	if err != nil {
		return
	}
	p := c.path(key)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return
	}
	_ = writeAtomic(p, b)
}

// tmpSuffix ends the temporary files entries are written through.
const tmpSuffix = ".tmp"

// writeAtomic writes b to p through a temporary file renamed over it, so
// a reader sees a whole entry or none.
func writeAtomic(p string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(p), filepath.Base(p)+".*"+tmpSuffix)
	if err != nil {
		return err
	}
	_, werr := f.Write(b)
	if err := errors.Join(werr, f.Close()); err != nil {
		_ = os.Remove(f.Name())
		return err
	}
	if err := os.Rename(f.Name(), p); err != nil {
		_ = os.Remove(f.Name())
		return err
	}
	return nil
}

// wrap is an entry's bytes: magic, key, CRC-32C and length of the
// payload, payload.
func wrap(key string, f *facts.File) ([]byte, error) {
	head := len(magic) + len(key) + 1 + 4 + binary.MaxVarintLen64
	b, err := encode(make([]byte, head, head+4096), f)
	if err != nil {
		return nil, err
	}
	payload := b[head:]
	var h []byte
	h = append(h, magic...)
	h = append(h, key...)
	h = append(h, '\n')
	h = binary.LittleEndian.AppendUint32(h, crc32.Checksum(payload, castagnoli))
	h = binary.AppendUvarint(h, uint64(len(payload)))
	// Move the header flush against the payload.
	start := head - len(h)
	copy(b[start:], h)
	return b[start:], nil
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// unwrap checks an entry and decodes its facts. The facts' strings are
// slices of b (no copy of the entry is made), so b must not change
// afterwards.
func unwrap(key string, b []byte) (*facts.File, error) {
	rest, ok := bytes.CutPrefix(b, []byte(magic))
	if !ok {
		return nil, errCorrupt
	}
	rest, ok = bytes.CutPrefix(rest, []byte(key+"\n"))
	if !ok || len(rest) < 4 {
		return nil, errCorrupt
	}
	sum := binary.LittleEndian.Uint32(rest)
	n, w := binary.Uvarint(rest[4:])
	if w <= 0 || n != uint64(len(rest)-4-w) {
		return nil, errCorrupt
	}
	payload := rest[4+w:]
	if crc32.Checksum(payload, castagnoli) != sum {
		return nil, errCorrupt
	}
	return decode(unsafe.String(unsafe.SliceData(payload), len(payload)))
}

// Trim removes entries unused for a week (and temporary files left by a
// killed writer), at most once a day: it returns at once when the last
// trim is recent.
func (c *Cache) Trim() error {
	if c == nil {
		return nil
	}
	c.Flush()
	stamp := filepath.Join(c.dir, "trim.txt")
	if info, err := os.Stat(stamp); err == nil && time.Since(info.ModTime()) < trimEvery {
		return nil
	}
	if err := os.MkdirAll(c.dir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(stamp, []byte(time.Now().UTC().Format(time.RFC3339)+"\n"), 0o644); err != nil {
		return err
	}
	return c.trim(time.Now().Add(-trimAfter))
}

// trim removes entries last used before cutoff.
func (c *Cache) trim(cutoff time.Time) error {
	subs, err := os.ReadDir(c.dir)
	if err != nil {
		return err
	}
	var errs []error
	for _, sub := range subs {
		if !sub.IsDir() || len(sub.Name()) != 2 {
			continue
		}
		dir := filepath.Join(c.dir, sub.Name())
		ents, err := os.ReadDir(dir)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, e := range ents {
			info, err := e.Info()
			if err != nil || !info.Mode().IsRegular() {
				continue
			}
			if info.ModTime().Before(cutoff) && (len(e.Name()) == 64 || strings.HasSuffix(e.Name(), tmpSuffix)) {
				if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
					errs = append(errs, err)
				}
			}
		}
	}
	return errors.Join(errs...)
}

var (
	versionOnce sync.Once
	version     string
	versionErr  error
)

// BuildVersion identifies the running build: the Go build ID of its
// executable, which changes whenever any of the code or the toolchain
// that built it does. It is an error when there is none (a binary linked
// with -buildid=).
func BuildVersion() (string, error) {
	versionOnce.Do(func() { version, versionErr = readBuildID() })
	return version, versionErr
}

func readBuildID() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	// ELF (Linux): the linker writes the ID as a note of its own section.
	if ef, err := elf.Open(exe); err == nil {
		defer ef.Close()
		if sec := ef.Section(".note.go.buildid"); sec != nil {
			b, err := sec.Data()
			if err != nil {
				return "", err
			}
			// namesz, descsz, type, "Go\x00\x00", desc
			if len(b) >= 16 {
				nameSz, descSz := ef.ByteOrder.Uint32(b), ef.ByteOrder.Uint32(b[4:])
				name := (nameSz + 3) &^ 3
				if (nameSz == 3 || nameSz == 4) && string(b[12:14]) == "Go" && uint64(12+name)+uint64(descSz) <= uint64(len(b)) {
					return checkID(string(b[12+name : 12+name+descSz]))
				}
			}
		}
		return "", errors.New("factcache: no Go build ID note in " + exe)
	}
	// Other formats carry it as text near the start of the file.
	f, err := os.Open(exe)
	if err != nil {
		return "", err
	}
	defer f.Close()
	buf := make([]byte, 32<<10)
	n, err := io.ReadFull(f, buf)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return "", err
	}
	buf = buf[:n]
	const start, end = "\xff Go build ID: \"", "\"\n \xff"
	i := bytes.Index(buf, []byte(start))
	if i < 0 {
		return "", errors.New("factcache: no Go build ID in " + exe)
	}
	rest := buf[i+len(start):]
	j := bytes.Index(rest, []byte(end))
	if j < 0 {
		return "", errors.New("factcache: no Go build ID in " + exe)
	}
	return checkID(string(rest[:j]))
}

// checkID accepts a build ID that looks like one.
func checkID(id string) (string, error) {
	if len(id) < 16 || strings.ContainsAny(id, "\x00\n\"") {
		return "", fmt.Errorf("factcache: malformed Go build ID %q", id)
	}
	return id, nil
}
