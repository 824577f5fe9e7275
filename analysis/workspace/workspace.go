// Package workspace keeps the analysed state of one FARM workspace: per
// file the last parse (for incremental reparse) and the last good facts, the
// import graph, and model kinds resolved across files. Update takes a
// file's new bytes and returns its semantic changes. It is pure: it reads
// nothing from disk; callers hand it bytes.
package workspace

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"iter"
	"path"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/farm-stack/farm-lsp/analysis/classify"
	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/analysis/imports"
	"github.com/farm-stack/farm-lsp/analysis/parse"
	"github.com/farm-stack/farm-lsp/analysis/pyast"
	"github.com/farm-stack/farm-lsp/analysis/pymod"
	"github.com/farm-stack/farm-lsp/analysis/staticjs"
	"github.com/farm-stack/farm-lsp/analysis/tsxast"
)

// DefaultMaxFileSize is the largest file that is parsed. Source files this
// big are generated or vendored; parsing them would stall every save.
const DefaultMaxFileSize = 4 << 20

// DefaultMaxDepth is the deepest syntax tree that is analysed. Every walk
// over a tree is linear in its size, but some (extraction of nested
// expressions, hashing) recurse; real code stays far below this (CPython
// itself refuses 200 nested brackets, about 600 tree levels), generated or
// hostile input does not.
const DefaultMaxDepth = 2000

// DefaultMaxNodes is the largest syntax tree (in nodes) that is analysed:
// about what a 3 MB source file of ordinary code parses into. Bigger trees
// get a "too complex to analyse" diagnostic rather than holding up every
// other file's analysis.
const DefaultMaxNodes = 1_000_000

// Options configure a Workspace.
type Options struct {
	Classifier  *classify.Classifier // nil: classify.Default()
	MaxFileSize int                  // 0: DefaultMaxFileSize
	// MaxDepth and MaxNodes bound the syntax tree of one file: a file whose
	// tree is deeper or bigger is reported "too complex to analyse" (code
	// file-skipped, at the file) and keeps its last good facts. 0: the
	// defaults; negative: no bound.
	MaxDepth int // 0: DefaultMaxDepth
	MaxNodes int // 0: DefaultMaxNodes
	// OneShot is for a workspace that is loaded once and never updated (the
	// one-shot commands: farm-lsp generate, openapi): its facts carry no
	// semantic hashes, which only diffs of later versions read, and of
	// farm.config and plugin manifests in TypeScript only what they are
	// read for, the configuration and its diagnostics
	// (tsxast.ExtractConfig).
	OneShot bool
	// Facts, when set, keeps the facts of Python files across processes
	// (analysis/factcache): a file whose content, path, kind and limits
	// were analysed before is not parsed again. Such a file has no parse
	// to reuse, so it suits workspaces that are not updated (OneShot).
	Facts FactCache
}

// FactCache stores extracted facts by what they were extracted from (meta:
// path, kind and analysis options; and the content).
type FactCache interface {
	Get(meta string, content []byte) *facts.File
	Put(meta string, content []byte, f *facts.File)
}

// limits are the per-file analysis bounds.
type limits struct {
	size, depth, nodes int
	oneShot            bool      // Options.OneShot
	facts              FactCache // Options.Facts
}

// Result is what one Update or Remove found.
type Result struct {
	Path string     // workspace-relative slash path
	Kind facts.Kind // classification
	// Changes are the semantic changes against the last good version, with
	// ModelKind resolved. Empty for cosmetic edits and for broken files.
	Changes []facts.Change
	// Diagnostics is the full set of analysis diagnostics for the file now
	// (syntax errors, unevaluable config, skipped file). Empty clears.
	Diagnostics []facts.Diagnostic
	// SyntaxError is set when the new content does not parse cleanly; the
	// file's last good facts are kept and nothing should be planned.
	SyntaxError bool
	// Unchanged is set when the content is byte-identical to the last seen.
	Unchanged bool
	// Skipped says why the file was not analysed (too large), if it was not.
	Skipped string
	// Affected lists the files importing this one, transitively.
	Affected []string
	// File is the file's current good facts (nil for removed or never-good).
	File *facts.File
}

type entry struct {
	kind  facts.Kind
	hash  string      // of the last content seen
	doc   *parse.Doc  // last parse, good or broken, reused for the next parse
	good  *facts.File // last good facts; never mutated once stored
	diags []facts.Diagnostic
}

