package openapi

import (
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/analysis/pyast"
	"github.com/farm-stack/farm-lsp/analysis/pymod"
)

// Static evaluation of the values FastAPI reads at import time: router
// prefixes and paths, security scheme arguments, marker defaults. What a
// static reader can know: literals, module constants (imported or not),
// f-strings, `+` concatenation, str(), and the literal defaults of a
// BaseSettings class read through its instance (`settings.api_prefix`).
// Anything else is unknown: the caller warns at the expression and never
// makes a value up.

// evalString evaluates src (read in the file ctx) to a string.
func (b *builder) evalString(ctx, src string) (string, bool) {
	v, ok := b.eval(ctx, src, 0)
	s, isStr := v.(string)
	return s, ok && isStr
}

// eval evaluates src to a JSON-like value (string, json.Number, bool, nil).
func (b *builder) eval(ctx, src string, depth int) (any, bool) {
	src = strings.TrimSpace(src)
	if src == "" || depth > 24 {
		return nil, false
	}
	if parts := pyast.SplitTop(src, '+'); len(parts) > 1 {
		var sb strings.Builder
		for _, p := range parts {
			s, ok := b.eval(ctx, p, depth+1)
			str, isStr := s.(string)
			if !ok || !isStr {
				return nil, false
			}
			sb.WriteString(str)
		}
		return sb.String(), true
	}
	if body, ok := fstringBody(src); ok {
		return b.fstring(ctx, body, depth)
	}
	e := parseExpr(src)
	if e == nil {
		return nil, false
	}
	switch e.Kind {
	case exStr, exNum, exBool, exNone, exList, exTuple, exDict:
		return b.literal(e)
	case exCall:
		if e.Base.Kind == exName && e.Base.Text == "str" && len(e.Args) == 1 {
			v, ok := b.eval(ctx, e.Args[0].String(), depth+1)
			if !ok {
				return nil, false
			}
			switch x := v.(type) {
			case string:
				return x, true
			case json.Number:
				return string(x), true
			case bool:
				if x {
					return "True", true
				}
				return "False", true
			}
			return nil, false
		}
	case exName:
		return b.evalName(ctx, e.Text, depth)
	}
	return nil, false
}

// evalName evaluates a (dotted) name: a module constant, or an attribute
// of a settings instance.
func (b *builder) evalName(ctx, name string, depth int) (any, bool) {
	if s := b.ix.Resolve(ctx, name); s.File != nil {
		if a := assignOf(s.File, s.Name); a != nil {
			return b.eval(s.File.Path, a.Value, depth+1)
		}
		return nil, false
	}
	i := strings.LastIndexByte(name, '.')
	if i < 0 {
		return nil, false
	}
	obj, attr := name[:i], name[i+1:]
	s := b.ix.Resolve(ctx, obj)
	if s.File == nil {
		return nil, false
	}
	a := assignOf(s.File, s.Name)
	if a == nil {
		return nil, false
	}
	// settings = Settings(): the class's literal default for attr.
	call := parseExpr(a.Value)
	if call == nil || call.Kind != exCall || call.Base.Kind != exName || len(call.Args) > 0 || len(call.KwName) > 0 {
		return nil, false
	}
	cls := b.ix.Resolve(s.File.Path, call.Base.Text)
	m := b.ix.Model(cls)
	if m == nil {
		return nil, false
	}
	if fw := b.ix.Role(cls); fw == nil || fw.Role != pymod.RoleSettings {
		return nil, false
	}
	for _, f := range b.settingsFields(cls, 0) {
		if f.f.Name == attr {
			if v, ok := b.dotenv(cls, f.f); ok {
				return v, true
			}
			if !f.f.HasDefault || f.f.DefaultFactory != "" {
				return nil, false
			}
			return b.eval(f.file, f.f.Default, depth+1)
		}
	}
	return nil, false
}

// settingsConfig returns a settings class's configuration key (its own or
// inherited), as source.
func (b *builder) settingsConfig(s pymod.Symbol, key string, depth int) (string, bool) {
	m := b.ix.Model(s)
	if m == nil || depth > 16 {
		return "", false
	}
	if v, ok := m.Config[key]; ok {
		return v, true
	}
	for _, base := range m.Bases {
		if bs := b.ix.Base(s.File.Path, base); bs.File != nil && bs.ID() != s.ID() {
			if v, ok := b.settingsConfig(bs, key, depth+1); ok {
				return v, true
			}
		}
	}
	return "", false
}

// dotenv reads a settings field from the committed .env file the class
// reads (env_file, relative to the app's root: the directory its modules
// are imported from), honouring env_prefix and case_sensitive.
func (b *builder) dotenv(cls pymod.Symbol, f *facts.Field) (any, bool) {
	if b.readFile == nil {
		return nil, false
	}
	src, ok := b.settingsConfig(cls, "env_file", 0)
	if !ok {
		return nil, false
	}
	name, ok := b.evalString(cls.File.Path, src)
	if !ok || name == "" {
		return nil, false
	}
	prefix := ""
	if p, ok := b.settingsConfig(cls, "env_prefix", 0); ok {
		prefix, _ = b.evalString(cls.File.Path, p)
	}
	cs, _ := b.settingsConfig(cls, "case_sensitive", 0)
	root := path.Dir(cls.File.Path)
	for range strings.Split(b.ix.Module(cls.File.Path), ".")[1:] {
		root = path.Dir(root)
	}
	data, err := b.readFile(path.Join(root, name))
	if err != nil {
		return nil, false
	}
	want := prefix + f.Name
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "export "))
		eq := strings.IndexByte(line, '=')
		if line == "" || line[0] == '#' || eq <= 0 {
			continue
		}
		k, v := strings.TrimSpace(line[:eq]), strings.TrimSpace(line[eq+1:])
		if !(k == want || (cs != "True" && strings.EqualFold(k, want))) {
			continue
		}
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			v = v[1 : len(v)-1]
		} else if i := strings.Index(v, " #"); i >= 0 {
			v = strings.TrimSpace(v[:i])
		}
		switch strings.TrimSpace(f.Annotation) {
		case "int", "float":
			if _, err := strconv.ParseFloat(v, 64); err == nil {
				return json.Number(v), true
			}
			return nil, false
		case "bool":
			switch strings.ToLower(v) {
			case "1", "true", "yes", "on":
				return true, true
			case "0", "false", "no", "off":
				return false, true
			}
			return nil, false
		}
		return v, true
	}
	return nil, false
}

