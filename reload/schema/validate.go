package schema

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/analysis/textpos"
)

// CodeInvalid is the diagnostic code for a migration file that is valid
// JSON but not a valid migration (unknown op, unknown collection, missing
// key). Bad JSON is reported as facts.CodeSyntaxError.
const CodeInvalid = "migration-invalid"

// Validate checks a (possibly hand-edited) migration file. known lists the
// collections that exist (from the current Document models); a collection
// created or renamed-to earlier in the same list also counts. A nil known
// skips the collection check. Diagnostics have an empty Path: the caller
// sets it to the migration file's path.
func Validate(content []byte, known []string) []facts.Diagnostic {
	var syn *json.SyntaxError
	if err := json.Unmarshal(content, new(any)); err != nil {
		off := len(content)
		if errors.As(err, &syn) && int(syn.Offset) < len(content) && syn.Offset > 0 {
			off = int(syn.Offset) - 1 // Offset counts the bytes read, the bad one included
		}
		return []facts.Diagnostic{diag(content, off, off, facts.CodeSyntaxError, "invalid JSON: "+err.Error())}
	}
	root, err := scanJSON(content)
	if err != nil { // cannot happen after json.Unmarshal succeeded
		return []facts.Diagnostic{diag(content, 0, 0, facts.CodeSyntaxError, err.Error())}
	}
	var ds []facts.Diagnostic
	bad := func(n *jnode, format string, args ...any) {
		ds = append(ds, diag(content, n.start, n.end, CodeInvalid, fmt.Sprintf(format, args...)))
	}
	if root.kind != '{' {
		bad(root, "a migration is a JSON object with \"up\" and \"down\" lists")
		return ds
	}
	var colls map[string]bool
	if known != nil {
		colls = map[string]bool{}
		for _, c := range known {
			colls[c] = true
		}
	}
	for _, key := range []string{"up", "down"} {
		list := root.fields[key]
		if list == nil {
			if key == "up" {
				bad(root, "missing \"up\" list of operations")
			}
			continue
		}
		if list.kind != '[' {
			bad(list, "%q must be a list of operations", key)
			continue
		}
		// Collections created by up exist for down too, and vice versa.
		for _, item := range list.items {
			validateOp(item, colls, bad)
		}
	}
	return ds
}

func validateOp(n *jnode, colls map[string]bool, bad func(*jnode, string, ...any)) {
	if n.kind != '{' {
		bad(n, "an operation is an object with \"op\" and \"collection\"")
		return
	}
	str := func(key string) (string, *jnode) {
		v := n.fields[key]
		if v == nil || v.kind != '"' {
			return "", v
		}
		return v.str, v
	}
	kind, kn := str("op")
	if kn == nil {
		bad(n, "operation without \"op\"")
		return
	}
	if !OpKind(kind).Known() {
		bad(kn, "unknown operation %q (known: create-collection, drop-collection, rename-collection, add-field, remove-field, rename-field, create-index, drop-index)", kind)
		return
	}
	coll, cn := str("collection")
	if cn == nil || coll == "" {
		bad(n, "%s without \"collection\"", kind)
		return
	}
	switch OpKind(kind) {
	case CreateCollection:
		if colls != nil {
			colls[coll] = true
		}
	default:
		if colls != nil && !colls[coll] {
			bad(cn, "unknown collection %q", coll)
		}
	}
	need := func(key string) {
		if v, _ := str(key); v == "" {
			bad(n, "%s needs %q", kind, key)
		}
	}
	switch OpKind(kind) {
	case AddField, RemoveField:
		need("field")
	case RenameField:
		need("field")
		need("to")
	case RenameCollection:
		need("to")
		if to, _ := str("to"); to != "" && colls != nil {
			colls[to] = true
		}
	case CreateIndex, DropIndex:
		ix := n.fields["index"]
		if ix == nil || ix.kind != '{' {
			bad(n, "%s needs an \"index\" object", kind)
			return
		}
		keys := ix.fields["keys"]
		if OpKind(kind) == CreateIndex && (keys == nil || keys.kind != '[' || len(keys.items) == 0) {
			bad(ix, "create-index needs \"keys\": [{\"field\": \"f\", \"dir\": 1}]")
		}
		if name := ix.fields["name"]; OpKind(kind) == DropIndex && (name == nil || name.kind != '"' || name.str == "") {
			bad(ix, "drop-index needs the index \"name\"")
		}
	}
}

func diag(content []byte, start, end int, code, msg string) facts.Diagnostic {
	sev := facts.SeverityError
	return facts.Diagnostic{
		Range:    textpos.New(content).Range(start, end),
		Severity: sev,
		Code:     code,
		Message:  msg,
	}
}

// jnode is a JSON value with its byte span, for placing diagnostics.
type jnode struct {
	kind       byte // '{', '[', '"', 'n' (number), 'l' (literal)
	start, end int
	str        string
	fields     map[string]*jnode
	items      []*jnode
}

// scanJSON parses already-validated JSON keeping byte offsets.
func scanJSON(b []byte) (*jnode, error) {
	s := &scanner{b: b}
	n, err := s.value()
	if err != nil {
		return nil, err
	}
	return n, nil
}

type scanner struct {
	b []byte
	i int
}

func (s *scanner) ws() {
	for s.i < len(s.b) && strings.IndexByte(" \t\r\n", s.b[s.i]) >= 0 {
		s.i++
	}
}

func (s *scanner) value() (*jnode, error) {
	s.ws()
	if s.i >= len(s.b) {
		return nil, errors.New("unexpected end of JSON")
	}
	n := &jnode{start: s.i}
	switch c := s.b[s.i]; c {
	case '{':
		n.kind, n.fields = '{', map[string]*jnode{}
		s.i++
		for {
			s.ws()
			if s.i < len(s.b) && s.b[s.i] == '}' {
				s.i++
				break
			}
			if s.i < len(s.b) && s.b[s.i] == ',' {
				s.i++
				continue
			}
			k, err := s.value()
			if err != nil {
				return nil, err
			}
			s.ws()
			if s.i >= len(s.b) || s.b[s.i] != ':' {
				return nil, errors.New("expected :")
			}
			s.i++
			v, err := s.value()
			if err != nil {
				return nil, err
			}
			n.fields[k.str] = v
		}
	case '[':
		n.kind = '['
		s.i++
		for {
			s.ws()
			if s.i < len(s.b) && s.b[s.i] == ']' {
				s.i++
				break
			}
			if s.i < len(s.b) && s.b[s.i] == ',' {
				s.i++
				continue
			}
			v, err := s.value()
			if err != nil {
				return nil, err
			}
			n.items = append(n.items, v)
		}
	case '"':
		n.kind = '"'
		j := s.i + 1
		for j < len(s.b) && s.b[j] != '"' {
			if s.b[j] == '\\' {
				j++
			}
			j++
		}
		if j >= len(s.b) {
			return nil, errors.New("unterminated string")
		}
		if err := json.Unmarshal(s.b[s.i:j+1], &n.str); err != nil {
			return nil, err
		}
		s.i = j + 1
	default:
		n.kind = 'l'
		if c == '-' || c >= '0' && c <= '9' {
			n.kind = 'n'
		}
		for s.i < len(s.b) && strings.IndexByte(",]} \t\r\n", s.b[s.i]) < 0 {
			s.i++
		}
	}
	n.end = s.i
	return n, nil
}
