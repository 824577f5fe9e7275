package openapi

import (
	"bytes"
	"encoding/json"
	"sort"

	"github.com/farm-stack/farm-lsp/analysis/facts"
)

// Document is a static OpenAPI 3.1 description of a FastAPI backend.
// Paths and their operations are in FastAPI's registration order;
// Components.Schemas are sorted by name (as FastAPI does).
type Document struct {
	OpenAPI    string
	Info       Info
	Paths      []*PathItem
	Components Components
	// Pydantic is the major version whose semantics were applied (1 or 2).
	Pydantic int
}

// Info is the document's info object.
type Info struct {
	Title   string
	Version string
}

// Components holds the named schemas.
type Components struct {
	Schemas []*NamedSchema
	// SecuritySchemes are the schemes of the security dependencies
	// routes use (OAuth2PasswordBearer, HTTPBearer…), sorted by name.
	SecuritySchemes []SecurityScheme
}

// NamedSchema is one entry of components.schemas.
type NamedSchema struct {
	Name   string
	Schema *Schema
	// Model is the Python class it comes from ("" for synthesised schemas
	// such as Body_* and HTTPValidationError); File is that class's file.
	Model string
	File  string
	// Line is the zero-based line of the class definition.
	Line int
	// Unreached marks a model (or enum) of a models file that no route
	// reaches: FastAPI does not list it, so the OpenAPI JSON leaves it
	// out; the TypeScript models keep it.
	Unreached bool
}

// PathItem is every operation on one path.
type PathItem struct {
	Path       string
	Operations []*Operation
}

// Operation is one route.
type Operation struct {
	Method      string // lower case: get, post, ...
	Path        string
	OperationID string
	Summary     string
	// Deprecated is deprecated=True on the route, a router or include.
	Deprecated  bool
	Parameters  []*Parameter
	RequestBody *RequestBody
	Responses   []*Response
	// Security lists the security requirements of the operation's
	// dependencies, in FastAPI's order.
	Security []SecurityRequirement

	// Handler is the Python function name; File and Range locate the route.
	Handler string
	File    string
	Range   facts.Range
}

// Parameter is a path, query, header or cookie parameter.
type Parameter struct {
	Name     string
	In       string
	Required bool
	Schema   *Schema
}

// RequestBody is an operation's body.
type RequestBody struct {
	Required  bool
	MediaType string
	Schema    *Schema
	// Embedded is true when the body is an object keyed by parameter name
	// (several body parameters or Body(embed=True)).
	Embedded bool
}

// Response is one status code's response; Schema nil means no content.
type Response struct {
	Status      string
	Description string
	MediaType   string
	Schema      *Schema
}

// SuccessResponse returns the operation's first 2xx response (nil if none).
func (o *Operation) SuccessResponse() *Response {
	for _, r := range o.Responses {
		if len(r.Status) == 3 && r.Status[0] == '2' {
			return r
		}
	}
	return nil
}

// Schema returns the named component schema, or nil.
func (d *Document) Schema(name string) *NamedSchema {
	i := sort.Search(len(d.Components.Schemas), func(i int) bool { return d.Components.Schemas[i].Name >= name })
	if i < len(d.Components.Schemas) && d.Components.Schemas[i].Name == name {
		return d.Components.Schemas[i]
	}
	return nil
}

// Operations returns every operation in document order.
func (d *Document) Operations() []*Operation {
	var out []*Operation
	for _, p := range d.Paths {
		out = append(out, p.Operations...)
	}
	return out
}

// JSON renders the document as indented JSON. The output is deterministic:
// the same facts always give the same bytes.
func (d *Document) JSON() ([]byte, error) { return d.render(false) }

// FullJSON is JSON with the unreached models too (what the TypeScript
// models are generated from).
func (d *Document) FullJSON() ([]byte, error) { return d.render(true) }

