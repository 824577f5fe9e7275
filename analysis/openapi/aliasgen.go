package openapi

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"
	"unicode/utf8"

	sitter "github.com/smacker/go-tree-sitter"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/analysis/parse"
)

// An alias generator (Config.alias_generator, model_config's
// alias_generator) is read from what it is, never from its name:
// Pydantic's own generators (pydantic.alias_generators.to_camel /
// to_pascal / to_snake in v2, pydantic.utils.to_camel / to_lower_camel in
// v1, under any import alias) are Go ports of their code, and a function
// or lambda of the workspace is interpreted on each field name by a small
// interpreter of the Python it is written in: strings and their methods
// (split, capitalize, title, lower, upper, replace, strip, join…), str.X
// as a function, map, len, enumerate, indexes and slices, comprehensions,
// f-strings, +, conditionals, assignments (with unpacking), if/for and
// re.sub/split/match/search with patterns Go's regexp reads the same. What
// it does not know makes the generator unknown: the fields keep their
// names and a warning is at the generator expression.

// aliasGen renames a field name; nil means no generator.
type aliasGen struct {
	desc string // for messages
	fn   func(string) (string, error)
	// where the generator is named (for warnings about one field)
	path string
	rng  facts.Range
}

// genAliases runs a generator on the names of a model's fields that have
// no alias of their own. When it fails on one (Python would raise, or it
// does what farm-lsp does not evaluate) no field is renamed — Pydantic
// would not define the class — and a warning is at the generator.
func (b *builder) genAliases(g *aliasGen, fields []field) map[string]string {
	out := map[string]string{}
	for _, fl := range fields {
		if fl.synth || fl.f.Alias != "" {
			continue
		}
		alias, err := g.fn(fl.f.Name)
		if err != nil {
			b.diag(site{path: g.path, rng: g.rng}, facts.CodeUnknownValue,
				fmt.Sprintf("cannot evaluate the alias generator %s on the field %s statically: %v; the fields keep their names here", g.desc, fl.f.Name, err))
			return nil
		}
		out[fl.f.Name] = alias
	}
	return out
}

// genResult is an evaluated generator of one model: gen nil and why set
// when it cannot be evaluated statically.
type genResult struct {
	gen  *aliasGen
	why  string
	path string
	rng  *facts.Range
	src  string
}

// modelAliasGen returns the alias generator that applies to model id
// (its own or inherited), evaluated, or nil. A generator that cannot be
// evaluated gives a warning at its expression and nil.
func (b *builder) modelAliasGen(id string, depth int) *aliasGen {
	mi := b.models[id]
	if mi == nil || depth > 16 {
		return nil
	}
	if src, ok := mi.m.Config["alias_generator"]; ok {
		r := b.generator(mi.file.Path, src, mi.m.AliasGeneratorRange)
		rng := mi.m.NameRange
		if r.rng != nil {
			rng = *r.rng
		}
		if r.gen == nil {
			b.diag(site{path: mi.file.Path, rng: rng}, facts.CodeUnknownValue,
				fmt.Sprintf("cannot evaluate the alias generator %s statically: %s; the fields of %s keep their names here, while Pydantic renames them", src, r.why, mi.m.Name))
			return nil
		}
		g := *r.gen
		g.path, g.rng = mi.file.Path, rng
		return &g
	}
	for _, base := range mi.m.Bases {
		if bs := b.ix.Base(mi.file.Path, base); bs.File != nil && bs.ID() != id {
			if g := b.modelAliasGen(bs.ID(), depth+1); g != nil {
				return g
			}
		}
	}
	return nil
}

// generatorFile is the workspace file defining the alias generator that
// applies to model id (its own or inherited), or nil: a model's schema
// depends on it (see fileSig).
func (b *builder) generatorFile(id string, depth int) *facts.File {
	mi := b.models[id]
	if mi == nil || depth > 16 {
		return nil
	}
	if src, ok := mi.m.Config["alias_generator"]; ok {
		if strings.HasPrefix(strings.TrimSpace(src), "lambda") {
			return nil
		}
		f := b.ix.Resolve(mi.file.Path, strings.TrimSpace(src)).File
		if f != nil && b.byPath[f.Path] != nil {
			f = b.byPath[f.Path] // current after a fast-path save (delta.go)
		}
		return f
	}
	for _, base := range mi.m.Bases {
		if bs := b.ix.Base(mi.file.Path, base); bs.File != nil && bs.ID() != id {
			if f := b.generatorFile(bs.ID(), depth+1); f != nil {
				return f
			}
		}
	}
	return nil
}

// generator evaluates an alias_generator expression written in the file
// at ctx.
func (b *builder) generator(ctx, src string, rng *facts.Range) genResult {
	src = strings.TrimSpace(src)
	res := genResult{path: ctx, rng: rng, src: src}
	if strings.HasPrefix(src, "lambda") {
		return b.pyGen(res, src, src)
	}
	if m, ok := strings.CutPrefix(src, "str."); ok {
		if _, known := strMethods[m]; known {
			res.gen = &aliasGen{desc: src, fn: func(s string) (string, error) {
				v, err := callStrMethod(m, pv{kind: pStr, s: s}, nil)
				if err != nil {
					return "", err
				}
				return v.str()
			}}
			return res
		}
	}
	for depth := 0; depth < 8; depth++ {
		s := b.ix.Resolve(ctx, src)
		if s.External != "" {
			if g := pydanticGen(s.External, b.v1); g != nil {
				res.gen = g
				return res
			}
			res.why = s.External + " is not a generator farm-lsp knows (Pydantic's to_camel, to_pascal, to_snake, or a function of the workspace)"
			return res
		}
		if s.File == nil {
			res.why = src + " is not defined in the workspace"
			return res
		}
		file := s.File
		if cur := b.byPath[file.Path]; cur != nil {
			file = cur // the index may predate a save the fast path installed (delta.go)
		}
		for i := range file.Defs {
			if d := &file.Defs[i]; d.Name == s.Name {
				if d.Source == "" {
					res.why = "only a function of one parameter, of at most " + strconv.Itoa(facts.MaxDefSource) + " bytes, is read"
					return res
				}
				return b.pyGen(res, s.Name, d.Source)
			}
		}
		var next string
		for _, a := range file.Assigns {
			if a.Name == s.Name {
				next = strings.TrimSpace(a.Value)
			}
		}
		switch {
		case strings.HasPrefix(next, "lambda"):
			return b.pyGen(res, s.Name, next)
		case next != "" && isDotted(next):
			ctx, src = file.Path, next // an alias of another name
			continue
		}
		res.why = s.Name + " is neither a function nor a lambda"
		return res
	}
	res.why = "too many aliases"
	return res
}

func isDotted(s string) bool {
	for _, part := range strings.Split(s, ".") {
		if !isIdentText(part) {
			return false
		}
	}
	return true
}

// pyGen compiles Python source (a def of one parameter or a lambda) into
// a generator, or says why it cannot.
func (b *builder) pyGen(res genResult, name, src string) genResult {
	p, err := compilePy(src)
	if err != nil {
		res.why = err.Error()
		return res
	}
	res.gen = &aliasGen{desc: name, fn: p.call}
	return res
}

