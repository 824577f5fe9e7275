package openapi

import (
	"reflect"
	"sort"
	"strings"

	"github.com/farm-stack/farm-lsp/analysis/facts"
)

// Deriving a document from the previous one (Builder.Build's fast path).
//
// A save usually changes the fields of a model and nothing else the
// document's structure depends on. When every changed file has the same
// shape as before (same models with the same bases, kinds, configuration
// and schema hooks, same enums, imports, routers, routes, includes,
// assignments and module-level names — only model fields, method bodies
// and the ranges of models and enums may differ), and no operation or
// settings evaluation read those files, the paths, operations and
// security schemes are the previous build's, and only these components
// change:
//
//   - the components of the changed files' models and of every model that
//     inherits from one of them (its fields are flattened through bases),
//     each rebuilt from its new facts;
//   - the changed files' enums (their lines may have moved);
//   - components the rebuilt ones now refer to and did not exist, built;
//   - components nothing reaches any more, dropped;
//
// and the names of all components are decided again (a model that becomes
// reached may clash with another of its name). Under Pydantic v2 a field
// may change a model's direction sensitivity (Decimal, computed fields),
// which decides the component keys of everything referring to it: the
// fast path is taken only when the rebuilt models' sensitivity stays what
// it was. Anything else
// falls back to the full build, which reuses unchanged components and
// operations through their signatures (cache.go).

// keep remembers a build for the next call's fast path.
func (bl *Builder) keep(b *builder, doc *Document, opts Options) {
	bl.last, bl.lastDoc, bl.lastOpts, bl.lastDiags = b, doc, opts, b.diags
}

