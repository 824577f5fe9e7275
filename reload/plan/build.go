package plan

import (
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/farm-stack/farm-lsp/analysis/facts"
)

// Targets of tasks that exist once per workspace.
const (
	TargetTypes      = "types"      // type-generation: apps/web/src/types/models
	TargetClient     = "api-client" // api-client-generation: types/api.ts, services/api.ts, hooks/api.ts
	TargetBackend    = "api"        // backend-reload
	TargetFrontend   = "web"        // frontend-hmr
	TargetMigrations = "migrations" // database-schema-update for edited migration files
	TargetAll        = "*"          // every AI provider / plugin (a whole config section changed)
)

// Priorities: among tasks whose dependencies are met, the lower runs first.
// AI model pulls can take minutes, so they go last.
const (
	prioSchema  = 1
	prioPlugin  = 1
	prioCodegen = 2
	prioBackend = 3
	prioHMR     = 4
	prioAI      = 5
)

// Options are the configuration switches the planner honours
// (farm.config.ts development.hotReload, LSP overrides). The zero value is
// the default configuration: every kind of task enabled.
type Options struct {
	// DisableTypeGeneration: typeGeneration.enabled is false; neither
	// TypeScript types nor the API client are regenerated.
	DisableTypeGeneration bool
	// NoTypesOnModelChange: typeGeneration.generateOnModelChange is false.
	NoTypesOnModelChange bool
	// NoClientOnRouteChange: typeGeneration.generateOnRouteChange is false.
	NoClientOnRouteChange bool
	// DisableAI: aiModels.enabled is false; ai-* changes only get a note.
	DisableAI bool
	// DisableDatabase: no database is configured; Document shape changes
	// plan no database-schema-update.
	DisableDatabase bool
	// MaxReasonItems caps how many changes a task's Reason names before
	// "and N more" (a git checkout touches hundreds). 0 means 6.
	MaxReasonItems int
}

// DefaultOptions returns the default configuration (the zero Options).
func DefaultOptions() Options { return Options{} }

func (o Options) typesOnModelChange() bool {
	return !o.DisableTypeGeneration && !o.NoTypesOnModelChange
}

func (o Options) clientOnRouteChange() bool {
	return !o.DisableTypeGeneration && !o.NoClientOnRouteChange
}

// Build turns the semantic changes of one save (or one coalesced burst) into
// a plan, following DESIGN.md "Plan rules":
//
//   - model shape in a Document: database-schema-update → type-generation →
//     frontend-hmr (full) and backend-reload; index and collection changes
//     only need database-schema-update → backend-reload (TS types are
//     unaffected);
//   - model shape in a BaseModel (or an enum): type-generation →
//     frontend-hmr (full) and backend-reload;
//   - validator, handler body, other backend source: backend-reload;
//   - route signature: api-client-generation → backend-reload and
//     frontend-hmr (full);
//   - ai-*: ai-model-reload per provider; plugin-*: plugin-reload per plugin
//     → frontend-hmr (full) (and backend-reload when the manifest has a
//     backend part);
//   - TSX: body, props, imports and added components hot-update modules;
//     hooks changes remount; removed/renamed components and non-component
//     exports need a full reload;
//   - farm.config.ts: per section; "development" plans nothing (the server
//     reconfigures itself, said in Plan.Notes).
//
// Files with a syntax-error change plan nothing. Tasks are deduplicated by
// (Kind, Target): files, changes and reasons merge, dependencies unite and a
// frontend-hmr keeps its strongest mode (full > remount > modules). Task IDs
// are "t1", "t2", … in execution order. Build never returns nil slices; on a
// dependency cycle it sets Err and returns no tasks.
func Build(id string, trig Trigger, changes []facts.Change, opts Options) Plan {
	p := Plan{
		ID:      id,
		Trigger: trig,
		Files:   []string{},
		Changes: []facts.Change{},
		Tasks:   []Task{},
	}
	seenFile := map[string]bool{}
	addFile := func(f string) {
		if f != "" && !seenFile[f] {
			seenFile[f] = true
			p.Files = append(p.Files, f)
		}
	}
	addFile(trig.Path)
	broken := map[string]bool{}
	for _, c := range changes {
		addFile(c.Path)
		if c.Kind == facts.SyntaxError {
			broken[c.Path] = true
		}
	}
	p.Changes = append(p.Changes, changes...)

	b := newBuilder(opts, changes)
	brokenPaths := make([]string, 0, len(broken))
	for bp := range broken {
		brokenPaths = append(brokenPaths, bp)
	}
	sort.Strings(brokenPaths)
	for _, bp := range brokenPaths {
		b.note(fmt.Sprintf("%s has syntax errors: nothing is planned from it until it parses.", bp))
	}
	for i := range changes {
		c := &changes[i]
		if broken[c.Path] {
			continue
		}
		b.apply(c)
	}
	p.Notes = b.notes

	tasks, err := b.finish()
	if err != nil {
		p.Err = err.Error()
		return p
	}
	p.Tasks = tasks
	return p
}

