package coordinator

import (
	"bytes"
	"fmt"
	"testing"
)

// TestQueueKeepsLatestPerPath: a client that sends edits faster than they
// are analysed costs one entry per file and kind of event, not one per
// edit, and the survivors come out in the order they were last sent.
func TestQueueKeepsLatestPerPath(t *testing.T) {
	q := newQueue()
	big := bytes.Repeat([]byte("x"), 200<<10)
	for i := 0; i < 1000; i++ {
		q.push(event{op: opChange, path: "/w/a.py", text: append(big[:len(big):len(big)], fmt.Sprint(i)...)})
	}
	q.push(event{op: opSave, path: "/w/b.py", text: []byte("b1")})
	q.push(event{op: opChange, path: "/w/a.py", text: []byte("a-last")})
	q.push(event{op: opDisk, path: "/w/b.py"}) // the watcher's echo of the save
	q.push(event{op: opOpen, path: "/w/c.py", text: []byte("c")})
	if n := q.len(); n != 3 {
		t.Fatalf("%d queued events after 1,004 pushes, want 3 (one per path and kind)", n)
	}
	got := q.takeAll()
	want := []string{"save /w/b.py b1", "change /w/a.py a-last", "open /w/c.py c"}
	for i, e := range got {
		op := map[eventOp]string{opOpen: "open", opChange: "change", opSave: "save", opDisk: "disk"}[e.op]
		if s := op + " " + e.path + " " + string(e.text); i >= len(want) || s != want[i] {
			t.Errorf("event %d = %q, want %q", i, s, want)
		}
	}
	if q.len() != 0 {
		t.Error("takeAll left events behind")
	}
}