// delta derives the document from the last build, or reports false when
// the change needs a full build.
func (bl *Builder) delta(files []*facts.File, opts Options) (*Document, []facts.Diagnostic, bool) {
	b := bl.last
	if b == nil || (opts.Pydantic == 1) != b.v1 || opts.Title != bl.lastOpts.Title || opts.Version != bl.lastOpts.Version ||
		(opts.ReadFile == nil) != (bl.lastOpts.ReadFile == nil) {
		return nil, nil, false
	}
	n := 0
	var changed []*facts.File
	for _, f := range files {
		if f == nil || !(f.Kind.IsPython() || strings.HasSuffix(f.Path, ".py")) {
			continue
		}
		n++
		old := b.byPath[f.Path]
		switch {
		case old == nil || f.Hash == "" || old.Hash == "":
			return nil, nil, false
		case old == f || old.Hash == f.Hash:
			continue
		}
		changed = append(changed, f)
	}
	if n != len(b.py) {
		return nil, nil, false
	}
	// The committed .env files settings were read from.
	for rel, was := range b.envReads {
		data, err := opts.ReadFile(rel)
		now := string(data)
		if err != nil {
			now = "\x00" + err.Error()
		}
		if now != was {
			return nil, nil, false
		}
	}
	if len(changed) == 0 {
		return bl.lastDoc, append([]facts.Diagnostic(nil), bl.lastDiags...), true
	}
	opFiles := b.opFiles()
	for _, f := range changed {
		if opFiles[f.Path] || b.evalFiles[f.Path] || !sameShape(b.byPath[f.Path], f) {
			return nil, nil, false
		}
	}

	// Install the new facts.
	dirty := map[string]bool{}
	var enums []string
	for _, f := range changed {
		old := b.byPath[f.Path]
		b.byPath[f.Path] = f
		if i := sort.Search(len(b.py), func(i int) bool { return b.py[i].Path >= f.Path }); i < len(b.py) && b.py[i].Path == f.Path {
			b.py[i] = f
		}
		for i := range f.Models {
			id := f.Path + ":" + f.Models[i].Name
			b.models[id] = &modelInfo{m: &f.Models[i], file: f}
			dirty[id] = true
		}
		for i := range f.Enums {
			e := &f.Enums[i]
			id := f.Path + ":" + e.Name
			b.enums[id] = &enumInfo{e: e, file: f}
			if cur := b.enumByName[e.Name]; cur != nil && cur.file == old {
				b.enumByName[e.Name] = &enumInfo{e: firstEnum(f, e.Name), file: f}
			}
			enums = append(enums, id)
		}
	}
	// A changed file may bring the first direction-sensitive field.
	if b.sensScanned && !b.anySens {
		for _, f := range changed {
			b.anySens = b.anySens || fileMaySense(f)
		}
	}
	// Models whose alias generator is defined in a changed file (its body
	// may have changed) rename their fields anew.
	changedPath := map[string]bool{}
	for _, f := range changed {
		changedPath[f.Path] = true
	}
	for p := range changedPath {
		for _, id := range b.generatorUsers()[p] {
			dirty[id] = true
		}
	}
	// Components that read another changed file while built (a type
	// alias's module, cache.go's files) are built again.
	for _, c := range b.next {
		for p := range c.files {
			if changedPath[p] {
				dirty[c.model] = true
			}
		}
	}
	// Models inheriting from a changed one flatten its fields.
	subs := b.subclasses()
	queue := make([]string, 0, len(dirty))
	for id := range dirty {
		queue = append(queue, id)
	}
	for len(queue) > 0 {
		id := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		for _, s := range subs[id] {
			if !dirty[s] {
				dirty[s] = true
				queue = append(queue, s)
			}
		}
	}
	for id := range dirty {
		delete(b.fieldMemo, id)
		delete(b.fsig, id)
	}
	if !b.v1 && !b.sensitivityKept(dirty) {
		return nil, nil, false
	}

	// Rebuild the dirty components and the changed files' enums.
	var rebuild []*cached
	var keys []compKey
	for key, c := range b.next {
		if dirty[c.model] {
			keys = append(keys, key)
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].name != keys[j].name {
			return keys[i].name < keys[j].name
		}
		return keys[i].mode < keys[j].mode
	})
	oldSchemas := make(map[compKey]*Schema, len(keys))
	for _, k := range keys {
		rebuild = append(rebuild, b.next[k])
		oldSchemas[k] = b.comps[k].Schema
		delete(b.next, k)
		delete(b.comps, k)
	}
	var rebuildEnums []string
	for _, id := range enums {
		k := compKey{id, modeIn}
		if _, ok := b.comps[k]; ok {
			delete(b.comps, k)
			rebuildEnums = append(rebuildEnums, id)
		}
	}
	b.prev, b.cur = nil, nil
	for _, c := range rebuild {
		b.component(c.model, c.args, c.md)
	}
	for _, id := range rebuildEnums {
		b.ensureEnum(id)
	}

	// What the operations reach, then the unreached models of models
	// files; everything else is gone.
	live := make(map[compKey]bool, len(b.comps))
	var stack []compKey
	visit := func(k compKey) {
		if !live[k] {
			live[k] = true
			stack = append(stack, k)
		}
	}
	drain := func() {
		for len(stack) > 0 {
			k := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if c := b.next[k]; c != nil {
				for _, r := range c.refs {
					visit(r.key)
				}
			}
			if k.name == "HTTPValidationError" && b.veRef != nil {
				visit(b.veRef.key)
			}
		}
	}
	for _, c := range b.opEntries {
		for _, r := range c.refs {
			visit(r.key)
		}
	}
	drain()
	reached := make(map[string]bool, len(live))
	for k := range live {
		reached[k.name] = true
	}
	for _, f := range b.py {
		if f.Kind != facts.KindBackendModel {
			continue
		}
		for i := range f.Models {
			m := &f.Models[i]
			id := f.Path + ":" + m.Name
			if !b.isModel(id) || len(b.typeVars(m)) > 0 || reached[id] {
				continue
			}
			visit(b.component(id, nil, modeOut))
		}
		for i := range f.Enums {
			id := f.Path + ":" + f.Enums[i].Name
			b.ensureEnum(id)
			visit(compKey{id, modeIn})
		}
	}
	drain()
	for k := range b.comps {
		if !live[k] {
			delete(b.comps, k)
			delete(b.next, k)
		}
	}
	order := make([]compKey, 0, len(b.comps))
	seen := make(map[compKey]bool, len(b.comps))
	for _, k := range b.order {
		if _, ok := b.comps[k]; ok && !seen[k] {
			seen[k] = true
			order = append(order, k)
		}
	}
	b.order = order
	b.reached = reached

	// References and diagnostics of everything live.
	refs := make([]refPatch, 0, len(b.refs))
	if b.veRef != nil && live[compKey{"HTTPValidationError", modeIn}] {
		refs = append(refs, *b.veRef)
	}
	b.diags, b.seenDia = nil, map[string]bool{}
	b.addDiags(b.freeDiags)
	for _, c := range b.opEntries {
		refs = append(refs, c.refs...)
		b.addDiags(c.diags)
	}
	for _, k := range b.order {
		if c := b.next[k]; c != nil {
			refs = append(refs, c.refs...)
			b.addDiags(c.diags)
		}
	}
	b.refs = refs
	sortDiags(b.diags)

	bl.memos(b, len(b.comps))
	prev := bl.lastDoc
	doc := &Document{OpenAPI: prev.OpenAPI, Info: prev.Info, Paths: prev.Paths, Pydantic: prev.Pydantic}
	if out, ok := b.sameNames(oldSchemas); ok {
		doc.Components.Schemas = out
	} else {
		b.useIn, b.useOut = nil, nil // decided again (split.go)
		doc.Components.Schemas = b.finish()
	}
	if b.renamed != nil {
		// A component was renamed: build again without the nodes that
		// refer to it.
		bl.dropRenamed(b)
		return nil, nil, false
	}
	doc.Components.SecuritySchemes = prev.Components.SecuritySchemes
	bl.end(b)
	bl.keep(b, doc, opts)
	return doc, append([]facts.Diagnostic(nil), b.diags...), true
}

