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
}

// startPrefabs starts the worker when the build is cold, there is a second
// CPU and enough models.
func (bl *Builder) startPrefabs(b *builder, opts Options) {
	if prefabMode == 1 || b.prev != nil || b.prevOps != nil {
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
		return
	}
	p := &prefabs{slot: make(map[string]int, len(ids)), ids: ids, state: make([]atomic.Int32, len(ids)), built: make([]*cached, len(ids)), done: make(chan struct{})}
	for i, id := range ids {
		p.slot[id] = i
	}
	w := b.worker(opts)
	b.pre = p
	go func() {
		defer close(p.done)
		w.ix = pymod.New(w.py)
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
	}()
	if prefabMode == 2 {
		<-p.done
	}
}

// stopPrefabs stops the worker, waits for it and returns how many
// components the build took from it.
func (b *builder) stopPrefabs() int {
	p := b.pre
	if p == nil {
		return 0
	}
	p.stop.Store(true)
	<-p.done
	b.pre = nil
	return p.taken
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
