package traceback

import (
	"os"
	"testing"
)

// BenchmarkParse measures parsing uvicorn's stderr for a failed start (a
// 60-line ImportError traceback) and mapping it to diagnostics.
func BenchmarkParse(b *testing.B) {
	text, err := os.ReadFile("testdata/uvicorn_import.txt")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		errs := Parse(string(text))
		if len(Diagnostics(errs, Options{Root: fixtureRoot})) != 1 {
			b.Fatal("no diagnostic")
		}
	}
}
