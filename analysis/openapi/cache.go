package openapi

import (
	"hash/fnv"
	"strconv"
	"strings"
	"sync"

	"github.com/farm-stack/farm-lsp/analysis/facts"
)

// Builder builds documents like Build and, between calls, reuses the
// component schemas of models whose source files (and their base classes'
// files) did not change, as long as the set of models, enums and their
// kinds stayed the same. A save that edits one model rebuilds that file's
// models only. It is safe for concurrent use (calls are serialised).
//
// Documents from one Builder may share schema nodes: treat them as
// read-only.
type Builder struct {
	mu    sync.Mutex
	env   string
	v1    bool
	comps map[compKey]*cached
	ops   map[string]*cached
	local map[string]*localInfo
	qual  map[string]string

	// The last build, for the fast path (delta.go).
	last      *builder
	lastDoc   *Document
	lastOpts  Options
	lastDiags []facts.Diagnostic
	deltas    int  // builds derived by the fast path (for tests)
	retried   bool // the current build is a second one after renames (dropRenamed)
	prefabbed int  // components the last cold build took from its worker (for tests)
	deferred  int  // components its operations left to the worker (for tests)
	// kids and copies are the last build's memos (builder.kids, .copies).
	kids   map[*Schema][]compKey
	copies map[*Schema]outCopy
}

// NewBuilder returns an empty Builder.
func NewBuilder() *Builder { return &Builder{} }

// Build derives the document; see the package function Build. The result
// is what Build would return for the same files, byte for byte.
func (bl *Builder) Build(files []*facts.File, opts Options) (*Document, []facts.Diagnostic) {
	bl.mu.Lock()
	defer bl.mu.Unlock()
	if doc, diags, ok := bl.delta(files, opts); ok {
		bl.deltas++
		return doc, diags
	}
	bl.last = nil
	doc, diags := bl.build(files, opts)
	bl.retried = false
	return doc, diags
}

// cached is one component built in an earlier call: its schema, the
// references and diagnostics made while building it (not those of the
// components it refers to) and the components it refers to.
type cached struct {
	sig    string
	schema *Schema
	op     *Operation   // for cached operations
	body   *NamedSchema // an operation's Body_* component
	refs   []refPatch
	diags  []facts.Diagnostic
	deps   []dep
	// files are the other files an operation's dependencies were read
	// from (path -> hash), schemes the security schemes it uses.
	files   map[string]string
	schemes map[string]ordered
	isOp    bool // an operation's (its references are roots)
	// model, args and md are what component was asked for (to rebuild it);
	// key is the component's.
	model  string
	args   []*expr
	md     mode
	key    compKey
	hasKey bool
}

// dep is a component a cached schema refers to.
type dep struct {
	name string
	args []*expr
	mode mode
	enum bool
}

// localInfo is what a model's own fields say about Pydantic v2 direction
// sensitivity: whether a field is a Decimal or computed, and which names
// the annotations mention. It is keyed by the model's signature.
type localInfo struct {
	sig    string
	direct bool
	refs   []string
}

// begin hands the previous call's cache to b when still valid.
func (bl *Builder) begin(b *builder) {
	if bl.comps != nil {
		env := b.envSig()
		if bl.env == env && bl.v1 == b.v1 {
			b.prev, b.prevOps = bl.comps, bl.ops
		}
		bl.env = env
	} else {
		b.envLater = true // nothing to compare it with yet
	}
	if bl.local == nil || bl.v1 != b.v1 {
		bl.local = map[string]*localInfo{}
	}
	b.local = bl.local
	bl.v1 = b.v1
}

// end keeps what this call built or reused for the next one.
func (bl *Builder) end(b *builder) {
	bl.comps, bl.ops = b.next, b.nextOps
	bl.kids, bl.copies = b.kids, b.copies
}

// memos starts this call's memos of schema references and output copies
// from the last call's.
func (bl *Builder) memos(b *builder, comps int) {
	b.prevKids, b.kids = bl.kids, make(map[*Schema][]compKey, max(len(bl.kids), comps))
	b.prevCopies, b.copies = bl.copies, make(map[*Schema]outCopy, len(bl.copies))
}

