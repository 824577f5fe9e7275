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
	for key, ns := range b.comps {
		for _, k := range b.kidsOf(ns.Schema) {
			children[key.name] = append(children[key.name], k.name)
		}
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
// patched in the output direction (each reference node knows the
// component it is in, for refMode).
func (b *builder) outputCopies(nested map[string]bool) {
	for _, key := range append([]compKey(nil), b.order...) {
		if key.mode != modeIn || !nested[key.name] {
			continue
		}
		outKey := compKey{key.name, modeOut}
		if _, ok := b.comps[outKey]; ok {
			continue
		}
		ns := b.comps[key]
		c, ok := b.prevCopies[ns.Schema]
		if !ok || c.owner != outKey {
			// A copy made in an earlier build is reused as it is: the
			// nodes it copies never change.
			var refs []refPatch
			sch := b.copyOut(ns.Schema, outKey, &refs)
			if sch == ns.Schema { // no references: still a component of its own
				cp := *sch
				sch = &cp
			}
			c = outCopy{schema: sch, owner: outKey, refs: refs}
		}
		b.copies[ns.Schema] = c
		b.refs = append(b.refs, c.refs...)
		cp := *ns
		cp.Schema = c.schema
		b.comps[outKey] = &cp
		b.order = append(b.order, outKey)
	}
}

// outCopy is an output copy of a schema: its tree, the component it is
// (owner) and its references.
type outCopy struct {
	schema *Schema
	owner  compKey
	refs   []refPatch
}

// copyOut copies a schema tree; its references become new references of
// the output component owner (appended to refs). Subtrees without
// references are shared, not copied (schema nodes are never changed once
// built; withSiblings copies before adding keywords).
func (b *builder) copyOut(s *Schema, owner compKey, refs *[]refPatch) *Schema {
	if s == nil {
		return nil
	}
	if s.isRef {
		ref := &Schema{refKey: true, isRef: true, rk: s.rk, own: owner, hasOwn: true}
		*refs = append(*refs, refPatch{s: ref, key: s.rk})
		return ref
	}
	items := b.copyOut(s.Items, owner, refs)
	addl := b.copyOut(s.AdditionalProperties, owner, refs)
	changed := items != s.Items || addl != s.AdditionalProperties
	list := func(l []*Schema) []*Schema {
		var out []*Schema
		for i, x := range l {
			if c := b.copyOut(x, owner, refs); c != x && out == nil {
				out = make([]*Schema, len(l))
				copy(out, l[:i])
				out[i] = c
			} else if out != nil {
				out[i] = c
			}
		}
		if out == nil {
			return l
		}
		changed = true
		return out
	}
	itemsList, prefix, anyOf, allOf := list(s.ItemsList), list(s.PrefixItems), list(s.AnyOf), list(s.AllOf)
	var props []Property
	for i, p := range s.Properties {
		if c := b.copyOut(p.Schema, owner, refs); c != p.Schema && props == nil {
			props = make([]Property, len(s.Properties))
			copy(props, s.Properties[:i])
			props[i] = Property{Name: p.Name, Schema: c}
		} else if props != nil {
			props[i] = Property{Name: p.Name, Schema: c}
		}
	}
	if !changed && props == nil {
		return s
	}
	cp := *s
	cp.Items, cp.AdditionalProperties = items, addl
	cp.ItemsList, cp.PrefixItems, cp.AnyOf, cp.AllOf = itemsList, prefix, anyOf, allOf
	if props != nil {
		cp.Properties = props
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
	if !r.s.hasOwn {
		return r.key.mode
	}
	owner := r.s.own
	if owner.mode == modeOut {
		return modeOut
	}
	in, out := b.uses()
	if out[owner.name] && !in[owner.name] {
		return modeOut
	}
	return modeIn
}
