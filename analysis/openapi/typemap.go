package openapi

import (
	"fmt"
	"strings"

	"github.com/farm-stack/farm-lsp/analysis/facts"
)

// scalarFormats maps simple type names to their JSON Schema (type, format).
var scalarFormats = map[string][2]string{
	"str": {"string", ""}, "StrictStr": {"string", ""}, "constr": {"string", ""}, "ConstrainedStr": {"string", ""},
	"EmailStr": {"string", "email"}, "NameEmail": {"string", "name-email"},
	"HttpUrl": {"string", "uri"}, "AnyUrl": {"string", "uri"}, "AnyHttpUrl": {"string", "uri"}, "FileUrl": {"string", "uri"},
	"PostgresDsn": {"string", "uri"}, "MongoDsn": {"string", "uri"}, "RedisDsn": {"string", "uri"}, "AmqpDsn": {"string", "uri"},
	"UUID": {"string", "uuid"}, "UUID1": {"string", "uuid1"}, "UUID3": {"string", "uuid3"}, "UUID4": {"string", "uuid4"}, "UUID5": {"string", "uuid5"},
	"datetime": {"string", "date-time"}, "AwareDatetime": {"string", "date-time"}, "NaiveDatetime": {"string", "date-time"},
	"PastDatetime": {"string", "date-time"}, "FutureDatetime": {"string", "date-time"},
	"date": {"string", "date"}, "PastDate": {"string", "date"}, "FutureDate": {"string", "date"},
	"time":      {"string", "time"},
	"SecretStr": {"string", "password"}, "Path": {"string", "path"}, "FilePath": {"string", "file-path"}, "DirectoryPath": {"string", "directory-path"},
	"IPvAnyAddress": {"string", "ipvanyaddress"}, "IPv4Address": {"string", "ipv4"}, "IPv6Address": {"string", "ipv6"},
	"IPvAnyNetwork": {"string", "ipvanynetwork"}, "IPvAnyInterface": {"string", "ipvanyinterface"},
	"Color": {"string", "color"}, "Pattern": {"string", "regex"},
	"PydanticObjectId": {"string", ""}, "ObjectId": {"string", ""}, "BeanieObjectId": {"string", ""},
	"bytes": {"string", "binary"}, "UploadFile": {"string", "binary"}, "StrictBytes": {"string", "binary"}, "conbytes": {"string", "binary"}, "SecretBytes": {"string", "password"},
	"int": {"integer", ""}, "StrictInt": {"integer", ""}, "conint": {"integer", ""}, "PositiveInt": {"integer", ""}, "NegativeInt": {"integer", ""},
	"NonNegativeInt": {"integer", ""}, "NonPositiveInt": {"integer", ""}, "ConstrainedInt": {"integer", ""},
	"float": {"number", ""}, "StrictFloat": {"number", ""}, "confloat": {"number", ""}, "PositiveFloat": {"number", ""}, "NegativeFloat": {"number", ""},
	"NonNegativeFloat": {"number", ""}, "NonPositiveFloat": {"number", ""}, "FiniteFloat": {"number", ""}, "ConstrainedFloat": {"number", ""},
	"bool": {"boolean", ""}, "StrictBool": {"boolean", ""},
}

// metadataTypes are the Pydantic types that, used as Annotated metadata,
// replace the annotated type's schema under Pydantic 2.
var metadataTypes = map[string]bool{"EmailStr": true, "NameEmail": true}

// scalarSchemas are shared, never-mutated schemas for scalarFormats
// (withSiblings copies before adding keywords).
var scalarSchemas = func() map[string]*Schema {
	out := make(map[string]*Schema, len(scalarFormats))
	for name, tf := range scalarFormats {
		out[name] = &Schema{Type: tf[0], Format: tf[1]}
	}
	return out
}()

var arrayNames = map[string]bool{
	"List": true, "list": true, "Sequence": true, "MutableSequence": true, "Iterable": true, "Collection": true,
	"Deque": true, "deque": true, "conlist": true,
}

var setNames = map[string]bool{
	"Set": true, "set": true, "FrozenSet": true, "frozenset": true, "AbstractSet": true, "MutableSet": true, "conset": true, "confrozenset": true,
}

