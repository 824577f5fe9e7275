package pyast

import (
	"strconv"
	"strings"
)

// canon renders an expression as canonical source text: the tokens in
// order, string literals verbatim, comments dropped, one space where the
// source had any white space (and after commas), none just inside
// brackets, and no trailing comma before a closing bracket (except in a
// one-element tuple). Reformatting an expression therefore keeps its canon
// text, which is what annotations, defaults and arguments are compared by.
// For single-line expressions without odd spacing it equals
// parse.Normalize(source).
func canon(d *index, n *pnode) string {
	if n == nil {
		return ""
	}
	c := canonWriter{prevEnd: -1}
	for _, l := range d.leavesOf(n.StartByte(), n.EndByte()) {
		c.token(d, l)
	}
	if c.pendingComma {
		c.b.WriteByte(',')
	}
	return c.b.String()
}

type canonWriter struct {
	b            strings.Builder
	prev         string
	prevEnd      int
	prevTight    bool // no space around prev (keyword "=", call or subscript bracket)
	prevSpaced   bool // a space must follow prev (binary operator)
	pendingComma bool
}

func (c *canonWriter) token(d *index, l leaf) {
	tok := d.text(l)
	named := d.syms.isNamed(l.sym)
	parent := d.syms.name(l.parent)
	start, end := int(l.start), int(l.end)
	if tok == "," && !named {
		if l.oneTuple {
			c.emit(",", start, end, false, false)
			return
		}
		if c.pendingComma {
			c.b.WriteByte(',')
		}
		c.pendingComma = true
		c.prev = ","
		c.prevEnd = end
		return
	}
	tight := tok == "=" && parent == "keyword_argument" ||
		tok == "(" && parent == "argument_list" || tok == "[" && (parent == "subscript" || parent == "type_parameter")
	spaced := !named && isOperatorParent(parent) && tok != "(" && tok != ")"
	if parent == "unary_operator" {
		spaced = false
	}
	if tok == ":" && parent == "pair" {
		spaced = true // {"a":1} and {"a": 1} read the same
	}
	c.emit(tok, start, end, tight, spaced)
}

func isOperatorParent(t string) bool {
	switch t {
	case "binary_operator", "boolean_operator", "comparison_operator", "union_type", "not_operator":
		return true
	}
	return false
}

func (c *canonWriter) emit(tok string, start, end int, tight, spaced bool) {
	if c.pendingComma {
		c.pendingComma = false
		if isCloser(tok) {
			c.prev = "" // trailing comma dropped
		} else {
			c.b.WriteByte(',')
			c.prev = ","
		}
	}
	if c.b.Len() > 0 {
		gap := c.prevEnd >= 0 && start > c.prevEnd
		switch {
		case isOpener(c.prev) || isCloser(tok) || tok == "," || tok == ":" || tok == ".":
		case c.prev == ".":
		case tight || c.prevTight:
		case spaced || c.prevSpaced || c.prev == ",":
			c.b.WriteByte(' ')
		case gap:
			c.b.WriteByte(' ')
		}
	}
	c.b.WriteString(tok)
	c.prev = tok
	c.prevEnd = end
	c.prevTight = tight
	c.prevSpaced = spaced
}

func isOpener(s string) bool { return s == "(" || s == "[" || s == "{" }
func isCloser(s string) bool { return s == ")" || s == "]" || s == "}" }

// unwrapType strips tree-sitter's `type` wrapper nodes.
func unwrapType(n *pnode) *pnode {
	for n != nil && n.Type() == "type" && n.NamedChildCount() == 1 {
		n = n.NamedChild(0)
	}
	return n
}

