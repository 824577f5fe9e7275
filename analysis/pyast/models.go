package pyast

import (
	"strconv"
	"strings"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/analysis/pymod"
)

// enumBases are the base classes that make a class an Enum.
var enumBases = map[string]bool{"Enum": true, "IntEnum": true, "StrEnum": true, "Flag": true, "IntFlag": true}

// class reads a top-level class: an Enum or a (possible) model. outer is
// the decorated_definition when the class is decorated, else def.
func (x *extractor) class(def, outer *pnode) {
	d := x.d
	nameNode := def.ChildByFieldName("name")
	if nameNode == nil {
		return
	}
	name := d.Text(nameNode)
	var bases []string
	var baseNodes []*pnode
	if sc := def.ChildByFieldName("superclasses"); sc != nil {
		for _, b := range children(sc) {
			switch b.Type() {
			case "keyword_argument", "comment", "list_splat", "dictionary_splat":
				continue
			}
			bases = append(bases, canon(d, b))
			baseNodes = append(baseNodes, b)
		}
	}
	body := def.ChildByFieldName("body")
	for _, b := range bases {
		if enumBases[lastName(b)] {
			x.enum(name, bases, body, outer)
			return
		}
	}
	m := facts.Model{
		Name:      name,
		Bases:     bases,
		Fields:    []facts.Field{},
		Range:     d.Range(outer),
		NameRange: d.Range(nameNode),
	}
	if bases == nil {
		m.Bases = []string{}
	}
	for i, b := range bases {
		// A hint from the framework table by name; the workspace resolves
		// every base through the imports (pymod).
		if fw := pymod.LookupName(b); fw != nil && (b == fw.Name || b == fw.Package+"."+fw.Name) {
			switch k := fw.Kind(); {
			case k == facts.ModelDocument:
				m.Kind = k
			case k == facts.ModelBaseModel && m.Kind == facts.ModelUnknown:
				m.Kind = k
			}
		}
		if head, args, ok := subscriptParts(d, baseNodes[i]); ok && lastName(head) == "Generic" {
			for _, a := range args {
				m.TypeVars = append(m.TypeVars, canon(d, a))
			}
		}
	}
	if m.TypeVars == nil {
		if tp := def.ChildByFieldName("type_parameters"); tp != nil { // class Page[T](BaseModel)
			for _, a := range children(tp) {
				if a.Type() != "comment" {
					m.TypeVars = append(m.TypeVars, canon(d, a))
				}
			}
		}
	}
	if body != nil {
		x.modelBody(&m, body)
	}
	x.f.Models = append(x.f.Models, m)
}

