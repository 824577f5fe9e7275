package coordinator

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/analysis/openapi"
	"github.com/farm-stack/farm-lsp/analysis/typegen"
	"github.com/farm-stack/farm-lsp/analysis/workspace"
	"github.com/farm-stack/farm-lsp/reload/codegen"
	"github.com/farm-stack/farm-lsp/reload/executor"
	"github.com/farm-stack/farm-lsp/reload/plan"
)

// srcGenerated carries stale-generated warnings on hand-edited outputs.
const srcGenerated = "generated"

// pydanticFiles are where a workspace pins its Pydantic version.
var pydanticFiles = []string{"apps/api/requirements.txt", "apps/api/pyproject.toml", "requirements.txt", "pyproject.toml"}

// pydanticMode follows farm.config.ts when it asks for v1, else what the
// backend's requirements pin (TYPEMAP.md: v1 when pydantic<2 is pinned).
func (c *Coordinator) pydanticMode() int {
	if v := c.Config().Development.HotReload.TypeGeneration.Pydantic; v == 1 {
		return 1
	}
	for _, f := range pydanticFiles {
		if b, err := os.ReadFile(filepath.Join(c.root, f)); err == nil {
			return openapi.DetectPydantic(b)
		}
	}
	return 2
}

// newCodegen builds the type-generation / api-client-generation executor
// and its command and code action.
func (c *Coordinator) newCodegen() *codegen.Codegen {
	cfg := c.Config()
	cg := codegen.New(codegen.Options{
		Root:     c.root,
		OutDir:   cfg.Development.HotReload.TypeGeneration.OutDir,
		Files:    func() []*facts.File { return c.ws.Snapshot().Python() },
		Pydantic: c.pydanticMode,
		Title:    cfg.Name,
	})
	c.register("farm.regenerate", func(ctx context.Context, _ []json.RawMessage) (any, error) {
		res := cg.WriteAll(ctx, nil)
		c.taskFinished(plan.TypeGeneration, res)
		written := res.Written
		if written == nil {
			written = []string{}
		}
		return map[string]any{"status": res.Status, "message": res.Message, "written": written}, nil
	})
	c.addActions(func(rel string, _ facts.Range, _ []facts.Diagnostic) []Action {
		switch c.ws.Kind(rel) {
		case facts.KindBackendModel, facts.KindBackendRoute, facts.KindGenerated:
			return []Action{{Title: "Regenerate TypeScript types", Kind: "source", Command: "farm.regenerate"}}
		}
		return nil
	})
	c.codegen = cg
	return cg
}

// checkGenerated warns when a generated output no longer matches what
// would be generated (edited by hand); regenerating clears it.
func (c *Coordinator) checkGenerated(res workspace.Result, content []byte) {
	c.mu.Lock()
	cg := c.codegen
	c.mu.Unlock()
	if cg == nil || res.Kind != facts.KindGenerated {
		return
	}
	if d := cg.CheckFile(res.Path, content); d != nil {
		c.publish(res.Path, srcGenerated, []facts.Diagnostic{*d})
	} else {
		c.publish(res.Path, srcGenerated, nil)
	}
}

// taskFinished publishes an executor's diagnostics and indexes the files
// it wrote, for planned tasks and commands alike.
func (c *Coordinator) taskFinished(kind plan.TaskKind, res executor.Result) {
	c.publishTaskDiagnostics(kind, res)
	c.aiDone(kind)
	for _, rel := range res.Written {
		// Our own writes come back through the watcher: remember their
		// hash so they are not planned again, and index them.
		b, err := c.readFile(rel)
		if err != nil {
			continue
		}
		c.hashes.Remember(c.abs(rel), b)
		if _, err := c.ws.Update(context.Background(), rel, b); err != nil {
			c.log.Debug("index written file", "path", rel, "err", err)
		}
		c.publish(rel, srcGenerated, nil)
	}
}

// fieldUseKinds are the model changes that can break a component's reads.
var fieldUseKinds = map[facts.ChangeKind]bool{
	facts.FieldRemoved: true, facts.FieldRenamed: true, facts.FieldAliasChanged: true, facts.FieldTypeChanged: true,
}

// checkFieldUse warns in components that still read a removed, renamed or
// incompatibly retyped model field. The breaking changes are kept until no
// component reads the property any more (or the field is back), so the
// warning clears when either side is fixed.
func (c *Coordinator) checkFieldUse(res workspace.Result) {
	var added []facts.Change
	for _, ch := range res.Changes {
		if fieldUseKinds[ch.Kind] {
			added = append(added, ch)
		}
	}
	c.mu.Lock()
	c.fieldChanges = append(c.fieldChanges, added...)
	pending := append([]facts.Change(nil), c.fieldChanges...)
	published := c.fieldUsePaths
	c.mu.Unlock()
	if len(pending) == 0 && len(published) == 0 {
		return
	}
	if len(added) == 0 && !res.Kind.IsTSX() && !res.Kind.IsPython() {
		return
	}

	snap := c.ws.Snapshot()
	models := map[string]facts.Model{}
	modelPath := map[string]string{}
	for _, m := range snap.Models() {
		models[m.Model.Name] = m.Model
		modelPath[m.Model.Name] = m.Path
	}
	tsx := snap.Sorted(func(f *facts.File) bool {
		return f.Kind.IsTSX() && f.Kind != facts.KindFarmConfig && f.Kind != facts.KindViteConfig
	})
	diags := typegen.FieldInUse(pending, models, tsx, modelPath)

	byPath := map[string][]facts.Diagnostic{}
	for _, d := range diags {
		byPath[d.Path] = append(byPath[d.Path], d)
	}
	now := map[string]bool{}
	for p, ds := range byPath {
		c.publish(p, srcFieldUse, ds)
		now[p] = true
	}
	for p := range published {
		if !now[p] {
			c.publish(p, srcFieldUse, nil)
		}
	}
	// Once no component reads a broken property, nothing is left to watch.
	if len(diags) == 0 {
		pending = nil
	}
	c.mu.Lock()
	c.fieldChanges = pending
	c.fieldUsePaths = now
	c.mu.Unlock()
}