// dropRenamed keeps for the next build the components and operations of
// b except those holding a reference to a renamed component (finish
// found some). Should the next build find renamed components again (it
// cannot: names follow from the facts), it reuses nothing.
func (bl *Builder) dropRenamed(b *builder) {
	bl.last = nil
	if bl.retried {
		bl.comps, bl.ops, bl.copies, bl.retried = nil, nil, nil, false
		return
	}
	bl.retried = true
	bl.copies = nil // their references carry the old names
	stale := func(c *cached) bool {
		for _, r := range c.refs {
			if b.renamed[r.key] {
				return true
			}
		}
		return false
	}
	comps := make(map[compKey]*cached, len(b.next))
	for k, c := range b.next {
		if !stale(c) {
			comps[k] = c
		}
	}
	ops := make(map[string]*cached, len(b.nextOps))
	for k, c := range b.nextOps {
		if !stale(c) {
			ops[k] = c
		}
	}
	bl.comps, bl.ops = comps, ops
}

// naming is what finish decided: the final name of every key it named,
// the sorted components with the key kept for each, the models given an
// output copy and the components routes reach.
type naming struct {
	names   map[compKey]string
	out     []*NamedSchema
	keyOf   []compKey
	nested  map[string]bool
	reached map[string]bool
}

// sameNames is finish for a fast-path build whose names cannot have
// changed: the same components (and reached ones) as last time, and every
// rebuilt component refers to the same components as before and agrees
// with its other-direction twin as before (what splits and clashes are
// decided from; the uses of split.go stay the last build's too). It
// patches the new reference nodes with the last names.
func (b *builder) sameNames(old map[compKey]*Schema) ([]*NamedSchema, bool) {
	nm := b.named
	if nm == nil || len(b.comps) != len(b.lastKeys) || len(b.reached) != len(nm.reached) {
		return nil, false
	}
	for k := range b.comps {
		if !b.lastKeys[k] {
			return nil, false
		}
	}
	for n := range b.reached {
		if !nm.reached[n] {
			return nil, false
		}
	}
	for k, was := range old {
		now := b.comps[k].Schema
		if !sameKeys(b.kidsOf(now), b.kidsOf(was)) {
			return nil, false
		}
		twin := compKey{k.name, 1 - k.mode}
		if t := b.comps[twin]; t != nil {
			tWas := t.Schema
			if o, ok := old[twin]; ok {
				tWas = o
			}
			if sameSchema(now, t.Schema) != sameSchema(was, tWas) {
				return nil, false
			}
		}
	}
	if len(nm.nested) > 0 {
		b.outputCopies(nm.nested)
	}
	type patch struct {
		s   *Schema
		ref string
	}
	var patches []patch
	for _, r := range b.refs {
		if !r.s.refKey {
			continue
		}
		if nm.nested[r.key.name] {
			r.key.mode = b.refMode(r)
		}
		name, ok := nm.names[r.key]
		if !ok {
			return nil, false
		}
		patches = append(patches, patch{r.s, "#/components/schemas/" + name})
	}
	for _, p := range patches {
		p.s.Ref, p.s.refKey = p.ref, false
	}
	out := make([]*NamedSchema, len(nm.out))
	for i, ns := range nm.out {
		cur := b.comps[nm.keyOf[i]]
		if cur.Name != ns.Name || cur.Unreached != ns.Unreached {
			cp := *cur
			cp.Name, cp.Unreached = ns.Name, ns.Unreached
			cur = &cp
			b.comps[nm.keyOf[i]] = cur
		}
		out[i] = cur
	}
	b.lastKeys = make(map[compKey]bool, len(b.comps))
	for k := range b.comps {
		if !(k.mode == modeOut && nm.nested[k.name] && b.next[k] == nil) { // not an output copy
			b.lastKeys[k] = true
		}
	}
	b.named = &naming{names: nm.names, out: out, keyOf: nm.keyOf, nested: nm.nested, reached: b.reached}
	return out, true
}