func (x *extractor) modelBody(m *facts.Model, body *pnode) {
	d := x.d
	var fieldIndexes []facts.Index
	stmts := children(body)
	if m.Fields == nil && len(stmts) > 0 {
		// Most statements of a model's body are fields: one allocation at
		// about the right size instead of growing from one.
		m.Fields = make([]facts.Field, 0, len(stmts))
		defer func() {
			if len(m.Fields) == 0 {
				m.Fields = nil // as when nothing was appended
			}
		}()
	}
	for _, st := range stmts {
		switch st.Type() {
		case "expression_statement":
			as := st.NamedChild(0)
			if as == nil || as.Type() != "assignment" {
				continue
			}
			left, typ := as.ChildByFieldName("left"), as.ChildByFieldName("type")
			if left != nil && left.Type() == "identifier" && d.Text(left) == "model_config" {
				x.modelConfig(m, as.ChildByFieldName("right"))
				continue
			}
			if left == nil || typ == nil || left.Type() != "identifier" {
				continue
			}
			name := d.Text(left)
			if (strings.HasPrefix(name, "_") && name != "__root__") || name == "model_config" {
				continue // private attributes; __root__ is Pydantic 1's custom root type
			}
			x.modelled[st.StartByte()] = true
			fld := x.field(name, typ, as.ChildByFieldName("right"), st)
			fld.Index = len(m.Fields)
			m.Fields = append(m.Fields, fld)
			if m.Kind != facts.ModelBaseModel && strings.Contains(fld.Annotation, "Indexed") {
				if ix, ok := x.fieldIndex(name, typ); ok {
					fieldIndexes = append(fieldIndexes, ix)
				}
			}
		case "class_definition":
			n := st.ChildByFieldName("name")
			if n == nil {
				continue
			}
			switch d.Text(n) {
			case "Settings", "Collection":
				m.Settings = x.settings(st)
			case "Config":
				x.configClass(m, st)
			}
		case "function_definition":
			x.modelled[st.StartByte()] = true
			m.Methods = append(m.Methods, x.method(st, st, nil))
			x.special(m, st)
		case "decorated_definition":
			def := st.ChildByFieldName("definition")
			if def == nil || def.Type() != "function_definition" {
				continue
			}
			x.modelled[st.StartByte()] = true
			decos := decorators(st)
			meth := x.method(def, st, decos)
			m.Methods = append(m.Methods, meth)
			x.special(m, def)
			x.fieldSerializer(m, def, decos)
			for _, dn := range meth.Decorators {
				if dn == "computed_field" {
					ret := def.ChildByFieldName("return_type")
					fname := def.ChildByFieldName("name")
					m.Fields = append(m.Fields, facts.Field{
						Name:       d.Text(fname),
						Annotation: canon(d, ret),
						Computed:   true,
						Index:      len(m.Fields),
						Range:      d.Range(st),
						AnnRange:   d.Range(ret),
					})
					break
				}
			}
		}
	}
	if len(fieldIndexes) > 0 {
		if m.Settings == nil {
			m.Settings = &facts.Settings{}
		}
		for _, ix := range fieldIndexes {
			dup := false
			for _, have := range m.Settings.Indexes {
				dup = dup || have.Name == ix.Name
			}
			if !dup { // Beanie creates an index once per name
				m.Settings.Indexes = append(m.Settings.Indexes, ix)
			}
		}
	}
}

// field reads `name: typ = right` (right may be nil).
func (x *extractor) field(name string, typ, right, stmt *pnode) facts.Field {
	d := x.d
	f := facts.Field{
		Name:       name,
		Annotation: canon(d, typ),
		Range:      d.Range(stmt),
		AnnRange:   d.Range(typ),
	}
	if head, _, ok := splitSubscript(f.Annotation); ok && lastName(head) == "ClassVar" || lastName(f.Annotation) == "ClassVar" {
		f.ClassVar = true
	}
	if right == nil {
		return f
	}
	if call := parseCall(d, right); call != nil && lastName(call.callee) == "Field" {
		f.FieldArgs = kwMap(d, call)
		def := call.kw("default")
		if def == nil && len(call.pos) > 0 {
			def = call.pos[0]
		}
		if def != nil {
			f.Default = canon(d, def)
			f.HasDefault = f.Default != "..."
		}
		if fac := call.kw("default_factory"); fac != nil {
			f.DefaultFactory = canon(d, fac)
			f.HasDefault = true
		}
		if al := call.kw("alias"); al != nil {
			if s, ok := strLit(d, al); ok {
				f.Alias = s
			} else {
				f.Alias = canon(d, al)
			}
		}
		return f
	}
	f.Default = canon(d, right)
	f.HasDefault = f.Default != "..."
	return f
}

// fieldIndex reads Indexed(T, ...) or Annotated[T, Indexed(...)] on a field.
func (x *extractor) fieldIndex(name string, typ *pnode) (facts.Index, bool) {
	d := x.d
	var call *callArgs
	var at *pnode
	if c := parseCall(d, typ); c != nil && lastName(c.callee) == "Indexed" {
		call, at = c, typ
		// Indexed(typ, index_type, unique): the type is the first positional.
		if len(call.pos) > 0 {
			call.pos = call.pos[1:]
		}
	} else if head, args, ok := subscriptParts(d, typ); ok && lastName(head) == "Annotated" {
		for _, a := range args[min(1, len(args)):] {
			if c := parseCall(d, a); c != nil && lastName(c.callee) == "Indexed" {
				call, at = c, a
				break
			}
		}
	}
	if call == nil {
		return facts.Index{}, false
	}
	key := facts.IndexKey{Field: name, Dir: 1}
	dirText := "1"
	dirNode := call.kw("index_type")
	if dirNode == nil && len(call.pos) > 0 {
		dirNode = call.pos[0]
	}
	if dirNode != nil {
		if dir, txt, ok := x.direction(dirNode); ok {
			key.Dir, dirText = dir, txt
		}
	}
	ix := facts.Index{Keys: []facts.IndexKey{key}, Range: d.Range(at)}
	ix.Unique = isTrue(d, call.kw("unique"))
	ix.Name = name + "_" + dirText
	if n := call.kw("name"); n != nil {
		if s, ok := strLit(d, n); ok {
			ix.Name = s
		}
	}
	return ix, true
}

