package openapi

import (
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"
)

// exprKind is the kind of a parsed Python expression node.
type exprKind int

const (
	exName      exprKind = iota // Name or dotted name: "List", "typing.Optional"
	exSubscript                 // Base[Args...]
	exCall                      // Base(Args..., k=v)
	exStr                       // string literal (Text is the decoded value)
	exNum                       // number literal (Text is the source)
	exNone                      // None
	exBool                      // True / False (Text)
	exEllipsis                  // ...
	exUnion                     // A | B (Args)
	exList                      // [a, b]
	exTuple                     // (a, b)
	exDict                      // {k: v} (Args alternate key, value)
	exOther                     // anything else (lambda, comprehension, operators)
)

// expr is a small Python expression tree, enough for annotations and
// literal defaults.
type expr struct {
	Kind   exprKind
	Text   string  // name, literal text or decoded string
	Base   *expr   // subscript / call target
	Args   []*expr // subscript args, call positional args, union members, items
	KwName []string
	KwVal  []*expr
}

// kw returns a call's keyword argument.
func (e *expr) kw(name string) *expr {
	if e == nil {
		return nil
	}
	for i, k := range e.KwName {
		if k == name {
			return e.KwVal[i]
		}
	}
	return nil
}

// head returns the last dotted segment of a name, or of a subscript/call
// target ("typing.List[int]" → "List").
func (e *expr) head() string {
	if e == nil {
		return ""
	}
	switch e.Kind {
	case exName:
		if i := strings.LastIndexByte(e.Text, '.'); i >= 0 {
			return e.Text[i+1:]
		}
		return e.Text
	case exSubscript, exCall:
		return e.Base.head()
	}
	return ""
}

// String renders the expression back as canonical Python source.
func (e *expr) String() string {
	if e == nil {
		return ""
	}
	var b strings.Builder
	e.write(&b)
	return b.String()
}

func (e *expr) write(b *strings.Builder) {
	list := func(open, close string, xs []*expr) {
		b.WriteString(open)
		for i, x := range xs {
			if i > 0 {
				b.WriteString(", ")
			}
			x.write(b)
		}
		b.WriteString(close)
	}
	switch e.Kind {
	case exName, exNum, exBool, exOther:
		b.WriteString(e.Text)
	case exNone:
		b.WriteString("None")
	case exEllipsis:
		b.WriteString("...")
	case exStr:
		b.WriteString(strconv.Quote(e.Text))
	case exSubscript:
		e.Base.write(b)
		list("[", "]", e.Args)
	case exCall:
		e.Base.write(b)
		b.WriteByte('(')
		for i, x := range e.Args {
			if i > 0 {
				b.WriteString(", ")
			}
			x.write(b)
		}
		for i, k := range e.KwName {
			if i > 0 || len(e.Args) > 0 {
				b.WriteString(", ")
			}
			b.WriteString(k)
			b.WriteByte('=')
			e.KwVal[i].write(b)
		}
		b.WriteByte(')')
	case exUnion:
		for i, x := range e.Args {
			if i > 0 {
				b.WriteString(" | ")
			}
			x.write(b)
		}
	case exList:
		list("[", "]", e.Args)
	case exTuple:
		list("(", ")", e.Args)
	case exDict:
		b.WriteByte('{')
		for i := 0; i+1 < len(e.Args); i += 2 {
			if i > 0 {
				b.WriteString(", ")
			}
			e.Args[i].write(b)
			b.WriteString(": ")
			e.Args[i+1].write(b)
		}
		b.WriteByte('}')
	}
}

// parseExpr parses Python source text of an annotation or a default. It
// never fails: what it cannot read becomes an exOther node holding the text.
func parseExpr(src string) *expr {
	src = strings.TrimSpace(src)
	if src == "" {
		return nil
	}
	if e, ok := exprCache.Load(src); ok {
		return e.(*expr)
	}
	e := parseExprUncached(src)
	if exprCacheSize.Add(1) > maxExprCache {
		exprCache.Clear()
		exprCacheSize.Store(0)
	}
	exprCache.Store(src, e)
	return e
}

