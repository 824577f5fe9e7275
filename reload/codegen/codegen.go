// Package codegen runs the type-generation and api-client-generation reload
// tasks: it builds the static OpenAPI document from the current Python
// facts, renders the TypeScript outputs (analysis/typegen) and writes the
// ones a task owns — atomically, only when their content changed, and never
// over a file that lacks the generated-file header or lies outside the
// workspace.
package codegen

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/analysis/openapi"
	"github.com/farm-stack/farm-lsp/analysis/typegen"
	"github.com/farm-stack/farm-lsp/reload/atomicfile"
	"github.com/farm-stack/farm-lsp/reload/executor"
	"github.com/farm-stack/farm-lsp/reload/plan"
)

// DefaultOutDir is where the outputs go, relative to the workspace root.
const DefaultOutDir = "apps/web/src"

// Options configure a Codegen.
type Options struct {
	// Root is the workspace root (absolute or relative to the process).
	Root string
	// OutDir is the output directory relative to Root (default apps/web/src).
	OutDir string
	// Files returns the current facts of the workspace's Python files, with
	// model kinds resolved. It is called once per run.
	Files func() []*facts.File
	// Pydantic returns the Pydantic major version to follow (1 or 2); nil
	// or 0 means 2.
	Pydantic func() int
	// Title is the OpenAPI info.title (cosmetic).
	Title string
	// OneShot is for a Codegen that runs once (farm-lsp generate): it
	// keeps no rendered text for a next run.
	OneShot bool
}

// Outputs each task kind rewrites, relative to OutDir.
var (
	TypeOutputs   = []string{typegen.ModelsPath, typegen.APITypesPath}
	ClientOutputs = []string{typegen.APITypesPath, typegen.ServicesPath, typegen.HooksPath}
	AllOutputs    = []string{typegen.ModelsPath, typegen.APITypesPath, typegen.ServicesPath, typegen.HooksPath}
)

// Codegen is the executor for type-generation and api-client-generation
// tasks. It is safe for concurrent use; runs are serialised.
type Codegen struct {
	opts Options

	mu       sync.Mutex
	renderMu sync.Mutex // serialises render (see there)
	// builder and gen keep the previous run's schemas and rendered text, so
	// a save that changes one model re-renders that model only (gen is nil
	// for a OneShot Codegen).
	builder *openapi.Builder
	gen     *typegen.Generator
	// written remembers the content last written per workspace-relative
	// path, to tell a hand edit from an outdated file.
	written map[string]string
	// diagPaths are the paths that carried codegen diagnostics last run,
	// so a later run can clear them.
	diagPaths map[string]bool
	// memo is the document of the last state version asked for
	// (Document), guarded by renderMu.
	memo struct {
		version  uint64
		pydantic int
		doc      *openapi.Document
		diags    []facts.Diagnostic
	}
}

// New returns a Codegen.
func New(opts Options) *Codegen {
	if opts.OutDir == "" {
		opts.OutDir = DefaultOutDir
	}
	var gen *typegen.Generator
	if !opts.OneShot {
		gen = typegen.NewGenerator()
	}
	return &Codegen{
		opts:      opts,
		builder:   openapi.NewBuilder(),
		gen:       gen,
		written:   map[string]string{},
		diagPaths: map[string]bool{},
	}
}

var _ executor.Executor = (*Codegen)(nil)

// Run implements executor.Executor for type-generation (models and API
// types) and api-client-generation (API types, services and hooks).
// A task that carries the workspace state it was planned from is generated
// from that state, never from newer live facts.
func (c *Codegen) Run(ctx context.Context, task plan.Task, r executor.Reporter) executor.Result {
	build := func() (*openapi.Document, []facts.Diagnostic) { return c.Document(task.State) }
	switch task.Kind {
	case plan.TypeGeneration:
		return c.run(ctx, TypeOutputs, r, build)
	case plan.APIClientGeneration:
		return c.run(ctx, ClientOutputs, r, build)
	}
	return executor.Result{Status: executor.Skipped, Message: fmt.Sprintf("codegen does not run %s tasks", task.Kind)}
}

// WriteAll regenerates all four outputs (farm.regenerate, farm-lsp generate).
func (c *Codegen) WriteAll(ctx context.Context, r executor.Reporter) executor.Result {
	return c.run(ctx, AllOutputs, r, func() (*openapi.Document, []facts.Diagnostic) { return c.Document(nil) })
}