var dictNames = map[string]bool{
	"Dict": true, "dict": true, "Mapping": true, "MutableMapping": true, "DefaultDict": true, "defaultdict": true,
	"OrderedDict": true, "Counter": true,
}

// typeSchema maps a Python annotation to a JSON Schema.
func (b *builder) typeSchema(e *expr, md mode, s site) *Schema {
	if e == nil {
		return &Schema{}
	}
	switch e.Kind {
	case exStr: // forward reference
		return b.typeSchema(parseExpr(e.Text), md, s)
	case exNone:
		if b.v1 {
			return &Schema{}
		}
		return &Schema{Type: "null"}
	case exUnion:
		return b.union(e.Args, md, s)
	case exCall:
		return b.callSchema(e, md, s)
	case exSubscript:
		return b.subscriptSchema(e, md, s)
	case exName:
		return b.nameSchema(e, md, s)
	}
	b.unsupported(e, s)
	return &Schema{}
}

func (b *builder) unsupported(e *expr, s site) {
	name := e.String()
	if s.code == "" {
		return
	}
	if s.code == facts.CodeUnknownModel {
		b.diag(s, s.code, fmt.Sprintf("%q is not a model or type defined in the workspace; it is typed unknown", name))
		return
	}
	b.diag(s, s.code, fmt.Sprintf("cannot map %q to a JSON Schema / TypeScript type; it is typed unknown", name))
}

func (b *builder) nameSchema(e *expr, md mode, s site) *Schema {
	if r, ok := s.subst[e.Text]; ok {
		return b.typeSchema(r, md, site{ctx: s.ctx, path: s.path, rng: s.rng, code: s.code})
	}
	if s.tvars[e.Text] {
		return &Schema{}
	}
	h := e.head()
	// Workspace classes win over library names ("Color", "Path").
	if id := b.lookup(s.ctx, e.Text); id != "" {
		if b.enums[id] != nil {
			return b.enumRef(id)
		}
		if b.isModel(id) {
			return b.modelRef(id, nil, md, s)
		}
		if hs := b.hookSchema(id); hs != nil {
			return hs
		}
	}
	if a := b.typeAlias(s.ctx, e.Text); a != nil {
		b.aliasDepth++
		defer func() { b.aliasDepth-- }()
		return b.typeSchema(a.e, md, site{ctx: a.ctx, path: s.path, rng: s.rng, code: s.code, subst: s.subst, tvars: s.tvars})
	}
	if sc, ok := scalarSchemas[h]; ok {
		return sc
	}
	switch h {
	case "Any", "object", "Json", "JsonValue":
		return &Schema{}
	case "timedelta":
		if b.v1 {
			return &Schema{Type: "number", Format: "time-delta"}
		}
		return &Schema{Type: "string", Format: "duration"}
	case "Decimal", "condecimal", "ConstrainedDecimal":
		if b.v1 {
			return &Schema{Type: "number"}
		}
		if md == modeOut {
			return &Schema{Type: "string"}
		}
		return &Schema{AnyOf: []*Schema{{Type: "number"}, {Type: "string"}}}
	case "None", "NoneType":
		if b.v1 {
			return &Schema{}
		}
		return &Schema{Type: "null"}
	case "Optional", "Union":
		return &Schema{}
	case "Link":
		return linkSchema()
	case "BackLink":
		return &Schema{Type: "object"}
	}
	if arrayNames[h] {
		return &Schema{Type: "array", Items: &Schema{}}
	}
	if setNames[h] {
		return &Schema{Type: "array", Items: &Schema{}, UniqueItems: true}
	}
	if h == "Tuple" || h == "tuple" {
		return &Schema{Type: "array", Items: &Schema{}}
	}
	if dictNames[h] {
		return &Schema{Type: "object"} // also Pydantic 2.10 (2.11 adds additionalProperties: true)
	}
	b.unsupported(e, s)
	return &Schema{}
}

func linkSchema() *Schema {
	return &Schema{AnyOf: []*Schema{
		{Type: "object", Properties: []Property{{"id", &Schema{Type: "string"}}, {"collection", &Schema{Type: "string"}}}, Required: []string{"id", "collection"}},
		{Type: "object"},
	}}
}