// exprCache memoises parsed expressions: annotations repeat across models
// and across runs, and parsed trees are never mutated (substitute copies).
var (
	exprCache     sync.Map
	exprCacheSize atomic.Int64
)

const maxExprCache = 200000

func parseExprUncached(src string) *expr {
	p := &exprParser{toks: tokenize(src)}
	e := p.union()
	if e == nil || p.pos != len(p.toks) {
		return &expr{Kind: exOther, Text: src}
	}
	return e
}

type token struct {
	kind byte // 'n' name, 's' string, '0' number, 'p' punctuation
	text string
}

func tokenize(s string) []token {
	var out []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\\':
			i++
		case c == '"' || c == '\'' || ((c == 'r' || c == 'b' || c == 'u' || c == 'f' || c == 'R' || c == 'B') && i+1 < len(s) && (s[i+1] == '"' || s[i+1] == '\'')):
			raw := false
			if c != '"' && c != '\'' {
				raw = c == 'r' || c == 'R'
				i++
			}
			q := s[i]
			triple := strings.HasPrefix(s[i:], strings.Repeat(string(q), 3))
			end := string(q)
			if triple {
				end = strings.Repeat(string(q), 3)
			}
			j := i + len(end)
			var val strings.Builder
			for j < len(s) && !strings.HasPrefix(s[j:], end) {
				if s[j] == '\\' && !raw && j+1 < len(s) {
					switch s[j+1] {
					case 'n':
						val.WriteByte('\n')
					case 't':
						val.WriteByte('\t')
					default:
						val.WriteByte(s[j+1])
					}
					j += 2
					continue
				}
				val.WriteByte(s[j])
				j++
			}
			out = append(out, token{'s', val.String()})
			i = min(j+len(end), len(s))
		case c >= '0' && c <= '9' || (c == '.' && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9'):
			j := i
			for j < len(s) && (isIdent(rune(s[j])) || s[j] == '.' || ((s[j] == '+' || s[j] == '-') && (s[j-1] == 'e' || s[j-1] == 'E'))) {
				j++
			}
			out = append(out, token{'0', s[i:j]})
			i = j
		case isIdentStart(rune(c)) || c >= 0x80:
			j := i
			for j < len(s) && (isIdent(rune(s[j])) || s[j] >= 0x80) {
				j++
			}
			out = append(out, token{'n', s[i:j]})
			i = j
		case strings.HasPrefix(s[i:], "..."):
			out = append(out, token{'p', "..."})
			i += 3
		case strings.HasPrefix(s[i:], "**"), strings.HasPrefix(s[i:], "->"), strings.HasPrefix(s[i:], "=="):
			out = append(out, token{'p', s[i : i+2]})
			i += 2
		default:
			out = append(out, token{'p', string(c)})
			i++
		}
	}
	return out
}

func isIdentStart(r rune) bool { return r == '_' || unicode.IsLetter(r) }
func isIdent(r rune) bool      { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }

type exprParser struct {
	toks []token
	pos  int
}

func (p *exprParser) peek() token {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return token{}
}

func (p *exprParser) accept(punct string) bool {
	if t := p.peek(); t.kind == 'p' && t.text == punct {
		p.pos++
		return true
	}
	return false
}

// union := unary ('|' unary)*
func (p *exprParser) union() *expr {
	first := p.unary()
	if first == nil {
		return nil
	}
	if p.peek().text != "|" || p.peek().kind != 'p' {
		return first
	}
	u := &expr{Kind: exUnion, Args: []*expr{first}}
	for p.accept("|") {
		x := p.unary()
		if x == nil {
			return nil
		}
		u.Args = append(u.Args, x)
	}
	return u
}

func (p *exprParser) unary() *expr {
	if p.accept("-") {
		x := p.unary()
		if x == nil {
			return nil
		}
		if x.Kind == exNum {
			return &expr{Kind: exNum, Text: "-" + x.Text}
		}
		return &expr{Kind: exOther, Text: "-" + x.String()}
	}
	return p.postfix()
}

