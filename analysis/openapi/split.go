package openapi

// Pydantic 2.10 names a model used both as input and output once when its
// two JSON schemas agree, but it reaches that agreement by simplifying the
// definitions in rounds (json_schema._DefinitionsRemapping) whose
// references are only rewritten from the first round's names: a model
// whose fields refer to a definition that itself refers to another (an
// OrderLine holding a Product holding a Category enum) keeps two identical
// schemas, OrderLine-Input and OrderLine-Output, while the Product it
// refers to is named once. FastAPI 0.115 emits what Pydantic gives.

// usedBothWays reports whether some component is reached both from an
// operation's input (parameters, bodies) and from its output (responses).
func (b *builder) usedBothWays() bool {
	in, out := b.uses()
	for n := range in {
		if out[n] {
			return true
		}
	}
	return false
}

// uses returns the component names reached from operations' inputs and
// from their outputs, following references between components.
func (b *builder) uses() (in, out map[string]bool) {
	if b.useIn != nil {
		return b.useIn, b.useOut
	}
	children := map[string][]string{}
	refsOf := map[*Schema]compKey{}
	for _, r := range b.refs {
		refsOf[r.s] = r.key
	}
	for key, ns := range b.comps {
		walkRefs(ns.Schema, refsOf, func(k compKey) {
			children[key.name] = append(children[key.name], k.name)
		})
	}
	in, out = map[string]bool{}, map[string]bool{}
	var mark func(set map[string]bool, n string)
	mark = func(set map[string]bool, n string) { // each name once: linear
		if set[n] {
			return
		}
		set[n] = true
		for _, c := range children[n] {
			mark(set, c)
		}
	}
	for _, r := range b.refs {
		if !r.root {
			continue
		}
		if r.use == modeOut {
			mark(out, r.key.name)
		} else {
			mark(in, r.key.name)
		}
	}
	b.useIn, b.useOut = in, out
	return in, out
}

// splitNested marks the models used both ways that Pydantic 2.10 leaves as
// an identical -Input/-Output pair: those referring to a definition that
// refers to another. deps are each component's references by name. It
// returns the names it marked.
func (b *builder) splitNested(split map[string]bool, deps map[string]map[string]bool) map[string]bool {
	in, out := b.uses()
	var nested map[string]bool
	for name, ds := range deps {
		if split[name] || !in[name] || !out[name] {
			continue
		}
		for d := range ds {
			if len(deps[d]) > 0 {
				if nested == nil {
					nested = map[string]bool{}
				}
				split[name], nested[name] = true, true
				break
			}
		}
	}
	return nested
}

// outputCopies gives each model of nested (built once, as its input and
// output schemas agree) an output component: a copy whose references are
// patched in the output direction. It records which component each
// reference is in, for refMode.
func (b *builder) outputCopies(nested map[string]bool) {
	b.owner = map[*Schema]compKey{}
	refsOf := make(map[*Schema]compKey, len(b.refs))
	for _, r := range b.refs {
		refsOf[r.s] = r.key
	}
	for key, ns := range b.comps {
		ownRefs(ns.Schema, refsOf, key, b.owner)
	}
	for _, key := range append([]compKey(nil), b.order...) {
		if key.mode != modeIn || !nested[key.name] {
			continue
		}
		outKey := compKey{key.name, modeOut}
		if _, ok := b.comps[outKey]; ok {
			continue
		}
		ns := b.comps[key]
		cp := *ns
		cp.Schema = b.copyOut(ns.Schema, refsOf, outKey)
		b.comps[outKey] = &cp
		b.order = append(b.order, outKey)
	}
}

// ownRefs records owner as the component of every reference in s.
func ownRefs(s *Schema, refsOf map[*Schema]compKey, owner compKey, into map[*Schema]compKey) {
	if s == nil {
		return
	}
	if _, ok := refsOf[s]; ok {
		into[s] = owner
		return
	}
	ownRefs(s.Items, refsOf, owner, into)
	ownRefs(s.AdditionalProperties, refsOf, owner, into)
	for _, l := range [][]*Schema{s.ItemsList, s.PrefixItems, s.AnyOf, s.AllOf} {
		for _, x := range l {
			ownRefs(x, refsOf, owner, into)
		}
	}
	for _, p := range s.Properties {
		ownRefs(p.Schema, refsOf, owner, into)
	}
}

// copyOut copies a schema tree; its references become new references of
// the output component owner.
func (b *builder) copyOut(s *Schema, refsOf map[*Schema]compKey, owner compKey) *Schema {
	if s == nil {
		return nil
	}
	if key, ok := refsOf[s]; ok {
		ref := &Schema{refKey: true}
		b.refs = append(b.refs, refPatch{s: ref, key: key})
		b.owner[ref] = owner
		return ref
	}
	cp := *s
	cp.Items = b.copyOut(s.Items, refsOf, owner)
	cp.AdditionalProperties = b.copyOut(s.AdditionalProperties, refsOf, owner)
	list := func(l []*Schema) []*Schema {
		if l == nil {
			return nil
		}
		out := make([]*Schema, len(l))
		for i, x := range l {
			out[i] = b.copyOut(x, refsOf, owner)
		}
		return out
	}
	cp.ItemsList, cp.PrefixItems, cp.AnyOf, cp.AllOf = list(s.ItemsList), list(s.PrefixItems), list(s.AnyOf), list(s.AllOf)
	if s.Properties != nil {
		cp.Properties = make([]Property, len(s.Properties))
		for i, p := range s.Properties {
			cp.Properties[i] = Property{Name: p.Name, Schema: b.copyOut(p.Schema, refsOf, owner)}
		}
	}
	return &cp
}

// refMode is the direction a reference to a model of outputCopies is read
// in: an operation's as asked; one in a component as that component is
// used (a component used both ways and referring to such a model is split
// itself, its output copy referring in the output direction).
func (b *builder) refMode(r refPatch) mode {
	if r.root {
		return r.use
	}
	owner, ok := b.owner[r.s]
	if !ok {
		return r.key.mode
	}
	if owner.mode == modeOut {
		return modeOut
	}
	in, out := b.uses()
	if out[owner.name] && !in[owner.name] {
		return modeOut
	}
	return modeIn
}
