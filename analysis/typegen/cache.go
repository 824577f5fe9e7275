package typegen

import (
	"strings"
	"sync"

	"github.com/farm-stack/farm-lsp/analysis/openapi"
)

// Generator renders like Generate and, between calls, reuses the text of
// every model and operation whose schema or operation node is the same as
// last time (openapi.Builder reuses the nodes of unchanged models and
// routes): an operation's client function and hook always (their text
// depends on the node and its function name only), a model's and an
// operation's types as long as the component naming did not change. It is
// safe for concurrent use (calls are serialised).
type Generator struct {
	mu    sync.Mutex
	epoch string
	prev  *blockCache
	ops   []*openapi.Operation // the operations plan was made for
	plan  []*op

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
	var ops []*op // nil: plan them
	if g.ops != nil && samePointers(opsNow, g.ops) {
		ops = g.plan
	}
	c := &blockCache{models: newPart[modelKey](len(doc.Components.Schemas))}
	for i := range c.ops {
		c.ops[i] = newPart[*openapi.Operation](len(opsNow))
	}
	if p := g.prev; p != nil {
		// Services and hooks depend on the operations only.
		c.ops[opServices].prev, c.ops[opHooks].prev = p.ops[opServices].next, p.ops[opHooks].next
	}
	var epoch string
	out, n, ops := generate(doc, ops, func(n *naming) {
		// The models' and the operation types' text depends on every
		// component's identifier (and its input variant's, and its import
		// name in types/api.ts): those are a function of the component
		// names, the variants and the aliased imports.
		epoch = namingEpoch(doc, n)
		if epoch == g.epoch && g.prev != nil {
			c.models.prev, c.ops[opAPITypes].prev = g.prev.models.next, g.prev.ops[opAPITypes].next
		}
	}, c)
	g.ops, g.plan = opsNow, ops
	c.models.prev = nil
	for i := range c.ops {
		c.ops[i].prev = nil
	}
	g.epoch, g.prev = epoch, c
	g.remember(doc, n, out)
	return out
}

func newPart[K comparable](n int) partCache[K] {
	return partCache[K]{next: make(map[K]block, n)}
}

// namingEpoch identifies what of a naming rendered text depends on.
func namingEpoch(doc *openapi.Document, n *naming) string {
	var sb strings.Builder
	for _, ns := range doc.Components.Schemas {
		sb.WriteString(ns.Name)
		sb.WriteByte('\n')
	}
	sb.WriteByte(byte('0' + doc.Pydantic))
	for _, v := range n.variants {
		sb.WriteString("\x00" + v)
	}
	for _, id := range sortedKeys(n.aliased()) {
		sb.WriteString("\x01" + id)
	}
	return sb.String()
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
	// The models' cache carries over in place: drop the replaced nodes'.
	m := &g.prev.models
	m.prev = m.next
	for _, i := range changed {
		if g.schemas[i] != ss[i].Schema {
			delete(m.next, modelKey{g.schemas[i], false})
			delete(m.next, modelKey{g.schemas[i], true})
		}
	}
	out := g.last
	out.Models = models(doc, g.n, m)
	m.prev = nil
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

// modelKey is a pointer key (cheap to hash); the names the text was
// rendered with are checked on lookup.
type modelKey struct {
	s       *openapi.Schema
	variant bool // the input variant
}

// The files whose blocks are per operation, indexing blockCache.ops.
const (
	opAPITypes = iota
	opServices
	opHooks
)

// blockCache is one call's view of the cache: hits from the previous call
// are carried over; a nil cache renders everything. Each file has its own
// part, so the four files render concurrently without sharing a map.
type blockCache struct {
	models partCache[modelKey]
	ops    [3]partCache[*openapi.Operation] // by opAPITypes, opServices, opHooks
}

// partCache is one file's cached blocks: prev holds the last call's,
// next collects this call's (hits and fresh renders).
type partCache[K comparable] struct {
	prev, next map[K]block
}

// get returns the last call's block for k, if any; a caller that uses it
// keeps it with put.
func (c *partCache[K]) get(k K) (block, bool) {
	if c == nil {
		return block{}, false
	}
	b, ok := c.prev[k]
	return b, ok
}

func (c *partCache[K]) put(k K, b block) {
	if c != nil {
		c.next[k] = b
	}
}

// modelPart and opPart are a cache's parts, nil for no cache.
func (c *blockCache) modelPart() *partCache[modelKey] {
	if c == nil {
		return nil
	}
	return &c.models
}

func (c *blockCache) opPart(i int) *partCache[*openapi.Operation] {
	if c == nil {
		return nil
	}
	return &c.ops[i]
}
