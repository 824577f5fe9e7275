// Package openapi derives a static OpenAPI 3.1 document from the facts of a
// FastAPI backend: components.schemas for Pydantic/Beanie models and enums,
// and paths for routes, following what FastAPI and Pydantic would emit
// (shared/TYPEMAP.md). Pydantic v2 semantics are the default; v1 semantics
// (no nulls, Optional means not required) apply when Options.Pydantic is 1.
// No Python runs: the input is facts.File values, the output a Document.
package openapi

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/analysis/pymod"
)

// Options configure Build.
type Options struct {
	// Pydantic is the major version whose schema rules apply: 1 or 2
	// (0 means 2).
	Pydantic int
	// Title and Version fill info; defaults "FastAPI" and "0.1.0".
	Title   string
	Version string
	// ReadFile reads a workspace-relative file (the committed .env a
	// BaseSettings class reads); nil means settings use their defaults.
	ReadFile func(rel string) ([]byte, error)
}

// mode is the Pydantic JSON-schema mode: validation (request bodies) or
// serialization (responses). They differ only under Pydantic v2.
type mode int

const (
	modeIn mode = iota
	modeOut
)

type compKey struct {
	name string
	mode mode
}

type modelInfo struct {
	m    *facts.Model
	file *facts.File
}

type enumInfo struct {
	e    *facts.Enum
	file *facts.File
}

// builder holds the state of one Build call. Models and enums are keyed by
// their symbol ID ("path/to/file.py:Name"): names in annotations resolve
// through the importing file's imports (pymod), so two classes of the same
// name in different modules stay apart.
type builder struct {
	v1     bool
	ix     *pymod.Index
	models map[string]*modelInfo
	enums  map[string]*enumInfo
	kinds  map[string]facts.ModelKind
	// enumByName is the first enum of each bare name (for literal
	// defaults such as Color.RED, read without an import context).
	enumByName map[string]*enumInfo
	memo       map[string]map[string]string // ctx -> name -> model/enum ID or ""
	classNames map[string]bool              // class names and import aliases of the workspace
	qual       map[string]string            // qualified-name token -> ID (kept by the Builder: cached expressions hold tokens)
	display    map[string]string            // component key -> short name
	long       map[string]string            // component key -> defining file (for module-qualified names)
	reached    map[string]bool              // component keys reached from the routes
	schemes    map[string]ordered           // security schemes by name
	readFile   func(string) ([]byte, error)

	py        []*facts.File
	fieldMemo map[string][]field
	litDepth  int
	sens      map[string]int8 // 1 computing, 2 no, 3 yes
	tvMemo    map[*facts.Model][]string
	generic   map[string]bool // isGeneric's memo

	// Caching across Builder.Build calls (see cache.go).
	cur *cached
	// aliasDepth bounds the expansion of module-level type aliases.
	aliasDepth int
	// useIn/useOut: components reached from operations' inputs/outputs
	// (split.go).
	useIn, useOut map[string]bool
	prev          map[compKey]*cached
	next          map[compKey]*cached
	// prevOps / nextOps cache operations by route identity.
	prevOps map[string]*cached
	nextOps map[string]*cached
	local   map[string]*localInfo
	fsig    map[string]string

	comps   map[compKey]*NamedSchema
	order   []compKey
	refs    []refPatch
	diags   []facts.Diagnostic
	seenDia map[string]bool

	// What a later Builder.Build needs to derive its document from this
	// one when only model fields changed (see delta.go).
	byPath    map[string]*facts.File // the Python files by path
	opEntries []*cached              // every operation built or reused, in order
	freeDiags []facts.Diagnostic     // diagnostics made outside any component or operation
	veRef     *refPatch              // HTTPValidationError's reference to ValidationError
	evalFiles map[string]bool        // files whose settings fields were evaluated
	envReads  map[string]string      // files read through Options.ReadFile -> content ("\x00" + error)
	subs      map[string][]string    // model ID -> models naming it as a base (lazy)
	genUsers  map[string][]string    // alias generator file -> models it renames (lazy)
	opRead    map[string]bool        // files the operations read (lazy, opFiles)
	// kids memoises kidsOf for this build; prevKids is the last build's.
	kids, prevKids map[*Schema][]compKey
	// copies are the output copies made by outputCopies (split.go) by
	// the input schema they copy; prevCopies the last build's.
	copies, prevCopies map[*Schema]outCopy
	// named is what the last finish decided (sameNames reuses it).
	named *naming
	// lastKeys are the components finish started with.
	lastKeys map[compKey]bool
	// pre is the worker building components while the operations are
	// built (prefab.go); shallow marks the worker's builder, evals counts
	// its settings evaluations and reads.
	pre     *prefabs
	shallow bool
	evals   int
	// sensScanned: maybeSensitive has looked at every file; anySens is
	// its answer.
	sensScanned, anySens bool
	// deferring: component may leave a component to the prefab worker
	// (pending, installed by resolvePending).
	deferring bool
	pending   []pendingComp
	deferredN int // components deferred (for tests)
	// envLater: a Builder's first build works out its environment
	// signature (begin) at the end, or has its prefab worker do it.
	envLater bool
	// renamed: finish found reused reference nodes to these components,
	// which were renamed; nothing was patched (see Builder.dropRenamed).
	renamed map[compKey]bool
}

type refPatch struct {
	s   *Schema
	key compKey
	// root: made by an operation (not inside a component), used in mode
	// use (the direction asked for, before a model that reads the same
	// both ways collapses to one component).
	root bool
	use  mode
}

// site is where an annotation comes from, for diagnostics, and ctx the
// file whose imports resolve its names.
type site struct {
	ctx   string
	path  string
	rng   facts.Range
	code  string // diagnostic code for unknown names
	subst map[string]*expr
	tvars map[string]bool
}

// Build derives the OpenAPI document of the backend described by files (all
// Python files of the workspace; other files are ignored). Models are taken
// with their resolved Kind; a model whose Kind is unresolved is still
// treated as one when its bases lead to BaseModel, GenericModel or Document
// by name. Diagnostics report annotations that could not be mapped
// (unsupported-type) and response models that do not exist (unknown-model).
func Build(files []*facts.File, opts Options) (*Document, []facts.Diagnostic) {
	return new(Builder).Build(files, opts)
}