func sameKeys(a, c []compKey) bool {
	if len(a) != len(c) {
		return false
	}
	for i := range a {
		if a[i] != c[i] {
			return false
		}
	}
	return true
}

func (b *builder) addDiags(ds []facts.Diagnostic) {
	for _, d := range ds {
		if k := diagKey(d); !b.seenDia[k] {
			b.seenDia[k] = true
			b.diags = append(b.diags, d)
		}
	}
}

func firstEnum(f *facts.File, name string) *facts.Enum {
	for i := range f.Enums {
		if f.Enums[i].Name == name {
			return &f.Enums[i]
		}
	}
	return nil
}

// opFiles are the files the operations' dependencies were read from.
// (computed once per full build: the fast path keeps the operations).
func (b *builder) opFiles() map[string]bool {
	if b.opRead != nil {
		return b.opRead
	}
	b.opRead = map[string]bool{}
	for _, c := range b.opEntries {
		for p := range c.files {
			b.opRead[p] = true
		}
	}
	return b.opRead
}

// generatorUsers maps the file of an alias generator to the models it
// renames (computed once per full build: the fast path keeps every
// model's configuration and the imports that resolve it).
func (b *builder) generatorUsers() map[string][]string {
	if b.genUsers != nil {
		return b.genUsers
	}
	b.genUsers = map[string][]string{}
	for id := range b.models {
		if gf := b.generatorFile(id, 0); gf != nil {
			b.genUsers[gf.Path] = append(b.genUsers[gf.Path], id)
		}
	}
	return b.genUsers
}

// subclasses maps each model to the models naming it as a base (computed
// once per full build: the fast path keeps every model's bases).
func (b *builder) subclasses() map[string][]string {
	if b.subs != nil {
		return b.subs
	}
	b.subs = map[string][]string{}
	for id, mi := range b.models {
		for _, base := range mi.m.Bases {
			if bs := b.ix.Base(mi.file.Path, base); bs.File != nil && bs.ID() != id && b.models[bs.ID()] != nil {
				b.subs[bs.ID()] = append(b.subs[bs.ID()], id)
			}
		}
	}
	return b.subs
}

// sensitivityKept reports whether the Pydantic v2 direction sensitivity
// of every rebuilt model is what the last build computed for it (the keys
// of every component referring to it depend on it). The others keep
// theirs: what they mention did not change.
func (b *builder) sensitivityKept(dirty map[string]bool) bool {
	old := make(map[string]int8, len(dirty))
	for id := range dirty {
		old[id] = b.sens[id]
		delete(b.sens, id)
	}
	for id := range dirty {
		now := b.sensitive(id, nil)
		if o := old[id]; o != 0 && (o == 3) != now {
			return false
		}
	}
	return true
}

// sameShape reports whether two versions of a file differ at most in what
// the fast path rebuilds: model fields, methods, __init__ parameters
// (read only by operations, which make the fast path give way when they
// read the file), Beanie settings, the ranges of models, enums and
// module-level functions, and function bodies.
func sameShape(a, c *facts.File) bool {
	return reflect.DeepEqual(shapeOf(a), shapeOf(c))
}

func shapeOf(f *facts.File) facts.File {
	s := *f
	s.Hash, s.SemanticHash, s.Diagnostics = "", "", nil
	s.Models = make([]facts.Model, len(f.Models))
	for i, m := range f.Models {
		m.Fields, m.Methods, m.Init, m.Settings = nil, nil, nil, nil
		m.Range, m.NameRange, m.AliasGeneratorRange = facts.Range{}, facts.Range{}, nil
		s.Models[i] = m
	}
	s.Enums = make([]facts.Enum, len(f.Enums))
	for i, e := range f.Enums {
		e.Range = facts.Range{}
		e.Members = make([]facts.EnumMember, len(f.Enums[i].Members))
		for j, mem := range f.Enums[i].Members {
			mem.Range = facts.Range{}
			e.Members[j] = mem
		}
		s.Enums[i] = e
	}
	s.Functions = make([]facts.Symbol, len(f.Functions))
	for i, fn := range f.Functions {
		s.Functions[i] = facts.Symbol{Name: fn.Name, Kind: fn.Kind}
	}
	s.Defs = make([]facts.Def, len(f.Defs))
	for i, d := range f.Defs {
		d.Range = facts.Range{}
		d.Params = make([]facts.Param, len(f.Defs[i].Params))
		for j, p := range f.Defs[i].Params {
			p.Range = facts.Range{}
			d.Params[j] = p
		}
		s.Defs[i] = d
	}
	return s
}
