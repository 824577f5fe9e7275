package openapi

import (
	"runtime"
	"sync/atomic"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/analysis/pymod"
)

// A cold build (no earlier build to reuse, as in a one-shot generate)
// builds a component for every model of the models files, most of its
// work. While the main goroutine builds the operations and, depth first,
// the components they reach, a worker goroutine builds those models'
// components from the other end of the list, each one shallow: the
// components it refers to get their keys (references and deps recorded)
// but are not built. component takes a finished one as it takes a cached
// component of an earlier build (reuse: its schema, references,
// diagnostics, then the components it refers to), so the document is the
// same whoever built what. The worker has its own memos and import index
// and reads only what the main goroutine no longer writes (models, enums,
// kinds, class names, files).

// Slot states: a model's component is free, being built by the worker,
// left to the main goroutine, or built by the worker.
const (
	slotFree int32 = iota
	slotWorker
	slotMain
	slotDone
)

// prefabMin is the number of candidate models below which a build stays
// on one goroutine (the worker's own import index is not worth it).
const prefabMin = 64

// prefabMode overrides when the worker runs (tests): 0 by the rules
// above, 1 never, 2 always and to completion before the operations are
// built (every candidate component comes from the worker), 3 always, side
// by side. 2 and 3 take every file's models, not only the models files'.
var prefabMode = 0

type prefabs struct {
	slot  map[string]int // model ID -> index in ids/state/built
	ids   []string
	state []atomic.Int32
	built []*cached
	stop  atomic.Bool
	done  chan struct{}
	taken int // components the main goroutine took (for tests)

	// A Builder's first build starts the worker before the main
	// goroutine's import index: the worker's own index works out the
	// model kinds (sent on kinds, the same loop on a fresh index gives
	// the same answers) and the environment signature (env, read after
	// done) while the main goroutine builds its index and tables.
	early bool
	kinds chan map[string]facts.ModelKind
	start chan []string // the candidate models; closed empty: none
	env   string
	w     *builder // the worker's builder, made by the main goroutine
}

// earlyPrefabs starts the worker of a Builder's first build (there is no
// cache to reuse) when there is a second CPU and enough models; nil
// otherwise.
func (bl *Builder) earlyPrefabs(b *builder, nModels int) *prefabs {
	if prefabMode == 1 || bl.comps != nil || bl.ops != nil {
		return nil
	}
	if prefabMode == 0 && (nModels < prefabMin || runtime.GOMAXPROCS(0) < 2) {
		return nil
	}
	p := &prefabs{early: true, kinds: make(chan map[string]facts.ModelKind, 1), start: make(chan []string, 1), done: make(chan struct{})}
	go p.run(b.py, b.v1, nModels)
	return p
}

// run is the worker goroutine.
func (p *prefabs) run(py []*facts.File, v1 bool, nModels int) {
	defer close(p.done)
	ix := pymod.New(py)
	if p.early {
		t := &builder{v1: v1, py: py, kinds: kindsOf(ix, py, nModels), tvMemo: map[*facts.Model][]string{}}
		p.kinds <- t.kinds
		p.env = t.envSig()
	}
	ids := <-p.start
	if len(ids) == 0 {
		return
	}
	w := p.w
	w.ix = ix
	for i := len(ids) - 1; i >= 0; i-- {
		if p.stop.Load() {
			return
		}
		if !p.state[i].CompareAndSwap(slotFree, slotWorker) {
			continue
		}
		p.built[i] = w.prefab(ids[i])
		p.state[i].Store(slotDone)
	}
}

// kindsOf resolves the model kinds of every model in py (by ID), the
// resolved kind or else the extractor's.
func kindsOf(ix *pymod.Index, py []*facts.File, nModels int) map[string]facts.ModelKind {
	kinds := make(map[string]facts.ModelKind, nModels)
	for _, f := range py {
		for i := range f.Models {
			m := &f.Models[i]
			k := ix.Kind(f.Path, m.Name)
			if k == facts.ModelUnknown {
				k = m.Kind
			}
			kinds[f.Path+":"+m.Name] = k
		}
	}
	return kinds
}