// cachedOperation returns the operation for a registered route, reusing
// the previous call's when the route's file, full path and the direction
// sensitivity of the models it mentions are unchanged.
func (b *builder) cachedOperation(r registered) *Operation {
	key := ""
	if r.file.Hash != "" {
		idx := 0
		for i := range r.file.Routes {
			if &r.file.Routes[i] == r.route {
				idx = i
			}
		}
		key = r.file.Path + "@" + r.file.Hash + "#" + strconv.Itoa(idx) + "|" + r.path
		for _, d := range r.deps {
			key += "|" + d.ctx + ":" + d.src
		}
		key += "|t:" + strings.Join(r.tags, ",") + "|u:" + r.uid.ctx + ":" + r.uid.src
		for _, rs := range r.responses {
			key += "|r:" + rs.ctx + ":" + rs.src
		}
		if r.deprecated {
			key += "|deprecated"
		}
	}
	if c := b.prevOps[key]; key != "" && c != nil && b.depsValid(c) && b.filesValid(c) {
		for n, s := range c.schemes {
			b.schemes[n] = s
		}
		b.nextOps[key] = c
		b.opEntries = append(b.opEntries, c)
		b.refs = append(b.refs, c.refs...)
		b.replayDiags(c)
		if c.body != nil {
			k := compKey{c.body.Name, modeIn}
			b.comps[k] = c.body
			b.order = append(b.order, k)
		}
		b.ensureDeps(c)
		return c.op
	}
	parent := b.cur
	b.cur = &cached{isOp: true}
	b.opEntries = append(b.opEntries, b.cur)
	op := b.operation(r)
	b.cur.op = op
	for _, sr := range op.Security {
		if b.cur.schemes == nil {
			b.cur.schemes = map[string]ordered{}
		}
		b.cur.schemes[sr.Scheme] = b.schemes[sr.Scheme]
	}
	if key != "" {
		b.nextOps[key] = b.cur
	}
	b.cur = parent
	return op
}

// depsValid reports whether the references recorded in c still resolve to
// the same component keys (a model's direction sensitivity may change).
func (b *builder) depsValid(c *cached) bool {
	if b.v1 {
		return true
	}
	for _, d := range c.deps {
		if !d.enum && b.sensitive(d.name, d.args) != (d.mode == modeOut) {
			return false
		}
	}
	return true
}

// filesValid reports whether the files an operation's dependencies were
// read from are unchanged.
func (b *builder) filesValid(c *cached) bool {
	for p, h := range c.files {
		f := b.ix.File(p)
		if f == nil || f.Hash != h || h == "" {
			return false
		}
	}
	return true
}

func (b *builder) replayDiags(c *cached) {
	for _, d := range c.diags {
		k := diagKey(d)
		if !b.seenDia[k] {
			b.seenDia[k] = true
			b.diags = append(b.diags, d)
		}
	}
}

// ensureDeps builds or reuses the components c refers to.
func (b *builder) ensureDeps(c *cached) {
	parent := b.cur
	b.cur = nil
	for _, d := range c.deps {
		if d.enum {
			b.ensureEnum(d.name)
			continue
		}
		b.component(d.name, d.args, d.mode)
	}
	b.cur = parent
}

// envSig summarises what every schema may depend on besides its own
// model: which names are models (with kind and type parameters) and which
// are enums.
func (b *builder) envSig() string {
	h := fnv.New64a()
	for _, f := range b.py { // sorted by path: no sort needed
		for i := range f.Models {
			m := &f.Models[i]
			id := f.Path + ":" + m.Name
			h.Write([]byte(id))
			h.Write([]byte{0})
			h.Write([]byte(b.kinds[id]))
			for _, tv := range b.typeVars(m) {
				h.Write([]byte{1})
				h.Write([]byte(tv))
			}
			h.Write([]byte{2})
			h.Write([]byte(f.Path))
			h.Write([]byte{3})
		}
		for i := range f.Enums {
			h.Write([]byte("e:" + f.Enums[i].Name + "\x00" + f.Path + "\x00"))
		}
		// Imports decide what names mean.
		for _, imp := range f.Imports {
			h.Write([]byte("i:" + imp.Module + "\x00" + strconv.Itoa(imp.Level) + strings.Join(imp.Names, ",")))
			for k, v := range imp.Aliases {
				h.Write([]byte(k + "=" + v + ";"))
			}
		}
	}
	return strconv.FormatUint(h.Sum64(), 16)
}

// modelSig identifies what a model's schema is built from: the hash of its
// file and of the files of its base classes, generic arguments and, under
// Pydantic v2, which referenced models are direction-sensitive. "" means
// "do not cache" (facts without hashes).
func (b *builder) modelSig(name string, args []*expr) string {
	sig := b.fileSig(name)
	if sig == "" || (b.v1 && len(args) == 0) {
		return sig // no copy for the common case
	}
	var sb strings.Builder
	sb.WriteString(sig)
	for _, a := range args {
		sb.WriteString(a.String())
		sb.WriteByte(',')
	}
	if !b.v1 {
		sb.WriteString("|s:")
		for _, r := range b.sensRefs(name) {
			if b.models[r] != nil && b.isModel(r) && b.sensitive(r, nil) {
				sb.WriteString(r)
				sb.WriteByte(',')
			}
		}
	}
	return sb.String()
}

// fileSig is the hashes of the files of a model and its base classes
// (memoised per build).
func (b *builder) fileSig(name string) string {
	if s, ok := b.fsig[name]; ok {
		return s
	}
	s := b.computeFileSig(name)
	// The alias generator's body renames the fields.
	if gf := b.generatorFile(name, 0); s != "" && gf != nil {
		if gf.Hash == "" {
			s = ""
		} else {
			s += "|gen:" + gf.Path + "@" + gf.Hash
		}
	}
	b.fsig[name] = s
	return s
}