// Workspace is safe for concurrent use.
type Workspace struct {
	mu      sync.Mutex
	cls     *classify.Classifier
	maxSize int
	lim     limits
	files   map[string]*entry
	graph   *imports.Graph
	py      pyState
	kinds   map[string]facts.ModelKind // resolved kind of every class, by name
	// embeds maps a model name to the models that store it (with the count
	// of models by that name doing so): that name a field of its type (not
	// through Link/BackLink) or subclass it.
	embeds map[string]map[string]int
	// snap is the last Snapshot handed out, valid until the good facts
	// change (every caller between two saves shares one copy).
	snap *Snapshot
}

// New returns an empty workspace.
func New(opts Options) *Workspace {
	if opts.Classifier == nil {
		opts.Classifier = classify.Default()
	}
	if opts.MaxFileSize <= 0 {
		opts.MaxFileSize = DefaultMaxFileSize
	}
	lim := limits{size: opts.MaxFileSize, depth: opts.MaxDepth, nodes: opts.MaxNodes, oneShot: opts.OneShot, facts: opts.Facts}
	if lim.depth == 0 {
		lim.depth = DefaultMaxDepth
	}
	if lim.nodes == 0 {
		lim.nodes = DefaultMaxNodes
	}
	w := &Workspace{cls: opts.Classifier, maxSize: opts.MaxFileSize, lim: lim, files: map[string]*entry{}, graph: imports.New()}
	w.resetPy()
	return w
}

// SetClassifier replaces the classifier (farm.config.ts paths changed).
// Already-indexed files keep their kind until their next update.
func (w *Workspace) SetClassifier(c *classify.Classifier) {
	w.mu.Lock()
	w.cls = c
	w.mu.Unlock()
}

// Kind classifies a path with the current classifier.
func (w *Workspace) Kind(rel string) facts.Kind {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.cls.Kind(rel)
}

// Normalize turns a path into the workspace-relative slash form used as key.
func Normalize(rel string) string {
	return strings.TrimPrefix(path.Clean(strings.ReplaceAll(rel, "\\", "/")), "./")
}

// analysed is the outcome of parsing one file, before it is stored.
type analysed struct {
	rel     string
	kind    facts.Kind
	hash    string
	doc     *parse.Doc
	file    *facts.File // nil when the file is not modelled (asset, too big)
	skipped string
}

func contentHash(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:16])
}

// langOf picks the grammar for a path, or false when it is not parsed.
func langOf(rel string, kind facts.Kind) (parse.Lang, bool) {
	switch {
	case strings.HasSuffix(rel, ".py"):
		return parse.Python, true
	case strings.HasSuffix(rel, ".tsx"), strings.HasSuffix(rel, ".jsx"):
		return parse.TSX, true
	case strings.HasSuffix(rel, ".ts"), strings.HasSuffix(rel, ".mts"), strings.HasSuffix(rel, ".cts"):
		return parse.TypeScript, true
	case strings.HasSuffix(rel, ".js"), strings.HasSuffix(rel, ".mjs"):
		return parse.TSX, true // JS may hold JSX; the TSX grammar reads both
	}
	return 0, false
}

