package factcache

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/analysis/parse"
	"github.com/farm-stack/farm-lsp/analysis/pyast"
)

// TestSchemaFingerprint fails when facts.File changed shape: the codec
// (codec.go) must then learn the new fields, and schemaFingerprint take
// the value below. Until both are done Open caches nothing.
func TestSchemaFingerprint(t *testing.T) {
	if got := fingerprint(); got != schemaFingerprint {
		t.Fatalf("facts.File changed shape: update encode/decode in codec.go for the new fields, then set schemaFingerprint = %q", got)
	}
}

// fill sets every field reachable from v to a distinct non-zero value
// (slices and maps get two elements), skipping the fields named in skip.
func fill(v reflect.Value, n *int, skip map[string]bool) {
	*n++
	switch v.Kind() {
	case reflect.String:
		v.SetString(fmt.Sprintf("s%d é\x00", *n))
	case reflect.Int, reflect.Int64, reflect.Int32:
		v.SetInt(int64(*n) * -37)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), n, skip)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := 0; i < 2; i++ {
			fill(v.Index(i), n, skip)
		}
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		for i := 0; i < 2; i++ {
			k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
			fill(k, n, skip)
			fill(e, n, skip)
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if skip[v.Type().Field(i).Name] {
				continue
			}
			fill(v.Field(i), n, skip)
		}
	default:
		panic("fill: unhandled kind " + v.Kind().String())
	}
}

// tsxOnly are the File fields a Python file never has (encode refuses
// them).
var tsxOnly = map[string]bool{"Components": true, "Exports": true, "Config": true, "PropertyReads": true}

// TestCodecRoundTripsEveryField: every field of a Python file's facts
// survives encode and decode, nil and empty slices and maps kept apart.
func TestCodecRoundTripsEveryField(t *testing.T) {
	var f facts.File
	n := 0
	fill(reflect.ValueOf(&f).Elem(), &n, tsxOnly)
	check := func(name string, f *facts.File) {
		t.Helper()
		b, err := encode(nil, f)
		if err != nil {
			t.Fatalf("%s: encode: %v", name, err)
		}
		got, err := decode(string(b))
		if err != nil {
			t.Fatalf("%s: decode: %v", name, err)
		}
		if !reflect.DeepEqual(got, f) {
			t.Fatalf("%s: round trip differs:\n got %+v\nwant %+v", name, got, f)
		}
	}
	check("filled", &f)
	check("zero", &facts.File{})
	empty := facts.File{Models: []facts.Model{{Bases: []string{}, Fields: []facts.Field{{FieldArgs: map[string]string{}}}}}, Imports: []facts.Import{}}
	check("empty slices", &empty)

	for _, bad := range []*facts.File{{Components: []facts.Component{}}, {Config: &facts.Value{}}, {PropertyReads: []facts.PropertyRead{{}}}} {
		if _, err := encode(nil, bad); err == nil {
			t.Errorf("encoded TSX facts %+v", bad)
		}
	}
}

// TestCodecMatchesExtraction: the facts pyast extracts from the test
// corpus round-trip exactly.
func TestCodecMatchesExtraction(t *testing.T) {
	paths, _ := filepath.Glob("../pyast/testdata/*/*.py")
	more, _ := filepath.Glob("../openapi/testdata/*/*.py")
	paths = append(paths, more...)
	if len(paths) < 3 {
		t.Fatalf("only %d Python test files found", len(paths))
	}
	for _, p := range paths {
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		d, err := parse.Parse(context.Background(), parse.Python, src, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, opts := range []pyast.Options{{}, {NoSemanticHash: true}} {
			want := pyast.ExtractWith(d, p, facts.KindBackendModel, opts)
			b, err := encode(nil, want)
			if err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			got, err := decode(string(b))
			if err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%s: round trip differs", p)
			}
		}
	}
}

func sample() *facts.File {
	return &facts.File{Path: "apps/api/src/models/user.py", Kind: facts.KindBackendModel, Hash: "h",
		Models: []facts.Model{{Name: "User", Bases: []string{"Document"}, Fields: []facts.Field{{Name: "email", Annotation: "str"}}}}}
}