type fieldIn struct {
	f    *facts.Field
	file string
}

// settingsFields lists a settings class's fields, base classes first.
func (b *builder) settingsFields(s pymod.Symbol, depth int) []fieldIn {
	m := b.ix.Model(s)
	if m == nil || depth > 16 {
		return nil
	}
	b.evalFiles[s.File.Path] = true
	b.evals++
	var out []fieldIn
	for _, base := range m.Bases {
		if bs := b.ix.Base(s.File.Path, base); bs.File != nil && bs.ID() != s.ID() {
			out = append(out, b.settingsFields(bs, depth+1)...)
		}
	}
	for i := range m.Fields {
		out = append(out, fieldIn{&m.Fields[i], s.File.Path})
	}
	// later definitions win
	for i := len(out) - 1; i >= 0; i-- {
		for j := 0; j < i; j++ {
			if out[j].f.Name == out[i].f.Name {
				out[j] = out[i]
			}
		}
	}
	return out
}

func assignOf(f *facts.File, name string) *facts.Assign {
	var last *facts.Assign
	for i := range f.Assigns {
		if f.Assigns[i].Name == name {
			last = &f.Assigns[i] // the last assignment wins at import time
		}
	}
	return last
}

// fstringBody returns the text between the quotes of an f-string literal.
func fstringBody(src string) (string, bool) {
	i := 0
	isF := false
	for i < len(src) && i < 2 && strings.ContainsRune("fFrR", rune(src[i])) {
		if src[i] == 'f' || src[i] == 'F' {
			isF = true
		}
		i++
	}
	if !isF || i >= len(src) || (src[i] != '"' && src[i] != '\'') {
		return "", false
	}
	q := src[i : i+1]
	if strings.HasPrefix(src[i:], strings.Repeat(q, 3)) {
		q = strings.Repeat(q, 3)
	}
	rest := src[i+len(q):]
	if !strings.HasSuffix(rest, q) {
		return "", false
	}
	return rest[:len(rest)-len(q)], true
}

// fstring evaluates an f-string body: {expr} replacement fields (with
// conversions and format specs ignored) and {{ }} escapes.
func (b *builder) fstring(ctx, body string, depth int) (any, bool) {
	var sb strings.Builder
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case c == '{' && i+1 < len(body) && body[i+1] == '{':
			sb.WriteByte('{')
			i++
		case c == '}' && i+1 < len(body) && body[i+1] == '}':
			sb.WriteByte('}')
			i++
		case c == '{':
			j := strings.IndexByte(body[i:], '}')
			if j < 0 {
				return nil, false
			}
			inner := body[i+1 : i+j]
			if k := strings.IndexAny(inner, "!:"); k >= 0 {
				inner = inner[:k]
			}
			v, ok := b.eval(ctx, inner, depth+1)
			if !ok {
				return nil, false
			}
			switch x := v.(type) {
			case string:
				sb.WriteString(x)
			case json.Number:
				sb.WriteString(string(x))
			case bool:
				sb.WriteString(strconv.FormatBool(x))
			default:
				return nil, false
			}
			i += j
		case c == '\\' && i+1 < len(body):
			sb.WriteByte(body[i+1])
			i++
		default:
			sb.WriteByte(c)
		}
	}
	return sb.String(), true
}

// callSource splits the source of a call `f(a, k=v)` into its callee and
// argument sources (f-strings kept as written, unlike parseExpr).
func callSource(src string) (callee string, pos []string, kw map[string]string, ok bool) {
	src = strings.TrimSpace(src)
	i := strings.IndexByte(src, '(')
	if i <= 0 || !strings.HasSuffix(src, ")") {
		return "", nil, nil, false
	}
	callee = strings.TrimSpace(src[:i])
	inner := strings.TrimSpace(src[i+1 : len(src)-1])
	kw = map[string]string{}
	if inner == "" {
		return callee, nil, kw, true
	}
	for _, a := range pyast.SplitTop(inner, ',') {
		a = strings.TrimSpace(a)
		if a == "" {
			continue
		}
		if eq := strings.IndexByte(a, '='); eq > 0 && isIdentText(strings.TrimSpace(a[:eq])) && (eq+1 >= len(a) || a[eq+1] != '=') {
			kw[strings.TrimSpace(a[:eq])] = strings.TrimSpace(a[eq+1:])
			continue
		}
		pos = append(pos, a)
	}
	return callee, pos, kw, true
}

func isIdentText(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// DirReader returns an Options.ReadFile reading workspace-relative paths
// under root; paths that leave root are refused. An empty root gives nil.
func DirReader(root string) func(rel string) ([]byte, error) {
	if root == "" {
		return nil
	}
	return func(rel string) ([]byte, error) {
		clean := path.Clean(rel)
		if path.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, "../") {
			return nil, fmt.Errorf("%s is outside the workspace", rel)
		}
		return os.ReadFile(filepath.Join(root, filepath.FromSlash(clean)))
	}
}
