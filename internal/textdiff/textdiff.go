// Package textdiff describes where two texts first differ, for test
// failures that compare generated output with what was wanted.
package textdiff

import (
	"strconv"
	"strings"
)

// First describes the first line where want and got differ: its number,
// up to three lines of context before it (from want), and both versions.
// It is "" when the texts are equal.
func First(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w == g {
			continue
		}
		var b strings.Builder
		b.WriteString("line " + strconv.Itoa(i+1) + ":\n")
		for j := max(0, i-3); j < i && j < len(wl); j++ {
			b.WriteString("        " + wl[j] + "\n")
		}
		b.WriteString("  want: " + w + "\n  got:  " + g)
		return b.String()
	}
	return ""
}