func TestGetPutAndInvalidation(t *testing.T) {
	dir := t.TempDir()
	c := OpenVersion(dir, "build-1")
	if c == nil {
		t.Fatal("no cache")
	}
	content := []byte("class User(Document):\n    email: str\n")
	meta := "apps/api/src/models/user.py\x00backend-model"
	if c.Get(meta, content) != nil {
		t.Fatal("a hit in an empty cache")
	}
	c.Put(meta, content, sample())
	c.Flush()
	if got := c.Get(meta, content); !reflect.DeepEqual(got, sample()) {
		t.Fatalf("Get = %+v", got)
	}
	// Any change of content, path/kind/options or version misses.
	if c.Get(meta, append(content, ' ')) != nil {
		t.Error("hit for other content")
	}
	if c.Get("apps/api/src/models/other.py\x00backend-model", content) != nil {
		t.Error("hit for another path")
	}
	if OpenVersion(dir, "build-2").Get(meta, content) != nil {
		t.Error("an entry of another farm-lsp build was trusted")
	}

	// A corrupt entry is ignored, and the next Put repairs it.
	key := c.key(meta, content)
	p := c.path(key)
	good, _ := os.ReadFile(p)
	for i, bad := range [][]byte{nil, []byte("garbage"), good[:len(good)-3], flip(good, len(good)-2), flip(good, len(magic)+3),
		append(append([]byte(nil), good...), 0)} {
		if err := os.WriteFile(p, bad, 0o644); err != nil {
			t.Fatal(err)
		}
		if got := c.Get(meta, content); got != nil {
			t.Fatalf("corrupt entry %d was used: %+v", i, got)
		}
	}
	c.Put(meta, content, sample())
	c.Flush()
	if c.Get(meta, content) == nil {
		t.Fatal("the entry was not rewritten")
	}

	// A nil cache (no build identity) does nothing.
	var none *Cache
	none.Put(meta, content, sample())
	if none.Get(meta, content) != nil || none.Trim() != nil {
		t.Fatal("a nil cache answered")
	}
	if OpenVersion(dir, "") != nil {
		t.Fatal("a cache without a version")
	}
}

func flip(b []byte, i int) []byte {
	c := append([]byte(nil), b...)
	c[i] ^= 0x55
	return c
}

// TestDecodeNeverPanics: arbitrary bytes give an error or facts, never a
// panic or a huge allocation.
func TestDecodeNeverPanics(t *testing.T) {
	b, err := encode(nil, sample())
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i <= len(b); i++ {
		decode(string(b[:i]))
		for _, v := range []byte{0, 1, 0x7f, 0x80, 0xff} {
			c := append([]byte(nil), b...)
			if i < len(c) {
				c[i] = v
			}
			decode(string(c))
		}
	}
	decode(strings.Repeat("\xff", 20))
}

func FuzzDecode(f *testing.F) {
	b, _ := encode(nil, sample())
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		g, err := decode(string(b))
		if err != nil {
			return
		}
		// What decodes re-encodes to the same bytes.
		again, err := encode(nil, g)
		if err == nil && string(again) != string(b) {
			if h, err := decode(string(again)); err != nil || !reflect.DeepEqual(g, h) {
				t.Fatalf("re-encoding changed the facts")
			}
		}
	})
}

func TestTrim(t *testing.T) {
	dir := t.TempDir()
	c := OpenVersion(dir, "v")
	old, fresh := []byte("old"), []byte("fresh")
	c.Put("m", old, sample())
	c.Flush()
	c.Put("m", fresh, sample())
	c.Flush()
	pOld := c.path(c.key("m", old))
	leftover := filepath.Join(filepath.Dir(pOld), filepath.Base(pOld)+".123"+tmpSuffix)
	os.WriteFile(leftover, []byte("x"), 0o644)
	long := time.Now().Add(-trimAfter - time.Hour)
	for _, p := range []string{pOld, leftover} {
		if err := os.Chtimes(p, long, long); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Trim(); err != nil {
		t.Fatal(err)
	}
	if c.Get("m", old) != nil {
		t.Error("an entry unused for over a week survived Trim")
	}
	if _, err := os.Stat(leftover); err == nil {
		t.Error("a week-old temporary file survived Trim")
	}
	if c.Get("m", fresh) == nil {
		t.Error("Trim removed a fresh entry")
	}
	// Trim runs once a day: a second one right after removes nothing.
	c.Put("m", old, sample())
	c.Flush()
	os.Chtimes(pOld, long, long)
	c.Trim()
	if _, err := os.Stat(pOld); err != nil {
		t.Error("Trim ran twice in a day")
	}
	// Reading an entry older than a day refreshes it, so Trim keeps it.
	if c.Get("m", old) == nil {
		t.Fatal("miss")
	}
	if info, err := os.Stat(pOld); err != nil || time.Since(info.ModTime()) > time.Hour {
		t.Errorf("Get did not refresh the entry's time: %v %v", info.ModTime(), err)
	}
}

func TestBuildVersion(t *testing.T) {
	v, err := BuildVersion()
	if err != nil || v == "" {
		t.Fatalf("the test binary has no build ID: %q %v", v, err)
	}
	if Open(t.TempDir()) == nil {
		t.Fatal("Open gave no cache")
	}
}

func TestDefaultDirFollowsXDG(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", "/somewhere/cache")
	if d, err := DefaultDir(); err != nil || d != "/somewhere/cache/farm-lsp/facts" {
		t.Fatalf("DefaultDir = %q, %v", d, err)
	}
}
