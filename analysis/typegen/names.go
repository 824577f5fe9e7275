package typegen

import (
	"fmt"
	"sort"
	"strings"

	"github.com/farm-stack/farm-lsp/analysis/openapi"
)

// naming holds every model-side identifier of the generated files, decided
// once per document so that no two declarations (or an import and a
// declaration) ever share a name.
type naming struct {
	// ids maps a component name to its TypeScript identifier.
	ids map[string]string
	// input maps a component name to the identifier of its input
	// variant: the shape a request body sends, where every property with a
	// default may be left out. Only components reached from a request body
	// whose input shape differs from what they declare have one.
	input map[string]string
	// inputOnly components (Pydantic v2's Name-Input) are themselves the
	// validation-mode shape: rendered with input optionality.
	inputOnly map[string]bool
	// aliases are `export type Name = Name-Output's identifier`, for
	// Pydantic v2 models split in two (the plain name keeps the output shape).
	aliases [][2]string
	// imports maps a model identifier to the local name types/api.ts
	// imports it under (itself unless an operation type has that name).
	imports map[string]string
	// variants lists the components with an input variant, in document order.
	variants []string
}

// tsReservedTypes cannot name an interface or type alias.
var tsReservedTypes = map[string]bool{
	"any": true, "unknown": true, "never": true, "string": true, "number": true, "boolean": true,
	"symbol": true, "object": true, "bigint": true, "void": true, "undefined": true, "null": true,
	"type": true, "interface": true,
}

// alloc hands out identifiers unique within one set.
type alloc map[string]bool

// take returns want, or want2, want3, … whichever is free first, and marks it taken.
func (a alloc) take(want string) string {
	id := want
	if reserved[id] || tsReservedTypes[id] {
		id += "_"
	}
	base := id
	for i := 2; a[id]; i++ {
		id = fmt.Sprintf("%s%d", base, i)
	}
	a[id] = true
	return id
}

// nameDoc names the components (plain model names first, then the
// synthesised Name-Input / Name-Output, then input variants and the plain
// aliases of split models) and decides how types/api.ts imports them.
func nameDoc(doc *openapi.Document, ops []*op) *naming {
	size := len(doc.Components.Schemas)
	n := &naming{ids: make(map[string]string, size), input: map[string]string{}, inputOnly: map[string]bool{}, imports: make(map[string]string, size)}
	taken := make(alloc, size)
	split := func(name string) bool {
		return strings.HasSuffix(name, "-Input") || strings.HasSuffix(name, "-Output")
	}
	for _, ns := range doc.Components.Schemas {
		if !isBody(ns.Name) && !split(ns.Name) {
			n.ids[ns.Name] = taken.take(tsIdent(ns.Name))
		}
	}
	for _, ns := range doc.Components.Schemas {
		if !isBody(ns.Name) && split(ns.Name) {
			n.ids[ns.Name] = taken.take(tsIdent(ns.Name))
			if strings.HasSuffix(ns.Name, "-Input") {
				n.inputOnly[ns.Name] = true
			}
		}
	}
	for _, ns := range doc.Components.Schemas {
		if isBody(ns.Name) {
			n.ids[ns.Name] = tsIdent(ns.Name) // rendered inline, never declared
		}
	}
	n.inputVariants(doc, ops, taken)
	for _, ns := range doc.Components.Schemas {
		if base, ok := strings.CutSuffix(ns.Name, "-Output"); ok && !taken[tsIdent(base)] && doc.Schema(base) == nil {
			id := taken.take(tsIdent(base))
			n.aliases = append(n.aliases, [2]string{id, n.ids[ns.Name]})
		}
	}
	// types/api.ts declares XParams/XBody/XResponse/XVariables: a model
	// identifier equal to one of those is imported under another name.
	typs := make(map[string]bool, len(ops))
	for _, o := range ops {
		typs[o.typ] = true
	}
	var clash []string
	add := func(id string) {
		n.imports[id] = id
		for _, t := range typeSuffixes {
			if base, ok := strings.CutSuffix(id, t); ok && typs[base] {
				clash = append(clash, id)
			}
		}
	}
	for _, ns := range doc.Components.Schemas {
		add(n.ids[ns.Name])
		if v, ok := n.input[ns.Name]; ok {
			add(v)
		}
	}
	for _, a := range n.aliases {
		add(a[0])
	}
	sort.Strings(clash)
	for _, id := range clash {
		// Op type names end in Params/Body/Response/Variables, so
		// NameModel never is one; it only has to avoid the models.
		n.imports[id] = taken.take(id + "Model")
	}
	return n
}