// analyse parses and extracts one file. It does not touch workspace state
// except reading prev (the previous parse), so it may run in parallel.
func analyse(ctx context.Context, rel string, kind facts.Kind, content []byte, prev *parse.Doc, lim limits) (analysed, error) {
	maxSize := lim.size
	a := analysed{rel: rel, kind: kind, hash: contentHash(content)}
	if len(content) > maxSize {
		a.skipped = fmt.Sprintf("file is %d bytes, over the %d-byte analysis limit: not parsed", len(content), maxSize)
		return a, nil
	}
	switch {
	case kind == facts.KindGenerated, kind == facts.KindStyle, kind == facts.KindAsset:
		return a, nil
	case strings.HasSuffix(rel, ".json"):
		if kind != facts.KindPluginConfig && kind != facts.KindDatabaseMigration && path.Base(rel) != "tsconfig.json" {
			return a, nil
		}
		v, diags := staticjs.ParseJSON(content, rel)
		f := &facts.File{Path: rel, Kind: kind, Hash: a.hash, Config: v, Diagnostics: diags}
		f.HasErrors = hasSyntaxError(diags)
		if v != nil {
			f.SemanticHash = parse.Hash(v.Canonical())
		}
		a.file = f
		return a, nil
	}
	lang, ok := langOf(rel, kind)
	if !ok {
		return a, nil
	}
	var meta string
	if lang == parse.Python && lim.facts != nil {
		meta = fmt.Sprintf("%s\x00%s\x00%d/%d/%d/%t", rel, kind, lim.size, lim.depth, lim.nodes, lim.oneShot)
		if f := lim.facts.Get(meta, content); f != nil {
			f.Hash = a.hash
			a.file = f
			return a, nil
		}
	}
	doc, err := parse.Parse(ctx, lang, content, prev)
	if err != nil {
		if ctx.Err() != nil {
			return a, err
		}
		// tree-sitter gave up (pathological input): say so on the file.
		a.skipped = "not analysed: " + err.Error()
		return a, nil
	}
	if why := tooComplex(doc, lim); why != "" {
		a.skipped = "too complex to analyse: " + why
		return a, nil
	}
	a.doc = doc
	switch {
	case lang == parse.Python:
		a.file = pyast.ExtractWith(doc, rel, kind, pyast.Options{NoSemanticHash: lim.oneShot, ContentHash: a.hash})
	case lim.oneShot:
		a.file = tsxast.ExtractConfig(doc, rel, kind)
	default:
		a.file = tsxast.Extract(doc, rel, kind)
	}
	a.file.Hash = a.hash
	if meta != "" {
		lim.facts.Put(meta, content, a.file)
	}
	return a, nil
}

// tooComplex says why a parsed file is over the tree limits, or "".
func tooComplex(doc *parse.Doc, lim limits) string {
	nodes, depth := doc.Shape(max(lim.nodes, 0), max(lim.depth, 0))
	switch {
	case lim.depth > 0 && depth > lim.depth:
		return fmt.Sprintf("its syntax tree nests more than %d levels deep (the limit); not analysed", lim.depth)
	case lim.nodes > 0 && nodes > lim.nodes:
		return fmt.Sprintf("its syntax tree has more than %d nodes (the limit); not analysed", lim.nodes)
	}
	return ""
}

func hasSyntaxError(ds []facts.Diagnostic) bool {
	for _, d := range ds {
		if d.Code == facts.CodeSyntaxError {
			return true
		}
	}
	return false
}

// Update analyses new content for a file and returns what changed against
// its last good version.
func (w *Workspace) Update(ctx context.Context, rel string, content []byte) (Result, error) {
	rel = Normalize(rel)
	w.mu.Lock()
	kind := w.cls.Kind(rel)
	e := w.files[rel]
	var prev *parse.Doc
	if e != nil {
		if e.hash == contentHash(content) && e.kind == kind {
			res := Result{Path: rel, Kind: kind, Unchanged: true, Diagnostics: e.diags, File: e.good,
				SyntaxError: hasSyntaxError(e.diags)}
			w.mu.Unlock()
			return res, nil
		}
		prev = e.doc
	}
	lim := w.lim
	w.mu.Unlock()

	// Parse outside the lock: snapshots and other readers go on meanwhile.
	// Updates of one workspace come from one goroutine (the coordinator's
	// analysis loop), so no other update races this file.
	a, err := analyse(ctx, rel, kind, content, prev, lim)
	if err != nil {
		return Result{Path: rel, Kind: kind}, err
	}

	w.mu.Lock()
	defer w.mu.Unlock()
	return w.store(a), nil
}