// pydanticGen returns Pydantic's own generator named by a resolved
// external name, or nil.
func pydanticGen(ext string, v1 bool) *aliasGen {
	switch ext {
	case "pydantic.alias_generators.to_camel":
		return &aliasGen{desc: ext, fn: ok(pydanticToCamel)}
	case "pydantic.alias_generators.to_pascal":
		return &aliasGen{desc: ext, fn: ok(pydanticToPascal)}
	case "pydantic.alias_generators.to_snake":
		return &aliasGen{desc: ext, fn: ok(pydanticToSnake)}
	case "pydantic.utils.to_camel":
		return &aliasGen{desc: ext, fn: ok(pydantic1ToCamel)}
	case "pydantic.utils.to_lower_camel":
		return &aliasGen{desc: ext, fn: ok(pydantic1ToLowerCamel)}
	case "pydantic.to_camel":
		if v1 {
			return &aliasGen{desc: ext, fn: ok(pydantic1ToCamel)}
		}
	}
	return nil
}

func ok(f func(string) string) func(string) (string, error) {
	return func(s string) (string, error) { return f(s), nil }
}

// pyTitle is Python's str.title: the first cased character after an
// uncased one is upper case, the other cased ones lower case.
func pyTitle(s string) string {
	var sb strings.Builder
	prev := false
	for _, r := range s {
		cased := unicode.IsUpper(r) || unicode.IsLower(r) || unicode.IsTitle(r)
		switch {
		case cased && !prev:
			sb.WriteRune(unicode.ToTitle(r))
		case cased:
			sb.WriteRune(unicode.ToLower(r))
		default:
			sb.WriteRune(r)
		}
		prev = cased
	}
	return sb.String()
}

// pyCapitalize is Python's str.capitalize.
func pyCapitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToTitle(r)) + strings.ToLower(s[n:])
}

func isAlnumASCII(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// pydanticToPascal is pydantic.alias_generators.to_pascal (2.10): title
// case, then drop "_" between [0-9A-Za-z] and [0-9A-Z].
func pydanticToPascal(snake string) string {
	camel := pyTitle(snake)
	var sb strings.Builder
	for i := 0; i < len(camel); i++ {
		c := camel[i]
		if c == '_' && i > 0 && isAlnumASCII(camel[i-1]) && i+1 < len(camel) &&
			(camel[i+1] >= '0' && camel[i+1] <= '9' || camel[i+1] >= 'A' && camel[i+1] <= 'Z') {
			continue
		}
		sb.WriteByte(c)
	}
	return sb.String()
}

var (
	reCamelAlready = regexp.MustCompile(`^[a-z]+[A-Za-z0-9]*$`)
	reDigitLower   = regexp.MustCompile(`\d[a-z]`)
	reSnake1       = regexp.MustCompile(`([A-Z]+)([A-Z][a-z])`)
	reSnake2       = regexp.MustCompile(`([a-z])([A-Z])`)
	reSnake3       = regexp.MustCompile(`([0-9])([A-Z])`)
	reSnake4       = regexp.MustCompile(`([a-z])([0-9])`)
)

// pydanticToCamel is pydantic.alias_generators.to_camel (2.10).
func pydanticToCamel(snake string) string {
	if reCamelAlready.MatchString(snake) && !reDigitLower.MatchString(snake) {
		return snake
	}
	camel := pydanticToPascal(snake)
	// re.sub('(^_*[A-Z])', lower): the first letter after leading "_".
	i := 0
	for i < len(camel) && camel[i] == '_' {
		i++
	}
	if i < len(camel) && camel[i] >= 'A' && camel[i] <= 'Z' {
		camel = camel[:i] + strings.ToLower(camel[i:i+1]) + camel[i+1:]
	}
	return camel
}

// pydanticToSnake is pydantic.alias_generators.to_snake (2.10).
func pydanticToSnake(camel string) string {
	s := reSnake1.ReplaceAllString(camel, "${1}_${2}")
	s = reSnake2.ReplaceAllString(s, "${1}_${2}")
	s = reSnake3.ReplaceAllString(s, "${1}_${2}")
	s = reSnake4.ReplaceAllString(s, "${1}_${2}")
	return strings.ToLower(strings.ReplaceAll(s, "-", "_"))
}

// pydantic1ToCamel is pydantic.utils.to_camel (1.10): every word
// capitalised.
func pydantic1ToCamel(s string) string {
	var sb strings.Builder
	for _, w := range strings.Split(s, "_") {
		sb.WriteString(pyCapitalize(w))
	}
	return sb.String()
}

// pydantic1ToLowerCamel is pydantic.utils.to_lower_camel (1.10).
func pydantic1ToLowerCamel(s string) string {
	if len(s) == 0 {
		return s
	}
	p := pydantic1ToCamel(s)
	if p == "" {
		return p
	}
	r, n := utf8.DecodeRuneInString(p)
	return strings.ToLower(string(r)) + p[n:]
}

// --- a small interpreter of the Python alias generators are written in ---

// gx is a syntax node copied out of tree-sitter's tree (so evaluation
// needs no tree, no cgo and no lock).
type gx struct {
	typ   string
	text  string // leaves: their text
	kids  []*gx  // every child, anonymous tokens included
	named []*gx
	field map[string]*gx
	line  int
}

func (n *gx) f(name string) *gx {
	if n == nil {
		return nil
	}
	return n.field[name]
}

// maxGenSteps bounds the work of a generator on one field name (real ones
// take well under a thousand steps).
const maxGenSteps = 20000

// maxGenNodes bounds a compiled generator's tree.
const maxGenNodes = 4000

func convert(n *sitter.Node, src []byte, count *int) (*gx, error) {
	*count++
	if *count > maxGenNodes {
		return nil, fmt.Errorf("the function is too large to read")
	}
	g := &gx{typ: n.Type(), line: int(n.StartPoint().Row) + 1}
	if n.ChildCount() == 0 || g.typ == "string_content" || g.typ == "escape_sequence" {
		g.text = n.Content(src)
		return g, nil
	}
	for i := 0; i < int(n.ChildCount()); i++ {
		c := n.Child(i)
		k, err := convert(c, src, count)
		if err != nil {
			return nil, err
		}
		g.kids = append(g.kids, k)
		if c.IsNamed() && c.Type() != "comment" {
			g.named = append(g.named, k)
		}
		if fn := n.FieldNameForChild(i); fn != "" {
			if g.field == nil {
				g.field = map[string]*gx{}
			}
			if _, dup := g.field[fn]; !dup {
				g.field[fn] = k
			}
		}
	}
	return g, nil
}

// pyProgram is a compiled generator: a function of one parameter.
type pyProgram struct {
	param string
	body  *gx // a block (def) or an expression (lambda)
	expr  bool
	mu    sync.Mutex
	memo  map[string]string
}

var (
	progCache     sync.Map // source text -> *pyProgram or error
	progCacheSize atomic.Int64
)

// maxProgCache bounds progCache (every edit of a generator is a new key).
const maxProgCache = 1000

// compilePy parses a `def f(x): ...` or `lambda x: ...` source text.
func compilePy(src string) (*pyProgram, error) {
	if v, ok := progCache.Load(src); ok {
		if err, isErr := v.(error); isErr {
			return nil, err
		}
		return v.(*pyProgram), nil
	}
	if progCacheSize.Add(1) > maxProgCache {
		progCache.Clear()
		progCacheSize.Store(0)
	}
	p, err := compileUncached(src)
	if err != nil {
		progCache.Store(src, err)
		return nil, err
	}
	progCache.Store(src, p)
	return p, nil
}

func compileUncached(src string) (*pyProgram, error) {
	doc, err := parse.Parse(context.Background(), parse.Python, []byte(src), nil)
	if err != nil {
		return nil, err
	}
	if doc.Root().HasError() {
		return nil, fmt.Errorf("its source does not parse")
	}
	count := 0
	root, err := convert(doc.Root(), doc.Src, &count)
	if err != nil {
		return nil, err
	}
	if len(root.named) != 1 {
		return nil, fmt.Errorf("its source is not one function")
	}
	n := root.named[0]
	if n.typ == "expression_statement" && len(n.named) == 1 {
		n = n.named[0]
	}
	var params *gx
	p := &pyProgram{memo: map[string]string{}}
	switch n.typ {
	case "function_definition":
		params, p.body = n.f("parameters"), n.f("body")
	case "lambda":
		params, p.body, p.expr = n.f("parameters"), n.f("body"), true
	default:
		return nil, fmt.Errorf("it is not a function")
	}
	if params == nil || len(params.named) != 1 {
		return nil, fmt.Errorf("it does not take exactly one parameter")
	}
	switch pn := params.named[0]; pn.typ {
	case "identifier":
		p.param = pn.text
	case "typed_parameter":
		if len(pn.named) > 0 && pn.named[0].typ == "identifier" {
			p.param = pn.named[0].text
		}
	}
	if p.param == "" || p.body == nil {
		return nil, fmt.Errorf("it does not take exactly one plain parameter")
	}
	return p, nil
}

// call runs the generator on one field name. The interpreter is new code
// reading user code: a bug in it is an error for this generator, never a
// crash of the server.
func (p *pyProgram) call(name string) (out string, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = "", fmt.Errorf("farm-lsp failed to evaluate it (%v)", r)
		}
	}()
	return p.run(name)
}