func (bl *Builder) build(files []*facts.File, opts Options) (*Document, []facts.Diagnostic) {
	py := make([]*facts.File, 0, len(files))
	nModels, nEnums, nRoutes, nFields := 0, 0, 0, 0
	for _, f := range files {
		if f != nil && (f.Kind.IsPython() || strings.HasSuffix(f.Path, ".py")) {
			py = append(py, f)
			nModels += len(f.Models)
			nEnums += len(f.Enums)
			nRoutes += len(f.Routes)
			for i := range f.Models {
				nFields += len(f.Models[i].Fields)
			}
		}
	}
	// The maps are sized from the counts above (a component per model
	// and enum, an operation per route, a reference per field about):
	// growing them one doubling at a time was a tenth of a cold build.
	nComps := nModels + nEnums + nRoutes/2 + 2
	b := &builder{
		v1:         opts.Pydantic == 1,
		models:     make(map[string]*modelInfo, nModels),
		enums:      make(map[string]*enumInfo, nEnums),
		enumByName: make(map[string]*enumInfo, nEnums),
		schemes:    map[string]ordered{},
		readFile:   opts.ReadFile,
		memo:       make(map[string]map[string]string, len(py)),
		display:    make(map[string]string, nComps),
		long:       make(map[string]string, nComps),
		fieldMemo:  make(map[string][]field, nModels),
		sens:       map[string]int8{},
		tvMemo:     map[*facts.Model][]string{},
		comps:      make(map[compKey]*NamedSchema, nComps),
		order:      make([]compKey, 0, nComps),
		refs:       make([]refPatch, 0, nFields+2*nRoutes),
		seenDia:    map[string]bool{},
		next:       make(map[compKey]*cached, nComps),
		nextOps:    make(map[string]*cached, nRoutes),
		opEntries:  make([]*cached, 0, nRoutes),
		fsig:       make(map[string]string, nModels),
		byPath:     make(map[string]*facts.File, len(py)),
		evalFiles:  map[string]bool{},
		envReads:   map[string]string{},
	}
	if opts.ReadFile != nil {
		b.readFile = func(rel string) ([]byte, error) {
			data, err := opts.ReadFile(rel)
			if err != nil {
				b.envReads[rel] = "\x00" + err.Error()
			} else {
				b.envReads[rel] = string(data)
			}
			return data, err
		}
	}
	sort.SliceStable(py, func(i, j int) bool { return py[i].Path < py[j].Path })
	for _, f := range py {
		b.byPath[f.Path] = f
	}
	b.py = py
	early := bl.earlyPrefabs(b, nModels)
	b.ix = pymod.New(py)
	b.classNames = make(map[string]bool, nModels+nEnums)
	for _, f := range py {
		for _, imp := range f.Imports {
			for local := range imp.Aliases {
				b.classNames[local] = true
			}
		}
		for i := range f.Models {
			b.classNames[f.Models[i].Name] = true
		}
		for i := range f.Enums {
			b.classNames[f.Enums[i].Name] = true
		}
	}
	for _, f := range py {
		for i := range f.Models {
			m := &f.Models[i]
			b.models[f.Path+":"+m.Name] = &modelInfo{m: m, file: f}
		}
		for i := range f.Enums {
			e := &f.Enums[i]
			ei := &enumInfo{e: e, file: f}
			b.enums[f.Path+":"+e.Name] = ei
			if b.enumByName[e.Name] == nil {
				b.enumByName[e.Name] = ei
			}
		}
	}
	if early != nil {
		b.kinds = <-early.kinds // nil when the worker gave up
	}
	if b.kinds == nil {
		b.kinds = kindsOf(b.ix, py, nModels)
	}
	bl.begin(b)
	bl.memos(b, nComps)
	if bl.qual == nil {
		bl.qual = map[string]string{}
	}
	b.qual = bl.qual
	bl.startPrefabs(b, opts, early)
	doc := &Document{
		OpenAPI:  "3.1.0",
		Info:     Info{Title: opts.Title, Version: opts.Version},
		Pydantic: 2,
	}
	if b.v1 {
		doc.Pydantic = 1
	}
	if doc.Info.Title == "" {
		doc.Info.Title = "FastAPI"
	}
	if doc.Info.Version == "" {
		doc.Info.Version = "0.1.0"
	}
	doc.Paths = b.paths(py)
	b.resolvePending()
	b.reached = make(map[string]bool, len(b.comps))
	for k := range b.comps {
		b.reached[k.name] = true
	}
	// Every model and enum of a models file, even when no route reaches
	// it, for the TypeScript models: marked Unreached, left out of the
	// OpenAPI JSON (FastAPI lists only what routes reach).
	for _, f := range py {
		if f.Kind != facts.KindBackendModel {
			continue
		}
		for i := range f.Models {
			m := &f.Models[i]
			id := f.Path + ":" + m.Name
			if !b.isModel(id) || len(b.typeVars(m)) > 0 {
				continue
			}
			if !b.has(id) {
				// Unreached models are typed as the API would send them.
				b.component(id, nil, modeOut)
			}
		}
		for i := range f.Enums {
			b.ensureEnum(f.Path + ":" + f.Enums[i].Name)
		}
	}
	taken, env, ok := b.stopPrefabs()
	bl.prefabbed, bl.deferred = taken, b.deferredN
	if b.envLater {
		if !ok {
			env = b.envSig()
		}
		bl.env = env
	}
	doc.Components.Schemas = b.finish()
	if b.renamed != nil && (b.prev != nil || b.prevOps != nil) {
		// Reused nodes refer to renamed components: build again without
		// them (they may be in earlier documents, which never change).
		bl.dropRenamed(b)
		return bl.build(files, opts)
	}
	doc.Components.SecuritySchemes = b.securitySchemes()
	bl.end(b)
	sortDiags(b.diags)
	bl.keep(b, doc, opts)
	return doc, b.diags
}

// sortDiags orders diagnostics by place, then by content (a total order:
// the same set always comes out in the same order).
func sortDiags(ds []facts.Diagnostic) {
	sort.SliceStable(ds, func(i, j int) bool {
		a, c := ds[i], ds[j]
		if a.Path != c.Path {
			return a.Path < c.Path
		}
		if a.Range.Start.Line != c.Range.Start.Line {
			return a.Range.Start.Line < c.Range.Start.Line
		}
		if a.Range.Start.Char != c.Range.Start.Char {
			return a.Range.Start.Char < c.Range.Start.Char
		}
		if a.Code != c.Code {
			return a.Code < c.Code
		}
		return a.Message < c.Message
	})
}