// store records an analysed file and computes its changes. Caller holds mu.
func (w *Workspace) store(a analysed) Result {
	w.snap = nil
	e := w.files[a.rel]
	if e == nil {
		e = &entry{}
		w.files[a.rel] = e
	}
	res := Result{Path: a.rel, Kind: a.kind}
	old := e.good
	e.kind, e.hash = a.kind, a.hash
	if a.doc != nil {
		e.doc = a.doc
	}
	switch {
	case a.skipped != "":
		res.Skipped = a.skipped
		e.diags = []facts.Diagnostic{{Path: a.rel, Severity: facts.SeverityWarning, Code: facts.CodeFileSkipped, Message: a.skipped}}
		e.doc = nil
	case a.file == nil:
		e.diags = nil
		if a.kind == facts.KindGenerated && old == nil {
			// First sighting of our own output: remember it, nothing changed.
			e.good = &facts.File{Path: a.rel, Kind: a.kind, Hash: a.hash}
		} else if a.kind == facts.KindGenerated {
			res.Changes = []facts.Change{{Kind: facts.GeneratedFileEdited, Path: a.rel, FileKind: a.kind,
				Subject: a.rel, Detail: "a generated file changed on disk"}}
			e.good = &facts.File{Path: a.rel, Kind: a.kind, Hash: a.hash}
		}
	case a.file.HasErrors:
		res.SyntaxError = true
		e.diags = a.file.Diagnostics
		if len(e.diags) > 0 {
			d := e.diags[0]
			res.Changes = []facts.Change{{Kind: facts.SyntaxError, Path: a.rel, FileKind: a.kind, Subject: a.rel,
				Detail: d.Message, Range: d.Range}}
		}
	default:
		e.diags = a.file.Diagnostics
		if path.Base(a.rel) == "tsconfig.json" {
			w.graph.SetAliases(dirOf(a.rel), imports.ParseTSConfigPaths(dirOf(a.rel), a.file.Config))
		}
		w.graph.Set(a.rel, a.file.Imports)
		e.good = a.file
		// Kinds resolve across files: re-resolve this file and those whose
		// resolution read what it changed.
		w.setPy(a.rel, a.file)
		e = w.files[a.rel] // setPy may have replaced good
		res.Changes = w.diff(old, e.good, a.rel, a.kind)
	}
	res.Diagnostics = e.diags
	res.File = e.good
	res.Affected = w.graph.Affected(a.rel)
	return res
}

func dirOf(rel string) string {
	d := path.Dir(rel)
	if d == "." {
		return ""
	}
	return d
}

// diff dispatches to the language's semantic diff and stamps model kinds.
// Caller holds mu and has resolved kinds.
func (w *Workspace) diff(old, cur *facts.File, rel string, kind facts.Kind) []facts.Change {
	empty := &facts.File{Path: rel, Kind: kind}
	if old == nil {
		old = empty
	}
	if cur == nil {
		cur = empty
	}
	if old.SemanticHash != "" && old.SemanticHash == cur.SemanticHash && old.Kind == cur.Kind {
		return nil // cosmetic: comments, whitespace, formatting
	}
	var changes []facts.Change
	switch {
	case kind == facts.KindDatabaseMigration:
		changes = []facts.Change{{Kind: facts.MigrationChanged, Path: rel, FileKind: kind, Subject: rel, Detail: "migration file edited"}}
	case path.Base(rel) == "tsconfig.json":
		changes = []facts.Change{{Kind: facts.ImportsChanged, Path: rel, FileKind: kind, Subject: rel, Detail: "tsconfig paths changed"}}
	case strings.HasSuffix(rel, ".py"):
		changes = pyast.Diff(old, cur)
	case strings.HasSuffix(rel, ".json") && kind == facts.KindPluginConfig:
		changes = tsxast.Diff(old, cur)
	case kind.IsTSX() || kind == facts.KindPluginConfig || strings.HasSuffix(rel, ".ts") || strings.HasSuffix(rel, ".tsx"):
		changes = tsxast.Diff(old, cur)
	}
	if old == empty && cur != empty && len(changes) == 0 && kind != facts.KindUnknown {
		changes = []facts.Change{{Kind: facts.FileAdded, Path: rel, FileKind: kind, Subject: rel, Detail: "new file"}}
	}
	w.stampModelKinds(changes)
	return changes
}

// stampModelKinds fills Change.ModelKind from the resolved models, and
// Change.EmbeddedIn for model changes.
func (w *Workspace) stampModelKinds(changes []facts.Change) {
	if len(changes) == 0 {
		return
	}
	kinds := w.kinds
	for i := range changes {
		c := &changes[i]
		name := c.Subject
		if j := strings.IndexByte(name, '.'); j > 0 {
			name = name[:j]
		}
		if c.ModelKind == "" {
			if k, ok := kinds[name]; ok {
				c.ModelKind = k
			}
		}
		if c.ModelKind != "" && c.FileKind.IsPython() {
			c.EmbeddedIn = w.embeddedIn(name)
		}
	}
}

