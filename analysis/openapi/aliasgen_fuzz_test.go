package openapi

import "testing"

// FuzzAliasGenerator: any source and field name give a name or an error,
// in bounded time, never a panic (call recovers, run must not need to).
func FuzzAliasGenerator(f *testing.F) {
	for _, s := range []string{
		"def f(s):\n    return ''.join(w.capitalize() for w in s.split('_'))\n",
		"def f(s):\n    a, *b = s.split('_')\n    return a + ''.join(map(str.title, b))\n",
		"lambda s: s[::-1][1:3] + f'{len(s)}'",
		"def f(s):\n    import re\n    return re.sub(r'_(\\w)', lambda m: m.group(1).upper(), s)\n",
		"def f(s):\n    out = ''\n    for i, c in enumerate(s):\n        if i % 2:\n            out += c\n    return out\n",
	} {
		f.Add(s, "created_at")
	}
	f.Fuzz(func(t *testing.T, src, name string) {
		p, err := compilePy(src)
		if err != nil {
			return
		}
		if _, err := p.run(name); err != nil {
			return
		}
	})
}