func (b *builder) callSchema(e *expr, md mode, s site) *Schema {
	h := e.head()
	switch h {
	case "Indexed":
		if len(e.Args) > 0 {
			return b.typeSchema(e.Args[0], md, s)
		}
		return &Schema{}
	case "conlist", "conset", "confrozenset":
		item := e.kw("item_type")
		if item == nil && len(e.Args) > 0 {
			item = e.Args[0]
		}
		out := &Schema{Type: "array", Items: b.typeSchema(item, md, s), UniqueItems: h != "conlist"}
		if item == nil {
			out.Items = &Schema{}
		}
		return out
	}
	if _, ok := scalarFormats[h]; ok {
		return b.nameSchema(&expr{Kind: exName, Text: h}, md, s)
	}
	switch h {
	case "condecimal":
		return b.nameSchema(&expr{Kind: exName, Text: h}, md, s)
	}
	b.unsupported(e, s)
	return &Schema{}
}

func (b *builder) subscriptSchema(e *expr, md mode, s site) *Schema {
	h := e.head()
	args := e.Args
	arg := func(i int) *expr {
		if i < len(args) {
			return args[i]
		}
		return nil
	}
	switch {
	case h == "Optional":
		opt := [2]*expr{arg(0), noneExpr}
		return b.union(opt[:], md, s)
	case h == "Union":
		return b.union(args, md, s)
	case h == "Annotated", h == "Required", h == "NotRequired", h == "Final", h == "ReadOnly":
		out := b.typeSchema(arg(0), md, s)
		if h == "Annotated" {
			for _, m := range args[1:] {
				if m != nil && m.Kind == exCall && m.head() == "Field" {
					if d := m.kw("discriminator"); d != nil {
						out = b.discriminated(out, d, s)
					}
				}
			}
		}
		if h == "Annotated" && !b.v1 {
			// Pydantic 2 applies a type given as metadata (its
			// __get_pydantic_core_schema__): Annotated[str, EmailStr] is an
			// email. Pydantic 1 ignores metadata that is not a FieldInfo.
			for _, m := range args[1:] {
				if m != nil && m.Kind == exName && metadataTypes[m.head()] {
					out = b.nameSchema(&expr{Kind: exName, Text: m.head()}, md, s)
				}
			}
		}
		return out
	case h == "Literal":
		return b.literalSchema(args)
	case h == "Link":
		return linkSchema()
	case h == "BackLink":
		return &Schema{Type: "object"}
	case h == "Type", h == "Callable":
		b.unsupported(e, s)
		return &Schema{}
	case arrayNames[h]:
		return &Schema{Type: "array", Items: b.typeSchema(arg(0), md, s)}
	case setNames[h]:
		return &Schema{Type: "array", Items: b.typeSchema(arg(0), md, s), UniqueItems: true}
	case h == "Tuple" || h == "tuple":
		if len(args) == 2 && args[1].Kind == exEllipsis {
			return &Schema{Type: "array", Items: b.typeSchema(args[0], md, s)}
		}
		if len(args) == 1 && args[0].Kind == exTuple && len(args[0].Args) == 0 { // tuple[()]
			n := 0
			return &Schema{Type: "array", MaxItems: &n}
		}
		items := make([]*Schema, len(args))
		for i, a := range args {
			items[i] = b.typeSchema(a, md, s)
		}
		n := len(args)
		out := &Schema{Type: "array", MinItems: &n, MaxItems: &n}
		if b.v1 {
			out.ItemsList = items
		} else {
			out.PrefixItems = items
		}
		return out
	case dictNames[h]:
		val := arg(1)
		if h == "Counter" {
			val = &expr{Kind: exName, Text: "int"}
		}
		vs := b.typeSchema(val, md, s)
		if val == nil || isEmpty(vs) {
			return &Schema{Type: "object"} // also Pydantic 2.10 (2.11 adds additionalProperties: true)
		}
		return &Schema{Type: "object", AdditionalProperties: vs}
	}
	if id := b.modelID(s.ctx, e.Base.Text); id != "" && e.Base.Kind == exName {
		sub := make([]*expr, len(args))
		for i, a := range args {
			sub[i] = b.qualify(substitute(a, s.subst), s.ctx)
		}
		return b.modelRef(id, sub, md, s)
	}
	b.unsupported(e, s)
	return &Schema{}
}

