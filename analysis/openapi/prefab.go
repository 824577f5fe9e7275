package openapi

import (
	"runtime"
	"sync"
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
// by side, 4 side by side without the worker's own sweep (it builds only
// what the operations leave to it). 2-4 take every file's models, not
// only the models files'.
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

	// wanted are the slots the main goroutine left to the worker (it
	// does them before its own sweep); inflight counts those not yet
	// done; quit wakes a worker waiting for one when the build stops.
	wanted   chan int
	inflight atomic.Int32
	quit     chan struct{}
	quitOnce sync.Once
	// onlyAsked: the worker builds only what it is asked for (tests).
	onlyAsked bool
	// dead: the worker panicked and stopped (run).
	dead atomic.Bool
	// cond (with mu) signals each component the worker finishes, for
	// awaitPrefab.
	mu   sync.Mutex
	cond *sync.Cond
}

// maxDeferred bounds the components the main goroutine leaves to the
// worker at once: when the worker falls behind, the main goroutine builds
// them itself.
const maxDeferred = 16

// pendingComp is a component the main goroutine registered (key, name,
// place in the order) and left to the worker; resolvePending installs it.
type pendingComp struct {
	key  compKey
	ns   *NamedSchema
	name string
	md   mode
	sig  string
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
	sentKinds, started, cur := !p.early, false, -1
	defer func() {
		// A panic on this goroutine would end the process (the server
		// recovers its handlers' goroutines, not this one): the worker
		// gives up and the main goroutine builds the rest itself, where a
		// panic is what it was without the worker.
		if r := recover(); r != nil {
			p.dead.Store(true)
			if !sentKinds {
				p.kinds <- nil
			}
			if started {
				p.mu.Lock()
				if cur >= 0 {
					p.built[cur] = nil
					p.state[cur].Store(slotDone)
				}
				p.cond.Broadcast()
				p.mu.Unlock()
			}
		}
	}()
	ix := pymod.New(py)
	if p.early {
		prefabHook("kinds")
		t := &builder{v1: v1, py: py, kinds: kindsOf(ix, py, nModels), tvMemo: map[*facts.Model][]string{}}
		p.kinds <- t.kinds
		sentKinds = true
		p.env = t.envSig()
	}
	ids := <-p.start
	started = true
	if len(ids) == 0 {
		return
	}
	w := p.w
	w.ix = ix
	// What the main goroutine asks for first, then the models from the
	// end of the list; once through the list, what it still asks for.
	next := len(ids) - 1
	if p.onlyAsked {
		next = -1
	}
	for !p.stop.Load() {
		i, asked := -1, false
		select {
		case i = <-p.wanted:
			asked = true
		default:
			if next >= 0 {
				i, next = next, next-1
			} else {
				select {
				case i = <-p.wanted:
					asked = true
				case <-p.quit:
					return
				}
			}
		}
		if p.state[i].CompareAndSwap(slotFree, slotWorker) {
			cur = i
			prefabHook(ids[i])
			p.built[i] = w.prefab(ids[i])
			p.mu.Lock()
			p.state[i].Store(slotDone)
			p.cond.Broadcast()
			p.mu.Unlock()
			cur = -1
		}
		if asked {
			p.inflight.Add(-1)
		}
	}
}

// prefabHook is called by the worker before its kinds ("kinds") and each
// component (the model's ID); tests make it panic.
var prefabHook = func(string) {}

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
	p.wanted, p.quit = make(chan int, 2*len(ids)), make(chan struct{})
	p.onlyAsked = prefabMode == 4
	p.cond = sync.NewCond(&p.mu)
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
		p.quitOnce.Do(func() { close(p.quit) }) // the worker goes through the list, then stops
		<-p.done
	}
	b.deferring = p.w != nil && prefabMode != 2
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
	p.quitOnce.Do(func() { close(p.quit) })
	<-p.done
	b.pre = nil
	return p.taken, p.env, p.early && p.env != ""
}

// takePrefab returns the worker's component for a model asked for without
// generic arguments when it is done and has the key asked for. Otherwise,
// when the worker has not started it, it is left to the worker (deferred:
// the caller registers it for resolvePending) if mayDefer and the worker
// is not too far behind, or claimed for the main goroutine (the worker
// skips it).
func (b *builder) takePrefab(name string, key compKey, mayDefer bool) (c *cached, deferred bool) {
	p := b.pre
	i, ok := p.slot[name]
	if !ok {
		return nil, false
	}
	switch p.state[i].Load() {
	case slotFree:
		if mayDefer && p.inflight.Load() < maxDeferred && !p.dead.Load() {
			p.inflight.Add(1)
			p.wanted <- i
			return nil, true
		}
		p.state[i].CompareAndSwap(slotFree, slotMain)
	case slotDone:
		if c := p.built[i]; c != nil && c.key == key && b.depsValid(c) {
			p.built[i] = nil // taken once
			p.taken++
			return c, false
		}
	}
	return nil, false
}

// awaitPrefab is takePrefab for a deferred component: it waits while the
// worker builds it.
func (b *builder) awaitPrefab(name string, key compKey) *cached {
	p := b.pre
	if i, ok := p.slot[name]; ok {
		// (A worker building only what it is asked for is waited for
		// even before it starts: tests count what it built.)
		p.mu.Lock()
		for st := p.state[i].Load(); !p.dead.Load() && (st == slotWorker || (st == slotFree && p.onlyAsked)); st = p.state[i].Load() {
			p.cond.Wait()
		}
		p.mu.Unlock()
	}
	c, _ := b.takePrefab(name, key, false)
	return c
}

// resolvePending installs the components the operations left to the
// worker, in the order they were asked for: the worker's when it built
// them with the same key, built here otherwise.
func (b *builder) resolvePending() {
	b.deferring = false
	for _, pd := range b.pending {
		if c := b.awaitPrefab(pd.name, pd.key); c != nil {
			c.sig = pd.sig
			b.reuse(pd.key, pd.ns, c)
			continue
		}
		b.buildComp(pd.key, pd.ns, pd.name, nil, nil, pd.md, pd.sig)
	}
	b.pending = nil
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