// has reports whether a component of that base name exists in any mode.
func (b *builder) has(name string) bool {
	_, in := b.comps[compKey{name, modeIn}]
	_, out := b.comps[compKey{name, modeOut}]
	return in || out
}

func (b *builder) diag(s site, code, msg string) {
	if s.path == "" {
		return
	}
	sev := facts.SeverityWarning
	if code == facts.CodeUnknownModel {
		sev = facts.SeverityError
	}
	d := facts.Diagnostic{Path: s.path, Range: s.rng, Severity: sev, Code: code, Message: msg}
	// The component or operation being built keeps every diagnostic it
	// makes (another may have made the same one first), so that its own
	// list is complete when it is reused or the other is rebuilt.
	if b.cur != nil {
		b.cur.diags = append(b.cur.diags, d)
	} else {
		b.freeDiags = append(b.freeDiags, d)
	}
	key := diagKey(d)
	if b.seenDia[key] {
		return
	}
	b.seenDia[key] = true
	b.diags = append(b.diags, d)
}

func diagKey(d facts.Diagnostic) string {
	return fmt.Sprintf("%s|%d:%d|%s|%s", d.Path, d.Range.Start.Line, d.Range.Start.Char, d.Code, d.Message)
}

// lookup resolves a (dotted) name used in the file ctx to the ID of a
// workspace model or enum, "" when it is neither. Qualified-name tokens
// (see qualify) stand for their ID.
func (b *builder) lookup(ctx, name string) string {
	if strings.HasPrefix(name, "Q_") {
		if id, ok := b.qual[name]; ok {
			return id
		}
	}
	last := name
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		last = name[i+1:]
	}
	if !b.classNames[last] {
		return "" // names no class is called (nor imported as): int, List…
	}
	memo := b.memo[ctx]
	if memo == nil {
		memo = map[string]string{}
		b.memo[ctx] = memo
	}
	if id, ok := memo[name]; ok {
		return id
	}
	id := ""
	if s := b.ix.Resolve(ctx, name); s.File != nil {
		if c := s.ID(); b.models[c] != nil || b.enums[c] != nil {
			id = c
		}
	}
	memo[name] = id
	return id
}

// modelID is lookup restricted to models.
func (b *builder) modelID(ctx, name string) string {
	if id := b.lookup(ctx, name); b.models[id] != nil && b.isModel(id) {
		return id
	}
	return ""
}

// enumID is lookup restricted to enums.
func (b *builder) enumID(ctx, name string) string {
	if id := b.lookup(ctx, name); b.enums[id] != nil {
		return id
	}
	return ""
}

// qualify replaces the names in e that resolve (in ctx) to workspace
// models or enums by stable tokens, so the expression keeps its meaning
// when it is substituted into a generic model defined in another module.
func (b *builder) qualify(e *expr, ctx string) *expr {
	if e == nil {
		return nil
	}
	switch e.Kind {
	case exName:
		if _, ok := b.qual[e.Text]; ok {
			return e
		}
		if id := b.lookup(ctx, e.Text); id != "" {
			tok := qualToken(id)
			b.qual[tok] = id
			return &expr{Kind: exName, Text: tok}
		}
		return e
	case exStr:
		if p := parseExpr(e.Text); p != nil && p.Kind != exStr {
			return b.qualify(p, ctx)
		}
		return e
	case exSubscript, exUnion, exList, exTuple, exCall:
		c := *e
		c.Base = b.qualify(e.Base, ctx)
		c.Args = make([]*expr, len(e.Args))
		for i, a := range e.Args {
			c.Args[i] = b.qualify(a, ctx)
		}
		return &c
	}
	return e
}

// qualToken is a stable identifier-shaped token for an ID.
func qualToken(id string) string {
	h := fnv.New64a()
	h.Write([]byte(id))
	return "Q_" + strconv.FormatUint(h.Sum64(), 36)
}

// className is the class name of a model/enum ID.
func className(id string) string {
	if i := strings.LastIndexByte(id, ':'); i >= 0 {
		return id[i+1:]
	}
	return id
}

func (b *builder) isModel(id string) bool { return b.kinds[id] != facts.ModelUnknown }

// typeVars returns a model's type parameters (from Generic[...] when the
// extractor did not list them).
func (b *builder) typeVars(m *facts.Model) []string {
	if len(m.TypeVars) > 0 {
		return m.TypeVars
	}
	if tv, ok := b.tvMemo[m]; ok {
		return tv
	}
	out := b.genericParams(m)
	b.tvMemo[m] = out
	return out
}

func (b *builder) genericParams(m *facts.Model) []string {
	var out []string
	for _, base := range m.Bases {
		e := parseExpr(base)
		if e != nil && e.Kind == exSubscript && e.head() == "Generic" {
			for _, a := range e.Args {
				out = append(out, a.String())
			}
		}
	}
	return out
}

// field is a model field with the type-variable substitution of the class
// it was inherited through.
type field struct {
	f     *facts.Field
	ann   *expr // parsed annotation
	file  string
	subst map[string]*expr
	tvars map[string]bool
	synth bool // Beanie's id
}

// beanieID is the id field every Beanie Document has (aliased to _id).
var beanieID = &facts.Field{Name: "id", Annotation: "Optional[PydanticObjectId]", Default: "None", HasDefault: true, Alias: "_id"}

var anyExpr = &expr{Kind: exName, Text: "Any"}

// fields flattens a model's fields through its bases, as Pydantic does: base
// fields first, a redefinition keeps the base's position.
func (b *builder) fields(name string, subst map[string]*expr, depth int) []field {
	if subst == nil {
		if fs, ok := b.fieldMemo[name]; ok {
			return fs
		}
		fs := b.flatten(name, nil, depth)
		b.fieldMemo[name] = fs
		return fs
	}
	return b.flatten(name, subst, depth)
}

