package typegen

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/farm-stack/farm-lsp/analysis/facts"
)

// FieldInUse finds TSX property reads that a model change breaks: for every
// field-removed, field-renamed, field-alias-changed and incompatible
// field-type-changed change in changes, each TSX file that imports the
// model's generated type (from "@/types/models", a relative
// ".../types/models" or ".../types/models/index") and reads `.prop` with
// the field's TypeScript name gets a field-in-use warning at that read,
// with Related pointing at the model field (or where it was).
//
// It is a heuristic: a file that imports the type and reads a property of
// that name anywhere is reported; types are not checked.
//
//   - changes: the semantic changes of a save (other kinds are ignored).
//   - models: the current models by name, used to find a field's alias (the
//     name the generated interface uses) and to drop warnings when the
//     property still exists.
//   - tsx: the facts of the TSX/TS files to search (generated files are
//     skipped).
//   - modelPath: model name → workspace-relative file, used for Related when
//     a change carries no path.
//
// The engine clears a file's field-in-use warnings by calling FieldInUse
// again with the pending changes when the TSX file changes (the read is
// gone) and dropping a change once a later save adds the field back.
func FieldInUse(changes []facts.Change, models map[string]facts.Model, tsx []*facts.File, modelPath map[string]string) []facts.Diagnostic {
	type broken struct {
		model, prop, why string
		change           facts.Change
	}
	var gone []broken
	for _, c := range changes {
		model, field, ok := strings.Cut(c.Subject, ".")
		if !ok {
			continue
		}
		m, exists := models[model]
		switch c.Kind {
		case facts.FieldRemoved:
			gone = append(gone, broken{model, field, fmt.Sprintf("%s.%s was removed from the model", model, field), c})
		case facts.FieldRenamed:
			old := c.Before
			gone = append(gone, broken{model, old, fmt.Sprintf("%s.%s was renamed to %s", model, old, c.After), c})
		case facts.FieldAliasChanged:
			old := c.Before
			if old == "" {
				old = field
			}
			newName := c.After
			if newName == "" {
				newName = field
			}
			gone = append(gone, broken{model, old, fmt.Sprintf("%s.%s is now sent as %q, not %q", model, field, newName, old), c})
		case facts.FieldTypeChanged:
			if strings.HasPrefix(c.Detail, "Field() arguments") || !incompatible(c.Before, c.After) {
				continue
			}
			prop := field
			if exists {
				for _, f := range m.Fields {
					if f.Name == field && f.Alias != "" {
						prop = f.Alias
					}
				}
			}
			gone = append(gone, broken{model, prop, fmt.Sprintf("the type of %s.%s changed from %s to %s", model, field, c.Before, c.After), c})
		}
	}
	if len(gone) == 0 {
		return nil
	}
	var out []facts.Diagnostic
	files := append([]*facts.File(nil), tsx...)
	sort.SliceStable(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	for _, f := range files {
		if f == nil || f.Kind == facts.KindGenerated {
			continue
		}
		imported := importedModels(f)
		if len(imported) == 0 {
			continue
		}
		for _, g := range gone {
			if !imported[g.model] && !imported["*"] {
				continue
			}
			if g.change.Kind != facts.FieldTypeChanged && stillHas(models[g.model], g.prop) {
				continue
			}
			rel := facts.Related{Path: g.change.Path, Range: g.change.Range, Message: g.why}
			if rel.Path == "" {
				rel.Path = modelPath[g.model]
			}
			for _, r := range f.PropertyReads {
				if r.Property != g.prop {
					continue
				}
				out = append(out, facts.Diagnostic{
					Path:     f.Path,
					Range:    r.Range,
					Severity: facts.SeverityWarning,
					Code:     facts.CodeFieldInUse,
					Message:  fmt.Sprintf("%s.%s is read here, but %s", r.Object, r.Property, g.why),
					Related:  []facts.Related{rel},
				})
			}
		}
	}
	return out
}

// stillHas reports whether the model still has a field rendered as prop.
func stillHas(m facts.Model, prop string) bool {
	for _, f := range m.Fields {
		name := f.Name
		if f.Alias != "" {
			name = f.Alias
		}
		if name == prop && !f.ClassVar {
			return true
		}
	}
	return false
}

// importedModels returns the names a file imports from the generated
// models module ("*" for a namespace import).
func importedModels(f *facts.File) map[string]bool {
	out := map[string]bool{}
	for _, imp := range f.Imports {
		if !isModelsModule(imp.Module) {
			continue
		}
		for _, n := range imp.Names {
			n = strings.TrimPrefix(strings.TrimSpace(n), "type ")
			if strings.HasPrefix(n, "*") {
				out["*"] = true
				continue
			}
			if name, _, ok := strings.Cut(n, " as "); ok {
				n = name
			}
			out[strings.TrimSpace(n)] = true
		}
	}
	return out
}

func isModelsModule(spec string) bool {
	s := strings.TrimSuffix(strings.TrimSuffix(spec, ".ts"), ".js")
	s = strings.TrimSuffix(s, "/index")
	return s == "@/types/models" || path.Base(s) == "models" && strings.HasSuffix(s, "types/models")
}

// incompatible reports whether a field-type change can break a reader:
// the types differ beyond Optional/None.
func incompatible(before, after string) bool {
	if before == "" || after == "" {
		return false
	}
	return stripOptional(before) != stripOptional(after)
}

func stripOptional(t string) string {
	t = strings.ReplaceAll(t, " ", "")
	if strings.HasPrefix(t, "Optional[") && strings.HasSuffix(t, "]") {
		t = t[len("Optional[") : len(t)-1]
	}
	for _, s := range []string{"|None", "None|"} {
		t = strings.ReplaceAll(t, s, "")
	}
	if strings.HasPrefix(t, "Union[") && strings.HasSuffix(t, "]") {
		inner := strings.ReplaceAll(strings.ReplaceAll(t[len("Union["):len(t)-1], ",None", ""), "None,", "")
		if !strings.Contains(inner, ",") {
			t = inner
		} else {
			t = "Union[" + inner + "]"
		}
	}
	return t
}
