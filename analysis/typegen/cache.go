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
	return out
}

// block is rendered text and the model names it imports.
type block struct {
	text  string
	used  []string
	check string // name/model/file or function name it was rendered for
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

func (c *blockCache) getModel(k modelKey, check string) (block, bool) {
	if c == nil {
		return block{}, false
	}
	b, ok := c.models[k]
	if ok && b.check == check {
		c.nextModels[k] = b
	}
	return b, ok && b.check == check
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
