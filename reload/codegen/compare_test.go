package codegen

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/farm-stack/farm-lsp/analysis/typegen"
)

// TestCompareTarget: the chunked comparison of an output with the file on
// disk agrees with comparing the whole file, at chunk boundaries too.
func TestCompareTarget(t *testing.T) {
	root := t.TempDir()
	big := typegen.Header + strings.Repeat("export interface X { a: string; }\n", 3000) // ~100 KB: several chunks
	chunk := 32 << 10
	cases := []struct {
		name, disk, content string
		header, same        bool
	}{
		{"equal", big, big, true, true},
		{"equal, one chunk exactly", typegen.Header + strings.Repeat("x", chunk-len(typegen.Header)), typegen.Header + strings.Repeat("x", chunk-len(typegen.Header)), true, true},
		{"last byte differs", big[:len(big)-1] + "!", big, true, false},
		{"differs at a chunk boundary", big[:chunk] + "?" + big[chunk+1:], big, true, false},
		{"file shorter", big[:chunk], big, true, false},
		{"file longer", big + "\n", big, true, false},
		{"file longer by a chunk", big + big[:chunk], big, true, false},
		{"no header", "// hand written\n" + big, big, false, false},
		{"empty", "", big, false, false},
	}
	for _, c := range cases {
		if err := os.WriteFile(filepath.Join(root, "f.ts"), []byte(c.disk), 0o644); err != nil {
			t.Fatal(err)
		}
		header, same, err := compareTarget(root, "f.ts", c.content)
		if err != nil || header != c.header || same != c.same {
			t.Errorf("%s: header %v same %v err %v, want %v %v", c.name, header, same, err, c.header, c.same)
		}
	}
	if _, _, err := compareTarget(root, "missing.ts", big); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v, want fs.ErrNotExist", err)
	}
	if err := os.Mkdir(filepath.Join(root, "dir.ts"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, _, err := compareTarget(root, "dir.ts", big); err == nil {
		t.Error("a directory: no error")
	}
	if _, _, err := compareTarget(root, "../outside.ts", big); err == nil {
		t.Error("a path outside the workspace: no error")
	}
}
