package schema

import "testing"

// FuzzValidate: any bytes give diagnostics, never a panic, and valid
// migrations written by WriteMigration's encoder stay valid.
func FuzzValidate(f *testing.F) {
	f.Add([]byte(`{"up":[{"op":"add-field","collection":"users","field":"a","backfill":true,"default":0}],"down":[]}`))
	f.Add([]byte(`{"up":[{"op":"create-index","collection":"users","index":{"name":"a_1","keys":[{"field":"a","dir":1}]}}]}`))
	f.Add([]byte("{\"up\": [\n  {\"op\": \"é\",}\n]}"))
	f.Add([]byte(`[1, "x", {"up": null}]`))
	f.Fuzz(func(t *testing.T, content []byte) {
		for _, d := range Validate(content, []string{"users"}) {
			if d.Range.Start.Line < 0 || d.Range.Start.Char < 0 || d.Message == "" {
				t.Fatalf("bad diagnostic %+v", d)
			}
		}
		_, _ = ParseMigration(content)
	})
}

// FuzzDefaultValue: any default source evaluates or is refused with a
// reason, never a panic.
func FuzzDefaultValue(f *testing.F) {
	for _, s := range []string{`0`, `-1.5e3`, `"a\x41\u00e9"`, `r'\d'`, `[1, (2, 3), {"a": {1, 2}}]`, `"""x"""`, `{`, `'\`, `0x`, `[,]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		_, ok, why := DefaultValue(FieldDefault{Source: src, Has: true})
		if !ok && why == "" {
			t.Fatalf("refused %q without a reason", src)
		}
	})
}