func isTrue(d *index, n *pnode) bool {
	return n != nil && d.Text(n) == "True"
}

// settings reads a Beanie `class Settings` (name, indexes).
func (x *extractor) settings(cls *pnode) *facts.Settings {
	d := x.d
	s := &facts.Settings{}
	body := cls.ChildByFieldName("body")
	if body == nil {
		return s
	}
	for _, st := range children(body) {
		as := st.NamedChild(0)
		if st.Type() != "expression_statement" || as == nil || as.Type() != "assignment" {
			continue
		}
		left, right := as.ChildByFieldName("left"), as.ChildByFieldName("right")
		if left == nil || right == nil {
			continue
		}
		switch d.Text(left) {
		case "name", "indexes":
			x.modelled[st.StartByte()] = true
		}
		switch d.Text(left) {
		case "name":
			if v, ok := strLit(d, right); ok {
				s.Name = v
			} else {
				s.Name = canon(d, right)
			}
			s.NameRange = d.Range(right)
		case "indexes":
			if right.Type() != "list" && right.Type() != "tuple" {
				continue
			}
			for _, item := range children(right) {
				if item.Type() == "comment" {
					continue
				}
				if ix, ok := x.index(item); ok {
					s.Indexes = append(s.Indexes, ix)
				}
			}
		}
	}
	return s
}

// index reads one Settings.indexes item: "f", ("f", dir), [("a", 1), ...]
// or IndexModel(keys, unique=, name=).
func (x *extractor) index(item *pnode) (facts.Index, bool) {
	d := x.d
	ix := facts.Index{Range: d.Range(item)}
	var keysNode *pnode
	if call := parseCall(d, item); call != nil {
		if lastName(call.callee) != "IndexModel" {
			return ix, false
		}
		keysNode = call.kw("keys")
		if keysNode == nil && len(call.pos) > 0 {
			keysNode = call.pos[0]
		}
		ix.Unique = isTrue(d, call.kw("unique"))
		if n := call.kw("name"); n != nil {
			if s, ok := strLit(d, n); ok {
				ix.Name = s
			}
		}
	} else {
		keysNode = item
	}
	keys, texts, ok := x.indexKeys(keysNode)
	if !ok || len(keys) == 0 {
		return ix, false
	}
	ix.Keys = keys
	if ix.Name == "" {
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k.Field + "_" + texts[i]
		}
		ix.Name = strings.Join(parts, "_")
	}
	return ix, true
}

// indexKeys reads "f", ("f", dir) or a list/tuple of those.
func (x *extractor) indexKeys(n *pnode) ([]facts.IndexKey, []string, bool) {
	d := x.d
	if n == nil {
		return nil, nil, false
	}
	if s, ok := strLit(d, n); ok {
		return []facts.IndexKey{{Field: s, Dir: 1}}, []string{"1"}, true
	}
	if k, t, ok := x.keyPair(n); ok {
		return []facts.IndexKey{k}, []string{t}, true
	}
	if n.Type() != "list" && n.Type() != "tuple" {
		return nil, nil, false
	}
	var keys []facts.IndexKey
	var texts []string
	for _, c := range children(n) {
		if c.Type() == "comment" {
			continue
		}
		if s, ok := strLit(d, c); ok {
			keys, texts = append(keys, facts.IndexKey{Field: s, Dir: 1}), append(texts, "1")
			continue
		}
		k, t, ok := x.keyPair(c)
		if !ok {
			return nil, nil, false
		}
		keys, texts = append(keys, k), append(texts, t)
	}
	return keys, texts, true
}

