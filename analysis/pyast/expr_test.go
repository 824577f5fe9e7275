package pyast

import (
	"testing"
)

// firstValue returns the canonical text of the right-hand side of the
// first statement `x = <expr>` in src.
func firstValue(t *testing.T, src string) string {
	t.Helper()
	d := newIndex(mustParse(t, src))
	as := d.root().NamedChild(0).NamedChild(0)
	if as == nil || as.Type() != "assignment" {
		t.Fatalf("%q: not an assignment", src)
	}
	return canon(d, as.ChildByFieldName("right"))
}

func TestCanon(t *testing.T) {
	t.Parallel()
	cases := []struct{ src, want string }{
		{"x = Optional[ int ]", "Optional[int]"},
		{"x = Field(\n    'a',\n    alias = 'b',  # comment\n)", "Field('a', alias='b')"},
		{"x = Field('a',alias='b')", "Field('a', alias='b')"},
		{"x = (1,)", "(1,)"},
		{"x = [1, 2, ]", "[1, 2]"},
		{"x = {'a':1}", "{'a': 1}"},
		{"x = {'a' : 1}", "{'a': 1}"},
		{"x = a+b", "a + b"},
		{"x = -1", "-1"},
		{"x = 'a  b'", "'a  b'"},
		{"x = datetime . now ( )", "datetime.now()"},
		{"x = lambda v: v", "lambda v: v"},
		{"x = \"é😀\"", "\"é😀\""},
		{"x = not a", "not a"},
	}
	for _, c := range cases {
		if got := firstValue(t, c.src); got != c.want {
			t.Errorf("canon(%q) = %q, want %q", c.src, got, c.want)
		}
	}
}

func TestCanonAnnotations(t *testing.T) {
	t.Parallel()
	cases := []struct{ src, want string }{
		{"x: int|None", "int | None"},
		{"x: Dict[ str,\n  List[int], ]", "Dict[str, List[int]]"},
		{"x: Annotated[str, Indexed( unique=True )]", "Annotated[str, Indexed(unique=True)]"},
		{"x: typing.Optional['Item']", "typing.Optional['Item']"},
	}
	for _, c := range cases {
		d := newIndex(mustParse(t, c.src))
		as := d.root().NamedChild(0).NamedChild(0)
		if got := canon(d, as.ChildByFieldName("type")); got != c.want {
			t.Errorf("canon(%q) = %q, want %q", c.src, got, c.want)
		}
	}
}

func TestStripNone(t *testing.T) {
	t.Parallel()
	cases := []struct {
		ann  string
		base string
		none bool
	}{
		{"int", "int", false},
		{"Optional[int]", "int", true},
		{"typing.Optional[List[int]]", "List[int]", true},
		{"int | None", "int", true},
		{"None | int", "int", true},
		{"Union[int, None]", "int", true},
		{"Union[int, str, None]", "int | str", true},
		{"int | str | None", "int | str", true},
		{"Union[int, str]", "int | str", false},
		{"Dict[str, Optional[int]]", "Dict[str, Optional[int]]", false},
		{"List[int] | Dict[str, int]", "List[int] | Dict[str, int]", false},
		{"Literal['a|b']", "Literal['a|b']", false},
	}
	for _, c := range cases {
		base, none := stripNone(c.ann)
		if base != c.base || none != c.none {
			t.Errorf("stripNone(%q) = %q, %v; want %q, %v", c.ann, base, none, c.base, c.none)
		}
	}
}

func TestStrLit(t *testing.T) {
	t.Parallel()
	cases := []struct {
		src  string
		want string
		ok   bool
	}{
		{`x = "a"`, "a", true},
		{`x = 'a\nb'`, "a\nb", true},
		{`x = r'a\nb'`, `a\nb`, true},
		{`x = "a" "b"`, "ab", true},
		{`x = f"a{b}"`, "", false},
		{`x = "é😀"`, "é😀", true},
		{`x = 1`, "", false},
	}
	for _, c := range cases {
		d := newIndex(mustParse(t, c.src))
		as := d.root().NamedChild(0).NamedChild(0)
		got, ok := strLit(d, as.ChildByFieldName("right"))
		if got != c.want || ok != c.ok {
			t.Errorf("strLit(%s) = %q, %v; want %q, %v", c.src, got, ok, c.want, c.ok)
		}
	}
}