func (p *exprParser) postfix() *expr {
	e := p.atom()
	for e != nil {
		switch {
		case p.accept("["):
			args := p.items("]")
			if args == nil {
				return nil
			}
			e = &expr{Kind: exSubscript, Base: e, Args: args.Args}
		case p.accept("("):
			call := &expr{Kind: exCall, Base: e}
			for !p.accept(")") {
				if len(call.Args)+len(call.KwName) > 0 && !p.accept(",") {
					return nil
				}
				if p.accept(")") {
					break
				}
				if t := p.peek(); t.kind == 'n' && p.pos+1 < len(p.toks) && p.toks[p.pos+1].text == "=" && p.toks[p.pos+1].kind == 'p' {
					p.pos += 2
					v := p.union()
					if v == nil {
						return nil
					}
					call.KwName = append(call.KwName, t.text)
					call.KwVal = append(call.KwVal, v)
					continue
				}
				p.accept("*")
				p.accept("**")
				v := p.union()
				if v == nil {
					return nil
				}
				call.Args = append(call.Args, v)
			}
			e = call
		case p.peek().kind == 'p' && p.peek().text == "." && p.pos+1 < len(p.toks) && p.toks[p.pos+1].kind == 'n' && e.Kind == exName:
			e = &expr{Kind: exName, Text: e.Text + "." + p.toks[p.pos+1].text}
			p.pos += 2
		default:
			return e
		}
	}
	return e
}

// items parses a comma-separated list up to close; a trailing comma is fine.
func (p *exprParser) items(close string) *expr {
	out := &expr{Kind: exTuple, Args: []*expr{}}
	for !p.accept(close) {
		if len(out.Args) > 0 && !p.accept(",") {
			return nil
		}
		if p.accept(close) {
			break
		}
		x := p.union()
		if x == nil {
			return nil
		}
		out.Args = append(out.Args, x)
	}
	return out
}

func (p *exprParser) atom() *expr {
	t := p.peek()
	switch t.kind {
	case 'n':
		p.pos++
		switch t.text {
		case "None":
			return &expr{Kind: exNone}
		case "True", "False":
			return &expr{Kind: exBool, Text: t.text}
		case "lambda":
			// lambda: <anything> — swallow the rest.
			rest := make([]string, 0, len(p.toks)-p.pos)
			for _, tk := range p.toks[p.pos:] {
				rest = append(rest, tk.text)
			}
			p.pos = len(p.toks)
			return &expr{Kind: exOther, Text: "lambda " + strings.Join(rest, " ")}
		}
		return &expr{Kind: exName, Text: t.text}
	case 's':
		p.pos++
		s := t.text
		for p.peek().kind == 's' { // implicit concatenation
			s += p.peek().text
			p.pos++
		}
		return &expr{Kind: exStr, Text: s}
	case '0':
		p.pos++
		return &expr{Kind: exNum, Text: t.text}
	case 'p':
		switch t.text {
		case "...":
			p.pos++
			return &expr{Kind: exEllipsis}
		case "[":
			p.pos++
			l := p.items("]")
			if l == nil {
				return nil
			}
			l.Kind = exList
			return l
		case "(":
			p.pos++
			l := p.items(")")
			if l == nil {
				return nil
			}
			if len(l.Args) == 1 && !strings.HasSuffix(p.toks[p.pos-2].text, ",") {
				return l.Args[0]
			}
			return l
		case "{":
			p.pos++
			d := &expr{Kind: exDict, Args: []*expr{}}
			for !p.accept("}") {
				if len(d.Args) > 0 && !p.accept(",") {
					return nil
				}
				if p.accept("}") {
					break
				}
				k := p.union()
				if k == nil || !p.accept(":") {
					return nil
				}
				v := p.union()
				if v == nil {
					return nil
				}
				d.Args = append(d.Args, k, v)
			}
			return d
		}
	}
	return nil
}
