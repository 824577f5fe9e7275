package textdiff

import "testing"

func TestFirst(t *testing.T) {
	if d := First("a\nb\n", "a\nb\n"); d != "" {
		t.Errorf("equal texts: %q", d)
	}
	want := "line 5:\n        b\n        c\n        d\n  want: e\n  got:  E"
	if d := First("a\nb\nc\nd\ne\nf", "a\nb\nc\nd\nE\nf"); d != want {
		t.Errorf("got %q, want %q", d, want)
	}
	if d := First("a", "a\nextra"); d != "line 2:\n        a\n  want: \n  got:  extra" {
		t.Errorf("longer got: %q", d)
	}
}
