package readfile

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestRead(t *testing.T) {
	dir := t.TempDir()
	cases := map[string][]byte{
		"empty":  {},
		"small":  []byte("x = 1\n"),
		"pages":  bytes.Repeat([]byte("class A(BaseModel):\n    x: int\n"), 4000),
		"binary": {0, 1, 2, 0xff, '\n', 0},
	}
	for name, want := range cases {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, want, 0o644); err != nil {
			t.Fatal(err)
		}
		mt := time.Date(2020, 1, 2, 3, 4, 5, 600, time.UTC)
		if err := os.Chtimes(p, mt, mt); err != nil {
			t.Fatal(err)
		}
		got, mtime, err := Read(p, 1<<20)
		if err != nil || !bytes.Equal(got, want) || !mtime.Equal(mt) {
			t.Errorf("%s: %d bytes, mtime %v, err %v; want %d bytes, mtime %v", name, len(got), mtime, err, len(want), mt)
		}
		if len(want) > 0 {
			if _, _, err := Read(p, int64(len(want))-1); !errors.Is(err, ErrTooLarge) {
				t.Errorf("%s over the limit: err %v, want ErrTooLarge", name, err)
			}
		}
		if got, _, err := Read(p, int64(len(want))); err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s at the limit: %d bytes, err %v", name, len(got), err)
		}
	}
	if _, _, err := Read(filepath.Join(dir, "missing"), 10); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: err %v, want fs.ErrNotExist", err)
	}
	if _, _, err := Read(dir, 1<<20); err == nil {
		t.Error("a directory: no error")
	}
}