// embeddedIn lists, sorted, the Documents other than name whose stored
// shape includes model name: through fields and subclasses, transitively.
func (w *Workspace) embeddedIn(name string) []string {
	w.addEmbeds()
	seen := map[string]bool{name: true}
	queue := []string{name}
	var docs []string
	for len(queue) > 0 {
		m := queue[0]
		queue = queue[1:]
		for by := range w.embeds[m] {
			if seen[by] {
				continue
			}
			seen[by] = true
			queue = append(queue, by)
			if w.kinds[by] == facts.ModelDocument {
				docs = append(docs, by)
			}
		}
	}
	sort.Strings(docs)
	return docs
}

// embedsOf appends to out which models m stores, as (stored, m.Name)
// pairs: the models its field annotations name (resolved through the
// imports, so `Audit as AuditInfo` counts) outside Link[...]/BackLink[...],
// and its bases.
func embedsOf(ix *pymod.Index, from string, m facts.Model, out [][2]string) [][2]string {
	add := func(name string) {
		s := ix.Resolve(from, name)
		if s.File == nil {
			return
		}
		if mm := ix.Model(s); mm != nil && mm.Name != m.Name {
			out = append(out, [2]string{mm.Name, m.Name})
		}
	}
	for _, b := range m.Bases {
		if i := strings.IndexByte(b, '['); i >= 0 {
			b = b[:i]
		}
		add(strings.TrimSpace(b))
	}
	for _, f := range m.Fields {
		if f.ClassVar || f.Computed {
			continue
		}
		annotationNames(f.Annotation, add)
	}
	return out
}

// annotationNames calls f with every dotted name in a type annotation,
// skipping the arguments of Link[...] and BackLink[...] (references to
// other documents, not stored inside). Linear in the annotation's length.
func annotationNames(ann string, f func(string)) {
	skipDepth := 0 // bracket depth at which a Link's arguments end; 0: not skipping
	depth := 0
	for i := 0; i < len(ann); {
		c := ann[i]
		switch {
		case c == '[':
			depth++
			i++
		case c == ']':
			if skipDepth > 0 && depth == skipDepth {
				skipDepth = 0
			}
			depth--
			i++
		case c == '"' || c == '\'':
			i++ // forward references are names like any other
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			j := i
			for j < len(ann) && (ann[j] == '_' || ann[j] == '.' || ann[j] >= 'a' && ann[j] <= 'z' || ann[j] >= 'A' && ann[j] <= 'Z' || ann[j] >= '0' && ann[j] <= '9') {
				j++
			}
			name := ann[i:j]
			i = j
			if skipDepth > 0 {
				continue
			}
			if base := name[strings.LastIndexByte(name, '.')+1:]; base == "Link" || base == "BackLink" {
				if i < len(ann) && ann[i] == '[' {
					skipDepth = depth + 1
				}
				continue
			}
			f(name)
		default:
			i++
		}
	}
}

// Remove forgets a deleted file and returns the changes its removal makes.
func (w *Workspace) Remove(rel string) Result {
	rel = Normalize(rel)
	w.mu.Lock()
	defer w.mu.Unlock()
	e := w.files[rel]
	res := Result{Path: rel, Kind: w.cls.Kind(rel), Diagnostics: []facts.Diagnostic{}}
	if e == nil {
		return res
	}
	res.Kind = e.kind
	w.snap = nil
	res.Affected = w.graph.Affected(rel)
	old := e.good
	delete(w.files, rel)
	w.graph.Remove(rel)
	if path.Base(rel) == "tsconfig.json" {
		w.graph.SetAliases(dirOf(rel), nil)
	}
	if old != nil {
		empty := &facts.File{Path: rel, Kind: e.kind}
		switch {
		case strings.HasSuffix(rel, ".py"):
			res.Changes = pyast.Diff(old, empty)
		case e.kind.IsTSX() || e.kind == facts.KindPluginConfig:
			res.Changes = tsxast.Diff(old, empty)
		}
		// Stamp from the removed file's own (resolved) models.
		for i := range res.Changes {
			for _, m := range old.Models {
				if res.Changes[i].Subject == m.Name || strings.HasPrefix(res.Changes[i].Subject, m.Name+".") {
					res.Changes[i].ModelKind = m.Kind
				}
			}
		}
		w.setPy(rel, nil)
	}
	res.Changes = append(res.Changes, facts.Change{Kind: facts.FileRemoved, Path: rel, FileKind: e.kind, Subject: rel, Detail: "file deleted"})
	return res
}