func (b *builder) flatten(name string, subst map[string]*expr, depth int) []field {
	mi := b.models[name]
	if mi == nil || depth > 32 {
		return nil
	}
	out := make([]field, 0, len(mi.m.Fields)+1)
	put := func(fl field) {
		for i := range out {
			if out[i].f.Name == fl.f.Name {
				out[i] = fl
				return
			}
		}
		out = append(out, fl)
	}
	var tv map[string]bool
	for _, t := range b.typeVars(mi.m) {
		if tv == nil {
			tv = map[string]bool{}
		}
		tv[t] = true
	}
	for _, base := range mi.m.Bases {
		e := parseExpr(base)
		bs := b.ix.Base(mi.file.Path, base)
		h := ""
		if bs.File != nil {
			h = bs.ID()
		}
		switch fw := bs.Framework; {
		case fw != nil && (fw.Name == "Document" || fw.Name == "DocumentWithSoftDelete"):
			put(field{f: beanieID, ann: parseExpr(beanieID.Annotation), synth: true})
		case fw != nil && fw.Role == pymod.RoleModel:
			for i := range fw.Fields {
				put(field{f: &fw.Fields[i], ann: parseExpr(fw.Fields[i].Annotation), synth: true})
			}
		case h != "" && h != name && b.models[h] != nil && b.isModel(h):
			var sub map[string]*expr
			if e.Kind == exSubscript {
				sub = map[string]*expr{}
				for i, tvn := range b.typeVars(b.models[h].m) {
					if i < len(e.Args) {
						sub[tvn] = b.qualify(substitute(e.Args[i], subst), mi.file.Path)
					}
				}
			}
			for _, fl := range b.fields(h, sub, depth+1) {
				put(fl)
			}
		}
	}
	for i := range mi.m.Fields {
		f := &mi.m.Fields[i]
		if f.ClassVar || strings.HasPrefix(f.Name, "_") || f.Name == "model_config" {
			continue
		}
		ann := parseExpr(f.Annotation)
		if f.Annotation == "" {
			ann = anyExpr
		}
		put(field{f: f, ann: ann, file: mi.file.Path, subst: subst, tvars: tv})
	}
	return out
}

// rootType returns the root type of a root model and the file its names
// are read in: Pydantic 2's `class Ps(RootModel[list[P]])` (or the
// `root:` field of a RootModel subclass), Pydantic 1's
// `__root__: List[P]`.
func (b *builder) rootType(name string, subst map[string]*expr, depth int) (*expr, string, bool) {
	mi := b.models[name]
	if mi == nil || depth > 32 {
		return nil, "", false
	}
	field := "root"
	if b.v1 {
		field = "__root__"
	}
	for i := range mi.m.Fields {
		if f := &mi.m.Fields[i]; f.Name == field && f.Annotation != "" {
			if !b.v1 && !b.rootModel(name, 0) {
				return nil, "", false // a BaseModel with a field named root
			}
			return substitute(parseExpr(f.Annotation), subst), mi.file.Path, true
		}
	}
	if b.v1 {
		for _, base := range mi.m.Bases { // inherited __root__
			if bs := b.ix.Base(mi.file.Path, base); bs.File != nil && bs.ID() != name && b.models[bs.ID()] != nil {
				if rt, ctx, ok := b.rootType(bs.ID(), subst, depth+1); ok {
					return rt, ctx, true
				}
			}
		}
		return nil, "", false
	}
	for _, base := range mi.m.Bases {
		bs := b.ix.Base(mi.file.Path, base)
		if bs.Framework != nil && bs.Framework.Role == pymod.RoleRootModel {
			if e := parseExpr(base); e != nil && e.Kind == exSubscript && len(e.Args) == 1 {
				return substitute(e.Args[0], subst), mi.file.Path, true
			}
			return nil, "", false
		}
		if bs.File != nil && bs.ID() != name && b.models[bs.ID()] != nil {
			if rt, ctx, ok := b.rootType(bs.ID(), subst, depth+1); ok {
				return rt, ctx, true
			}
		}
	}
	return nil, "", false
}

// serializer is a field serializer's return annotation, the file its
// names are read in and whether it takes an info argument.
type serializer struct {
	e    *expr
	ctx  string
	info bool
}

// serializers returns the Pydantic 2 @field_serializer return types of a
// model's fields, its base classes' first (a class's own replace them).
func (b *builder) serializers(name string, depth int) map[string]serializer {
	mi := b.models[name]
	if mi == nil || depth > 32 {
		return nil
	}
	var out map[string]serializer
	for _, base := range mi.m.Bases {
		if bs := b.ix.Base(mi.file.Path, base); bs.File != nil && bs.ID() != name && b.models[bs.ID()] != nil {
			for f, s := range b.serializers(bs.ID(), depth+1) {
				if out == nil {
					out = map[string]serializer{}
				}
				out[f] = s
			}
		}
	}
	for _, sr := range mi.m.Serializers {
		for _, f := range sr.Fields {
			if out == nil {
				out = map[string]serializer{}
			}
			out[f] = serializer{parseExpr(sr.Return), mi.file.Path, sr.Info}
		}
	}
	return out
}

// rootModel reports whether a class derives from Pydantic 2's RootModel.
func (b *builder) rootModel(name string, depth int) bool {
	mi := b.models[name]
	if mi == nil || depth > 32 {
		return false
	}
	for _, base := range mi.m.Bases {
		bs := b.ix.Base(mi.file.Path, base)
		if bs.Framework != nil && bs.Framework.Role == pymod.RoleRootModel {
			return true
		}
		if bs.File != nil && bs.ID() != name && b.rootModel(bs.ID(), depth+1) {
			return true
		}
	}
	return false
}

// substitute replaces type variables in e.
func substitute(e *expr, subst map[string]*expr) *expr {
	if e == nil || len(subst) == 0 {
		return e
	}
	switch e.Kind {
	case exName:
		if r, ok := subst[e.Text]; ok {
			return r
		}
		return e
	case exSubscript, exUnion, exList, exTuple, exCall:
		c := *e
		c.Base = substitute(e.Base, subst)
		c.Args = make([]*expr, len(e.Args))
		for i, a := range e.Args {
			c.Args[i] = substitute(a, subst)
		}
		return &c
	}
	return e
}

// modelRef returns a $ref schema to the model's component, building the
// component on first use. args are generic arguments (already substituted).
func (b *builder) modelRef(name string, args []*expr, md mode, s site) *Schema {
	key := b.component(name, args, md)
	ref := b.addUse(key, md)
	if b.cur != nil {
		b.cur.deps = append(b.cur.deps, dep{name: name, args: args, mode: key.mode})
	}
	return ref
}