func (d *Document) render(all bool) ([]byte, error) {
	raw, err := json.Marshal(d.tree(all))
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		return nil, err
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

// MarshalJSON implements json.Marshaler (compact form of JSON).
func (d *Document) MarshalJSON() ([]byte, error) { return json.Marshal(d.tree(false)) }

func (d *Document) tree(all bool) ordered {
	paths := ordered{}
	for _, p := range d.Paths {
		ops := ordered{}
		for _, o := range p.Operations {
			ops = append(ops, kv{o.Method, o.tree()})
		}
		paths = append(paths, kv{p.Path, ops})
	}
	schemas := ordered{}
	for _, s := range d.Components.Schemas {
		if all || !s.Unreached {
			schemas = append(schemas, kv{s.Name, s.Schema})
		}
	}
	comps := ordered{{"schemas", schemas}}
	if len(d.Components.SecuritySchemes) > 0 {
		ss := ordered{}
		for _, s := range d.Components.SecuritySchemes {
			ss = append(ss, kv{s.Name, s.Schema})
		}
		comps = append(comps, kv{"securitySchemes", ss})
	}
	return ordered{
		{"openapi", d.OpenAPI},
		{"info", ordered{{"title", d.Info.Title}, {"version", d.Info.Version}}},
		{"paths", paths},
		{"components", comps},
	}
}

func (o *Operation) tree() ordered {
	out := ordered{{"summary", o.Summary}, {"operationId", o.OperationID}}
	if len(o.Parameters) > 0 {
		ps := make([]any, 0, len(o.Parameters))
		for _, p := range o.Parameters {
			ps = append(ps, ordered{{"name", p.Name}, {"in", p.In}, {"required", p.Required}, {"schema", p.Schema}})
		}
		out = append(out, kv{"parameters", ps})
	}
	if b := o.RequestBody; b != nil {
		body := ordered{{"content", ordered{{b.MediaType, ordered{{"schema", b.Schema}}}}}}
		if b.Required {
			body = append(body, kv{"required", true})
		}
		out = append(out, kv{"requestBody", body})
	}
	rs := ordered{}
	for _, r := range o.Responses {
		resp := ordered{{"description", r.Description}}
		if r.Schema != nil {
			resp = append(resp, kv{"content", ordered{{r.MediaType, ordered{{"schema", r.Schema}}}}})
		}
		rs = append(rs, kv{r.Status, resp})
	}
	out = append(out, kv{"responses", rs})
	if o.Deprecated {
		out = append(out, kv{"deprecated", true})
	}
	if len(o.Security) > 0 {
		sec := make([]any, 0, len(o.Security))
		for _, r := range o.Security {
			scopes := r.Scopes
			if scopes == nil {
				scopes = []string{}
			}
			sec = append(sec, ordered{{r.Scheme, scopes}})
		}
		out = append(out, kv{"security", sec})
	}
	return out
}

// Schema is a JSON Schema (the subset FastAPI and Pydantic emit).
type Schema struct {
	Ref         string
	Title       string
	Description string
	Type        string
	Format      string
	Enum        []any
	Const       any
	HasConst    bool
	Items       *Schema
	// ItemsList is Pydantic v1's tuple form `"items": [A, B]`.
	ItemsList   []*Schema
	PrefixItems []*Schema
	MinItems    *int
	MaxItems    *int
	UniqueItems bool
	Properties  []Property
	Required    []string
	// AdditionalProperties is the schema of extra keys (nil: absent);
	// AdditionalTrue renders `additionalProperties: true`.
	AdditionalProperties *Schema
	AdditionalTrue       bool
	AnyOf                []*Schema
	// Discriminator makes AnyOf a discriminated union: rendered as oneOf
	// with this discriminator.
	Discriminator *Discriminator
	AllOf         []*Schema
	Default       any
	HasDefault    bool
	ReadOnly      bool

	refKey bool // a reference whose target name is decided at the end of Build
	// A reference node (made by addUse or copyOut) knows its target's key
	// and the component it is in (own; hasOwn false for an operation's).
	isRef  bool
	rk     compKey
	own    compKey
	hasOwn bool
}

// Property is one named property, in declaration order.
type Property struct {
	Name   string
	Schema *Schema
}

// Prop returns the named property's schema, or nil.
func (s *Schema) Prop(name string) *Schema {
	if s == nil {
		return nil
	}
	for _, p := range s.Properties {
		if p.Name == name {
			return p.Schema
		}
	}
	return nil
}

// IsRequired reports whether name is in Required.
func (s *Schema) IsRequired(name string) bool {
	for _, r := range s.Required {
		if r == name {
			return true
		}
	}
	return false
}

// MarshalJSON renders the schema with keys in a fixed order.
func (s *Schema) MarshalJSON() ([]byte, error) {
	if s == nil {
		return []byte("{}"), nil
	}
	o := ordered{}
	add := func(k string, v any) { o = append(o, kv{k, v}) }
	if s.Ref != "" {
		add("$ref", s.Ref)
	}
	if s.Title != "" {
		add("title", s.Title)
	}
	if s.Description != "" {
		add("description", s.Description)
	}
	if s.Type != "" {
		add("type", s.Type)
	}
	if s.Format != "" {
		add("format", s.Format)
	}
	if s.Enum != nil {
		add("enum", s.Enum)
	}
	if s.HasConst {
		add("const", s.Const)
	}
	if s.Items != nil {
		add("items", s.Items)
	}
	if s.ItemsList != nil {
		add("items", s.ItemsList)
	}
	if s.PrefixItems != nil {
		add("prefixItems", s.PrefixItems)
	}
	if s.MinItems != nil {
		add("minItems", *s.MinItems)
	}
	if s.MaxItems != nil {
		add("maxItems", *s.MaxItems)
	}
	if s.UniqueItems {
		add("uniqueItems", true)
	}
	if s.Properties != nil {
		props := ordered{}
		for _, p := range s.Properties {
			props = append(props, kv{p.Name, p.Schema})
		}
		add("properties", props)
	}
	if len(s.Required) > 0 {
		add("required", s.Required)
	}
	if s.AdditionalProperties != nil {
		add("additionalProperties", s.AdditionalProperties)
	} else if s.AdditionalTrue {
		add("additionalProperties", true)
	}
	if s.AnyOf != nil && s.Discriminator != nil {
		add("oneOf", s.AnyOf)
		mapping := make(ordered, 0, len(s.Discriminator.Mapping))
		for _, c := range s.Discriminator.Mapping {
			if c.Member >= 0 && c.Member < len(s.AnyOf) {
				mapping = append(mapping, kv{c.Value, s.AnyOf[c.Member].Ref})
			}
		}
		add("discriminator", ordered{{"propertyName", s.Discriminator.PropertyName}, {"mapping", mapping}})
	} else if s.AnyOf != nil {
		add("anyOf", s.AnyOf)
	}
	if s.AllOf != nil {
		add("allOf", s.AllOf)
	}
	if s.HasDefault {
		add("default", s.Default)
	}
	if s.ReadOnly {
		add("readOnly", true)
	}
	return json.Marshal(o)
}

// kv and ordered render JSON objects with keys in insertion order.
type kv struct {
	k string
	v any
}

type ordered []kv

func (o ordered) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, e := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(e.k)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		v, err := json.Marshal(e.v)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}
