package parse

import (
	"context"
	"fmt"
	"strings"
	"testing"

	sitter "github.com/smacker/go-tree-sitter"
)

// sexp renders a tree with byte spans so two trees can be compared exactly.
func sexp(n *sitter.Node) string {
	var b strings.Builder
	var walk func(n *sitter.Node)
	walk = func(n *sitter.Node) {
		fmt.Fprintf(&b, "(%s %d-%d", n.Type(), n.StartByte(), n.EndByte())
		for i := 0; i < int(n.ChildCount()); i++ {
			walk(n.Child(i))
		}
		b.WriteString(")")
	}
	walk(n)
	return b.String()
}

func TestIncrementalEqualsFresh(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cases := []struct {
		lang     Lang
		old, new string
	}{
		{Python, "class A(BaseModel):\n    x: int\n", "class A(BaseModel):\n    x: int\n    y: str = 'é'\n"},
		{Python, "a = 1\nb = 2\n", "a = 1\n# c\nb = 22\n"},
		{Python, "def f():\n    return 1\n", "def f(:\n    return 1\n"},
		{TSX, "export function A() { return <div/> }\n", "export function A() { const [x] = useState(0); return <div>{x}</div> }\n"},
		{TSX, "const a = 1;\n", ""},
	}
	for i, c := range cases {
		old, err := Parse(ctx, c.lang, []byte(c.old), nil)
		if err != nil {
			t.Fatal(err)
		}
		oldSexp := sexp(old.Root())
		inc, err := Parse(ctx, c.lang, []byte(c.new), old)
		if err != nil {
			t.Fatal(err)
		}
		fresh, err := Parse(ctx, c.lang, []byte(c.new), nil)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := sexp(inc.Root()), sexp(fresh.Root()); got != want {
			t.Errorf("case %d: incremental tree differs from fresh parse\n inc: %s\nfresh: %s", i, got, want)
		}
		if sexp(old.Root()) != oldSexp {
			t.Errorf("case %d: the old document's tree was modified by the reparse", i)
		}
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, err := Parse(ctx, Python, []byte("class A(BaseModel):\n    x: int\n    y: = 3\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	errs := d.Errors("m.py")
	if len(errs) == 0 {
		t.Fatal("no syntax error reported")
	}
	if errs[0].Range.Start.Line != 2 {
		t.Errorf("error at line %d, want 2: %+v", errs[0].Range.Start.Line, errs)
	}
	ok, _ := Parse(ctx, Python, []byte("x = 1\n"), nil)
	if e := ok.Errors("ok.py"); e != nil {
		t.Errorf("clean file has errors: %+v", e)
	}
	missing, _ := Parse(ctx, TSX, []byte("const a = (1 + 2;\n"), nil)
	if len(missing.Errors("a.tsx")) == 0 {
		t.Error("missing paren not reported")
	}
}

func TestTokenHashIgnoresCosmetics(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	hash := func(lang Lang, src string) string {
		d, err := Parse(ctx, lang, []byte(src), nil)
		if err != nil {
			t.Fatal(err)
		}
		return d.TokenHash(d.Root(), true)
	}
	base := hash(Python, "def f(a):\n    \"\"\"Doc.\"\"\"\n    return a+1\n")
	if h := hash(Python, "def f( a ):\n    \"\"\"Other doc.\"\"\"\n    # note\n    return a + 1\n"); h != base {
		t.Error("whitespace/comment/docstring edit changed the hash")
	}
	if h := hash(Python, "def f(a):\n    return a+2\n"); h == base {
		t.Error("a real edit did not change the hash")
	}
	if hash(Python, "x = 'a b'\n") == hash(Python, "x = 'a  b'\n") {
		t.Error("whitespace inside a string literal is not cosmetic")
	}
	tb := hash(TSX, "const A = () => <div>\n  hello   world\n</div>;\n")
	if hash(TSX, "const A = () => <div>hello world</div>; // c\n") != tb {
		t.Error("JSX whitespace reflow changed the hash")
	}
}

func BenchmarkReparse300Lines(b *testing.B) {
	var src strings.Builder
	for i := 0; i < 60; i++ {
		fmt.Fprintf(&src, "class M%d(BaseModel):\n    a: int = 1\n    b: str\n    c: Optional[list[str]] = None\n\n", i)
	}
	ctx := context.Background()
	old, _ := Parse(ctx, Python, []byte(src.String()), nil)
	next := []byte(strings.Replace(src.String(), "a: int = 1", "a: int = 2", 1))
	b.Run("incremental", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := Parse(ctx, Python, next, old); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("fresh", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := Parse(ctx, Python, next, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func TestErrorLocations(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cases := []struct {
		name     string
		lang     Lang
		src      string
		line     int // 0-based
		contains string
	}{
		{"unclosed paren at the end", Python, "import a\n\n\nclass A(B):\n    x: int = 0\n\n\nclass C(D):\n    name: str = (\n", 8, "'(' was never closed"},
		{"unclosed bracket mid-file", Python, "class A(B):\n    x: Optional[str = None\n    y: int = 0\n", 1, ""},
		{"stray token", Python, "x = 1\ny = = 2\n", 1, "syntax error"},
		{"tsx unclosed brace (reported where tsc says '}' expected)", TSX, "import a from 'a';\nexport function A() {\n  return <div/>;\n", 2, "missing }"},
	}
	for _, c := range cases {
		d, err := Parse(ctx, c.lang, []byte(c.src), nil)
		if err != nil {
			t.Fatal(err)
		}
		errs := d.Errors("f")
		if len(errs) == 0 {
			t.Errorf("%s: no error", c.name)
			continue
		}
		if errs[0].Range.Start.Line != c.line || !strings.Contains(errs[0].Message, c.contains) {
			t.Errorf("%s: got line %d %q, want line %d containing %q", c.name, errs[0].Range.Start.Line, errs[0].Message, c.line, c.contains)
		}
	}
}

// Found by fuzzing tsxast: inputs that once hung the parser or overflowed
// the stack in Errors. Each must parse (or fail) promptly and report.
func TestPathologicalInputs(t *testing.T) {
	t.Parallel()
	inputs := []string{
		"<xport default mepo(forwardRefeHT\x00\x00\x00\x7f /lement, P>((m, r) => <d}v ref={r}vE>));",
		"ediv j default memo(forKQwardRef<HTMLDivEle????? P>((p, r) => <div jef={r} />));\n// edit",
	}
	for _, src := range inputs {
		for _, lang := range []Lang{TSX, TypeScript} {
			d, err := Parse(context.Background(), lang, []byte(src), nil)
			if err != nil {
				continue // an over-long parse is an error, never a hang
			}
			if len(d.Errors("f.tsx")) == 0 {
				t.Errorf("%s %q: no syntax error reported", lang, src)
			}
		}
	}
}

// A parser must stay usable after a parse whose context is cancelled
// afterwards (smacker's ParseCtx leaves a cancel flag set on the parser).
func TestCancelledContextDoesNotPoisonParsers(t *testing.T) {
	t.Parallel()
	src := []byte("export function A() {\n  const [x] = useState(0);\n  return <div>{x}</div>;\n}\n")
	for i := 0; i < 200; i++ {
		ctx := context.Background()
		var cancel context.CancelFunc
		if i%2 == 0 {
			ctx, cancel = context.WithCancel(ctx)
		}
		if _, err := Parse(ctx, TSX, src, nil); err != nil {
			t.Fatalf("parse %d failed: %v", i, err)
		}
		if cancel != nil {
			cancel()
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Parse(ctx, TSX, src, nil); err == nil {
		t.Error("a parse with an already-cancelled context should fail")
	}
}