// component makes sure the model's component (for these generic arguments
// and direction) exists, built or reused from the cache, and returns its key.
func (b *builder) component(name string, args []*expr, md mode) compKey {
	mi := b.models[name]
	comp, short := name, mi.m.Name
	var subst map[string]*expr
	if b.v1 && len(args) > 0 && !b.isGeneric(name) {
		args = nil // Pydantic 1 parametrises only GenericModel subclasses
	}
	if len(args) > 0 {
		if tvs := b.typeVars(mi.m); len(tvs) > 0 {
			parts := make([]string, len(args))
			keys := make([]string, len(args))
			subst = map[string]*expr{}
			for i, a := range args {
				parts[i] = b.displayName(a)
				keys[i] = a.String()
				if i < len(tvs) {
					subst[tvs[i]] = a
				}
			}
			short = normalizeName(mi.m.Name + "[" + strings.Join(parts, ", ") + "]")
			comp = name + "[" + strings.Join(keys, ", ") + "]"
		}
	}
	if b.v1 || !b.sensitive(name, args) {
		md = modeIn // one schema serves both directions
	}
	key := compKey{comp, md}
	if b.shallow && b.cur != nil {
		return key // the prefab worker builds one component at a time
	}
	if _, ok := b.comps[key]; ok {
		return key
	}
	ns := &NamedSchema{Name: short, Model: mi.m.Name, File: mi.file.Path, Line: mi.m.Range.Start.Line}
	b.comps[key] = ns
	b.display[comp] = short
	b.long[comp] = mi.file.Path
	b.order = append(b.order, key)
	sig := b.modelSig(name, args)
	if c := b.prev[key]; c != nil && sig != "" && c.sig == sig && b.filesValid(c) {
		b.reuse(key, ns, c)
		return key
	}
	if b.pre != nil && len(args) == 0 {
		c, deferred := b.takePrefab(name, key, b.deferring)
		if c != nil {
			c.sig = sig
			b.reuse(key, ns, c)
			return key
		}
		if deferred {
			// The worker builds it; resolvePending installs it before
			// anything reads its schema.
			b.pending = append(b.pending, pendingComp{key: key, ns: ns, name: name, md: md, sig: sig})
			b.deferredN++
			return key
		}
	}
	b.buildComp(key, ns, name, args, subst, md, sig)
	return key
}

// buildComp builds a registered component's schema.
func (b *builder) buildComp(key compKey, ns *NamedSchema, name string, args []*expr, subst map[string]*expr, md mode, sig string) {
	parent := b.cur
	b.cur = &cached{sig: sig, model: name, args: args, md: md, key: key, hasKey: true}
	ns.Schema = b.objectSchema(name, subst, md)
	b.cur.schema = ns.Schema
	b.next[key] = b.cur
	b.cur = parent
}

// isGeneric is genericModel memoised (component asks it of every
// reference under Pydantic 1).
func (b *builder) isGeneric(name string) bool {
	g, ok := b.generic[name]
	if !ok {
		g = b.genericModel(name, 0)
		if b.generic == nil {
			b.generic = make(map[string]bool, len(b.models))
		}
		b.generic[name] = g
	}
	return g
}

// genericModel reports whether a class derives from pydantic.generics.
// GenericModel (the only parametrisable models under Pydantic 1).
func (b *builder) genericModel(name string, depth int) bool {
	mi := b.models[name]
	if mi == nil || depth > 32 {
		return false
	}
	for _, base := range mi.m.Bases {
		bs := b.ix.Base(mi.file.Path, base)
		if bs.Framework != nil && bs.Framework.Role == pymod.RoleGenericModel {
			return true
		}
		if bs.File != nil && bs.ID() != name && b.genericModel(bs.ID(), depth+1) {
			return true
		}
	}
	return false
}

// sensitive reports whether a model's Pydantic v2 schema can differ between
// validation and serialization (a Decimal or computed field, directly or in
// a referenced model or generic argument).
func (b *builder) sensitive(name string, args []*expr) bool {
	for _, a := range args {
		if b.exprSensitive(a) {
			return true
		}
	}
	switch b.sens[name] {
	case 1, 2:
		return false
	case 3:
		return true
	}
	if !b.maybeSensitive() {
		b.sens[name] = 2 // what the last build decided is kept (delta.go)
		return false
	}
	b.sens[name] = 1
	li := b.localInfo(name)
	res := li.direct
	for _, r := range li.refs {
		if !res && b.models[r] != nil && b.isModel(r) && b.sensitive(r, nil) {
			res = true
		}
	}
	b.sens[name] = 2
	if res {
		b.sens[name] = 3
	}
	return res
}

// maybeSensitive reports whether any model of the workspace can be
// direction sensitive on its own: a field serializer, a computed field, or
// Decimal in an annotation or base class (localInfo's direct, and more).
// When none can, no model is, and sensitive need not read any model's
// fields (it did for every model, a fifth of a cold Pydantic 2 build).
func (b *builder) maybeSensitive() bool {
	if !b.sensScanned {
		b.sensScanned = true
		for _, f := range b.py {
			if fileMaySense(f) {
				b.anySens = true
				break
			}
		}
	}
	return b.anySens
}

// fileMaySense reports whether a model of f has a field serializer, a
// computed field or a name ending in Decimal or condecimal in a field
// annotation or base class (a superset of what localInfo finds).
func fileMaySense(f *facts.File) bool {
	dec := func(s string) bool { return strings.Contains(s, "Decimal") || strings.Contains(s, "condecimal") }
	for i := range f.Models {
		m := &f.Models[i]
		if len(m.Serializers) > 0 {
			return true
		}
		for _, base := range m.Bases {
			if dec(base) {
				return true
			}
		}
		for j := range m.Fields {
			if m.Fields[j].Computed || dec(m.Fields[j].Annotation) {
				return true
			}
		}
	}
	return false
}

func (b *builder) exprSensitive(e *expr) bool {
	if e == nil {
		return false
	}
	switch e.Kind {
	case exStr:
		return b.exprSensitive(parseExpr(e.Text))
	case exName:
		switch h := e.head(); h {
		case "Decimal", "condecimal", "ConstrainedDecimal":
			return true
		default:
			id := b.modelID("", e.Text)
			return id != "" && b.sensitive(id, nil)
		}
	case exSubscript, exCall:
		if b.exprSensitive(e.Base) {
			return true
		}
	}
	for _, a := range e.Args {
		if b.exprSensitive(a) {
			return true
		}
	}
	return false
}