func (b *builder) computeFileSig(name string) string {
	mi := b.models[name]
	if mi != nil && mi.file.Hash != "" {
		simple := true
		for _, base := range mi.m.Bases {
			if bs := b.ix.Base(mi.file.Path, base); bs.File != nil && bs.ID() != name && b.models[bs.ID()] != nil {
				simple = false
			}
		}
		if simple { // the common case: no workspace base class
			return mi.file.Path + "@" + mi.file.Hash
		}
	}
	var sb strings.Builder
	ok := true
	b.walkChain(name, func(mi *modelInfo) bool {
		if mi.file.Hash == "" {
			ok = false
			return false
		}
		sb.WriteString(mi.file.Path)
		sb.WriteByte('@')
		sb.WriteString(mi.file.Hash)
		sb.WriteByte(';')
		return true
	})
	if !ok {
		return ""
	}
	return sb.String()
}

// walkChain calls fn on model name and, depth first, on its workspace base
// classes (each once); fn returning false skips that model's bases.
func (b *builder) walkChain(name string, fn func(mi *modelInfo) bool) {
	seen := map[string]bool{}
	var walk func(n string, depth int)
	walk = func(n string, depth int) {
		mi := b.models[n]
		if mi == nil || depth > 32 || seen[n] {
			return
		}
		seen[n] = true
		if !fn(mi) {
			return
		}
		for _, base := range mi.m.Bases {
			if bs := b.ix.Base(mi.file.Path, base); bs.File != nil && bs.ID() != n {
				walk(bs.ID(), depth+1)
			}
		}
	}
	walk(name, 0)
}

// addRef makes a reference node to key, patched with its final name at the
// end of the build, and records it in the component being built.
func (b *builder) addRef(key compKey) *Schema { return b.addUse(key, modeIn) }

// addUse is addRef for a model asked for in direction use.
func (b *builder) addUse(key compKey, use mode) *Schema {
	ref := &Schema{refKey: true, isRef: true, rk: key}
	if b.cur != nil && !b.cur.isOp && b.cur.hasKey {
		ref.own, ref.hasOwn = b.cur.key, true
	}
	rp := refPatch{s: ref, key: key, root: b.cur != nil && b.cur.isOp, use: use}
	b.refs = append(b.refs, rp)
	if b.cur != nil {
		b.cur.refs = append(b.cur.refs, rp)
	}
	return ref
}

// reuse installs a cached component and makes sure the components it
// refers to exist in this build too.
func (b *builder) reuse(key compKey, ns *NamedSchema, c *cached) {
	ns.Schema = c.schema
	b.next[key] = c
	b.refs = append(b.refs, c.refs...)
	b.replayDiags(c)
	b.ensureDeps(c)
}

// sensRefs are the models a model's fields mention, when some may be
// direction sensitive (none otherwise: none of them is).
func (b *builder) sensRefs(name string) []string {
	if !b.maybeSensitive() {
		return nil
	}
	return b.localInfo(name).refs
}

// localInfo returns (and caches by signature) a model's direct
// sensitivity and the names its field annotations mention.
func (b *builder) localInfo(name string) *localInfo {
	sig := b.fileSig(name)
	if li := b.local[name]; li != nil && sig != "" && li.sig == sig {
		return li
	}
	li := &localInfo{sig: sig}
	seen := map[string]bool{}
	ctx := ""
	var walk func(e *expr)
	walk = func(e *expr) {
		if e == nil {
			return
		}
		switch e.Kind {
		case exStr:
			walk(parseExpr(e.Text))
			return
		case exName:
			switch h := e.head(); h {
			case "Decimal", "condecimal", "ConstrainedDecimal":
				li.direct = true
			default:
				if id := b.lookup(ctx, e.Text); id != "" && !seen[id] {
					seen[id] = true
					li.refs = append(li.refs, id)
				}
			}
		case exSubscript, exCall:
			walk(e.Base)
		}
		for _, a := range e.Args {
			walk(a)
		}
	}
	if !b.v1 && len(b.serializers(name, 0)) > 0 {
		li.direct = true // a field serializer types the output
	}
	for _, fl := range b.fields(name, nil, 0) {
		if fl.f.Computed {
			li.direct = true
		}
		ctx = fl.file
		walk(fl.ann)
		for _, v := range fl.subst {
			walk(v)
		}
	}
	b.local[name] = li
	return li
}

// FastBuilds is how many builds the Builder derived from the previous
// document instead of building it again (see delta.go); for tests and
// metrics.
func (bl *Builder) FastBuilds() int {
	bl.mu.Lock()
	defer bl.mu.Unlock()
	return bl.deltas
}