// lastName is the last component of a dotted name: "pydantic.Field" → "Field".
func lastName(s string) string {
	if i := strings.LastIndexByte(s, '.'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// callArgs splits a call's arguments into positional nodes and keyword
// arguments (in source order). Splats are ignored.
type callArgs struct {
	callee string // canonical text of the function expression
	pos    []*pnode
	kwName []string
	kwVal  []*pnode
}

func (a *callArgs) kw(name string) *pnode {
	for i, k := range a.kwName {
		if k == name {
			return a.kwVal[i]
		}
	}
	return nil
}

// parseCall returns the arguments of n when it is a call (after unwrapping
// `type` nodes), else nil.
func parseCall(d *index, n *pnode) *callArgs {
	n = unwrapType(n)
	if n == nil || n.Type() != "call" {
		return nil
	}
	a := &callArgs{callee: canon(d, n.ChildByFieldName("function"))}
	args := n.ChildByFieldName("arguments")
	if args == nil || args.Type() != "argument_list" {
		return a
	}
	for _, c := range children(args) {
		switch c.Type() {
		case "keyword_argument":
			name := c.ChildByFieldName("name")
			val := c.ChildByFieldName("value")
			if name != nil && val != nil {
				a.kwName = append(a.kwName, d.Text(name))
				a.kwVal = append(a.kwVal, val)
			}
		case "list_splat", "dictionary_splat", "comment":
		default:
			a.pos = append(a.pos, c)
		}
	}
	return a
}

// kwMap renders keyword arguments as canonical source, nil when none.
func kwMap(d *index, a *callArgs) map[string]string {
	if a == nil || len(a.kwName) == 0 {
		return nil
	}
	m := make(map[string]string, len(a.kwName))
	for i, k := range a.kwName {
		m[k] = canon(d, a.kwVal[i])
	}
	return m
}

// strLit returns the value of a plain string literal (no f-string
// interpolation); implicit concatenation is joined.
func strLit(d *index, n *pnode) (string, bool) {
	n = unwrapType(n)
	if n == nil {
		return "", false
	}
	switch n.Type() {
	case "concatenated_string":
		var b strings.Builder
		for _, c := range children(n) {
			if c.Type() == "comment" {
				continue
			}
			s, ok := strLit(d, c)
			if !ok {
				return "", false
			}
			b.WriteString(s)
		}
		return b.String(), true
	case "string":
	default:
		return "", false
	}
	// The literal is read from its text (the walk does not descend into
	// strings): prefix letters, quotes, content.
	text := d.Text(n)
	i := 0
	for i < len(text) && (text[i] >= 'a' && text[i] <= 'z' || text[i] >= 'A' && text[i] <= 'Z') {
		i++
	}
	prefix, rest := strings.ToLower(text[:i]), text[i:]
	q := ""
	switch {
	case strings.HasPrefix(rest, `"""`) || strings.HasPrefix(rest, "'''"):
		q = rest[:3]
	case strings.HasPrefix(rest, `"`) || strings.HasPrefix(rest, "'"):
		q = rest[:1]
	default:
		return "", false
	}
	if len(rest) < 2*len(q) || !strings.HasSuffix(rest, q) {
		return "", false // unterminated
	}
	raw := rest[len(q) : len(rest)-len(q)]
	if strings.Contains(prefix, "f") {
		return "", false // an f-string is not a constant
	}
	if strings.Contains(prefix, "r") || !strings.Contains(raw, `\`) {
		return raw, true
	}
	if s, err := strconv.Unquote(`"` + strings.ReplaceAll(raw, `"`, `\"`) + `"`); err == nil {
		return s, true
	}
	return raw, true
}

// subscriptParts splits `Head[a, b]` (a subscript or generic_type node,
// `type` wrappers allowed) into the head's text and argument nodes.
func subscriptParts(d *index, n *pnode) (string, []*pnode, bool) {
	n = unwrapType(n)
	if n == nil {
		return "", nil, false
	}
	switch n.Type() {
	case "subscript":
		v := n.ChildByFieldName("value")
		var args []*pnode
		for c := n.at(n.first); c != nil; c = c.at(c.next) {
			if c.FieldName() == "subscript" {
				args = append(args, c)
			}
		}
		return canon(d, v), args, v != nil
	case "generic_type":
		var head string
		var args []*pnode
		for _, c := range children(n) {
			if c.Type() == "type_parameter" {
				for _, t := range children(c) {
					if t.Type() != "comment" {
						args = append(args, t)
					}
				}
			} else if head == "" {
				head = canon(d, c)
			}
		}
		return head, args, head != ""
	}
	return "", nil, false
}

// SplitTop splits s at top-level occurrences of sep (outside brackets and
// string literals).
func SplitTop(s string, sep byte) []string {
	var out []string
	depth, start := 0, 0
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == '\\' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '(' || c == '[' || c == '{':
			depth++
		case c == ')' || c == ']' || c == '}':
			depth--
		case c == sep && depth == 0:
			out = append(out, strings.TrimSpace(s[start:i]))
			start = i + 1
		}
	}
	return append(out, strings.TrimSpace(s[start:]))
}

// stripNone removes None from a canonical annotation: Optional[X],
// Union[X, None], X | None. It returns the remaining members joined by
// " | " and whether None was present, so that `Optional[int]` and
// `int | None` both give ("int", true).
func stripNone(ann string) (string, bool) {
	members := unionMembers(ann)
	var keep []string
	none := false
	for _, m := range members {
		if m == "None" || m == "NoneType" || m == "type(None)" {
			none = true
			continue
		}
		keep = append(keep, m)
	}
	return strings.Join(keep, " | "), none
}

// unionMembers flattens Optional/Union/| into their members.
func unionMembers(ann string) []string {
	ann = strings.TrimSpace(ann)
	parts := SplitTop(ann, '|')
	if len(parts) > 1 {
		var out []string
		for _, p := range parts {
			out = append(out, unionMembers(p)...)
		}
		return out
	}
	if head, inner, ok := splitSubscript(ann); ok {
		switch lastName(head) {
		case "Optional":
			return append(unionMembers(inner), "None")
		case "Union":
			var out []string
			for _, p := range SplitTop(inner, ',') {
				if p != "" {
					out = append(out, unionMembers(p)...)
				}
			}
			return out
		}
	}
	return []string{ann}
}

// splitSubscript splits "Head[inner]" textually.
func splitSubscript(s string) (string, string, bool) {
	i := strings.IndexByte(s, '[')
	if i <= 0 || !strings.HasSuffix(s, "]") {
		return "", "", false
	}
	head := s[:i]
	for _, c := range head {
		if !(c == '.' || c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return "", "", false
		}
	}
	inner := s[i+1 : len(s)-1]
	// the brackets must match: "A[x] | B[y]" is not one subscript
	depth := 0
	for _, c := range inner {
		switch c {
		case '[':
			depth++
		case ']':
			depth--
			if depth < 0 {
				return "", "", false
			}
		}
	}
	return head, inner, depth == 0
}