func (p *pyProgram) run(name string) (string, error) {
	p.mu.Lock()
	if v, ok := p.memo[name]; ok {
		p.mu.Unlock()
		return v, nil
	}
	p.mu.Unlock()
	in := &interp{budget: maxGenSteps}
	env := &genScope{vars: map[string]pv{p.param: {kind: pStr, s: name}}}
	var out pv
	if p.expr {
		v, err := in.eval(p.body, env)
		if err != nil {
			return "", err
		}
		out = v
	} else {
		v, returned, err := in.block(p.body, env)
		if err != nil {
			return "", err
		}
		if !returned {
			return "", fmt.Errorf("it returns nothing")
		}
		out = v
	}
	s, err := out.str()
	if err != nil {
		return "", fmt.Errorf("it returns %s, not a string", out.kindName())
	}
	p.mu.Lock()
	if len(p.memo) < 10000 {
		p.memo[name] = s
	}
	p.mu.Unlock()
	return s, nil
}

type pk byte

const (
	pNone pk = iota
	pStr
	pInt
	pBool
	pList
	pFunc
	pMatch
	pModule
)

// pv is a Python value.
type pv struct {
	kind pk
	s    string
	i    int
	l    []pv
	fn   *pfn
	grp  []*string // a match's groups, 0 = the whole match
}

type pfn struct {
	builtin string // "len", "str.title", "re.sub", ...
	self    *pv    // bound method receiver
	lambda  *gx
	env     *genScope
}

func (v pv) kindName() string {
	switch v.kind {
	case pNone:
		return "None"
	case pStr:
		return "a string"
	case pInt:
		return "an int"
	case pBool:
		return "a bool"
	case pList:
		return "a list"
	case pFunc:
		return "a function"
	case pMatch:
		return "a match"
	}
	return "a module"
}

func (v pv) str() (string, error) {
	if v.kind != pStr {
		return "", fmt.Errorf("%s is not a string", v.kindName())
	}
	return v.s, nil
}

func (v pv) truthy() bool {
	switch v.kind {
	case pNone:
		return false
	case pStr:
		return v.s != ""
	case pInt:
		return v.i != 0
	case pBool:
		return v.i != 0
	case pList:
		return len(v.l) > 0
	}
	return true
}

func pbool(b bool) pv {
	if b {
		return pv{kind: pBool, i: 1}
	}
	return pv{kind: pBool}
}

// repr is Python's str() of a value, for f-strings and str().
func (v pv) repr() (string, error) {
	switch v.kind {
	case pStr:
		return v.s, nil
	case pInt:
		return strconv.Itoa(v.i), nil
	case pBool:
		if v.i != 0 {
			return "True", nil
		}
		return "False", nil
	case pNone:
		return "None", nil
	}
	return "", fmt.Errorf("str() of %s is not supported", v.kindName())
}

type genScope struct {
	vars   map[string]pv
	parent *genScope
}

func (s *genScope) get(name string) (pv, bool) {
	for c := s; c != nil; c = c.parent {
		if v, ok := c.vars[name]; ok {
			return v, true
		}
	}
	return pv{}, false
}

type interp struct{ budget int }

type unsupported struct {
	what string
	line int
}

func (u unsupported) Error() string {
	return fmt.Sprintf("%s (line %d of the generator) is not something farm-lsp evaluates", u.what, u.line)
}

func unsup(n *gx, what string) error {
	if n == nil {
		return unsupported{what: what}
	}
	return unsupported{what: what, line: n.line}
}

func (in *interp) step(n *gx) error {
	in.budget--
	if in.budget < 0 {
		return unsup(n, "a generator that runs this long")
	}
	return nil
}

// block runs statements; returned says a return statement ran.
func (in *interp) block(b *gx, env *genScope) (pv, bool, error) {
	for _, st := range b.named {
		v, ret, ctl, err := in.stmt(st, env)
		if err != nil || ret {
			return v, ret, err
		}
		if ctl != 0 {
			return pv{}, false, unsup(st, "break/continue outside a loop")
		}
	}
	return pv{}, false, nil
}

// Loop control a statement ends with.
const (
	ctlNone byte = iota
	ctlBreak
	ctlContinue
)

