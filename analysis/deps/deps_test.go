package deps

import (
	"fmt"
	"math/rand"
	"slices"
	"testing"
)

// The index answers like a plain map of sets through random Sets and
// Drops (readers moved around inside a key's list, ids reused).
func TestIndexMatchesSets(t *testing.T) {
	t.Parallel()
	rnd := rand.New(rand.NewSource(1))
	x := New[string]()
	ref := map[string]map[string]bool{} // file -> keys
	files := []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}
	for step := 0; step < 5000; step++ {
		f := files[rnd.Intn(len(files))]
		if rnd.Intn(4) == 0 {
			x.Drop(f)
			delete(ref, f)
		} else {
			var keys []string
			set := map[string]bool{}
			for range rnd.Intn(6) {
				k := fmt.Sprint("k", rnd.Intn(8))
				if !set[k] {
					set[k] = true
					keys = append(keys, k)
				}
			}
			x.Set(f, keys)
			ref[f] = set
		}
		distinct := map[string]bool{}
		for k := range 8 {
			key := fmt.Sprint("k", k)
			var got, want []string
			x.Users(key, func(u string) { got = append(got, u) })
			for f, set := range ref {
				if set[key] {
					want = append(want, f)
					distinct[key] = true
				}
			}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("step %d: Users(%s) = %v, want %v", step, key, got, want)
			}
		}
		if x.Len() != len(distinct) {
			t.Fatalf("step %d: %d keys, want %d", step, x.Len(), len(distinct))
		}
	}
}