// isEmpty reports whether s is the empty schema {} (any value).
func isEmpty(s *Schema) bool {
	return s != nil && !s.refKey && s.Ref == "" && s.Type == "" && s.Enum == nil && !s.HasConst && s.Items == nil &&
		s.ItemsList == nil && s.PrefixItems == nil && s.Properties == nil && s.AdditionalProperties == nil &&
		!s.AdditionalTrue && s.AnyOf == nil && s.AllOf == nil && !s.HasDefault
}

// union maps Union[...] / A | B / Optional[X]. None members become a null
// member (v2) or vanish (v1).
func (b *builder) union(members []*expr, md mode, s site) *Schema {
	// Every field's Optional[X] comes here: the members are flattened into
	// a small array on the stack, and one member needs no slice at all.
	var buf [8]*expr
	flat := unionMembers(members, buf[:0])
	hasNone := false
	var one *Schema
	var items []*Schema
	add := func(m *Schema) {
		switch {
		case one == nil && items == nil:
			one = m
		case items == nil:
			items = []*Schema{one, m}
		default:
			items = append(items, m)
		}
	}
	for _, x := range flat {
		if x.Kind == exNone || (x.Kind == exName && (x.Text == "None" || x.Text == "NoneType")) {
			hasNone = true
			continue
		}
		m := b.typeSchema(x, md, s)
		if !b.v1 && m.AnyOf != nil && m.Ref == "" && !m.refKey && m.Type == "" && m.Properties == nil && m.AllOf == nil && !m.HasDefault {
			// A member that is itself a union (Link[T]): Pydantic v2 splices its members.
			for _, a := range m.AnyOf {
				add(a)
			}
			continue
		}
		add(m)
	}
	if hasNone && !b.v1 {
		add(&Schema{Type: "null"})
	}
	switch {
	case one == nil:
		return &Schema{}
	case items == nil:
		return one
	}
	return &Schema{AnyOf: items}
}

// noneExpr is the None member Optional[X] adds.
var noneExpr = &expr{Kind: exNone}

// unionMembers appends the members of a union to flat, nested unions,
// Union[...] and Optional[...] flattened, forward references parsed.
func unionMembers(xs []*expr, flat []*expr) []*expr {
	for _, x := range xs {
		if x == nil {
			continue
		}
		if x.Kind == exStr {
			if p := parseExpr(x.Text); p != nil {
				x = p
			}
		}
		switch {
		case x.Kind == exUnion:
			flat = unionMembers(x.Args, flat)
		case x.Kind == exSubscript && (x.head() == "Union"):
			flat = unionMembers(x.Args, flat)
		case x.Kind == exSubscript && x.head() == "Optional":
			flat = unionMembers(x.Args[:1], flat)
			flat = append(flat, noneExpr)
		default:
			flat = append(flat, x)
		}
	}
	return flat
}

func (b *builder) literalSchema(args []*expr) *Schema {
	var vals []any
	hasNone := false
	types := map[string]bool{}
	for _, a := range args {
		v, ok := b.literal(a)
		if !ok {
			continue
		}
		if v == nil {
			hasNone = true
			continue
		}
		vals = append(vals, v)
		types[jsonType(v)] = true
	}
	out := &Schema{}
	if len(types) == 1 {
		for t := range types {
			out.Type = t
		}
	}
	if len(vals) == 1 && !b.v1 {
		out.Const, out.HasConst = vals[0], true
	} else {
		out.Enum = vals
	}
	if hasNone && !b.v1 {
		return &Schema{AnyOf: []*Schema{out, {Type: "null"}}}
	}
	return out
}

