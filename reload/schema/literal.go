package schema

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// DefaultValue evaluates a field's declared default to a value the MongoDB
// driver can store: int64, float64, string, bool, nil, []any and
// map[string]any. ok is false when the default is absent, required ("...")
// or not a literal (a call, a name, an f-string); reason then says why.
func DefaultValue(f FieldDefault) (v any, ok bool, reason string) {
	if f.Factory != "" {
		switch strings.TrimSpace(f.Factory) {
		case "list", "set", "tuple", "lambda: []", "lambda: ()", "lambda: set()":
			return []any{}, true, ""
		case "dict", "lambda: {}":
			return map[string]any{}, true, ""
		case "str", "lambda: ''", `lambda: ""`:
			return "", true, ""
		case "int":
			return int64(0), true, ""
		case "float":
			return float64(0), true, ""
		case "bool":
			return false, true, ""
		}
		return nil, false, fmt.Sprintf("default_factory=%s is not a literal", f.Factory)
	}
	if !f.Has || strings.TrimSpace(f.Source) == "" {
		return nil, false, "no default"
	}
	src := strings.TrimSpace(f.Source)
	if src == "..." || src == "Ellipsis" {
		return nil, false, "required field (no default)"
	}
	p := &litParser{s: src}
	val, err := p.value()
	if err == nil {
		p.space()
		if p.i != len(p.s) {
			err = fmt.Errorf("unexpected %q", p.s[p.i:])
		}
	}
	if err != nil {
		return nil, false, fmt.Sprintf("default %s is not a literal", src)
	}
	return val, true, ""
}

// FieldDefault is the part of a field that decides its default.
type FieldDefault struct {
	Source  string // facts.Field.Default
	Has     bool   // facts.Field.HasDefault
	Factory string // facts.Field.DefaultFactory
}

// litParser reads a Python literal expression: numbers, strings, True,
// False, None, lists, tuples, sets and dicts of those.
type litParser struct {
	s string
	i int
}

func (p *litParser) space() {
	for p.i < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.i]) >= 0 {
		p.i++
	}
}

func (p *litParser) value() (any, error) {
	p.space()
	if p.i >= len(p.s) {
		return nil, fmt.Errorf("unexpected end")
	}
	c := p.s[p.i]
	switch {
	case c == '[' || c == '(':
		closer := byte(']')
		if c == '(' {
			closer = ')'
		}
		p.i++
		items, err := p.seq(closer)
		if err != nil {
			return nil, err
		}
		return items, nil
	case c == '{':
		return p.dict()
	case c == '"' || c == '\'':
		return p.str("")
	case c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9'):
		return p.number()
	}
	// String prefixes (r, u, b) and keywords.
	j := p.i
	for j < len(p.s) && (isIdent(p.s[j])) {
		j++
	}
	word := p.s[p.i:j]
	if j < len(p.s) && (p.s[j] == '"' || p.s[j] == '\'') {
		switch strings.ToLower(word) {
		case "r", "u":
			p.i = j
			return p.str(strings.ToLower(word))
		}
		return nil, fmt.Errorf("unsupported string prefix %q", word)
	}
	p.i = j
	switch word {
	case "True":
		return true, nil
	case "False":
		return false, nil
	case "None":
		return nil, nil
	}
	return nil, fmt.Errorf("not a literal: %q", word)
}

func isIdent(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func (p *litParser) seq(closer byte) ([]any, error) {
	items := []any{}
	for {
		p.space()
		if p.i < len(p.s) && p.s[p.i] == closer {
			p.i++
			return items, nil
		}
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		items = append(items, v)
		p.space()
		if p.i < len(p.s) && p.s[p.i] == ',' {
			p.i++
			continue
		}
		if p.i < len(p.s) && p.s[p.i] == closer {
			p.i++
			return items, nil
		}
		return nil, fmt.Errorf("expected , or %c", closer)
	}
}

func (p *litParser) dict() (any, error) {
	p.i++ // {
	m := map[string]any{}
	var set []any
	for {
		p.space()
		if p.i < len(p.s) && p.s[p.i] == '}' {
			p.i++
			if set != nil {
				return set, nil
			}
			return m, nil
		}
		k, err := p.value()
		if err != nil {
			return nil, err
		}
		p.space()
		if p.i < len(p.s) && p.s[p.i] == ':' && set == nil {
			p.i++
			v, err := p.value()
			if err != nil {
				return nil, err
			}
			ks, ok := k.(string)
			if !ok {
				return nil, fmt.Errorf("non-string dict key")
			}
			m[ks] = v
		} else if len(m) == 0 {
			set = append(set, k) // a set literal {1, 2}
		} else {
			return nil, fmt.Errorf("expected :")
		}
		p.space()
		if p.i < len(p.s) && p.s[p.i] == ',' {
			p.i++
		}
	}
}

func (p *litParser) number() (any, error) {
	j := p.i
	if p.s[j] == '-' || p.s[j] == '+' {
		j++
	}
	for j < len(p.s) && (isIdent(p.s[j]) || p.s[j] == '.' ||
		((p.s[j] == '-' || p.s[j] == '+') && (p.s[j-1] == 'e' || p.s[j-1] == 'E'))) {
		j++
	}
	text := strings.ReplaceAll(p.s[p.i:j], "_", "")
	p.i = j
	if n, err := strconv.ParseInt(text, 0, 64); err == nil {
		return n, nil
	}
	if f, err := strconv.ParseFloat(text, 64); err == nil {
		return f, nil
	}
	return nil, fmt.Errorf("bad number %q", text)
}

// str reads one or more adjacent string literals (Python concatenates them).
func (p *litParser) str(prefix string) (any, error) {
	var b strings.Builder
	for {
		s, err := p.oneStr(prefix == "r")
		if err != nil {
			return nil, err
		}
		b.WriteString(s)
		p.space()
		if p.i < len(p.s) && (p.s[p.i] == '"' || p.s[p.i] == '\'') {
			prefix = ""
			continue
		}
		return b.String(), nil
	}
}

func (p *litParser) oneStr(raw bool) (string, error) {
	q := p.s[p.i]
	delim := string(q)
	if strings.HasPrefix(p.s[p.i:], strings.Repeat(delim, 3)) {
		delim = strings.Repeat(delim, 3)
	}
	p.i += len(delim)
	var b strings.Builder
	for p.i < len(p.s) {
		if strings.HasPrefix(p.s[p.i:], delim) {
			p.i += len(delim)
			return b.String(), nil
		}
		c := p.s[p.i]
		if c == '\\' && p.i+1 < len(p.s) {
			if raw {
				b.WriteByte(c)
				b.WriteByte(p.s[p.i+1])
				p.i += 2
				continue
			}
			p.i++
			e := p.s[p.i]
			p.i++
			switch e {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case '0':
				b.WriteByte(0)
			case '\\', '\'', '"':
				b.WriteByte(e)
			case '\n':
			case 'x', 'u', 'U':
				n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[e]
				if p.i+n > len(p.s) {
					return "", fmt.Errorf("bad escape")
				}
				r, err := strconv.ParseUint(p.s[p.i:p.i+n], 16, 32)
				if err != nil {
					return "", fmt.Errorf("bad escape: %w", err)
				}
				b.WriteRune(rune(r))
				p.i += n
			default:
				b.WriteByte('\\')
				b.WriteByte(e)
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(p.s[p.i:])
		b.WriteRune(r)
		p.i += size
	}
	return "", fmt.Errorf("unterminated string")
}