// Check parses content without recording it: the diagnostics an unsaved
// buffer would have. The workspace state is unchanged.
func (w *Workspace) Check(ctx context.Context, rel string, content []byte) ([]facts.Diagnostic, error) {
	rel = Normalize(rel)
	w.mu.Lock()
	kind := w.cls.Kind(rel)
	var prev *parse.Doc
	if e := w.files[rel]; e != nil {
		prev = e.doc
	}
	lim := w.lim
	w.mu.Unlock()
	a, err := analyse(ctx, rel, kind, content, prev, lim)
	if err != nil {
		return nil, err
	}
	switch {
	case a.skipped != "":
		return []facts.Diagnostic{{Path: rel, Severity: facts.SeverityWarning, Code: facts.CodeFileSkipped, Message: a.skipped}}, nil
	case a.file == nil:
		return []facts.Diagnostic{}, nil
	}
	if a.file.Diagnostics == nil {
		return []facts.Diagnostic{}, nil
	}
	return a.file.Diagnostics, nil
}

// Load indexes many files at once (the initial scan), parsing in parallel.
// It reports no changes: this is the baseline. It returns the analysis
// diagnostics of every file that has some.
func (w *Workspace) Load(ctx context.Context, files map[string][]byte) (map[string][]facts.Diagnostic, error) {
	rels := make([]string, 0, len(files))
	for rel := range files {
		rels = append(rels, rel)
	}
	sort.Strings(rels)
	return w.LoadFrom(ctx, slices.Values(rels), func(rel string) ([]byte, error) { return files[rel], nil })
}

// LoadFrom is Load for files listed and read as the analysis goes: rels
// is iterated in the calling goroutine while the workers analyse the
// paths it yielded so far (a scan of the disk overlaps the analysis), and
// read is called once per path, from several goroutines at once, so the
// reading of files overlaps the parsing of others. A path whose read
// fails is left out (not indexed).
func (w *Workspace) LoadFrom(ctx context.Context, rels iter.Seq[string], read func(rel string) ([]byte, error)) (map[string][]facts.Diagnostic, error) {
	w.mu.Lock()
	cls, lim := w.cls, w.lim
	w.mu.Unlock()

	type job struct {
		i   int
		rel string
	}
	type result struct {
		i   int
		a   analysed
		err error
	}
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		results []result
	)
	jobs := make(chan job, 64)
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				r := result{i: j.i}
				var content []byte
				if content, r.err = read(j.rel); r.err == nil {
					rel := Normalize(j.rel)
					r.a, r.err = analyse(ctx, rel, cls.Kind(rel), content, nil, lim)
				}
				mu.Lock()
				results = append(results, r)
				mu.Unlock()
			}
		}()
	}
	n := 0
	for rel := range rels {
		if ctx.Err() != nil {
			break
		}
		jobs <- job{n, rel}
		n++
	}
	close(jobs)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// In the order listed, whatever order they were analysed in.
	slices.SortFunc(results, func(a, b result) int { return a.i - b.i })

	w.mu.Lock()
	defer w.mu.Unlock()
	w.snap = nil
	diags := map[string][]facts.Diagnostic{}
	for _, r := range results {
		a := r.a
		if r.err != nil {
			continue // unread, or its parse cancelled: it is indexed on next save
		}
		e := &entry{kind: a.kind, hash: a.hash, doc: a.doc}
		switch {
		case a.skipped != "":
			e.diags = []facts.Diagnostic{{Path: a.rel, Severity: facts.SeverityWarning, Code: facts.CodeFileSkipped, Message: a.skipped}}
			e.doc = nil
		case a.file == nil:
			if a.kind == facts.KindGenerated {
				e.good = &facts.File{Path: a.rel, Kind: a.kind, Hash: a.hash}
			}
		default:
			e.diags = a.file.Diagnostics
			if !a.file.HasErrors {
				e.good = a.file
				w.graph.Set(a.rel, a.file.Imports)
				if path.Base(a.rel) == "tsconfig.json" {
					w.graph.SetAliases(dirOf(a.rel), imports.ParseTSConfigPaths(dirOf(a.rel), a.file.Config))
				}
			}
		}
		w.files[a.rel] = e
		if len(e.diags) > 0 {
			diags[a.rel] = e.diags
		}
	}
	w.resetPy()
	return diags, nil
}