// objectSchema builds a model's object schema.
func (b *builder) objectSchema(name string, subst map[string]*expr, md mode) *Schema {
	if root, ctx, ok := b.rootType(name, subst, 0); ok {
		// A root model's schema is its root type's, titled by the class.
		rs := withSiblings(b.typeSchema(root, md, site{ctx: ctx, path: ctx, code: facts.CodeUnsupported, subst: subst}), b.v1)
		rs.Title = className(name)
		return rs
	}
	fields := b.fields(name, subst, 0)
	obj := &Schema{Type: "object", Title: className(name), Properties: make([]Property, 0, len(fields))}
	var aliases map[string]string
	if gen := b.modelAliasGen(name, 0); gen != nil {
		aliases = b.genAliases(gen, fields)
	}
	var sers map[string]serializer
	if !b.v1 && md == modeOut {
		sers = b.serializers(name, 0)
	}
	for _, fl := range fields {
		f := fl.f
		if f.Computed && (b.v1 || md == modeIn) {
			continue
		}
		st := site{ctx: fl.file, path: fl.file, rng: f.AnnRange, code: facts.CodeUnsupported, subst: fl.subst, tvars: fl.tvars}
		if fl.synth {
			st = site{}
		}
		ann := fl.ann
		ser, serialised := sers[f.Name]
		if serialised && !fl.synth {
			// A field serializer's return type is the serialised field's.
			ann, st.ctx = ser.e, ser.ctx
		}
		ps := b.typeSchema(ann, md, st)
		if d, ok := f.FieldArgs["discriminator"]; ok && !fl.synth {
			ps = b.discriminated(ps, parseExpr(d), st)
		}
		pname := f.Name
		if f.Alias != "" {
			pname = f.Alias
		} else if a, ok := aliases[f.Name]; ok && !fl.synth {
			pname = a
		}
		required := !f.HasDefault
		if b.v1 && required && f.Default != "..." && b.allowsNone(ann, st) {
			required = false
		}
		if f.Computed {
			required = true
			ps = withSiblings(ps, b.v1)
			ps.ReadOnly = true
		}
		// Pydantic renders a default through a plain serializer without an
		// info argument by calling it with the default alone, which a
		// method cannot take: the output schema has no default.
		if f.HasDefault && f.DefaultFactory == "" && !(serialised && !ser.info) {
			v, isNone := b.evalDefault(parseExpr(f.Default))
			// FastAPI renders no `default: null` (0.92 / Pydantic 1.10 and
			// 0.115 / Pydantic 2.10 alike).
			if !isNone {
				ps = withSiblings(ps, b.v1)
				ps.Default, ps.HasDefault = v, true
			}
		}
		if required {
			obj.Required = append(obj.Required, pname)
		}
		obj.Properties = append(obj.Properties, Property{Name: pname, Schema: ps})
	}
	return obj
}

// withSiblings prepares a schema for sibling keywords (default, readOnly):
// a bare $ref is wrapped in allOf under Pydantic v1 (JSON Schema draft 7
// ignores siblings of $ref); v2 keeps them side by side.
// Reference nodes are made per use and may take siblings directly; other
// schemas may be shared (scalar singletons), so they are copied.
func withSiblings(s *Schema, v1 bool) *Schema {
	if s.Ref != "" || s.refKey {
		if v1 {
			return &Schema{AllOf: []*Schema{s}}
		}
		return s
	}
	c := *s
	return &c
}

// enumRef returns a $ref to an enum's component.
func (b *builder) enumRef(name string) *Schema {
	ref := b.addRef(compKey{name, modeIn})
	if b.cur != nil {
		b.cur.deps = append(b.cur.deps, dep{name: name, enum: true})
	}
	b.ensureEnum(name)
	return ref
}

// ensureEnum builds an enum's component unless it exists.
func (b *builder) ensureEnum(name string) {
	key := compKey{name, modeIn}
	if _, ok := b.comps[key]; ok || (b.shallow && b.cur != nil) {
		return
	}
	ei := b.enums[name]
	s := &Schema{Title: ei.e.Name, Enum: []any{}}
	auto := 0
	lowerAuto := false
	for _, base := range ei.e.Bases {
		if h := parseExpr(base).head(); h == "StrEnum" || h == "str" {
			lowerAuto = h == "StrEnum"
		}
	}
	types := map[string]bool{}
	for _, mem := range ei.e.Members {
		v, _ := b.literal(parseExpr(mem.Value))
		if e := parseExpr(mem.Value); e != nil && e.Kind == exCall && e.head() == "auto" {
			auto++
			if lowerAuto {
				v = strings.ToLower(mem.Name)
			} else {
				v = json.Number(strconv.Itoa(auto))
			}
		}
		s.Enum = append(s.Enum, v)
		types[jsonType(v)] = true
	}
	if len(types) == 1 {
		for t := range types {
			s.Type = t
		}
	}
	b.comps[key] = &NamedSchema{Name: ei.e.Name, Schema: s, Model: ei.e.Name, File: ei.file.Path, Line: ei.e.Range.Start.Line}
	b.display[name] = ei.e.Name
	b.long[name] = ei.file.Path
	b.order = append(b.order, key)
}

func jsonType(v any) string {
	switch x := v.(type) {
	case string:
		return "string"
	case bool:
		return "boolean"
	case json.Number:
		if strings.ContainsAny(string(x), ".eE") {
			return "number"
		}
		return "integer"
	case nil:
		return "null"
	}
	return ""
}

// displayName renders a generic argument as Pydantic names it.
func (b *builder) displayName(e *expr) string {
	switch e.Kind {
	case exName:
		if id, ok := b.qual[e.Text]; ok {
			return className(id)
		}
		return e.head()
	case exSubscript:
		parts := make([]string, len(e.Args))
		for i, a := range e.Args {
			parts[i] = b.displayName(a)
		}
		return b.displayName(e.Base) + "[" + strings.Join(parts, ", ") + "]"
	}
	return e.String()
}

// longName is FastAPI's name for a model whose class name clashes with
// another reached model's: module and qualified name, dots as "__"
// (src.schemas.item.Item → src__schemas__item__Item).
func (b *builder) longName(file, short string) string {
	mod := b.ix.Module(file)
	if mod == "" {
		return short
	}
	return strings.ReplaceAll(mod, ".", "__") + "__" + short
}