// stmt runs one statement; ret says a return ran, ctl a break or continue.
func (in *interp) stmt(st *gx, env *genScope) (v pv, ret bool, ctl byte, err error) {
	if err := in.step(st); err != nil {
		return pv{}, false, ctlNone, err
	}
	switch st.typ {
	case "comment", "pass_statement":
		return pv{}, false, ctlNone, nil
	case "expression_statement":
		if len(st.named) != 1 {
			return pv{}, false, ctlNone, unsup(st, "this statement")
		}
		e := st.named[0]
		switch e.typ {
		case "string", "concatenated_string": // a docstring
			return pv{}, false, ctlNone, nil
		case "assignment":
			if e.f("right") == nil {
				return pv{}, false, ctlNone, nil // a bare annotation
			}
			val, err := in.eval(e.f("right"), env)
			if err != nil {
				return pv{}, false, ctlNone, err
			}
			return pv{}, false, ctlNone, in.assign(e.f("left"), val, env)
		case "augmented_assignment":
			left := e.f("left")
			if left == nil || left.typ != "identifier" {
				return pv{}, false, ctlNone, unsup(e, "this assignment")
			}
			cur, ok := env.get(left.text)
			if !ok {
				return pv{}, false, ctlNone, unsup(left, "the unbound name "+left.text)
			}
			r, err := in.eval(e.f("right"), env)
			if err != nil {
				return pv{}, false, ctlNone, err
			}
			op := e.f("operator")
			if op == nil {
				return pv{}, false, ctlNone, unsup(e, "this assignment")
			}
			nv, err := in.binop(strings.TrimSuffix(op.text, "="), cur, r, e)
			if err != nil {
				return pv{}, false, ctlNone, err
			}
			env.vars[left.text] = nv
			return pv{}, false, ctlNone, nil
		}
		return pv{}, false, ctlNone, unsup(e, "a "+strings.ReplaceAll(e.typ, "_", " ")+" statement")
	case "return_statement":
		if len(st.named) == 0 {
			return pv{kind: pNone}, true, ctlNone, nil
		}
		v, err := in.eval(st.named[0], env)
		return v, true, ctlNone, err
	case "if_statement":
		c, err := in.eval(st.f("condition"), env)
		if err != nil {
			return pv{}, false, ctlNone, err
		}
		if c.truthy() {
			return in.suite(st.f("consequence"), env)
		}
		for _, alt := range st.named {
			switch alt.typ {
			case "elif_clause":
				c, err := in.eval(alt.f("condition"), env)
				if err != nil {
					return pv{}, false, ctlNone, err
				}
				if c.truthy() {
					return in.suite(alt.f("consequence"), env)
				}
			case "else_clause":
				return in.suite(alt.f("body"), env)
			}
		}
		return pv{}, false, ctlNone, nil
	case "for_statement":
		if st.f("alternative") != nil {
			return pv{}, false, ctlNone, unsup(st, "for ... else")
		}
		it, err := in.eval(st.f("right"), env)
		if err != nil {
			return pv{}, false, ctlNone, err
		}
		items, err := iterate(it, st)
		if err != nil {
			return pv{}, false, ctlNone, err
		}
		for _, item := range items {
			if err := in.assign(st.f("left"), item, env); err != nil {
				return pv{}, false, ctlNone, err
			}
			v, ret, ctl, err := in.suite(st.f("body"), env)
			if err != nil || ret {
				return v, ret, ctlNone, err
			}
			if ctl == ctlBreak {
				break
			}
		}
		return pv{}, false, ctlNone, nil
	case "break_statement":
		return pv{}, false, ctlBreak, nil
	case "continue_statement":
		return pv{}, false, ctlContinue, nil
	}
	return pv{}, false, ctlNone, unsup(st, "a "+strings.ReplaceAll(st.typ, "_", " "))
}

func (in *interp) suite(b *gx, env *genScope) (pv, bool, byte, error) {
	if b == nil {
		return pv{}, false, ctlNone, nil
	}
	for _, st := range b.named {
		v, ret, ctl, err := in.stmt(st, env)
		if err != nil || ret || ctl != ctlNone {
			return v, ret, ctl, err
		}
	}
	return pv{}, false, ctlNone, nil
}

// assign binds a target (name, tuple/list pattern with one starred name).
func (in *interp) assign(t *gx, v pv, env *genScope) error {
	if t == nil {
		return unsup(t, "this assignment")
	}
	switch t.typ {
	case "identifier":
		env.vars[t.text] = v
		return nil
	case "pattern_list", "tuple_pattern", "list_pattern", "tuple", "list", "expression_list":
		items, err := iterate(v, t)
		if err != nil {
			return err
		}
		star := -1
		for i, k := range t.named {
			if k.typ == "list_splat_pattern" {
				if star >= 0 {
					return unsup(t, "two starred targets")
				}
				star = i
			}
		}
		n := len(t.named)
		if star < 0 {
			if len(items) != n {
				return unsup(t, fmt.Sprintf("unpacking %d values into %d names", len(items), n))
			}
			for i, k := range t.named {
				if err := in.assign(k, items[i], env); err != nil {
					return err
				}
			}
			return nil
		}
		if len(items) < n-1 {
			return unsup(t, fmt.Sprintf("unpacking %d values into %d names", len(items), n))
		}
		for i := 0; i < star; i++ {
			if err := in.assign(t.named[i], items[i], env); err != nil {
				return err
			}
		}
		rest := len(items) - (n - 1 - star)
		mid := append([]pv(nil), items[star:rest]...)
		if len(t.named[star].named) != 1 {
			return unsup(t, "this starred target")
		}
		if err := in.assign(t.named[star].named[0], pv{kind: pList, l: mid}, env); err != nil {
			return err
		}
		for i := star + 1; i < n; i++ {
			if err := in.assign(t.named[i], items[rest+i-star-1], env); err != nil {
				return err
			}
		}
		return nil
	case "parenthesized_expression":
		if len(t.named) == 1 {
			return in.assign(t.named[0], v, env)
		}
	}
	return unsup(t, "assigning to a "+strings.ReplaceAll(t.typ, "_", " "))
}

func iterate(v pv, at *gx) ([]pv, error) {
	switch v.kind {
	case pList:
		return v.l, nil
	case pStr:
		var out []pv
		for _, r := range v.s {
			out = append(out, pv{kind: pStr, s: string(r)})
		}
		return out, nil
	}
	return nil, unsup(at, "iterating over "+v.kindName())
}

var strMethods = map[string]bool{
	"split": true, "rsplit": true, "capitalize": true, "title": true, "lower": true, "upper": true,
	"casefold": true, "swapcase": true, "strip": true, "lstrip": true, "rstrip": true, "replace": true,
	"join": true, "startswith": true, "endswith": true, "isupper": true, "islower": true, "isdigit": true,
	"isalpha": true, "isalnum": true, "removeprefix": true, "removesuffix": true,
}

var builtins = map[string]bool{"len": true, "str": true, "map": true, "list": true, "tuple": true,
	"enumerate": true, "reversed": true, "filter": true}