// startPrefabs hands the worker its models: those of the models files
// (every file's in the test modes) once b's tables are complete. A build
// without an early worker starts one here when it is cold (nothing of an
// earlier build is reused), there is a second CPU and enough models.
func (bl *Builder) startPrefabs(b *builder, opts Options, p *prefabs) {
	if p == nil && (prefabMode == 1 || b.prev != nil || b.prevOps != nil) {
		return
	}
	var ids []string
	for _, f := range b.py {
		if f.Kind != facts.KindBackendModel && prefabMode < 2 {
			continue
		}
		for i := range f.Models {
			m := &f.Models[i]
			id := f.Path + ":" + m.Name
			if b.isModel(id) && len(b.typeVars(m)) == 0 {
				ids = append(ids, id)
			}
		}
	}
	if prefabMode == 0 && (len(ids) < prefabMin || runtime.GOMAXPROCS(0) < 2) {
		ids = nil
	}
	if p == nil {
		if ids == nil {
			return
		}
		p = &prefabs{start: make(chan []string, 1), done: make(chan struct{})}
		go p.run(b.py, b.v1, 0)
	}
	p.slot, p.ids = make(map[string]int, len(ids)), ids
	p.state, p.built = make([]atomic.Int32, len(ids)), make([]*cached, len(ids))
	for i, id := range ids {
		p.slot[id] = i
	}
	if ids != nil {
		p.w = b.worker(opts)
	}
	b.pre = p
	p.start <- ids
	if prefabMode == 2 {
		<-p.done
	}
}

// stopPrefabs stops the worker, waits for it and returns how many
// components the build took from it and, for an early worker, the
// environment signature.
func (b *builder) stopPrefabs() (taken int, env string, ok bool) {
	p := b.pre
	if p == nil {
		return 0, "", false
	}
	p.stop.Store(true)
	<-p.done
	b.pre = nil
	return p.taken, p.env, p.early
}

// takePrefab returns the worker's component for a model asked for without
// generic arguments when it is done and has the key asked for, and
// otherwise claims the model for the main goroutine (the worker skips it).
func (b *builder) takePrefab(name string, key compKey) *cached {
	p := b.pre
	i, ok := p.slot[name]
	if !ok {
		return nil
	}
	switch p.state[i].Load() {
	case slotFree:
		p.state[i].CompareAndSwap(slotFree, slotMain)
	case slotDone:
		if c := p.built[i]; c != nil && c.key == key && b.depsValid(c) {
			p.built[i] = nil // taken once
			p.taken++
			return c
		}
	}
	return nil
}

// worker returns a builder for the prefab worker: b's read-only tables,
// fresh memos.
func (b *builder) worker(opts Options) *builder {
	w := &builder{
		v1:         b.v1,
		models:     b.models,
		enums:      b.enums,
		kinds:      b.kinds,
		enumByName: b.enumByName,
		classNames: b.classNames,
		py:         b.py,
		byPath:     b.byPath,
		shallow:    true,
		schemes:    map[string]ordered{},
		memo:       make(map[string]map[string]string, len(b.py)),
		qual:       map[string]string{},
		display:    map[string]string{},
		long:       map[string]string{},
		fieldMemo:  make(map[string][]field, len(b.models)),
		sens:       map[string]int8{},
		tvMemo:     map[*facts.Model][]string{},
		local:      map[string]*localInfo{},
		fsig:       make(map[string]string, len(b.models)),
		comps:      map[compKey]*NamedSchema{},
		seenDia:    map[string]bool{},
		next:       map[compKey]*cached{},
		nextOps:    map[string]*cached{},
		kids:       map[*Schema][]compKey{},
		copies:     map[*Schema]outCopy{},
		evalFiles:  map[string]bool{},
	}
	if opts.ReadFile != nil {
		w.readFile = func(rel string) ([]byte, error) {
			w.evals++
			return opts.ReadFile(rel)
		}
	}
	return w
}

// prefab builds one model's component, shallow; nil when it cannot be
// handed over as it is: it evaluated settings (files the main builder
// records for later builds) or refers to generic instances (their
// arguments hold the worker's qualified-name tokens).
func (w *builder) prefab(id string) *cached {
	w.cur = nil
	evals := w.evals
	key := w.component(id, nil, modeOut)
	c := w.next[key]
	if c == nil || w.evals != evals {
		return nil
	}
	for _, d := range c.deps {
		if len(d.args) > 0 {
			return nil
		}
	}
	return c
}