// normalizeName is FastAPI/Pydantic's schema-name normalisation:
// characters outside [a-zA-Z0-9.\-_] become "_".
func normalizeName(s string) string {
	var sb strings.Builder
	for _, r := range s {
		if r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_') {
			sb.WriteRune(r)
		} else {
			sb.WriteByte('_')
		}
	}
	return sb.String()
}

// finish decides component names (Pydantic v2 splits a model used both as
// input and output into Name-Input / Name-Output when the two schemas
// differ), patches references and returns the sorted components.
func (b *builder) finish() []*NamedSchema {
	b.lastKeys = make(map[compKey]bool, len(b.comps))
	for k := range b.comps {
		b.lastKeys[k] = true
	}
	split := map[string]bool{}
	var nested map[string]bool
	both := false
	for key := range b.comps {
		if key.mode == modeOut {
			if _, ok := b.comps[compKey{key.name, modeIn}]; ok {
				both = true
				break
			}
		}
	}
	if !b.v1 && !both {
		both = b.usedBothWays()
	}
	if both {
		// A base name differs when its own schemas differ, or when it refers
		// (in either mode) to a name that differs.
		deps := map[string]map[string]bool{}
		for _, key := range b.order {
			if key.mode == modeIn {
				in := b.comps[key]
				if out, ok := b.comps[compKey{key.name, modeOut}]; ok && !sameSchema(in.Schema, out.Schema) {
					split[key.name] = true
				}
			}
			for _, k := range b.kidsOf(b.comps[key].Schema) {
				if deps[key.name] == nil {
					deps[key.name] = map[string]bool{}
				}
				deps[key.name][k.name] = true
			}
		}
		nested = b.splitNested(split, deps)
		for changed := true; changed; {
			changed = false
			for name, ds := range deps {
				_, okIn := b.comps[compKey{name, modeIn}]
				_, okOut := b.comps[compKey{name, modeOut}]
				if split[name] || !(okIn && okOut) {
					continue
				}
				for d := range ds {
					if split[d] {
						split[name], changed = true, true
						break
					}
				}
			}
		}
	}
	// Class names shared by several components (two modules' Item) take
	// FastAPI's module-qualified names; among the components routes reach
	// only those clash that are reached, unreached ones with anything.
	type seen struct {
		first string
		clash bool
	}
	all, reached := make(map[string]seen, len(b.display)), make(map[string]seen, len(b.display))
	note := func(m map[string]seen, d, n string) {
		if x, ok := m[d]; !ok {
			m[d] = seen{first: n}
		} else if x.first != n && !x.clash {
			m[d] = seen{first: x.first, clash: true}
		}
	}
	for k := range b.comps {
		d, ok := b.display[k.name]
		if !ok {
			continue
		}
		note(all, d, k.name)
		if b.reached == nil || b.reached[k.name] {
			note(reached, d, k.name)
		}
	}
	base := func(n string) string {
		d, ok := b.display[n]
		if !ok {
			return n
		}
		clash := all[d].clash
		if b.reached == nil || b.reached[n] {
			clash = reached[d].clash
		}
		if clash {
			return b.longName(b.long[n], d)
		}
		return d
	}
	finalNames := make(map[compKey]string, len(b.comps))
	final := func(k compKey) string {
		if n, ok := finalNames[k]; ok {
			return n
		}
		n := base(k.name)
		if split[k.name] {
			if k.mode == modeIn {
				n += "-Input"
			} else {
				n += "-Output"
			}
		}
		finalNames[k] = n
		return n
	}
	refs := make(map[compKey]string, len(b.comps))
	if len(nested) > 0 {
		b.outputCopies(nested)
	}
	// Documents are never changed once returned (Builder callers share
	// them): a reference node reused from an earlier build must already
	// carry its final name; when it does not (a name changed), the build
	// is redone without reusing nodes (see conflict).
	type patch struct {
		s   *Schema
		ref string
	}
	patches := make([]patch, 0, len(b.refs))
	for _, r := range b.refs {
		raw := r.key
		if nested[r.key.name] {
			r.key.mode = b.refMode(r)
		}
		ref, ok := refs[r.key]
		if !ok {
			ref = "#/components/schemas/" + final(r.key)
			refs[r.key] = ref
		}
		if !r.s.refKey {
			if r.s.Ref != ref {
				if b.renamed == nil {
					b.renamed = map[compKey]bool{}
				}
				b.renamed[raw] = true
			}
			continue
		}
		patches = append(patches, patch{r.s, ref})
	}
	if b.renamed != nil {
		return nil
	}
	for _, p := range patches {
		p.s.Ref = p.ref
		p.s.refKey = false
	}
	byName := map[string]*NamedSchema{}
	keyByName := make(map[string]compKey, len(b.comps))
	for _, key := range b.order {
		ns := b.comps[key]
		name := final(key)
		if _, dup := byName[name]; dup {
			continue // same schema in both modes, kept once
		}
		keyByName[name] = key
		if unreached := b.reached != nil && !b.reached[key.name]; ns.Name != name || ns.Unreached != unreached {
			cp := *ns // it may be in an earlier document
			cp.Name, cp.Unreached = name, unreached
			ns = &cp
			b.comps[key] = ns
		}
		byName[name] = ns
	}
	out := make([]*NamedSchema, 0, len(byName))
	for _, ns := range byName {
		out = append(out, ns)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	keyOf := make([]compKey, len(out))
	for i, ns := range out {
		keyOf[i] = keyByName[ns.Name]
	}
	b.named = &naming{names: finalNames, out: out, keyOf: keyOf, nested: nested, reached: b.reached}
	return out
}

// sameSchema compares two schemas, references by target name only.
func sameSchema(a, c *Schema) bool {
	if a == nil || c == nil {
		return a == c
	}
	if a.isRef || c.isRef {
		return a.isRef && c.isRef && a.rk.name == c.rk.name
	}
	if a.Ref != c.Ref || a.Type != c.Type || a.Format != c.Format || a.HasConst != c.HasConst || a.UniqueItems != c.UniqueItems ||
		a.AdditionalTrue != c.AdditionalTrue || a.HasDefault != c.HasDefault || a.ReadOnly != c.ReadOnly ||
		!reflect.DeepEqual(a.Enum, c.Enum) || !reflect.DeepEqual(a.Const, c.Const) || !reflect.DeepEqual(a.Default, c.Default) ||
		!reflect.DeepEqual(a.Required, c.Required) || !reflect.DeepEqual(a.MinItems, c.MinItems) || !reflect.DeepEqual(a.MaxItems, c.MaxItems) ||
		!reflect.DeepEqual(a.Discriminator, c.Discriminator) ||
		len(a.Properties) != len(c.Properties) {
		return false
	}
	for i := range a.Properties {
		if a.Properties[i].Name != c.Properties[i].Name || !sameSchema(a.Properties[i].Schema, c.Properties[i].Schema) {
			return false
		}
	}
	if !sameSchema(a.Items, c.Items) || !sameSchema(a.AdditionalProperties, c.AdditionalProperties) {
		return false
	}
	for _, pair := range [][2][]*Schema{{a.ItemsList, c.ItemsList}, {a.PrefixItems, c.PrefixItems}, {a.AnyOf, c.AnyOf}, {a.AllOf, c.AllOf}} {
		if len(pair[0]) != len(pair[1]) {
			return false
		}
		for i := range pair[0] {
			if !sameSchema(pair[0][i], pair[1][i]) {
				return false
			}
		}
	}
	return true
}

func walkRefs(s *Schema, fn func(compKey)) {
	if s == nil {
		return
	}
	if s.isRef {
		fn(s.rk)
	}
	walkRefs(s.Items, fn)
	walkRefs(s.AdditionalProperties, fn)
	for _, l := range [][]*Schema{s.ItemsList, s.PrefixItems, s.AnyOf, s.AllOf} {
		for _, x := range l {
			walkRefs(x, fn)
		}
	}
	for _, p := range s.Properties {
		walkRefs(p.Schema, fn)
	}
}

// kidsOf lists the references in a component's schema (memoised by node
// for the Builder's next build: schema nodes never change).
func (b *builder) kidsOf(s *Schema) []compKey {
	if ks, ok := b.kids[s]; ok {
		return ks
	}
	ks, ok := b.prevKids[s]
	if !ok {
		walkRefs(s, func(k compKey) { ks = append(ks, k) })
	}
	b.kids[s] = ks
	return ks
}

// evalDefault evaluates a default's source as a JSON value. isNone is true
// for None. Expressions it cannot evaluate (calls) render as their source
// text, so the property still counts as having a non-null default.
func (b *builder) evalDefault(e *expr) (v any, isNone bool) {
	if e == nil {
		return nil, true
	}
	if e.Kind == exNone {
		return nil, true
	}
	if v, ok := b.literal(e); ok {
		return v, false
	}
	if v, ok := b.decimalDefault(e); ok {
		return v, false
	}
	return e.String(), false
}

// plainDecimal is a decimal literal Python's str(Decimal(s)) gives back as
// it is.
var plainDecimal = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)