// Document returns the static OpenAPI document of a planned workspace
// state (nil: the live facts of Options.Files) as type generation builds
// it, and its diagnostics. The document of the last state version asked
// for is kept: every executor that needs the document of a state (type
// generation, the external backend's expected API) gets the same one,
// built once. Documents are never modified after they are returned (an
// openapi.Builder guarantee) and may be read from any goroutine; neither
// they nor the diagnostics may be modified by callers. Consecutive states
// are built incrementally (openapi.Builder).
func (c *Codegen) Document(state *plan.State) (*openapi.Document, []facts.Diagnostic) {
	c.renderMu.Lock()
	defer c.renderMu.Unlock()
	pyd := c.pydantic()
	if state != nil && state.Version != 0 && c.memo.doc != nil && c.memo.version == state.Version && c.memo.pydantic == pyd {
		return c.memo.doc, c.memo.diags
	}
	var files []*facts.File
	if state != nil {
		files = state.Snapshot.Python()
	} else {
		files = c.files()
	}
	doc, diags := c.builder.Build(files, openapi.Options{Pydantic: pyd, Title: c.opts.Title, ReadFile: openapi.DirReader(c.opts.Root)})
	if state != nil && state.Version != 0 {
		c.memo.version, c.memo.pydantic, c.memo.doc, c.memo.diags = state.Version, pyd, doc, diags
	}
	return doc, diags
}

// Generate renders every output without writing: workspace-relative path →
// content, plus the build diagnostics.
func (c *Codegen) Generate() (map[string]string, []facts.Diagnostic) {
	files, diags := c.render(c.Document(nil))
	out := make(map[string]string, len(files))
	for rel, content := range files {
		out[path.Join(filepath.ToSlash(c.opts.OutDir), rel)] = content
	}
	return out, diags
}

// OutputPaths lists the four outputs' workspace-relative paths.
func (c *Codegen) OutputPaths() []string {
	out := make([]string, len(AllOutputs))
	for i, rel := range AllOutputs {
		out[i] = path.Join(filepath.ToSlash(c.opts.OutDir), rel)
	}
	return out
}

// CheckFile reports a stale-generated diagnostic when content (the current
// text of the generated file at the workspace-relative path rel) differs
// from what would be generated now. It returns nil for other paths and for
// up-to-date content.
func (c *Codegen) CheckFile(rel string, content []byte) *facts.Diagnostic {
	want, _ := c.Generate()
	exp, ok := want[rel]
	if !ok || string(content) == exp {
		return nil
	}
	d := staleDiag(rel, content, exp)
	return &d
}

func staleDiag(rel string, got []byte, want string) facts.Diagnostic {
	line := firstDiffLine(string(got), want)
	return facts.Diagnostic{
		Path:     rel,
		Range:    facts.Range{Start: facts.Pos{Line: line}, End: facts.Pos{Line: line + 1}},
		Severity: facts.SeverityWarning,
		Code:     facts.CodeStaleGenerated,
		Message:  "generated file differs from what farm-lsp generates now (edited by hand?): run farm.regenerate; edits here are overwritten",
	}
}

func firstDiffLine(a, b string) int {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range al {
		if i >= len(bl) || al[i] != bl[i] {
			return i
		}
	}
	return len(al) - 1
}

func (c *Codegen) files() []*facts.File {
	if c.opts.Files == nil {
		return nil
	}
	return c.opts.Files()
}

func (c *Codegen) pydantic() int {
	if c.opts.Pydantic == nil {
		return 2
	}
	if v := c.opts.Pydantic(); v == 1 {
		return 1
	}
	return 2
}

// render renders a document with the caching generator (serialised by
// the generator itself), or afresh for a OneShot Codegen.
func (c *Codegen) render(doc *openapi.Document, diags []facts.Diagnostic) (map[string]string, []facts.Diagnostic) {
	if c.gen == nil {
		return typegen.Generate(doc).ByPath(), diags
	}
	return c.gen.Generate(doc).ByPath(), diags
}

// render builds the document and the outputs keyed by OutDir-relative path.
func render(root string, files []*facts.File, pydantic int, title string) (map[string]string, []facts.Diagnostic) {
	doc, diags := openapi.Build(files, openapi.Options{Pydantic: pydantic, Title: title, ReadFile: openapi.DirReader(root)})
	return typegen.Generate(doc).ByPath(), diags
}