func (in *interp) eval(n *gx, env *genScope) (pv, error) {
	if n == nil {
		return pv{}, unsup(n, "an empty expression")
	}
	if err := in.step(n); err != nil {
		return pv{}, err
	}
	switch n.typ {
	case "identifier":
		if v, ok := env.get(n.text); ok {
			return v, nil
		}
		switch {
		case builtins[n.text]:
			return pv{kind: pFunc, fn: &pfn{builtin: n.text}}, nil
		case n.text == "re":
			return pv{kind: pModule, s: n.text}, nil
		}
		return pv{}, unsup(n, "the name "+n.text)
	case "string":
		return in.str(n, env)
	case "concatenated_string":
		var sb strings.Builder
		for _, k := range n.named {
			v, err := in.str(k, env)
			if err != nil {
				return pv{}, err
			}
			sb.WriteString(v.s)
		}
		return pv{kind: pStr, s: sb.String()}, nil
	case "integer":
		i, err := strconv.Atoi(strings.ReplaceAll(n.text, "_", ""))
		if err != nil {
			return pv{}, unsup(n, "the number "+n.text)
		}
		return pv{kind: pInt, i: i}, nil
	case "true":
		return pbool(true), nil
	case "false":
		return pbool(false), nil
	case "none":
		return pv{kind: pNone}, nil
	case "parenthesized_expression":
		if len(n.named) != 1 {
			return pv{}, unsup(n, "this expression")
		}
		return in.eval(n.named[0], env)
	case "list", "tuple", "expression_list":
		out := pv{kind: pList}
		for _, k := range n.named {
			if k.typ == "list_splat" {
				if len(k.named) != 1 {
					return pv{}, unsup(k, "this unpacking")
				}
				v, err := in.eval(k.named[0], env)
				if err != nil {
					return pv{}, err
				}
				items, err := iterate(v, k)
				if err != nil {
					return pv{}, err
				}
				out.l = append(out.l, items...)
				continue
			}
			v, err := in.eval(k, env)
			if err != nil {
				return pv{}, err
			}
			out.l = append(out.l, v)
		}
		return out, nil
	case "list_comprehension", "generator_expression":
		return in.comprehension(n, env)
	case "attribute":
		obj, err := in.eval(n.f("object"), env)
		if err != nil {
			return pv{}, err
		}
		attr := n.f("attribute")
		if attr == nil {
			return pv{}, unsup(n, "this attribute")
		}
		if obj.kind == pFunc && obj.fn.builtin == "str" && obj.fn.self == nil {
			obj = pv{kind: pModule, s: "str"} // str.title as a function
		}
		switch obj.kind {
		case pModule:
			name := obj.s + "." + attr.text
			if obj.s == "str" && strMethods[attr.text] || obj.s == "re" && reFuncs[attr.text] {
				return pv{kind: pFunc, fn: &pfn{builtin: name}}, nil
			}
			return pv{}, unsup(n, name)
		case pStr:
			if strMethods[attr.text] {
				o := obj
				return pv{kind: pFunc, fn: &pfn{builtin: "str." + attr.text, self: &o}}, nil
			}
		case pMatch:
			if attr.text == "group" || attr.text == "groups" {
				o := obj
				return pv{kind: pFunc, fn: &pfn{builtin: "match." + attr.text, self: &o}}, nil
			}
		}
		return pv{}, unsup(n, "."+attr.text+" of "+obj.kindName())
	case "call":
		return in.call(n, env)
	case "subscript":
		return in.subscript(n, env)
	case "binary_operator":
		l, err := in.eval(n.f("left"), env)
		if err != nil {
			return pv{}, err
		}
		r, err := in.eval(n.f("right"), env)
		if err != nil {
			return pv{}, err
		}
		op := n.f("operator")
		if op == nil {
			return pv{}, unsup(n, "this operator")
		}
		return in.binop(op.text, l, r, n)
	case "unary_operator":
		v, err := in.eval(n.f("argument"), env)
		if err != nil {
			return pv{}, err
		}
		if op := n.f("operator"); op != nil && op.text == "-" && v.kind == pInt {
			return pv{kind: pInt, i: -v.i}, nil
		}
		return pv{}, unsup(n, "this unary operator")
	case "not_operator":
		v, err := in.eval(n.f("argument"), env)
		if err != nil {
			return pv{}, err
		}
		return pbool(!v.truthy()), nil
	case "boolean_operator":
		l, err := in.eval(n.f("left"), env)
		if err != nil {
			return pv{}, err
		}
		op := n.f("operator")
		if op == nil {
			return pv{}, unsup(n, "this operator")
		}
		if (op.text == "and") != l.truthy() {
			return l, nil
		}
		return in.eval(n.f("right"), env)
	case "comparison_operator":
		return in.compare(n, env)
	case "conditional_expression":
		if len(n.named) != 3 {
			return pv{}, unsup(n, "this conditional")
		}
		c, err := in.eval(n.named[1], env)
		if err != nil {
			return pv{}, err
		}
		if c.truthy() {
			return in.eval(n.named[0], env)
		}
		return in.eval(n.named[2], env)
	case "lambda":
		return pv{kind: pFunc, fn: &pfn{lambda: n, env: env}}, nil
	}
	return pv{}, unsup(n, "a "+strings.ReplaceAll(n.typ, "_", " "))
}

// str evaluates a string literal (f-strings included).
func (in *interp) str(n *gx, env *genScope) (pv, error) {
	if n.typ != "string" {
		return in.eval(n, env)
	}
	prefix := ""
	if len(n.kids) > 0 && n.kids[0].typ == "string_start" {
		prefix = strings.ToLower(strings.TrimRight(n.kids[0].text, `"'`))
	}
	if strings.Contains(prefix, "b") {
		return pv{}, unsup(n, "a bytes literal")
	}
	raw := strings.Contains(prefix, "r")
	var sb strings.Builder
	for _, k := range n.kids {
		switch k.typ {
		case "string_content":
			sb.WriteString(k.text)
		case "escape_sequence":
			if raw {
				sb.WriteString(k.text)
				continue
			}
			s, err := strconv.Unquote(`"` + strings.ReplaceAll(k.text, `\'`, `'`) + `"`)
			if err != nil {
				return pv{}, unsup(k, "the escape "+k.text)
			}
			sb.WriteString(s)
		case "interpolation":
			if k.f("type_conversion") != nil || k.f("format_specifier") != nil {
				return pv{}, unsup(k, "a conversion or format spec in an f-string")
			}
			v, err := in.eval(k.f("expression"), env)
			if err != nil {
				return pv{}, err
			}
			s, err := v.repr()
			if err != nil {
				return pv{}, unsup(k, err.Error())
			}
			sb.WriteString(s)
		}
	}
	return pv{kind: pStr, s: sb.String()}, nil
}

func (in *interp) comprehension(n *gx, env *genScope) (pv, error) {
	body := n.f("body")
	var clauses []*gx
	for _, k := range n.named {
		if k.typ == "for_in_clause" || k.typ == "if_clause" {
			clauses = append(clauses, k)
		}
	}
	out := pv{kind: pList}
	inner := &genScope{vars: map[string]pv{}, parent: env}
	var run func(i int) error
	run = func(i int) error {
		if i == len(clauses) {
			v, err := in.eval(body, inner)
			if err != nil {
				return err
			}
			out.l = append(out.l, v)
			return nil
		}
		c := clauses[i]
		if c.typ == "if_clause" {
			if len(c.named) != 1 {
				return unsup(c, "this if clause")
			}
			v, err := in.eval(c.named[0], inner)
			if err != nil {
				return err
			}
			if !v.truthy() {
				return nil
			}
			return run(i + 1)
		}
		it, err := in.eval(c.f("right"), inner)
		if err != nil {
			return err
		}
		items, err := iterate(it, c)
		if err != nil {
			return err
		}
		for _, item := range items {
			if err := in.assign(c.f("left"), item, inner); err != nil {
				return err
			}
			if err := run(i + 1); err != nil {
				return err
			}
		}
		return nil
	}
	if err := run(0); err != nil {
		return pv{}, err
	}
	return out, nil
}

func (in *interp) binop(op string, l, r pv, at *gx) (pv, error) {
	switch {
	case op == "+" && l.kind == pStr && r.kind == pStr:
		return pv{kind: pStr, s: l.s + r.s}, nil
	case op == "+" && l.kind == pList && r.kind == pList:
		return pv{kind: pList, l: append(append([]pv(nil), l.l...), r.l...)}, nil
	case l.kind == pInt && r.kind == pInt:
		switch op {
		case "+":
			return pv{kind: pInt, i: l.i + r.i}, nil
		case "-":
			return pv{kind: pInt, i: l.i - r.i}, nil
		case "*":
			return pv{kind: pInt, i: l.i * r.i}, nil
		}
	case op == "*" && l.kind == pStr && r.kind == pInt && r.i >= 0 && r.i*len(l.s) <= 4096:
		return pv{kind: pStr, s: strings.Repeat(l.s, r.i)}, nil
	}
	return pv{}, unsup(at, fmt.Sprintf("%s %s %s", l.kindName(), op, r.kindName()))
}

func (in *interp) compare(n *gx, env *genScope) (pv, error) {
	// children: operand (op operand)+, operators anonymous ("not in", "is not" are two tokens)
	var operands []*gx
	var ops []string
	pending := ""
	for _, k := range n.kids {
		if k.typ == "comment" {
			continue
		}
		if isOperand(k) {
			if len(operands) > 0 {
				ops = append(ops, strings.TrimSpace(pending))
				pending = ""
			}
			operands = append(operands, k)
			continue
		}
		pending += " " + k.text
	}
	if len(operands) < 2 || len(ops) != len(operands)-1 {
		return pv{}, unsup(n, "this comparison")
	}
	left, err := in.eval(operands[0], env)
	if err != nil {
		return pv{}, err
	}
	for i, op := range ops {
		right, err := in.eval(operands[i+1], env)
		if err != nil {
			return pv{}, err
		}
		ok, err := cmp(op, left, right, n)
		if err != nil {
			return pv{}, err
		}
		if !ok {
			return pbool(false), nil
		}
		left = right
	}
	return pbool(true), nil
}

