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
	n, taken := nameComponents(doc)
	n.nameImports(doc, ops, taken)
	return n
}

// nameComponents is the part of nameDoc that does not depend on the
// operations' names (so it runs while they are planned): the components'
// identifiers, input variants and aliases. taken holds the identifiers
// handed out, for nameImports.
func nameComponents(doc *openapi.Document) (*naming, alloc) {
	size := len(doc.Components.Schemas)
	n := &naming{ids: make(map[string]string, size), input: map[string]string{}, inputOnly: map[string]bool{}, imports: map[string]string{}}
	taken := make(alloc, 2*size)
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
	n.inputVariants(doc, taken)
	for _, ns := range doc.Components.Schemas {
		if base, ok := strings.CutSuffix(ns.Name, "-Output"); ok && !taken[tsIdent(base)] && doc.Schema(base) == nil {
			id := taken.take(tsIdent(base))
			n.aliases = append(n.aliases, [2]string{id, n.ids[ns.Name]})
		}
	}
	return n, taken
}

// nameImports decides the names types/api.ts imports the models under:
// it declares XParams/XBody/XResponse/XVariables, so a model identifier
// equal to one of those is imported under another name (n.imports holds
// those; every other identifier is imported as it is).
func (n *naming) nameImports(doc *openapi.Document, ops []*op, taken alloc) {
	typs := make(map[string]bool, len(ops))
	for _, o := range ops {
		typs[o.typ] = true
	}
	var clash []string
	add := func(id string) {
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
}

// inputVariants finds the components a request body reaches and gives an
// input variant to those whose validation-mode shape differs from their
// declared one: a property with a non-null default (required in the
// declared shape, like openapi-typescript renders it, but optional to
// send), or a reference to another component that has a variant.
// Components are numbered by their index in the document (sorted by name).
func (n *naming) inputVariants(doc *openapi.Document, taken alloc) {
	ss := doc.Components.Schemas
	index := func(name string) int32 {
		i := sort.Search(len(ss), func(i int) bool { return ss[i].Name >= name })
		if i < len(ss) && ss[i].Name == name {
			return int32(i)
		}
		return -1
	}
	reached := make([]bool, len(ss))
	var queue []int32
	reach := func(i int32) {
		if i >= 0 && !reached[i] {
			reached[i] = true
			queue = append(queue, i)
		}
	}
	for _, p := range doc.Paths {
		for _, o := range p.Operations {
			if o.RequestBody != nil {
				walkRefs(o.RequestBody.Schema, func(name string) { reach(index(name)) })
			}
		}
	}
	for i, ns := range ss {
		if n.inputOnly[ns.Name] {
			reach(int32(i))
		}
	}
	// edges are the references between reached components (from, to),
	// to propagate "differs" from a component to those referring to it.
	var edges [][2]int32
	isDiff := make([]bool, len(ss))
	var differs []int32
	for q := 0; q < len(queue); q++ {
		from := queue[q]
		s := ss[from].Schema
		walkRefs(s, func(name string) {
			if to := index(name); to >= 0 {
				edges = append(edges, [2]int32{from, to})
				reach(to)
			}
		})
		if hasInputDefault(s) && !isDiff[from] {
			isDiff[from] = true
			differs = append(differs, from)
		}
	}
	if len(differs) > 0 {
		// referrers[start[to]:start[to+1]] are the components referring to to.
		start := make([]int32, len(ss)+1)
		for _, e := range edges {
			start[e[1]+1]++
		}
		for i := 1; i < len(start); i++ {
			start[i] += start[i-1]
		}
		referrers := make([]int32, len(edges))
		fill := append([]int32(nil), start[:len(ss)]...)
		for _, e := range edges {
			referrers[fill[e[1]]] = e[0]
			fill[e[1]]++
		}
		for i := 0; i < len(differs); i++ {
			d := differs[i]
			for _, r := range referrers[start[d]:start[d+1]] {
				if !isDiff[r] {
					isDiff[r] = true
					differs = append(differs, r)
				}
			}
		}
	}
	for i, ns := range ss {
		if isDiff[i] && !n.inputOnly[ns.Name] && !isBody(ns.Name) {
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