// run renders and writes the given outputs.
func (c *Codegen) run(ctx context.Context, outputs []string, r executor.Reporter, build func() (*openapi.Document, []facts.Diagnostic)) (res executor.Result) {
	defer func() {
		if p := recover(); p != nil {
			res = executor.Result{Status: executor.Failed, Message: fmt.Sprintf("codegen panicked: %v", p)}
		}
	}()
	if r == nil {
		r = executor.NopReporter{}
	}
	if err := ctx.Err(); err != nil {
		return executor.Result{Status: executor.Failed, Message: err.Error(), Transient: true}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	r.Report("building OpenAPI from Python facts", 10)
	gen, diags := c.render(build())
	res = executor.Result{Status: executor.OK, Diagnostics: map[string][]facts.Diagnostic{}}
	// Build diagnostics by path; clear paths that had some last time.
	now := map[string]bool{}
	for _, d := range diags {
		res.Diagnostics[d.Path] = append(res.Diagnostics[d.Path], d)
		now[d.Path] = true
	}
	for p := range c.diagPaths {
		if !now[p] {
			res.Diagnostics[p] = []facts.Diagnostic{}
		}
	}
	c.diagPaths = now

	root, err := filepath.Abs(c.opts.Root)
	if err != nil {
		return executor.Result{Status: executor.Failed, Message: fmt.Sprintf("workspace root: %v", err)}
	}
	// Each output is compared with the file on disk and written when it
	// changed on a goroutine of its own; the outcomes are then taken in
	// order.
	if err := ctx.Err(); err != nil {
		res.Status, res.Message, res.Transient = executor.Failed, err.Error(), true
		return res
	}
	outs := make([]outcome, len(outputs))
	var wg sync.WaitGroup
	for i, rel := range outputs {
		wrel := path.Join(filepath.ToSlash(c.opts.OutDir), rel)
		prev, hasPrev := c.written[wrel]
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if p := recover(); p != nil {
					outs[i] = outcome{wrel: wrel, panicked: p}
				}
			}()
			outs[i] = writeOutput(ctx, root, wrel, gen[rel], prev, hasPrev)
		}()
	}
	wg.Wait()
	var failed []string
	var canceled error
	for i, o := range outs {
		if o.panicked != nil {
			panic(o.panicked)
		}
		if o.canceled != nil {
			canceled = o.canceled
			continue
		}
		r.Report("writing "+o.wrel, 20+70*i/len(outputs))
		res.Diagnostics[o.wrel] = o.diags
		if o.failed {
			failed = append(failed, o.wrel)
		}
		if o.keep {
			c.written[o.wrel] = o.content
		}
		if o.wrote != nil {
			res.Written = append(res.Written, o.wrel)
			if res.Contents == nil {
				res.Contents = map[string][]byte{}
			}
			res.Contents[o.wrel] = o.wrote
		}
	}
	sort.Strings(res.Written)
	if canceled != nil {
		res.Status, res.Message, res.Transient = executor.Failed, canceled.Error(), true
		return res
	}
	r.Report("done", 100)
	sort.Strings(res.Written)
	switch {
	case len(failed) > 0:
		res.Status = executor.Failed
		res.Message = "not written: " + strings.Join(failed, ", ")
	case len(res.Written) == 0:
		res.Message = "generated files are up to date"
	default:
		res.Message = "wrote " + strings.Join(res.Written, ", ")
	}
	if n := len(diags); n > 0 {
		res.Message += fmt.Sprintf(" (%d type diagnostics)", n)
	}
	return res
}

// outcome is what writeOutput did with one output.
type outcome struct {
	wrel     string
	content  string
	diags    []facts.Diagnostic
	failed   bool   // not written: a refusal is among diags
	keep     bool   // the file on disk now holds content
	wrote    []byte // content, when it was written
	canceled error  // the context ended before it was written
	panicked any
}

// writeOutput compares the generated content of the output at the
// workspace-relative path wrel with the file there and writes it when it
// differs: never over a file without the generated-file header, and with a
// stale-generated diagnostic when the file was edited since it was last
// written (prev, when hasPrev).
func writeOutput(ctx context.Context, root, wrel, content, prev string, hasPrev bool) outcome {
	o := outcome{wrel: wrel, content: content}
	header, same, readErr := compareTarget(root, wrel, content)
	switch {
	case errors.Is(readErr, fs.ErrNotExist):
	case readErr != nil:
		o.failed = true
		o.diags = append(o.diags, refusal(wrel, readErr.Error()))
	case !header:
		o.failed = true
		o.diags = append(o.diags, refusal(wrel, "it exists and lacks the header \""+strings.TrimSpace(typegen.Header)+"\"; farm-lsp does not overwrite files it did not generate"))
	case hasPrev && !same:
		// Telling a hand edit from an outdated file takes the whole file.
		old, err := readTarget(root, wrel)
		switch {
		case err != nil:
			o.failed = true
			o.diags = append(o.diags, refusal(wrel, err.Error()))
		case prev != string(old):
			// Edited since we wrote it: say so, then regenerate.
			o.diags = append(o.diags, staleDiag(wrel, old, content))
		}
	}
	if o.failed {
		return o
	}
	if readErr == nil && same {
		o.keep = true
		return o
	}
	if err := ctx.Err(); err != nil {
		return outcome{wrel: wrel, canceled: err}
	}
	b := []byte(content)
	if err := writeAtomic(root, wrel, b); err != nil {
		o.failed = true
		o.diags = append(o.diags, refusal(wrel, err.Error()))
		return o
	}
	o.keep, o.wrote = true, b
	return o
}