// modelShape are the changes that alter a model's schema or TS shape.
var modelShape = map[facts.ChangeKind]bool{
	facts.ModelAdded: true, facts.ModelRemoved: true, facts.BaseChanged: true,
	facts.FieldAdded: true, facts.FieldRemoved: true, facts.FieldRenamed: true,
	facts.FieldTypeChanged: true, facts.FieldOptionalityChange: true,
	facts.FieldDefaultChanged: true, facts.FieldAliasChanged: true,
	facts.EnumMemberAdded: true, facts.EnumMemberRemoved: true,
	facts.EnumAdded: true, facts.EnumRemoved: true,
}

// storage are Document changes that touch only the database.
var storage = map[facts.ChangeKind]bool{
	facts.CollectionRenamed: true, facts.IndexAdded: true, facts.IndexRemoved: true,
}

// routeSignature are the changes that alter the HTTP API's shape.
var routeSignature = map[facts.ChangeKind]bool{
	facts.RouteAdded: true, facts.RouteRemoved: true, facts.RouteMethodChanged: true,
	facts.RoutePathChanged: true, facts.ResponseModelChanged: true, facts.ParamsChanged: true,
	facts.RouterPrefixChanged: true, facts.IncludeChanged: true,
}

var aiChange = map[facts.ChangeKind]bool{
	facts.AIProviderAdded: true, facts.AIProviderRemoved: true, facts.AIProviderUpdated: true,
	facts.AIModelAdded: true, facts.AIModelRemoved: true, facts.AIModelUpdated: true,
}

var pluginChange = map[facts.ChangeKind]bool{
	facts.PluginAdded: true, facts.PluginRemoved: true, facts.PluginUpdated: true,
}

// hmrMode maps TSX change kinds to the frontend-hmr mode they need and why.
var hmrMode = map[facts.ChangeKind]struct{ mode, why string }{
	facts.BodyOnly:           {HMRModules, ""},
	facts.PropsChanged:       {HMRModules, ""}, // type-only: erased at runtime
	facts.ImportsChanged:     {HMRModules, ""},
	facts.ComponentAdded:     {HMRModules, ""}, // Fast Refresh accepts a new component export
	facts.HooksChanged:       {HMRRemount, "hooks changed, component state resets"},
	facts.ComponentRemoved:   {HMRFull, "a component export was removed"},
	facts.ComponentRenamed:   {HMRFull, "a component export was renamed"},
	facts.NonComponentExport: {HMRFull, "a non-component export changed, which Fast Refresh cannot hot-update"},
}

var modeRank = map[string]int{"": 0, HMRModules: 1, HMRRemount: 2, HMRFull: 3}

type key struct {
	kind   TaskKind
	target string
}

// draft is a task being built.
type draft struct {
	Task
	seq     int
	deps    []*draft
	descs   []string
	descSet map[string]bool
	files   map[string]bool
	whys    []string // frontend-hmr: why the mode is what it is
}

type builder struct {
	opts  Options
	all   []facts.Change
	order []*draft
	byKey map[key]*draft
	notes []string
	noted map[string]bool
}

func newBuilder(opts Options, all []facts.Change) *builder {
	return &builder{opts: opts, all: all, byKey: map[key]*draft{}, noted: map[string]bool{}}
}

func (b *builder) note(s string) {
	if !b.noted[s] {
		b.noted[s] = true
		b.notes = append(b.notes, s)
	}
}