func isOperand(k *gx) bool {
	switch k.typ {
	case "<", ">", "==", "!=", "<=", ">=", "in", "not", "is", "<>":
		return false
	}
	return true
}

func cmp(op string, l, r pv, at *gx) (bool, error) {
	switch op {
	case "in", "not in":
		var found bool
		switch r.kind {
		case pStr:
			if l.kind != pStr {
				return false, unsup(at, "in with "+l.kindName())
			}
			found = strings.Contains(r.s, l.s)
		case pList:
			for _, x := range r.l {
				if eq, _ := equal(l, x); eq {
					found = true
				}
			}
		default:
			return false, unsup(at, "in "+r.kindName())
		}
		return found == (op == "in"), nil
	case "==", "!=":
		eq, err := equal(l, r)
		if err != nil {
			return false, unsup(at, err.Error())
		}
		return eq == (op == "=="), nil
	case "is", "is not":
		if r.kind != pNone && l.kind != pNone {
			return false, unsup(at, "is between values that are not None")
		}
		return (l.kind == r.kind) == (op == "is"), nil
	case "<", ">", "<=", ">=":
		var c int
		switch {
		case l.kind == pInt && r.kind == pInt:
			c = l.i - r.i
		case l.kind == pStr && r.kind == pStr:
			c = strings.Compare(l.s, r.s)
		default:
			return false, unsup(at, "comparing "+l.kindName()+" with "+r.kindName())
		}
		switch op {
		case "<":
			return c < 0, nil
		case ">":
			return c > 0, nil
		case "<=":
			return c <= 0, nil
		}
		return c >= 0, nil
	}
	return false, unsup(at, "the comparison "+op)
}

func equal(a, b pv) (bool, error) {
	if (a.kind == pInt || a.kind == pBool) && (b.kind == pInt || b.kind == pBool) {
		return a.i == b.i, nil
	}
	if a.kind != b.kind {
		return false, nil
	}
	switch a.kind {
	case pStr:
		return a.s == b.s, nil
	case pNone:
		return true, nil
	case pList:
		if len(a.l) != len(b.l) {
			return false, nil
		}
		for i := range a.l {
			if eq, err := equal(a.l[i], b.l[i]); err != nil || !eq {
				return eq, err
			}
		}
		return true, nil
	}
	return false, fmt.Errorf("comparing %s", a.kindName())
}

func (in *interp) subscript(n *gx, env *genScope) (pv, error) {
	v, err := in.eval(n.f("value"), env)
	if err != nil {
		return pv{}, err
	}
	sub := n.f("subscript")
	if sub == nil {
		return pv{}, unsup(n, "this subscript")
	}
	length := 0
	switch v.kind {
	case pStr:
		length = utf8.RuneCountInString(v.s)
	case pList:
		length = len(v.l)
	case pMatch:
		idx, err := in.eval(sub, env)
		if err != nil {
			return pv{}, err
		}
		return matchGroup(v, idx, n)
	default:
		return pv{}, unsup(n, "indexing "+v.kindName())
	}
	if sub.typ != "slice" {
		idx, err := in.eval(sub, env)
		if err != nil {
			return pv{}, err
		}
		if idx.kind != pInt {
			return pv{}, unsup(n, "an index that is "+idx.kindName())
		}
		i := idx.i
		if i < 0 {
			i += length
		}
		if i < 0 || i >= length {
			return pv{}, unsup(n, "an index out of range (Python raises IndexError)")
		}
		if v.kind == pStr {
			return pv{kind: pStr, s: string([]rune(v.s)[i])}, nil
		}
		return v.l[i], nil
	}
	// slice: [start]:[stop][:[step]]
	parts := [3]*gx{}
	seg := 0
	for _, k := range sub.kids {
		if k.typ == ":" {
			seg++
			continue
		}
		if seg < 3 && k.typ != "comment" {
			parts[seg] = k
		}
	}
	val := func(k *gx, def int) (int, bool, error) {
		if k == nil {
			return def, false, nil
		}
		x, err := in.eval(k, env)
		if err != nil {
			return 0, false, err
		}
		if x.kind == pNone {
			return def, false, nil
		}
		if x.kind != pInt {
			return 0, false, unsup(k, "a slice bound that is "+x.kindName())
		}
		return x.i, true, nil
	}
	step, _, err := val(parts[2], 1)
	if err != nil {
		return pv{}, err
	}
	if step == 0 {
		return pv{}, unsup(n, "a slice step of 0")
	}
	start, hasStart, err := val(parts[0], 0)
	if err != nil {
		return pv{}, err
	}
	stop, hasStop, err := val(parts[1], 0)
	if err != nil {
		return pv{}, err
	}
	clamp := func(x int, has bool, def int) int {
		if !has {
			return def
		}
		if x < 0 {
			x += length
		}
		lo, hi := 0, length
		if step < 0 {
			lo, hi = -1, length-1
		}
		if x < lo {
			x = lo
		}
		if x > hi {
			x = hi
		}
		return x
	}
	var idxs []int
	if step > 0 {
		for i := clamp(start, hasStart, 0); i < clamp(stop, hasStop, length); i += step {
			idxs = append(idxs, i)
		}
	} else {
		for i := clamp(start, hasStart, length-1); i > clamp(stop, hasStop, -1); i += step {
			idxs = append(idxs, i)
		}
	}
	if v.kind == pStr {
		rs := []rune(v.s)
		out := make([]rune, 0, len(idxs))
		for _, i := range idxs {
			out = append(out, rs[i])
		}
		return pv{kind: pStr, s: string(out)}, nil
	}
	out := pv{kind: pList}
	for _, i := range idxs {
		out.l = append(out.l, v.l[i])
	}
	return out, nil
}

func (in *interp) call(n *gx, env *genScope) (pv, error) {
	f, err := in.eval(n.f("function"), env)
	if err != nil {
		return pv{}, err
	}
	if f.kind != pFunc {
		return pv{}, unsup(n, "calling "+f.kindName())
	}
	var args []pv
	kw := map[string]pv{}
	if a := n.f("arguments"); a != nil {
		if a.typ == "generator_expression" {
			v, err := in.eval(a, env)
			if err != nil {
				return pv{}, err
			}
			args = append(args, v)
		} else {
			for _, k := range a.named {
				switch k.typ {
				case "keyword_argument":
					name := k.f("name")
					if name == nil {
						return pv{}, unsup(k, "this argument")
					}
					v, err := in.eval(k.f("value"), env)
					if err != nil {
						return pv{}, err
					}
					kw[name.text] = v
				case "list_splat", "dictionary_splat":
					return pv{}, unsup(k, "*args in a call")
				case "comment":
				default:
					v, err := in.eval(k, env)
					if err != nil {
						return pv{}, err
					}
					args = append(args, v)
				}
			}
		}
	}
	return in.apply(f.fn, args, kw, n)
}