// Snapshot is an immutable view of the workspace's good facts.
type Snapshot struct {
	Files map[string]*facts.File // by workspace-relative path
	py    *sortedFiles           // Python() once sorted; nil in a Snapshot made by hand
}

type sortedFiles struct {
	once  sync.Once
	files []*facts.File
}

// Snapshot returns the current good facts. The map and the files must not
// be modified: until the facts change, every call returns the same map.
func (w *Workspace) Snapshot() Snapshot {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.snap != nil {
		return *w.snap
	}
	files := make(map[string]*facts.File, len(w.files))
	for rel, e := range w.files {
		if e.good != nil {
			files[rel] = e.good
		}
	}
	w.snap = &Snapshot{Files: files, py: &sortedFiles{}}
	return *w.snap
}

// Sorted returns the snapshot's files in path order, optionally filtered.
func (s Snapshot) Sorted(keep func(*facts.File) bool) []*facts.File {
	out := make([]*facts.File, 0, len(s.Files))
	for _, f := range s.Files {
		if keep == nil || keep(f) {
			out = append(out, f)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// Python returns the Python files in path order (a new slice each call;
// the sorting is done once per snapshot).
func (s Snapshot) Python() []*facts.File {
	isPy := func(f *facts.File) bool { return strings.HasSuffix(f.Path, ".py") }
	if s.py == nil {
		return s.Sorted(isPy)
	}
	s.py.once.Do(func() { s.py.files = s.Sorted(isPy) })
	return slices.Clone(s.py.files)
}

// Models returns every resolved model (document or basemodel) in path
// order, with the file each lives in.
func (s Snapshot) Models() []ModelRef {
	var out []ModelRef
	for _, f := range s.Python() {
		for _, m := range f.Models {
			if m.Kind != facts.ModelUnknown {
				out = append(out, ModelRef{Path: f.Path, Model: m})
			}
		}
	}
	return out
}

// ModelRef is a model and the file that declares it.
type ModelRef struct {
	Path  string
	Model facts.Model
}

// File returns a file's current good facts (nil when unknown or never
// good), without copying the whole workspace as Snapshot does.
func (w *Workspace) File(rel string) *facts.File {
	w.mu.Lock()
	defer w.mu.Unlock()
	if e := w.files[Normalize(rel)]; e != nil {
		return e.good
	}
	return nil
}

// Broken lists files whose latest content has syntax errors.
func (w *Workspace) Broken() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	for rel, e := range w.files {
		if hasSyntaxError(e.diags) {
			out = append(out, rel)
		}
	}
	sort.Strings(out)
	return out
}

// Diagnostics returns the analysis diagnostics of a file.
func (w *Workspace) Diagnostics(rel string) []facts.Diagnostic {
	w.mu.Lock()
	defer w.mu.Unlock()
	if e := w.files[Normalize(rel)]; e != nil {
		return e.diags
	}
	return nil
}

// Len is the number of indexed files.
func (w *Workspace) Len() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.files)
}

// Affected lists the files importing rel, transitively.
func (w *Workspace) Affected(rel string) []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.graph.Affected(Normalize(rel))
}

// TooLarge records that a file exists but is over the size limit, without
// its content (so a 50 MB file is never read just to be skipped).
func (w *Workspace) TooLarge(rel string, size int64) Result {
	rel = Normalize(rel)
	w.mu.Lock()
	defer w.mu.Unlock()
	msg := fmt.Sprintf("file is %d bytes, over the %d-byte analysis limit: not parsed", size, w.maxSize)
	e := w.files[rel]
	if e == nil {
		e = &entry{kind: w.cls.Kind(rel)}
		w.files[rel] = e
	}
	e.hash, e.doc = "", nil
	e.diags = []facts.Diagnostic{{Path: rel, Severity: facts.SeverityWarning, Code: facts.CodeFileSkipped, Message: msg}}
	return Result{Path: rel, Kind: e.kind, Skipped: msg, Diagnostics: e.diags, File: e.good}
}

// MaxFileSize is the analysis size limit in bytes.
func (w *Workspace) MaxFileSize() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.maxSize
}

// Under lists the indexed files strictly below a directory path.
func (w *Workspace) Under(dir string) []string {
	prefix := Normalize(dir) + "/"
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	for rel := range w.files {
		if strings.HasPrefix(rel, prefix) {
			out = append(out, rel)
		}
	}
	sort.Strings(out)
	return out
}
