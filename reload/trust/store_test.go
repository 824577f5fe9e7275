package trust

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
)

func TestDefaultDir(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	for _, c := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"XDG_STATE_HOME": "/s", "HOME": "/h"}, "/s/farm-lsp"},
		{map[string]string{"HOME": "/h"}, "/h/.local/state/farm-lsp"},
		{map[string]string{"XDG_STATE_HOME": "relative/s", "HOME": "/h"}, "/h/.local/state/farm-lsp"},
	} {
		got, err := DefaultDir(env(c.env))
		if err != nil || got != c.want {
			t.Errorf("DefaultDir(%v) = %q, %v; want %q", c.env, got, err, c.want)
		}
	}
}

func TestStore(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "farm-lsp")
	st := OpenStore(dir)
	a := FromConfig("/w/a", exampleConfig())
	b := FromConfig("/w/b", exampleConfig())
	if ok, err := st.Allowed(a.Root, a.Hash()); ok || err != nil {
		t.Fatalf("empty store allows: %v %v", ok, err)
	}
	if err := st.Allow(a); err != nil {
		t.Fatal(err)
	}
	if ok, _ := st.Allowed(a.Root, a.Hash()); !ok {
		t.Fatal("allow not remembered")
	}
	if ok, _ := st.Allowed(b.Root, a.Hash()); ok {
		t.Fatal("an allow of /w/a holds for /w/b")
	}
	changed := exampleConfig()
	changed.Development.Backend.Command = []string{"sh", "-c", "rm -rf ~"}
	if ok, _ := st.Allowed(a.Root, FromConfig(a.Root, changed).Hash()); ok {
		t.Fatal("an allow holds for a changed command")
	}
	if err := st.Allow(b); err != nil {
		t.Fatal(err)
	}
	// Private: other users must not read (or plant) allows.
	if fi, err := os.Stat(filepath.Join(dir, "allow")); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("allow dir mode: %v %v", fi.Mode(), err)
	}
	es, err := st.Entries(a.Root)
	if err != nil || len(es) != 1 || es[0].Hash != a.Hash() || es[0].Settings.Backend.Command[2] != "touch marker; sleep 30" {
		t.Fatalf("entries = %+v, %v", es, err)
	}
	files, _ := os.ReadDir(filepath.Join(dir, "allow"))
	for _, f := range files {
		fi, _ := f.Info()
		if fi.Mode().Perm() != 0o600 || filepath.Ext(f.Name()) != ".json" {
			t.Errorf("store file %s mode %v (a leftover temporary file?)", f.Name(), fi.Mode())
		}
	}
	if len(files) != 2 {
		t.Errorf("%d files in the store, want 2", len(files))
	}
	n, err := st.Revoke(a.Root)
	if err != nil || n != 1 {
		t.Fatalf("revoke = %d, %v", n, err)
	}
	if ok, _ := st.Allowed(a.Root, a.Hash()); ok {
		t.Fatal("revoked allow still holds")
	}
	if ok, _ := st.Allowed(b.Root, b.Hash()); !ok {
		t.Fatal("revoking /w/a revoked /w/b")
	}
	// A corrupt entry is not an allow and does not break the others.
	if err := os.WriteFile(st.file(a.Root, a.Hash()), []byte("{half"), 0o600); err != nil {
		t.Fatal(err)
	}
	if ok, err := st.Allowed(a.Root, a.Hash()); ok || err == nil {
		t.Errorf("corrupt entry: %v %v", ok, err)
	}
	if es, err := st.Entries(b.Root); err != nil || len(es) != 1 {
		t.Errorf("entries beside a corrupt one: %+v %v", es, err)
	}
}

// Two writers (two editors) allowing at once both land, whole.
func TestStoreConcurrentAllows(t *testing.T) {
	st := OpenStore(t.TempDir())
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c := exampleConfig()
			c.Development.Backend.Command = []string{"run", string(rune('a' + i))}
			if err := st.Allow(FromConfig("/w", c)); err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
	if es, err := st.Entries("/w"); err != nil || len(es) != 16 {
		t.Fatalf("%d entries, %v", len(es), err)
	}
}