func (in *interp) apply(fn *pfn, args []pv, kw map[string]pv, at *gx) (pv, error) {
	if fn.lambda != nil {
		params := fn.lambda.f("parameters")
		var names []string
		if params != nil {
			for _, p := range params.named {
				if p.typ != "identifier" {
					return pv{}, unsup(p, "this lambda parameter")
				}
				names = append(names, p.text)
			}
		}
		if len(names) != len(args) || len(kw) > 0 {
			return pv{}, unsup(at, "calling a lambda with other arguments than its parameters")
		}
		sc := &genScope{vars: map[string]pv{}, parent: fn.env}
		for i, nm := range names {
			sc.vars[nm] = args[i]
		}
		return in.eval(fn.lambda.f("body"), sc)
	}
	name := fn.builtin
	if fn.self != nil {
		args = append([]pv{*fn.self}, args...)
	}
	if m, ok := strings.CutPrefix(name, "str."); ok {
		if len(args) == 0 {
			return pv{}, unsup(at, name+" without a string")
		}
		if args[0].kind != pStr {
			return pv{}, unsup(at, name+" of "+args[0].kindName())
		}
		if m == "split" || m == "rsplit" {
			if s, ok := kw["sep"]; ok {
				args = append(args[:1:1], s)
				if mx, ok := kw["maxsplit"]; ok {
					args = append(args, mx)
				}
				delete(kw, "sep")
				delete(kw, "maxsplit")
			}
		}
		if len(kw) > 0 {
			return pv{}, unsup(at, "keyword arguments to "+name)
		}
		v, err := callStrMethod(m, args[0], args[1:])
		if err != nil {
			return pv{}, unsup(at, err.Error())
		}
		return v, nil
	}
	if len(kw) > 0 && !strings.HasPrefix(name, "re.") {
		return pv{}, unsup(at, "keyword arguments to "+name)
	}
	switch name {
	case "len":
		if len(args) == 1 {
			switch args[0].kind {
			case pStr:
				return pv{kind: pInt, i: utf8.RuneCountInString(args[0].s)}, nil
			case pList:
				return pv{kind: pInt, i: len(args[0].l)}, nil
			}
		}
	case "str":
		if len(args) == 1 {
			s, err := args[0].repr()
			if err == nil {
				return pv{kind: pStr, s: s}, nil
			}
		}
	case "list", "tuple":
		if len(args) == 1 {
			items, err := iterate(args[0], at)
			if err != nil {
				return pv{}, err
			}
			return pv{kind: pList, l: items}, nil
		}
	case "reversed":
		if len(args) == 1 {
			items, err := iterate(args[0], at)
			if err != nil {
				return pv{}, err
			}
			out := pv{kind: pList, l: make([]pv, len(items))}
			for i, x := range items {
				out.l[len(items)-1-i] = x
			}
			return out, nil
		}
	case "enumerate":
		if len(args) == 1 {
			items, err := iterate(args[0], at)
			if err != nil {
				return pv{}, err
			}
			out := pv{kind: pList}
			for i, x := range items {
				out.l = append(out.l, pv{kind: pList, l: []pv{{kind: pInt, i: i}, x}})
			}
			return out, nil
		}
	case "map", "filter":
		if len(args) == 2 && args[0].kind == pFunc {
			items, err := iterate(args[1], at)
			if err != nil {
				return pv{}, err
			}
			out := pv{kind: pList}
			for _, x := range items {
				v, err := in.apply(args[0].fn, []pv{x}, nil, at)
				if err != nil {
					return pv{}, err
				}
				if name == "map" {
					out.l = append(out.l, v)
				} else if v.truthy() {
					out.l = append(out.l, x)
				}
			}
			return out, nil
		}
	case "match.group":
		if len(args) == 1 {
			return matchGroup(args[0], pv{kind: pInt}, at)
		}
		if len(args) == 2 {
			return matchGroup(args[0], args[1], at)
		}
	case "match.groups":
		if len(args) == 1 {
			out := pv{kind: pList}
			for _, g := range args[0].grp[1:] {
				if g == nil {
					out.l = append(out.l, pv{kind: pNone})
				} else {
					out.l = append(out.l, pv{kind: pStr, s: *g})
				}
			}
			return out, nil
		}
	case "re.sub", "re.split", "re.match", "re.search", "re.fullmatch":
		return in.reCall(name, args, kw, at)
	}
	return pv{}, unsup(at, "this call of "+name)
}

func matchGroup(m, idx pv, at *gx) (pv, error) {
	if idx.kind != pInt || idx.i < 0 || idx.i >= len(m.grp) {
		return pv{}, unsup(at, "this group of a match")
	}
	if g := m.grp[idx.i]; g != nil {
		return pv{kind: pStr, s: *g}, nil
	}
	return pv{kind: pNone}, nil
}

var reFuncs = map[string]bool{"sub": true, "split": true, "match": true, "search": true, "fullmatch": true}

// pyRegexp compiles a Python pattern when Go's regexp reads it: no
// lookaround, backreferences or other Python-only syntax (those fail to
// compile, and the generator is then unknown).
func pyRegexp(pat string) (*regexp.Regexp, error) {
	re, err := regexp.Compile(pat)
	if err != nil {
		return nil, fmt.Errorf("the pattern %q is not one Go's regexp reads like Python's re", pat)
	}
	return re, nil
}

// pyTemplate turns a Python replacement template (\1, \g<1>, \g<name>)
// into Go's ($1 → ${1}); ok is false for other escapes.
func pyTemplate(t string) (string, bool) {
	var sb strings.Builder
	for i := 0; i < len(t); i++ {
		c := t[i]
		switch {
		case c == '$':
			sb.WriteString("$$")
		case c == '\\' && i+1 < len(t):
			n := t[i+1]
			switch {
			case n >= '0' && n <= '9':
				j := i + 1
				for j < len(t) && t[j] >= '0' && t[j] <= '9' && j < i+3 {
					j++
				}
				sb.WriteString("${" + t[i+1:j] + "}")
				i = j - 1
			case n == 'g' && i+2 < len(t) && t[i+2] == '<':
				end := strings.IndexByte(t[i+3:], '>')
				if end < 0 {
					return "", false
				}
				sb.WriteString("${" + t[i+3:i+3+end] + "}")
				i = i + 3 + end
			case n == '\\':
				sb.WriteByte('\\')
				i++
			case n == 'n':
				sb.WriteByte('\n')
				i++
			default:
				return "", false
			}
		default:
			sb.WriteByte(c)
		}
	}
	return sb.String(), true
}