// inputVariants finds the components a request body reaches and gives an
// input variant to those whose validation-mode shape differs from their
// declared one: a property with a non-null default (required in the
// declared shape, like openapi-typescript renders it, but optional to
// send), or a reference to another component that has a variant.
func (n *naming) inputVariants(doc *openapi.Document, ops []*op, taken alloc) {
	reached := map[string]bool{}
	var queue []string
	visit := func(s *openapi.Schema) {
		walkRefs(s, func(name string) {
			if !reached[name] && doc.Schema(name) != nil {
				reached[name] = true
				queue = append(queue, name)
			}
		})
	}
	for _, o := range ops {
		if o.body != nil {
			visit(o.body.Schema)
		}
	}
	for name := range n.inputOnly {
		if !reached[name] {
			reached[name] = true
			queue = append(queue, name)
		}
	}
	// refs lists, for each reached component, the components it references;
	// referrers is the reverse, to propagate "differs" upwards.
	referrers := map[string][]string{}
	var differs []string
	isDiff := map[string]bool{}
	for len(queue) > 0 {
		name := queue[0]
		queue = queue[1:]
		s := doc.Schema(name).Schema
		walkRefs(s, func(to string) {
			if doc.Schema(to) == nil {
				return
			}
			referrers[to] = append(referrers[to], name)
			if !reached[to] {
				reached[to] = true
				queue = append(queue, to)
			}
		})
		if hasInputDefault(s) && !isDiff[name] {
			isDiff[name] = true
			differs = append(differs, name)
		}
	}
	for i := 0; i < len(differs); i++ {
		for _, r := range referrers[differs[i]] {
			if !isDiff[r] {
				isDiff[r] = true
				differs = append(differs, r)
			}
		}
	}
	for _, ns := range doc.Components.Schemas {
		if isDiff[ns.Name] && !n.inputOnly[ns.Name] && !isBody(ns.Name) {
			n.input[ns.Name] = taken.take(n.ids[ns.Name] + "Input")
			n.variants = append(n.variants, ns.Name)
		}
	}
}

// walkRefs calls f with the component name of every $ref in s (not
// following the references).
func walkRefs(s *openapi.Schema, f func(string)) {
	if s == nil {
		return
	}
	if s.Ref != "" {
		f(strings.TrimPrefix(s.Ref, refPrefix))
		return
	}
	walkRefs(s.Items, f)
	walkRefs(s.AdditionalProperties, f)
	for _, x := range s.ItemsList {
		walkRefs(x, f)
	}
	for _, x := range s.PrefixItems {
		walkRefs(x, f)
	}
	for _, x := range s.AnyOf {
		walkRefs(x, f)
	}
	for _, x := range s.AllOf {
		walkRefs(x, f)
	}
	for _, p := range s.Properties {
		walkRefs(p.Schema, f)
	}
}

// hasInputDefault reports whether s (or an object inline in it) has a
// property that the declared shape requires but a request may omit: not
// required, with a non-null default.
func hasInputDefault(s *openapi.Schema) bool {
	if s == nil || s.Ref != "" {
		return false
	}
	for _, p := range s.Properties {
		if !s.IsRequired(p.Name) && p.Schema != nil && p.Schema.HasDefault && p.Schema.Default != nil {
			return true
		}
		if hasInputDefault(p.Schema) {
			return true
		}
	}
	for _, xs := range [][]*openapi.Schema{s.ItemsList, s.PrefixItems, s.AnyOf, s.AllOf} {
		for _, x := range xs {
			if hasInputDefault(x) {
				return true
			}
		}
	}
	return hasInputDefault(s.Items) || hasInputDefault(s.AdditionalProperties)
}

// aliased returns the model identifiers types/api.ts imports under another name.
func (n *naming) aliased() map[string]bool {
	out := map[string]bool{}
	for id, local := range n.imports {
		if id != local {
			out[id] = true
		}
	}
	return out
}
