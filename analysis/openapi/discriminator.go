package openapi

import (
	"fmt"
	"sort"

	"github.com/farm-stack/farm-lsp/analysis/facts"
)

// Discriminator is an OpenAPI discriminator: a tagged union's members (the
// schema's AnyOf, rendered as oneOf) are told apart by one property whose
// value names the member.
type Discriminator struct {
	PropertyName string
	// Mapping pairs each tag value with the index of its member in AnyOf
	// (rendered as that member's $ref, decided at the end of the build).
	Mapping []DiscriminatorCase
}

// DiscriminatorCase is one tag value of a discriminated union.
type DiscriminatorCase struct {
	Value  string
	Member int
}

// discriminated applies `Field(discriminator="kind")` (on a field, or as
// Annotated metadata) to a union's schema, as Pydantic does: the union of
// models becomes a oneOf with a discriminator whose mapping pairs each
// member's Literal tag values with the member. Under Pydantic 2 an Optional
// union keeps its null member beside the oneOf; Pydantic 1 drops it.
//
// The property is the discriminator field's alias when it has one. A union
// whose members are not all models with a Literal of strings in that field
// is left as it was, with a warning at the field (Pydantic would refuse the
// class, or use a callable discriminator farm-lsp does not model).
func (b *builder) discriminated(s *Schema, d *expr, st site) *Schema {
	if s == nil || d == nil {
		return s
	}
	if d.Kind != exStr {
		b.diag(st, facts.CodeUnsupported, fmt.Sprintf("the discriminator %s is not a field name; the union is typed without it", d.String()))
		return s
	}
	var members []*Schema
	hasNull := false
	for _, m := range s.AnyOf {
		if m.Type == "null" && m.Ref == "" && !m.refKey {
			hasNull = true
			continue
		}
		members = append(members, m)
	}
	if len(members) < 2 || s.Discriminator != nil {
		return s
	}
	dis := &Discriminator{}
	for i, m := range members {
		prop, values, ok := b.tagOf(m, d.Text)
		if !ok {
			b.diag(st, facts.CodeUnsupported, fmt.Sprintf("cannot read the tag %q of every member of this discriminated union (each must be a model with a Literal of strings in that field); it is typed without its discriminator", d.Text))
			return s
		}
		if dis.PropertyName == "" {
			dis.PropertyName = prop
		} else if prop != dis.PropertyName {
			b.diag(st, facts.CodeUnsupported, fmt.Sprintf("the members of this discriminated union name the tag %q differently (%s, %s): Pydantic refuses the class; it is typed without its discriminator", d.Text, dis.PropertyName, prop))
			return s
		}
		for _, v := range values {
			dis.Mapping = append(dis.Mapping, DiscriminatorCase{Value: v, Member: i})
		}
	}
	if !b.v1 {
		// Pydantic 2 sorts the keys of the JSON Schema it renders.
		sort.SliceStable(dis.Mapping, func(i, j int) bool { return dis.Mapping[i].Value < dis.Mapping[j].Value })
	}
	out := &Schema{AnyOf: members, Discriminator: dis}
	if hasNull && !b.v1 {
		return &Schema{AnyOf: []*Schema{out, {Type: "null"}}}
	}
	return out
}

// tagOf reads the discriminator field of the model a union member refers
// to: the property it is rendered as and its Literal string values. The
// component being built records the files of the member and its bases,
// whose change must rebuild it (cache.go, delta.go).
func (b *builder) tagOf(m *Schema, name string) (prop string, values []string, ok bool) {
	if !m.isRef {
		return "", nil, false
	}
	id := m.rk.name
	if b.models[id] == nil {
		return "", nil, false // a parametrised generic model
	}
	b.recordModelFiles(id)
	fields := b.fields(id, nil, 0)
	for _, fl := range fields {
		if fl.f.Name != name {
			continue
		}
		ann := fl.ann
		for ann != nil && ann.Kind == exSubscript && ann.head() == "Annotated" && len(ann.Args) > 0 {
			ann = ann.Args[0]
		}
		if ann == nil || ann.Kind != exSubscript || ann.head() != "Literal" || len(ann.Args) == 0 {
			return "", nil, false
		}
		for _, a := range ann.Args {
			v, ok := b.literal(a)
			str, isStr := v.(string)
			if !ok || !isStr {
				return "", nil, false
			}
			values = append(values, str)
		}
		prop = fl.f.Alias
		if prop == "" && !fl.synth {
			if gen := b.modelAliasGen(id, 0); gen != nil {
				prop = b.genAliases(gen, fields)[name]
			}
		}
		if prop == "" {
			prop = name
		}
		return prop, values, true
	}
	return "", nil, false
}

// recordModelFiles notes, in the component or operation being built, the
// files of model id and of its workspace base classes.
func (b *builder) recordModelFiles(id string) {
	if b.cur == nil {
		return
	}
	if b.cur.files == nil {
		b.cur.files = map[string]string{}
	}
	b.walkChain(id, func(mi *modelInfo) bool {
		b.cur.files[mi.file.Path] = mi.file.Hash
		return true
	})
	if gf := b.generatorFile(id, 0); gf != nil {
		b.cur.files[gf.Path] = gf.Hash
	}
}
