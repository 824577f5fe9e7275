// Package plugins reads plugin manifests (plugins/<name>/plugin.json or
// plugin.ts, as static values) and is the plugin-reload executor: it
// regenerates the frontend plugin registry module (React.lazy imports of
// every enabled plugin's components) and reports manifest problems as
// diagnostics in the manifest.
package plugins

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/farm-stack/farm-lsp/analysis/facts"
)

// Manifest is a plugin's manifest.
type Manifest struct {
	Name      string      `json:"name"`
	Version   string      `json:"version,omitempty"`
	Dir       string      `json:"dir"` // workspace-relative plugin directory
	NameRange facts.Range `json:"nameRange"`
	// Components are frontend.components, sorted by name.
	Components []Entry `json:"components,omitempty"`
	// Hooks are frontend.hooks, sorted by name.
	Hooks []Entry `json:"hooks,omitempty"`
	// Backend is the backend section as written (nil when absent); its
	// Canonical() tells whether the backend integration changed.
	Backend *facts.Value `json:"-"`
	// Range is the whole manifest value.
	Range facts.Range `json:"range"`
}

// Entry is a named module of a plugin: a component or a hook.
type Entry struct {
	Name string `json:"name"`
	// Path is as written in the manifest, relative to the plugin directory.
	Path string `json:"path"`
	// File is the workspace-relative slash path Path points at.
	File string `json:"file"`
	// Export is the export to use ("" = the default export, else by name).
	Export string      `json:"export,omitempty"`
	Range  facts.Range `json:"range"` // of the path string
}

// FromValue reads a manifest value found in the plugin directory dir
// (workspace-relative, e.g. "plugins/analytics"). Diagnostics have an empty
// Path: the caller sets the manifest's path. It does not look at the file
// system (see Check).
func FromValue(dir string, v *facts.Value) (Manifest, []facts.Diagnostic) {
	dir = path.Clean(strings.TrimPrefix(dir, "./"))
	m := Manifest{Dir: dir}
	var diags []facts.Diagnostic
	bad := func(r facts.Range, format string, args ...any) {
		diags = append(diags, facts.Diagnostic{Range: r, Severity: facts.SeverityError, Code: facts.CodeConfig,
			Message: fmt.Sprintf(format, args...)})
	}
	if v == nil || v.Kind != facts.ValueObject {
		r := facts.Range{}
		if v != nil {
			r = v.Range
		}
		bad(r, "a plugin manifest is an object with name, version and frontend/backend sections")
		return m, diags
	}
	m.Range = v.Range
	name := v.Get("name")
	switch {
	case name == nil:
		bad(startOf(v.Range), "plugin manifest without \"name\"")
	case name.Kind != facts.ValueString || strings.TrimSpace(name.Str) == "":
		bad(name.Range, "plugin \"name\" must be a non-empty string")
	default:
		m.Name, m.NameRange = name.Str, name.Range
	}
	m.Version = v.Get("version").String("")
	m.Components = entries(dir, v.Get("frontend.components"), "frontend.components", bad)
	m.Hooks = entries(dir, v.Get("frontend.hooks"), "frontend.hooks", bad)
	m.Backend = v.Get("backend")
	return m, diags
}

func startOf(r facts.Range) facts.Range { return facts.Range{Start: r.Start, End: r.Start} }

// entries reads {Name: {path, export?}}, {Name: "path"} or ["path", …].
func entries(dir string, v *facts.Value, where string, bad func(facts.Range, string, ...any)) []Entry {
	if v == nil {
		return nil
	}
	var out []Entry
	add := func(name string, p *facts.Value, export string, at facts.Range) {
		if p == nil || p.Kind != facts.ValueString || p.Str == "" {
			bad(at, "%s.%s needs a \"path\" string", where, name)
			return
		}
		out = append(out, Entry{Name: name, Path: p.Str, File: path.Join(dir, p.Str), Export: export, Range: p.Range})
	}
	switch v.Kind {
	case facts.ValueObject:
		for _, k := range v.Keys {
			it := v.Fields[k]
			var at facts.Range
			if it != nil {
				at = it.KeyRange
				if at == (facts.Range{}) {
					at = it.Range
				}
			}
			if it != nil && it.Kind == facts.ValueObject {
				add(k, it.Get("path"), it.Get("export").String(""), at)
			} else {
				add(k, it, "", at)
			}
		}
	case facts.ValueArray:
		for _, it := range v.Items {
			if it == nil || it.Kind != facts.ValueString {
				r := facts.Range{}
				if it != nil {
					r = it.Range
				}
				bad(r, "%s items must be path strings", where)
				continue
			}
			base := path.Base(it.Str)
			add(strings.TrimSuffix(base, path.Ext(base)), it, "", it.Range)
		}
	default:
		bad(v.Range, "%s must be an object {Name: {path}}", where)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
