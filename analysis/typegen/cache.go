package typegen

import (
	"strings"
	"sync"

	"github.com/farm-stack/farm-lsp/analysis/openapi"
)

// Generator renders like Generate and, between calls, reuses the text of
// every model and operation whose schema or operation node is the same as
// last time (openapi.Builder reuses the nodes of unchanged models and
// routes), as long as the set of component names did not change. It is
// safe for concurrent use (calls are serialised).
type Generator struct {
	mu    sync.Mutex
	epoch string
	prev  *blockCache
	ops   []*openapi.Operation // the operations plan was made for
	plan  []*op
	sizes [4]int // lengths of the last files, to size the next ones

	// The last document's components (name, schema node, model, file by
	// index), its naming and the files rendered from it, for the fast
	// path (fast).
	names   []string
	schemas []*openapi.Schema
	models  []string // NamedSchema.Model by index
	files   []string // NamedSchema.File by index
	n       *naming
	last    Files
}

func samePointers(a, b []*openapi.Operation) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// NewGenerator returns an empty Generator.
func NewGenerator() *Generator { return &Generator{} }

// Generate renders all four files.
func (g *Generator) Generate(doc *openapi.Document) Files {
	g.mu.Lock()
	defer g.mu.Unlock()
	// The operations' names depend on the operations alone: when the
	// builder handed back the same operation nodes, reuse them.
	opsNow := doc.Operations()
	if out, ok := g.fast(doc, opsNow); ok {
		return out
	}
	var p prepared
	if g.ops != nil && samePointers(opsNow, g.ops) {
		p = prepared{ops: g.plan, n: nameDoc(doc, g.plan)}
	} else {
		p = prepare(doc)
		g.ops, g.plan = opsNow, p.ops
	}
	// Rendered text depends on every component's identifier (and its
	// input variant's, and its import name in types/api.ts): those are a
	// function of the component names, the variants and the aliased imports.
	var sb strings.Builder
	for _, ns := range doc.Components.Schemas {
		sb.WriteString(ns.Name)
		sb.WriteByte('\n')
	}
	sb.WriteByte(byte('0' + doc.Pydantic))
	for _, v := range p.n.variants {
		sb.WriteString("\x00" + v)
	}
	for _, id := range sortedKeys(p.n.aliased()) {
		sb.WriteString("\x01" + id)
	}
	epoch := sb.String()
	c := &blockCache{nextModels: make(map[modelKey]block, len(doc.Components.Schemas)), nextOps: make(map[opKey]block, 3*len(opsNow)), sizes: g.sizes}
	if epoch == g.epoch && g.prev != nil {
		c.models, c.ops = g.prev.nextModels, g.prev.nextOps
	}
	out := generate(doc, p, c)
	g.sizes = [4]int{len(out.Models), len(out.APITypes), len(out.Services), len(out.Hooks)}
	g.epoch, g.prev = epoch, c
	c.models, c.ops = nil, nil
	g.remember(doc, p.n, out)
	return out
}

// remember keeps what fast compares the next document with.
func (g *Generator) remember(doc *openapi.Document, n *naming, out Files) {
	ss := doc.Components.Schemas
	g.names, g.schemas, g.models, g.files = g.names[:0], g.schemas[:0], g.models[:0], g.files[:0]
	for _, ns := range ss {
		g.names = append(g.names, ns.Name)
		g.schemas = append(g.schemas, ns.Schema)
		g.models = append(g.models, ns.Model)
		g.files = append(g.files, ns.File)
	}
	g.n, g.last = n, out
}