func (in *interp) reCall(name string, args []pv, kw map[string]pv, at *gx) (pv, error) {
	for k := range kw {
		if k != "count" && k != "maxsplit" {
			return pv{}, unsup(at, "the argument "+k+"= of "+name)
		}
	}
	need := 2
	if name == "re.sub" {
		need = 3
	}
	if len(args) < need || len(args) > need+1 {
		return pv{}, unsup(at, "this call of "+name)
	}
	if len(args) == need+1 || len(kw) > 0 {
		limit := pv{}
		if len(args) == need+1 {
			limit = args[need]
		}
		for _, v := range kw {
			limit = v
		}
		if limit.kind != pInt || limit.i != 0 {
			return pv{}, unsup(at, "a count or maxsplit in "+name)
		}
		args = args[:need]
	}
	if args[0].kind != pStr || args[len(args)-1].kind != pStr {
		return pv{}, unsup(at, name+" with a pattern or string that is not a string")
	}
	re, err := pyRegexp(args[0].s)
	if err != nil {
		return pv{}, unsup(at, err.Error())
	}
	s := args[len(args)-1].s
	groups := func(idx []int) pv {
		m := pv{kind: pMatch}
		for g := 0; 2*g+1 < len(idx); g++ {
			if idx[2*g] < 0 {
				m.grp = append(m.grp, nil)
				continue
			}
			t := s[idx[2*g]:idx[2*g+1]]
			m.grp = append(m.grp, &t)
		}
		return m
	}
	switch name {
	case "re.match", "re.fullmatch":
		anchored := `^(?:` + args[0].s + `)`
		if name == "re.fullmatch" {
			anchored += `\z`
		}
		are, err := pyRegexp(anchored)
		if err != nil {
			return pv{}, unsup(at, err.Error())
		}
		idx := are.FindStringSubmatchIndex(s)
		if idx == nil {
			return pv{kind: pNone}, nil
		}
		return groups(idx), nil
	case "re.search":
		idx := re.FindStringSubmatchIndex(s)
		if idx == nil {
			return pv{kind: pNone}, nil
		}
		return groups(idx), nil
	case "re.split":
		if re.NumSubexp() > 0 {
			return pv{}, unsup(at, "re.split with groups in the pattern")
		}
		out := pv{kind: pList}
		for _, part := range re.Split(s, -1) {
			out.l = append(out.l, pv{kind: pStr, s: part})
		}
		return out, nil
	}
	// re.sub
	repl := args[1]
	switch repl.kind {
	case pStr:
		t, ok := pyTemplate(repl.s)
		if !ok {
			return pv{}, unsup(at, "the replacement "+strconv.Quote(repl.s))
		}
		return pv{kind: pStr, s: re.ReplaceAllString(s, t)}, nil
	case pFunc:
		var sb strings.Builder
		last := 0
		for _, idx := range re.FindAllStringSubmatchIndex(s, -1) {
			sb.WriteString(s[last:idx[0]])
			v, err := in.apply(repl.fn, []pv{groups(idx)}, nil, at)
			if err != nil {
				return pv{}, err
			}
			r, err := v.str()
			if err != nil {
				return pv{}, unsup(at, "a replacement function that returns "+v.kindName())
			}
			sb.WriteString(r)
			last = idx[1]
		}
		sb.WriteString(s[last:])
		return pv{kind: pStr, s: sb.String()}, nil
	}
	return pv{}, unsup(at, "a replacement that is "+repl.kindName())
}

// callStrMethod runs str.<m>(self, args...).
func callStrMethod(m string, self pv, args []pv) (pv, error) {
	s := self.s
	strArg := func(i int) (string, bool) {
		if i < len(args) && args[i].kind == pStr {
			return args[i].s, true
		}
		return "", false
	}
	noArgs := len(args) == 0
	switch m {
	case "capitalize":
		if noArgs {
			return pv{kind: pStr, s: pyCapitalize(s)}, nil
		}
	case "title":
		if noArgs {
			return pv{kind: pStr, s: pyTitle(s)}, nil
		}
	case "lower", "casefold":
		if noArgs {
			return pv{kind: pStr, s: strings.ToLower(s)}, nil
		}
	case "upper":
		if noArgs {
			return pv{kind: pStr, s: strings.ToUpper(s)}, nil
		}
	case "swapcase":
		if noArgs {
			return pv{kind: pStr, s: strings.Map(func(r rune) rune {
				if unicode.IsUpper(r) {
					return unicode.ToLower(r)
				}
				return unicode.ToUpper(r)
			}, s)}, nil
		}
	case "strip", "lstrip", "rstrip":
		cut := " \t\n\r\x0b\x0c"
		if len(args) == 1 {
			c, ok := strArg(0)
			if !ok {
				if args[0].kind != pNone {
					break
				}
			} else {
				cut = c
			}
		} else if !noArgs {
			break
		}
		switch m {
		case "strip":
			return pv{kind: pStr, s: strings.Trim(s, cut)}, nil
		case "lstrip":
			return pv{kind: pStr, s: strings.TrimLeft(s, cut)}, nil
		}
		return pv{kind: pStr, s: strings.TrimRight(s, cut)}, nil
	case "replace":
		a, ok1 := strArg(0)
		b, ok2 := strArg(1)
		if ok1 && ok2 && len(args) == 2 {
			return pv{kind: pStr, s: strings.ReplaceAll(s, a, b)}, nil
		}
	case "removeprefix", "removesuffix":
		if a, ok := strArg(0); ok && len(args) == 1 {
			if m == "removeprefix" {
				return pv{kind: pStr, s: strings.TrimPrefix(s, a)}, nil
			}
			return pv{kind: pStr, s: strings.TrimSuffix(s, a)}, nil
		}
	case "startswith", "endswith":
		if len(args) == 1 {
			var cands []string
			if a, ok := strArg(0); ok {
				cands = []string{a}
			} else if args[0].kind == pList {
				for _, x := range args[0].l {
					if x.kind != pStr {
						return pv{}, fmt.Errorf("%s of %s", m, x.kindName())
					}
					cands = append(cands, x.s)
				}
			}
			for _, c := range cands {
				if m == "startswith" && strings.HasPrefix(s, c) || m == "endswith" && strings.HasSuffix(s, c) {
					return pbool(true), nil
				}
			}
			if cands != nil {
				return pbool(false), nil
			}
		}
	case "isupper", "islower":
		if noArgs {
			cased := false
			for _, r := range s {
				if unicode.IsUpper(r) || unicode.IsTitle(r) {
					if m == "islower" {
						return pbool(false), nil
					}
					cased = true
				} else if unicode.IsLower(r) {
					if m == "isupper" {
						return pbool(false), nil
					}
					cased = true
				}
			}
			return pbool(cased), nil
		}
	case "isdigit", "isalpha", "isalnum":
		if noArgs {
			if s == "" {
				return pbool(false), nil
			}
			for _, r := range s {
				d, a := unicode.IsDigit(r), unicode.IsLetter(r)
				if m == "isdigit" && !d || m == "isalpha" && !a || m == "isalnum" && !d && !a {
					return pbool(false), nil
				}
			}
			return pbool(true), nil
		}
	case "join":
		if len(args) == 1 {
			items, err := iterate(args[0], nil)
			if err != nil {
				return pv{}, err
			}
			parts := make([]string, len(items))
			for i, x := range items {
				if x.kind != pStr {
					return pv{}, fmt.Errorf("join of %s (Python raises TypeError)", x.kindName())
				}
				parts[i] = x.s
			}
			return pv{kind: pStr, s: strings.Join(parts, s)}, nil
		}
	case "split", "rsplit":
		max := -1
		if len(args) == 2 {
			if args[1].kind != pInt {
				break
			}
			max = args[1].i
		}
		var parts []string
		if len(args) == 0 || args[0].kind == pNone {
			if max >= 0 {
				return pv{}, fmt.Errorf("%s without a separator and with maxsplit", m)
			}
			parts = strings.Fields(s)
		} else if sep, ok := strArg(0); ok && sep != "" && len(args) <= 2 {
			switch {
			case max < 0:
				parts = strings.Split(s, sep)
			case m == "split":
				parts = strings.SplitN(s, sep, max+1)
			default:
				all := strings.Split(s, sep)
				if len(all) > max+1 {
					head := strings.Join(all[:len(all)-max], sep)
					parts = append([]string{head}, all[len(all)-max:]...)
				} else {
					parts = all
				}
			}
		} else {
			break
		}
		out := pv{kind: pList, l: make([]pv, len(parts))}
		for i, p := range parts {
			out.l[i] = pv{kind: pStr, s: p}
		}
		return out, nil
	}
	return pv{}, fmt.Errorf("str.%s with these arguments", m)
}