// add returns the task for (kind, target), creating it when new, and records
// that c caused it and that it depends on deps.
func (b *builder) add(kind TaskKind, target string, prio int, c *facts.Change, deps ...*draft) *draft {
	k := key{kind, target}
	d := b.byKey[k]
	if d == nil {
		d = &draft{
			Task:    Task{Kind: kind, Target: target, Priority: prio},
			seq:     len(b.order),
			descSet: map[string]bool{},
			files:   map[string]bool{},
		}
		b.byKey[k] = d
		b.order = append(b.order, d)
	}
	for _, dep := range deps {
		if dep != nil && dep != d && !containsDraft(d.deps, dep) {
			d.deps = append(d.deps, dep)
		}
	}
	if c != nil {
		d.Changes = append(d.Changes, *c)
		if c.Path != "" && !d.files[c.Path] {
			d.files[c.Path] = true
			d.Files = append(d.Files, c.Path)
		}
		if s := describe(c); !d.descSet[s] {
			d.descSet[s] = true
			d.descs = append(d.descs, s)
		}
	}
	return d
}

func containsDraft(ds []*draft, d *draft) bool {
	for _, x := range ds {
		if x == d {
			return true
		}
	}
	return false
}

// hmr adds (or strengthens) the frontend-hmr task.
func (b *builder) hmr(mode, why string, c *facts.Change, deps ...*draft) *draft {
	d := b.add(FrontendHMR, TargetFrontend, prioHMR, c, deps...)
	if modeRank[mode] > modeRank[d.Mode] {
		d.Mode = mode
	}
	if why != "" {
		for _, w := range d.whys {
			if w == why {
				return d
			}
		}
		d.whys = append(d.whys, why)
	}
	return d
}

func (b *builder) backend(c *facts.Change, deps ...*draft) *draft {
	return b.add(BackendReload, TargetBackend, prioBackend, c, deps...)
}

func (b *builder) apply(c *facts.Change) {
	switch {
	case modelShape[c.Kind]:
		b.modelShape(c)
	case c.Kind == facts.FieldOrderChanged:
		// Only the generated interfaces' property order moves; the stored
		// documents and the database schema do not.
		if b.opts.typesOnModelChange() {
			g := b.add(TypeGeneration, TargetTypes, prioCodegen, c)
			b.hmr(HMRFull, "TypeScript types were regenerated", c, g)
		}
		b.backend(c)
	case storage[c.Kind]:
		if c.ModelKind == facts.ModelDocument && !b.opts.DisableDatabase {
			s := b.add(DatabaseSchemaUpdate, modelName(c), prioSchema, c)
			b.backend(c, s)
		} else {
			b.backend(c)
		}
	case c.Kind == facts.ValidatorChanged, c.Kind == facts.HandlerBodyChanged:
		b.backend(c)
	case routeSignature[c.Kind]:
		if b.opts.clientOnRouteChange() {
			g := b.add(APIClientGeneration, TargetClient, prioCodegen, c)
			b.hmr(HMRFull, "the API client was regenerated", c, g)
		}
		b.backend(c)
	case aiChange[c.Kind]:
		if b.opts.DisableAI {
			b.note(fmt.Sprintf("AI hot reload is disabled: %s is not applied until the next start.", describe(c)))
			return
		}
		b.add(AIModelReload, provider(c.Subject), prioAI, c)
	case pluginChange[c.Kind]:
		b.plugin(pluginName(c), c)
	case c.Kind == facts.SectionChanged:
		b.section(c)
	case c.Kind == facts.MigrationChanged:
		if !b.opts.DisableDatabase {
			b.add(DatabaseSchemaUpdate, TargetMigrations, prioSchema, c)
		}
	case c.Kind == facts.GeneratedFileEdited:
		b.note(fmt.Sprintf("%s is generated by farm-lsp and was edited by hand: run farm.regenerate to restore it.", c.Path))
	default:
		if m, ok := hmrMode[c.Kind]; ok && !c.FileKind.IsPython() {
			b.hmr(m.mode, m.why, c)
			return
		}
		b.byFileKind(c)
	}
}