// allowsNone reports whether an annotation admits None (Pydantic v1 then
// makes the field optional when it has no default).
func (b *builder) allowsNone(e *expr, s site) bool {
	if e == nil {
		return true
	}
	switch e.Kind {
	case exNone:
		return true
	case exStr:
		return b.allowsNone(parseExpr(e.Text), s)
	case exUnion:
		for _, a := range e.Args {
			if b.allowsNone(a, s) {
				return true
			}
		}
	case exName:
		if r, ok := s.subst[e.Text]; ok {
			return b.allowsNone(r, site{})
		}
		if s.tvars[e.Text] {
			return true // an unbound type variable is Any
		}
		switch e.head() {
		case "Any", "object", "None", "NoneType", "Optional":
			return true
		}
	case exSubscript:
		switch e.head() {
		case "Optional":
			return true
		case "Union", "Literal":
			for _, a := range e.Args {
				if a.Kind == exNone || b.allowsNone(a, s) && e.head() == "Union" {
					return true
				}
			}
		case "Annotated":
			if len(e.Args) > 0 {
				return b.allowsNone(e.Args[0], s)
			}
		}
	}
	return false
}

// isScalar reports whether FastAPI treats a parameter annotation (read in
// the file ctx) as a query/path scalar (not a body): no models, sequences
// or dicts.
func (b *builder) isScalar(e *expr, ctx string) bool {
	if e == nil {
		return true
	}
	switch e.Kind {
	case exStr:
		return b.isScalar(parseExpr(e.Text), ctx)
	case exUnion:
		for _, a := range e.Args {
			if !b.isScalar(a, ctx) {
				return false
			}
		}
		return true
	case exCall:
		return !strings.HasPrefix(e.head(), "con") || e.head() == "constr" || e.head() == "conint" || e.head() == "confloat" || e.head() == "condecimal"
	case exSubscript:
		switch h := e.head(); h {
		case "Optional", "Union":
			for _, a := range e.Args {
				if !b.isScalar(a, ctx) {
					return false
				}
			}
			return true
		case "Annotated":
			return len(e.Args) == 0 || b.isScalar(e.Args[0], ctx)
		case "Literal":
			return true
		default:
			return false
		}
	case exName:
		h := e.head()
		if arrayNames[h] || setNames[h] || dictNames[h] || h == "Tuple" || h == "tuple" {
			return false
		}
		return b.modelID(ctx, e.Text) == ""
	}
	return true
}

// hookSchema is the schema a custom type's __modify_schema__ (Pydantic 1)
// or __get_pydantic_json_schema__ (Pydantic 2) gives with literal values,
// nil when the class has no such hook (or one for the other version).
func (b *builder) hookSchema(id string) *Schema {
	mi := b.models[id]
	if mi == nil || len(mi.m.SchemaHook) == 0 || mi.m.HookV2 == b.v1 {
		return nil
	}
	out := &Schema{}
	for k, src := range mi.m.SchemaHook {
		v, ok := b.literal(parseExpr(src))
		if !ok {
			continue
		}
		switch k {
		case "type":
			out.Type, _ = v.(string)
		case "format":
			out.Format, _ = v.(string)
		case "examples", "example", "title", "description", "pattern":
			// presentation and constraints: not modelled
		}
	}
	return out
}

// aliasTarget is what a module-level type alias stands for and the module
// its names are read in.
type aliasTarget struct {
	e   *expr
	ctx string
}

// typeAlias resolves a name bound at module level to a type expression
// (`Password = Annotated[str, Field(min_length=8)]`, `Ids = list[str]`),
// through imports, or returns nil. The file read is recorded for the
// cache of the component being built.
func (b *builder) typeAlias(ctx, name string) *aliasTarget {
	if b.aliasDepth > 16 || !b.ix.Assigned(name) {
		return nil
	}
	sym := b.ix.Resolve(ctx, name)
	if sym.File == nil {
		return nil
	}
	a := assignOf(sym.File, sym.Name)
	if a == nil {
		return nil
	}
	v := parseExpr(a.Value)
	if v == nil {
		return nil
	}
	switch v.Kind {
	case exSubscript, exUnion, exName:
	default:
		return nil // a call, a literal…: not a type
	}
	if b.cur != nil && sym.File.Path != ctx {
		if b.cur.files == nil {
			b.cur.files = map[string]string{}
		}
		b.cur.files[sym.File.Path] = sym.File.Hash
	}
	return &aliasTarget{e: v, ctx: sym.File.Path}
}