// decimalDefault renders `Decimal("9.90")` / `Decimal(0)` as FastAPI does:
// the string (Pydantic 2 serialises a Decimal as its str) or the number
// (Pydantic 1's encoder makes it a float).
func (b *builder) decimalDefault(e *expr) (any, bool) {
	if e.Kind != exCall || e.head() != "Decimal" || len(e.Args) != 1 || len(e.KwName) != 0 {
		return nil, false
	}
	a := e.Args[0]
	var text string
	switch {
	case a.Kind == exStr && plainDecimal.MatchString(a.Text):
		text = a.Text
	case a.Kind == exNum && plainDecimal.MatchString(a.Text) && !strings.Contains(a.Text, "."):
		text = a.Text // an int; a float literal converts inexactly
	default:
		return nil, false
	}
	if b.v1 {
		return json.Number(text), true
	}
	return text, true
}

// literal evaluates Python literals, containers of literals and enum members.
func (b *builder) literal(e *expr) (any, bool) {
	if e == nil {
		return nil, false
	}
	switch e.Kind {
	case exNone:
		return nil, true
	case exBool:
		return e.Text == "True", true
	case exStr:
		return e.Text, true
	case exNum:
		t := strings.ReplaceAll(e.Text, "_", "")
		if strings.HasPrefix(t, "0x") || strings.HasPrefix(t, "0o") || strings.HasPrefix(t, "0b") {
			if n, err := strconv.ParseInt(t, 0, 64); err == nil {
				return json.Number(strconv.FormatInt(n, 10)), true
			}
			return nil, false
		}
		if !strings.ContainsAny(t, ".eE") {
			if n, err := strconv.ParseInt(t, 10, 64); err == nil {
				return json.Number(strconv.FormatInt(n, 10)), true // "00" → 0
			}
		}
		if f, err := strconv.ParseFloat(t, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return json.Number(strconv.FormatFloat(f, 'g', -1, 64)), true
		}
	case exList, exTuple:
		out := make([]any, 0, len(e.Args))
		for _, a := range e.Args {
			v, ok := b.literal(a)
			if !ok {
				return nil, false
			}
			out = append(out, v)
		}
		return out, true
	case exDict:
		out := ordered{}
		for i := 0; i+1 < len(e.Args); i += 2 {
			k, ok := b.literal(e.Args[i])
			ks, isStr := k.(string)
			if !ok || !isStr {
				return nil, false
			}
			v, ok := b.literal(e.Args[i+1])
			if !ok {
				return nil, false
			}
			out = append(out, kv{ks, v})
		}
		return out, true
	case exName:
		if i := strings.LastIndexByte(e.Text, '.'); i > 0 {
			enum, member := e.Text[:i], e.Text[i+1:]
			if j := strings.LastIndexByte(enum, '.'); j >= 0 {
				enum = enum[j+1:]
			}
			if ei := b.enumByName[enum]; ei != nil && b.litDepth < 8 {
				for _, m := range ei.e.Members {
					if m.Name == member {
						b.litDepth++ // members may refer to members, even themselves
						v, ok := b.literal(parseExpr(m.Value))
						b.litDepth--
						return v, ok
					}
				}
			}
		}
	case exCall:
		switch e.head() {
		case "list", "set", "tuple", "frozenset":
			if len(e.Args) == 0 {
				return []any{}, true
			}
		case "dict":
			if len(e.Args) == 0 && len(e.KwName) == 0 {
				return ordered{}, true
			}
		}
	}
	return nil, false
}