func refusal(rel, why string) facts.Diagnostic {
	return facts.Diagnostic{
		Path:     rel,
		Severity: facts.SeverityError,
		Code:     facts.CodeReloadFailed,
		Message:  "farm-lsp did not write " + rel + ": " + why,
	}
}

// Check reports which generated outputs under root are missing or differ
// from what the given facts generate (for `farm-lsp generate --check`). The
// stale paths are workspace-relative and sorted. opts.Root, opts.Files and
// opts.Pydantic are ignored in favour of the arguments / opts.Pydantic when
// set.
func Check(root string, files []*facts.File, opts Options) (stale []string, err error) {
	if opts.OutDir == "" {
		opts.OutDir = DefaultOutDir
	}
	pyd := 2
	if opts.Pydantic != nil && opts.Pydantic() == 1 {
		pyd = 1
	}
	gen, _ := render(root, files, pyd, opts.Title)
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("check: %w", err)
	}
	for _, rel := range AllOutputs {
		wrel := path.Join(filepath.ToSlash(opts.OutDir), rel)
		_, same, err := compareTarget(abs, wrel, gen[rel])
		switch {
		case errors.Is(err, fs.ErrNotExist):
			stale = append(stale, wrel)
		case err != nil:
			return nil, fmt.Errorf("check %s: %w", wrel, err)
		case !same:
			stale = append(stale, wrel)
		}
	}
	sort.Strings(stale)
	return stale, nil
}

// errOutside is returned for targets that resolve outside the workspace.
var errOutside = errors.New("it resolves outside the workspace")

// resolve returns the absolute path of rel under root after checking that
// neither it nor any existing parent escapes root through a symlink or "..".
func resolve(root, rel string) (string, error) {
	for _, seg := range strings.Split(filepath.ToSlash(rel), "/") {
		if seg == ".." {
			return "", errOutside
		}
	}
	clean := path.Clean("/" + filepath.ToSlash(rel))
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return "", fmt.Errorf("workspace root: %w", err)
	}
	target := filepath.Join(root, filepath.FromSlash(clean))
	// Resolve the longest existing prefix.
	existing, rest := target, ""
	for {
		if _, err := os.Lstat(existing); err == nil {
			break
		}
		parent := filepath.Dir(existing)
		if parent == existing {
			break
		}
		rest = filepath.Join(filepath.Base(existing), rest)
		existing = parent
	}
	real, err := filepath.EvalSymlinks(existing)
	if err != nil {
		return "", fmt.Errorf("resolve %s: %w", rel, err)
	}
	full := filepath.Join(real, rest)
	if full != realRoot && !strings.HasPrefix(full, realRoot+string(filepath.Separator)) {
		return "", errOutside
	}
	return full, nil
}

func readTarget(root, rel string) ([]byte, error) {
	p, err := resolve(root, rel)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", rel, err)
	}
	return b, nil
}

// compareTarget reads the file at rel under root a chunk at a time (an
// output is up to megabytes; most runs find it up to date) and reports
// whether it starts with the generated-file header and holds exactly
// content. It stops at the first difference.
func compareTarget(root, rel, content string) (header, same bool, err error) {
	p, err := resolve(root, rel)
	if err != nil {
		return false, false, err
	}
	f, err := os.Open(p)
	if err != nil {
		return false, false, fmt.Errorf("read %s: %w", rel, err)
	}
	defer f.Close()
	buf := make([]byte, 32<<10)
	off := 0
	for {
		n, rerr := io.ReadFull(f, buf)
		end := rerr == io.EOF || rerr == io.ErrUnexpectedEOF
		if rerr != nil && !end {
			return false, false, fmt.Errorf("read %s: %w", rel, rerr)
		}
		chunk := buf[:n]
		if off == 0 {
			// The first chunk is whole unless the file is shorter.
			if header = bytes.HasPrefix(chunk, []byte(typegen.Header)); !header {
				return false, false, nil
			}
		}
		if off+n > len(content) || string(chunk) != content[off:off+n] {
			return header, false, nil
		}
		off += n
		if end {
			return header, off == len(content), nil
		}
	}
}

// writeAtomic writes content to rel under root through a temporary file in
// the same directory and a rename, so readers (Vite, tsc) never see a
// partial file.
func writeAtomic(root, rel string, content []byte) error {
	p, err := resolve(root, rel)
	if err != nil {
		return err
	}
	dir := filepath.Dir(p)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", filepath.Dir(rel), err)
	}
	// MkdirAll may have followed a symlink created meanwhile: check again.
	if _, err := resolve(root, rel); err != nil {
		return err
	}
	if err := atomicfile.Write(p, content, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", rel, err)
	}
	return nil
}