// modelShape plans a change to a model's fields, bases or an enum.
func (b *builder) modelShape(c *facts.Change) {
	var prev []*draft
	if c.ModelKind == facts.ModelDocument && !b.opts.DisableDatabase {
		prev = append(prev, b.add(DatabaseSchemaUpdate, modelName(c), prioSchema, c))
	}
	// A model stored inside Documents (an embedded BaseModel, a base class)
	// changes their stored shape too.
	if !b.opts.DisableDatabase && c.Kind != facts.ModelAdded {
		for _, d := range c.EmbeddedIn {
			prev = append(prev, b.add(DatabaseSchemaUpdate, d, prioSchema, c))
		}
	}
	// Type generation reads the models, not the database: it does not
	// wait for the migration. The backend does (it may query the new
	// field or index); the page waits for the types it imports.
	if b.opts.typesOnModelChange() {
		g := b.add(TypeGeneration, TargetTypes, prioCodegen, c)
		b.hmr(HMRFull, "TypeScript types were regenerated", c, g)
	}
	// A route's signature names models: when one appears, disappears or
	// stops being a model (a rename is both), the client's parameters and
	// body types change too (a body model that no longer resolves becomes
	// a query parameter).
	if modelIdentity[c.Kind] && b.opts.clientOnRouteChange() {
		cl := b.add(APIClientGeneration, TargetClient, prioCodegen, c)
		b.hmr(HMRFull, "the API client was regenerated", c, cl)
	}
	b.backend(c, prev...)
}

// modelIdentity are the model changes that can change a route's signature.
var modelIdentity = map[facts.ChangeKind]bool{
	facts.ModelAdded: true, facts.ModelRemoved: true, facts.BaseChanged: true,
}

func (b *builder) plugin(name string, c *facts.Change) {
	r := b.add(PluginReload, name, prioPlugin, c)
	b.hmr(HMRFull, "the plugin registry was regenerated", c, r)
	if strings.Contains(c.Before, `"backend"`) || strings.Contains(c.After, `"backend"`) {
		b.backend(c, r)
	}
}

// section plans a changed top-level section of farm.config.ts.
func (b *builder) section(c *facts.Change) {
	sec, _, _ := strings.Cut(strings.TrimPrefix(c.Subject, "config."), ".")
	switch sec {
	case "development":
		b.note("farm.config.ts development settings changed: the server reconfigures itself live (debounce, watch paths, backend command); no reload task is needed.")
	case "ai":
		if b.has(aiChange) {
			return // the ai-* changes name the providers
		}
		if b.opts.DisableAI {
			b.note("AI hot reload is disabled: the ai section change is not applied until the next start.")
			return
		}
		b.add(AIModelReload, TargetAll, prioAI, c)
	case "plugins":
		if b.has(pluginChange) {
			return
		}
		b.plugin(TargetAll, c)
	case "database":
		b.backend(c) // the backend reads the connection settings when it starts
	default:
		b.note(fmt.Sprintf("farm.config.ts section %q changed: no reload task applies to it.", sec))
	}
}

// has reports whether any change of the plan is of one of kinds.
func (b *builder) has(kinds map[facts.ChangeKind]bool) bool {
	for _, c := range b.all {
		if kinds[c.Kind] {
			return true
		}
	}
	return false
}

// byFileKind plans a change the semantic rules do not cover (source-changed,
// file-added/removed, imports in Python) by the kind of file it is in.
func (b *builder) byFileKind(c *facts.Change) {
	switch c.FileKind {
	case facts.KindBackendModel, facts.KindBackendRoute, facts.KindBackendSource, facts.KindAIConfig:
		b.backend(c)
	case facts.KindFrontendComponent, facts.KindFrontendPage, facts.KindFrontendHook,
		facts.KindFrontendSource, facts.KindStyle, facts.KindAsset:
		if c.Kind == facts.FileRemoved {
			b.hmr(HMRFull, "a module was removed", c)
		} else {
			b.hmr(HMRModules, "", c)
		}
	case facts.KindViteConfig:
		b.hmr(HMRFull, "the Vite config changed", c)
	case facts.KindPluginConfig:
		b.plugin(pluginName(c), c)
	case facts.KindDatabaseMigration:
		if !b.opts.DisableDatabase {
			b.add(DatabaseSchemaUpdate, TargetMigrations, prioSchema, c)
		}
	case facts.KindGenerated:
		b.note(fmt.Sprintf("%s is generated by farm-lsp and was edited by hand: run farm.regenerate to restore it.", c.Path))
	case facts.KindFarmConfig:
		// Semantic section-changed changes carry farm.config.ts edits.
	default:
		if c.Path != "" {
			b.note(fmt.Sprintf("%s: %s needs no reload.", c.Path, words(c.Kind)))
		}
	}
}