// keyPair reads ("field", direction).
func (x *extractor) keyPair(n *pnode) (facts.IndexKey, string, bool) {
	if n.Type() != "tuple" || n.NamedChildCount() != 2 {
		return facts.IndexKey{}, "", false
	}
	f, ok := strLit(x.d, n.NamedChild(0))
	if !ok {
		return facts.IndexKey{}, "", false
	}
	dir, txt, ok := x.direction(n.NamedChild(1))
	if !ok {
		return facts.IndexKey{}, "", false
	}
	return facts.IndexKey{Field: f, Dir: dir}, txt, true
}

// direction reads 1, -1, pymongo.ASCENDING/DESCENDING/TEXT/HASHED/GEO2D/
// GEOSPHERE or their string forms. Special kinds have dir 0.
func (x *extractor) direction(n *pnode) (int, string, bool) {
	d := x.d
	if s, ok := strLit(d, n); ok {
		switch s {
		case "text", "hashed", "2d", "2dsphere":
			return 0, s, true
		}
		return 0, "", false
	}
	txt := canon(d, n)
	switch lastName(txt) {
	case "ASCENDING":
		return 1, "1", true
	case "DESCENDING":
		return -1, "-1", true
	case "TEXT":
		return 0, "text", true
	case "HASHED":
		return 0, "hashed", true
	case "GEO2D":
		return 0, "2d", true
	case "GEOSPHERE":
		return 0, "2dsphere", true
	}
	if v, err := strconv.Atoi(strings.ReplaceAll(txt, " ", "")); err == nil && (v == 1 || v == -1) {
		return v, strconv.Itoa(v), true
	}
	return 0, "", false
}

// method reads a function defined in a class body.
func (x *extractor) method(def, outer *pnode, decos []*pnode) facts.Method {
	d := x.d
	m := facts.Method{
		Name:     d.Text(def.ChildByFieldName("name")),
		BodyHash: tokenHash(d, outer),
		Range:    d.Range(outer),
	}
	for _, dn := range decos {
		if name := decoratorName(d, dn); name != "" {
			m.Decorators = append(m.Decorators, name)
		}
	}
	return m
}

// enum reads an Enum class's members: NAME = literal.
func (x *extractor) enum(name string, bases []string, body, outer *pnode) {
	d := x.d
	e := facts.Enum{Name: name, Bases: bases, Members: []facts.EnumMember{}, Range: d.Range(outer)}
	if body != nil {
		for _, st := range children(body) {
			as := st.NamedChild(0)
			if st.Type() != "expression_statement" || as == nil || as.Type() != "assignment" {
				continue
			}
			left, right := as.ChildByFieldName("left"), as.ChildByFieldName("right")
			if left == nil || right == nil || left.Type() != "identifier" || as.ChildByFieldName("type") != nil {
				continue
			}
			mn := d.Text(left)
			if strings.HasPrefix(mn, "_") {
				continue
			}
			x.modelled[st.StartByte()] = true
			e.Members = append(e.Members, facts.EnumMember{Name: mn, Value: canon(d, right), Range: d.Range(st)})
		}
	}
	x.f.Enums = append(x.f.Enums, e)
}

// configClass reads `class Config:` attributes (Pydantic 1).
func (x *extractor) configClass(m *facts.Model, cls *pnode) {
	d := x.d
	for _, st := range children(cls.ChildByFieldName("body")) {
		as := st.NamedChild(0)
		if st.Type() != "expression_statement" || as == nil || as.Type() != "assignment" {
			continue
		}
		left, right := as.ChildByFieldName("left"), as.ChildByFieldName("right")
		if left == nil || right == nil || left.Type() != "identifier" {
			continue
		}
		if m.Config == nil {
			m.Config = map[string]string{}
		}
		m.Config[d.Text(left)] = canon(d, right)
		if d.Text(left) == "alias_generator" {
			r := d.Range(right)
			m.AliasGeneratorRange = &r
		}
	}
}