// fast renders a document that differs from the last one only in the
// schemas of some components (same operation nodes, same component
// names): the naming is the last one's unless a changed schema now refers
// to other components or gained or lost a property a request may omit
// (which decides input variants); types/api.ts, services and hooks depend
// on the operations and the naming only, so they are the last ones; the
// models file re-renders the changed components and reuses the others'
// text.
func (g *Generator) fast(doc *openapi.Document, opsNow []*openapi.Operation) (Files, bool) {
	ss := doc.Components.Schemas
	if g.n == nil || g.prev == nil || len(ss) != len(g.names) || !samePointers(opsNow, g.ops) {
		return Files{}, false
	}
	var changed []int
	for i, ns := range ss {
		if ns.Name != g.names[i] {
			return Files{}, false
		}
		if ns.Schema != g.schemas[i] || ns.Model != g.models[i] || ns.File != g.files[i] {
			changed = append(changed, i)
		}
	}
	for _, i := range changed {
		if isBody(ss[i].Name) || !sameInputShape(g.schemas[i], ss[i].Schema) {
			return Files{}, false
		}
	}
	// The block cache carries over in place: drop the replaced nodes'.
	m := g.prev.nextModels
	c := &blockCache{models: m, nextModels: m, sizes: g.sizes}
	for _, i := range changed {
		if g.schemas[i] != ss[i].Schema {
			delete(m, modelKey{g.schemas[i], false})
			delete(m, modelKey{g.schemas[i], true})
		}
	}
	out := g.last
	out.Models = models(doc, g.n, c)
	g.sizes[0] = len(out.Models)
	for _, i := range changed {
		g.schemas[i], g.models[i], g.files[i] = ss[i].Schema, ss[i].Model, ss[i].File
	}
	g.last = out
	return out, true
}

// sameInputShape reports whether two schemas refer to the same components
// in the same order and agree on having a property a request may omit
// (what naming.inputVariants reads).
func sameInputShape(a, b *openapi.Schema) bool {
	if hasInputDefault(a) != hasInputDefault(b) {
		return false
	}
	var ra, rb []string
	walkRefs(a, func(n string) { ra = append(ra, n) })
	walkRefs(b, func(n string) { rb = append(rb, n) })
	if len(ra) != len(rb) {
		return false
	}
	for i := range ra {
		if ra[i] != rb[i] {
			return false
		}
	}
	return true
}

// block is rendered text and the model names it imports.
type block struct {
	text  string
	used  []string
	check string // function name it was rendered for (operations)
	// name, model and file of the component it was rendered for (models)
	name, model, file string
}

// modelKey and opKey are pointer keys (cheap to hash); the names the text
// was rendered with are checked on lookup (block.check).
type modelKey struct {
	s       *openapi.Schema
	variant bool // the input variant
}

type opKey struct {
	o    *openapi.Operation
	part byte
}

// blockCache is one call's view of the cache: hits from the previous call
// are carried over; a nil cache renders everything.
type blockCache struct {
	sizes      [4]int // expected file lengths (Grow hints)
	models     map[modelKey]block
	ops        map[opKey]block
	nextModels map[modelKey]block
	nextOps    map[opKey]block
}

// grow sizes b for file i (0 models, 1 api types, 2 services, 3 hooks).
func (c *blockCache) grow(b *strings.Builder, i int) {
	if c != nil && c.sizes[i] > 0 {
		b.Grow(c.sizes[i] + c.sizes[i]/8)
	}
}

func (c *blockCache) getModel(k modelKey, ns *openapi.NamedSchema) (block, bool) {
	if c == nil {
		return block{}, false
	}
	b, ok := c.models[k]
	ok = ok && b.name == ns.Name && b.model == ns.Model && b.file == ns.File
	if ok {
		c.nextModels[k] = b
	}
	return b, ok
}

func (c *blockCache) putModel(k modelKey, b block) {
	if c != nil {
		c.nextModels[k] = b
	}
}

func (c *blockCache) getOp(k opKey, check string) (block, bool) {
	if c == nil {
		return block{}, false
	}
	b, ok := c.ops[k]
	if ok && b.check == check {
		c.nextOps[k] = b
	}
	return b, ok && b.check == check
}

func (c *blockCache) putOp(k opKey, b block) {
	if c != nil {
		c.nextOps[k] = b
	}
}