// finish orders the drafts, assigns IDs in execution order and renders
// reasons.
func (b *builder) finish() ([]Task, error) {
	tmp := make([]Task, len(b.order))
	for i, d := range b.order {
		t := d.Task
		t.ID = "d" + strconv.Itoa(d.seq)
		t.DependsOn = make([]string, 0, len(d.deps))
		for _, dep := range d.deps {
			t.DependsOn = append(t.DependsOn, "d"+strconv.Itoa(dep.seq))
		}
		t.Reason = b.reason(d)
		tmp[i] = t
	}
	ordered, err := Order(tmp)
	if err != nil {
		return nil, err
	}
	rename := make(map[string]string, len(ordered))
	for i, t := range ordered {
		rename[t.ID] = "t" + strconv.Itoa(i+1)
	}
	for i := range ordered {
		t := &ordered[i]
		t.ID = rename[t.ID]
		for j, dep := range t.DependsOn {
			t.DependsOn[j] = rename[dep]
		}
		sort.Slice(t.DependsOn, func(x, y int) bool {
			return idNum(t.DependsOn[x]) < idNum(t.DependsOn[y])
		})
	}
	return ordered, nil
}

func idNum(id string) int {
	n, _ := strconv.Atoi(strings.TrimPrefix(id, "t"))
	return n
}

// reason renders a task's human sentence: what it does and which changes
// caused it.
func (b *builder) reason(d *draft) string {
	var head string
	switch d.Kind {
	case DatabaseSchemaUpdate:
		if d.Target == TargetMigrations {
			head = "Apply the edited schema migrations"
		} else {
			head = "Update the database schema of " + d.Target
		}
	case TypeGeneration:
		head = "Regenerate TypeScript types"
	case APIClientGeneration:
		head = "Regenerate the API client and query hooks"
	case BackendReload:
		head = "Reload the backend"
	case FrontendHMR:
		switch d.Mode {
		case HMRFull:
			head = "Full page reload (" + strings.Join(d.whys, "; ") + ")"
		case HMRRemount:
			head = "Hot update with remount (" + strings.Join(d.whys, "; ") + ")"
		default:
			head = "Hot update the changed modules"
		}
	case AIModelReload:
		if d.Target == TargetAll {
			head = "Reload every AI provider"
		} else {
			head = "Reload AI provider " + d.Target
		}
	case PluginReload:
		if d.Target == TargetAll {
			head = "Reload every plugin"
		} else {
			head = "Reload plugin " + d.Target
		}
	default:
		head = "Run " + string(d.Kind) + " " + d.Target
	}
	if len(d.descs) == 0 {
		return head + "."
	}
	max := b.opts.MaxReasonItems
	if max <= 0 {
		max = 6
	}
	items := d.descs
	more := 0
	if len(items) > max {
		more = len(items) - max
		items = items[:max]
	}
	s := head + " for " + strings.Join(items, ", ")
	if more > 0 {
		s += fmt.Sprintf(" and %d more", more)
	}
	return s + "."
}

// describe names a change briefly: "field added User.email".
func describe(c *facts.Change) string {
	subj := c.Subject
	if subj == "" {
		subj = c.Path
	}
	if subj == "" {
		return words(c.Kind)
	}
	return words(c.Kind) + " " + subj
}

func words(k facts.ChangeKind) string { return strings.ReplaceAll(string(k), "-", " ") }

// modelName is the model a change's subject names ("User.email" → "User").
func modelName(c *facts.Change) string {
	m, _, _ := strings.Cut(c.Subject, ".")
	if m == "" {
		return path.Base(c.Path)
	}
	return m
}

// provider extracts the AI provider from a subject such as
// "ai.providers.ollama", "ai.providers.ollama.models.llama3.1",
// "ollama/llama3.1" or "ollama".
func provider(subject string) string {
	s := strings.TrimPrefix(subject, "ai.")
	s = strings.TrimPrefix(s, "providers.")
	if i := strings.IndexAny(s, "./:"); i >= 0 {
		s = s[:i]
	}
	if s == "" {
		return TargetAll
	}
	return s
}

// pluginName extracts the plugin from a change: its path
// ("plugins/analytics/plugin.ts") or else its subject ("analytics",
// "plugins.analytics").
func pluginName(c *facts.Change) string {
	parts := strings.Split(c.Path, "/")
	for i := 0; i+2 < len(parts); i++ {
		if parts[i] == "plugins" {
			return parts[i+1]
		}
	}
	if c.Subject != "" {
		s := strings.TrimPrefix(c.Subject, "plugins.")
		if i := strings.IndexAny(s, "./"); i >= 0 {
			s = s[:i]
		}
		if s != "" {
			return s
		}
	}
	return TargetAll
}