// modelConfig reads `model_config = ConfigDict(k=v)` or `{"k": v}`.
func (x *extractor) modelConfig(m *facts.Model, right *pnode) {
	d := x.d
	right = unwrapType(right)
	if right == nil {
		return
	}
	set := func(k, v string) {
		if m.Config == nil {
			m.Config = map[string]string{}
		}
		m.Config[k] = v
	}
	if call := parseCall(d, right); call != nil {
		for k, v := range kwMap(d, call) {
			set(k, v)
		}
		if n := call.kw("alias_generator"); n != nil {
			r := d.Range(n)
			m.AliasGeneratorRange = &r
		}
		return
	}
	if right.Type() == "dictionary" {
		for _, p := range children(right) {
			if p.Type() != "pair" {
				continue
			}
			if k, ok := strLit(d, p.ChildByFieldName("key")); ok {
				set(k, canon(d, p.ChildByFieldName("value")))
				if v := p.ChildByFieldName("value"); k == "alias_generator" && v != nil {
					r := d.Range(v)
					m.AliasGeneratorRange = &r
				}
			}
		}
	}
}

// special reads the methods FastAPI's schema depends on: __init__ (a
// class used as a dependency) and the JSON-schema hooks of custom types.
func (x *extractor) special(m *facts.Model, def *pnode) {
	d := x.d
	switch name := d.Text(def.ChildByFieldName("name")); name {
	case "__init__":
		ps := x.params(def.ChildByFieldName("parameters"))
		if len(ps) > 0 && (ps[0].Name == "self" || ps[0].Name == "cls") {
			ps = ps[1:]
		}
		m.Init = ps
	case "__modify_schema__", "__get_pydantic_json_schema__":
		m.HookV2 = name == "__get_pydantic_json_schema__"
		if m.SchemaHook == nil {
			m.SchemaHook = map[string]string{}
		}
		// Top-level statements of the body only: `s.update(k=v)`,
		// `s.update({"k": v})`, `s["k"] = v`, `return {"k": v}`.
		for _, st := range children(def.ChildByFieldName("body")) {
			e := st.NamedChild(0)
			if e == nil {
				continue
			}
			switch {
			case st.Type() == "return_statement" && e.Type() == "dictionary":
				x.hookDict(m, e)
			case st.Type() == "expression_statement" && e.Type() == "call":
				call := parseCall(d, e)
				if call == nil || lastName(call.callee) != "update" {
					continue
				}
				for k, v := range kwMap(d, call) {
					m.SchemaHook[k] = v
				}
				if len(call.pos) == 1 && call.pos[0].Type() == "dictionary" {
					x.hookDict(m, call.pos[0])
				}
			case st.Type() == "expression_statement" && e.Type() == "assignment":
				left := e.ChildByFieldName("left")
				if left != nil && left.Type() == "subscript" {
					if k, ok := strLit(d, left.ChildByFieldName("subscript")); ok {
						m.SchemaHook[k] = canon(d, e.ChildByFieldName("right"))
					}
				}
			}
		}
	}
}

func (x *extractor) hookDict(m *facts.Model, dict *pnode) {
	d := x.d
	for _, p := range children(dict) {
		if p.Type() != "pair" {
			continue
		}
		if k, ok := strLit(d, p.ChildByFieldName("key")); ok {
			m.SchemaHook[k] = canon(d, p.ChildByFieldName("value"))
		}
	}
}

// fieldSerializer reads a plain `@field_serializer("a", "b")` method
// with a return annotation: the fields' serialization type.
func (x *extractor) fieldSerializer(m *facts.Model, def *pnode, decos []*pnode) {
	d := x.d
	ret := def.ChildByFieldName("return_type")
	if ret == nil {
		return
	}
	for _, dn := range decos {
		if decoratorName(d, dn) != "field_serializer" {
			continue
		}
		call := parseCall(d, decoratorExpr(dn))
		if call == nil {
			continue
		}
		if mode, ok := strLit(d, call.kw("mode")); ok && mode != "plain" {
			continue // a wrap serializer: not modelled
		}
		sr := facts.Serializer{Return: canon(d, ret)}
		for _, a := range call.pos {
			if f, ok := strLit(d, a); ok {
				sr.Fields = append(sr.Fields, f)
			}
		}
		// (self, value) or (self, value, info); a staticmethod's (value, info).
		n := 0
		for _, p := range children(def.ChildByFieldName("parameters")) {
			if p.IsNamed() && p.Type() != "comment" {
				n++
			}
		}
		sr.Info = n >= 3
		if len(sr.Fields) > 0 {
			m.Serializers = append(m.Serializers, sr)
		}
	}
}
