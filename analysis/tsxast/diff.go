package tsxast

import (
	"fmt"
	"sort"
	"strings"

	"github.com/farm-stack/farm-lsp/analysis/config"
	"github.com/farm-stack/farm-lsp/analysis/facts"
)

// Diff returns the semantic changes from old to new (either may be nil or
// an empty File for an added or removed file). It returns nil when either
// version has syntax errors, and for cosmetic edits (equal SemanticHash).
//
// TS/TSX: component-added/removed/renamed, props-changed, hooks-changed,
// non-component-export-changed (in files with components: Fast Refresh
// cannot hot-update them), imports-changed, body-only, and source-changed
// for any other edit. farm.config.ts: section-changed per top-level key,
// ai-provider-*, ai-model-* and plugin-added/removed/updated. Plugin
// manifests (plugin.ts / plugin.json): plugin-added/removed/updated.
func Diff(old, new *facts.File) []facts.Change {
	if old == nil {
		old = &facts.File{}
	}
	if new == nil {
		new = &facts.File{Path: old.Path, Kind: old.Kind}
	}
	if old.HasErrors || new.HasErrors {
		return nil
	}
	if old.SemanticHash != "" && old.SemanticHash == new.SemanticHash {
		return nil
	}
	d := &differ{old: old, new: new, path: new.Path, kind: new.Kind}
	if d.path == "" {
		d.path = old.Path
	}
	if d.kind == "" {
		d.kind = old.Kind
	}
	switch d.kind {
	case facts.KindFarmConfig:
		d.farmConfig()
	case facts.KindPluginConfig:
		d.pluginManifest()
	default:
		d.source()
	}
	return d.out
}

type differ struct {
	old, new *facts.File
	path     string
	kind     facts.Kind
	out      []facts.Change
}

func (d *differ) add(c facts.Change) {
	c.Path = d.path
	c.FileKind = d.kind
	d.out = append(d.out, c)
}

func empty(f *facts.File) bool {
	return f.SemanticHash == "" && f.Config == nil && len(f.Components) == 0 && len(f.Exports) == 0 &&
		len(f.Imports) == 0
}

// source diffs TS/TSX facts.
func (d *differ) source() {
	old, new := d.old, d.new
	hasComponents := len(old.Components) > 0 || len(new.Components) > 0
	if d.kind == facts.KindViteConfig {
		hasComponents = false
	}
	if hasComponents {
		d.components()
		d.exports()
	}
	d.imports()
	if len(d.out) > 0 {
		return
	}
	switch {
	case empty(old) && empty(new):
	case empty(old):
		// a new file: the workspace reports file-added
	case empty(new):
		d.add(facts.Change{Kind: facts.FileRemoved, Subject: d.path, Detail: "file removed"})
	default:
		// Something we do not model changed (a helper, a type, a
		// non-component export of a plain module, a statement).
		d.add(facts.Change{Kind: facts.SourceChanged, Subject: d.path, Detail: "source changed"})
	}
}

func (d *differ) components() {
	oldBy := map[string]*facts.Component{}
	for i := range d.old.Components {
		oldBy[d.old.Components[i].Name] = &d.old.Components[i]
	}
	newBy := map[string]*facts.Component{}
	for i := range d.new.Components {
		newBy[d.new.Components[i].Name] = &d.new.Components[i]
	}
	var removed, added []*facts.Component
	for i := range d.old.Components {
		if c := &d.old.Components[i]; newBy[c.Name] == nil {
			removed = append(removed, c)
		}
	}
	for i := range d.new.Components {
		if c := &d.new.Components[i]; oldBy[c.Name] == nil {
			added = append(added, c)
		}
	}
	// Renames: a removed and an added component with the same body.
	for ri, r := range removed {
		for ai, a := range added {
			if a == nil || r == nil || a.BodyHash != r.BodyHash {
				continue
			}
			d.add(facts.Change{Kind: facts.ComponentRenamed, Subject: a.Name, Range: a.NameRange,
				Before: r.Name, After: a.Name, Detail: fmt.Sprintf("component %s renamed to %s", r.Name, a.Name)})
			removed[ri], added[ai] = nil, nil
			break
		}
	}
	for _, r := range removed {
		if r != nil {
			d.add(facts.Change{Kind: facts.ComponentRemoved, Subject: r.Name, Range: r.NameRange, Before: r.Name,
				Detail: fmt.Sprintf("component %s removed", r.Name)})
		}
	}
	for _, a := range added {
		if a != nil {
			d.add(facts.Change{Kind: facts.ComponentAdded, Subject: a.Name, Range: a.NameRange, After: a.Name,
				Detail: fmt.Sprintf("component %s added", a.Name)})
		}
	}
	for i := range d.new.Components {
		n := &d.new.Components[i]
		o := oldBy[n.Name]
		if o == nil {
			continue
		}
		other := false
		if ob, nb := propsText(o), propsText(n); ob != nb {
			d.add(facts.Change{Kind: facts.PropsChanged, Subject: n.Name, Range: n.NameRange, Before: ob, After: nb,
				Detail: fmt.Sprintf("props of %s changed: %s", n.Name, propsDetail(o, n))})
			other = true
		}
		if detail := hooksDetail(o.Hooks, n.Hooks); detail != "" {
			d.add(facts.Change{Kind: facts.HooksChanged, Subject: n.Name, Range: n.NameRange,
				Before: strings.Join(o.Hooks, ", "), After: strings.Join(n.Hooks, ", "),
				Detail: fmt.Sprintf("hooks of %s %s; state will reset", n.Name, detail)})
			other = true
		}
		if o.Default != n.Default {
			d.add(facts.Change{Kind: facts.NonComponentExport, Subject: "default", Range: n.NameRange,
				Detail: fmt.Sprintf("the default export changed (%s): Fast Refresh cannot hot-update this module", n.Name)})
			other = true
		}
		if !other && o.BodyHash != n.BodyHash {
			d.add(facts.Change{Kind: facts.BodyOnly, Subject: n.Name, Range: n.NameRange,
				Detail: fmt.Sprintf("body of %s changed: hot update", n.Name)})
		}
	}
}

// propsText renders a component's props type and members.
func propsText(c *facts.Component) string {
	var b strings.Builder
	b.WriteString(c.PropsType)
	if len(c.Props) > 0 {
		b.WriteString(" {")
		for i, p := range c.Props {
			if i > 0 {
				b.WriteString(";")
			}
			b.WriteString(" ")
			b.WriteString(p.Name)
			if p.Optional {
				b.WriteString("?")
			}
			if p.Type != "" {
				b.WriteString(": ")
				b.WriteString(p.Type)
			}
		}
		b.WriteString(" }")
	}
	return b.String()
}

func propsDetail(o, n *facts.Component) string {
	var parts []string
	if o.PropsType != n.PropsType {
		parts = append(parts, fmt.Sprintf("type %q → %q", o.PropsType, n.PropsType))
	}
	ob := map[string]facts.Prop{}
	for _, p := range o.Props {
		ob[p.Name] = p
	}
	nb := map[string]bool{}
	for _, p := range n.Props {
		nb[p.Name] = true
		q, ok := ob[p.Name]
		switch {
		case !ok:
			parts = append(parts, "added "+p.Name)
		case q.Type != p.Type:
			parts = append(parts, fmt.Sprintf("%s: %s → %s", p.Name, q.Type, p.Type))
		case q.Optional != p.Optional:
			if p.Optional {
				parts = append(parts, p.Name+" now optional")
			} else {
				parts = append(parts, p.Name+" now required")
			}
		}
	}
	for _, p := range o.Props {
		if !nb[p.Name] {
			parts = append(parts, "removed "+p.Name)
		}
	}
	if len(parts) == 0 {
		return "members reordered"
	}
	return strings.Join(parts, "; ")
}

// hooksDetail says how the hook sequence changed ("" when it did not).
func hooksDetail(o, n []string) string {
	if strings.Join(o, ",") == strings.Join(n, ",") {
		return ""
	}
	count := map[string]int{}
	for _, h := range o {
		count[h]++
	}
	for _, h := range n {
		count[h]--
	}
	var added, removed []string
	names := make([]string, 0, len(count))
	for h := range count {
		names = append(names, h)
	}
	sort.Strings(names)
	for _, h := range names {
		for c := count[h]; c < 0; c++ {
			added = append(added, h)
		}
		for c := count[h]; c > 0; c-- {
			removed = append(removed, h)
		}
	}
	var parts []string
	if len(added) > 0 {
		parts = append(parts, "added "+strings.Join(added, ", "))
	}
	if len(removed) > 0 {
		parts = append(parts, "removed "+strings.Join(removed, ", "))
	}
	if len(parts) == 0 {
		return fmt.Sprintf("reordered (%s → %s)", strings.Join(o, ", "), strings.Join(n, ", "))
	}
	return strings.Join(parts, "; ")
}

// exports reports non-component exports changed in a component module.
// Type-only exports are erased at runtime and do not count.
func (d *differ) exports() {
	runtime := func(s facts.Symbol) bool { return s.Kind != "type" && s.Kind != "interface" }
	oldBy := map[string]facts.Symbol{}
	for _, s := range d.old.Exports {
		if runtime(s) {
			oldBy[s.Name] = s
		}
	}
	newBy := map[string]bool{}
	const why = "Fast Refresh cannot hot-update a module exporting non-components: full reload"
	for _, s := range d.new.Exports {
		if !runtime(s) {
			continue
		}
		newBy[s.Name] = true
		o, ok := oldBy[s.Name]
		switch {
		case !ok:
			d.add(facts.Change{Kind: facts.NonComponentExport, Subject: s.Name, Range: s.Range, After: s.Kind,
				Detail: fmt.Sprintf("export %s added; %s", s.Name, why)})
		case o.Hash != s.Hash || o.Kind != s.Kind:
			d.add(facts.Change{Kind: facts.NonComponentExport, Subject: s.Name, Range: s.Range, Before: o.Kind, After: s.Kind,
				Detail: fmt.Sprintf("export %s changed; %s", s.Name, why)})
		}
	}
	for _, s := range d.old.Exports {
		if runtime(s) && !newBy[s.Name] {
			d.add(facts.Change{Kind: facts.NonComponentExport, Subject: s.Name, Range: s.Range, Before: s.Kind,
				Detail: fmt.Sprintf("export %s removed; %s", s.Name, why)})
		}
	}
}

// imports reports modules whose import (names, type-only) was added,
// removed or changed; order does not count.
func (d *differ) imports() {
	key := func(i facts.Import) string {
		names := append([]string(nil), i.Names...)
		sort.Strings(names)
		k := strings.Join(names, ",")
		if i.TypeOnly {
			k = "type " + k
		}
		return k
	}
	group := func(imps []facts.Import) (map[string][]string, map[string]facts.Range, []string) {
		by := map[string][]string{}
		rng := map[string]facts.Range{}
		var order []string
		for _, i := range imps {
			if _, ok := by[i.Module]; !ok {
				order = append(order, i.Module)
				rng[i.Module] = i.Range
			}
			by[i.Module] = append(by[i.Module], key(i))
		}
		for m := range by {
			sort.Strings(by[m])
		}
		return by, rng, order
	}
	ob, orng, oorder := group(d.old.Imports)
	nb, nrng, norder := group(d.new.Imports)
	if empty(d.old) || empty(d.new) {
		return // the file itself was added or removed
	}
	for _, m := range norder {
		o, ok := ob[m]
		n := strings.Join(nb[m], " | ")
		switch {
		case !ok:
			d.add(facts.Change{Kind: facts.ImportsChanged, Subject: m, Range: nrng[m], After: n,
				Detail: fmt.Sprintf("import of %q added", m)})
		case strings.Join(o, " | ") != n:
			d.add(facts.Change{Kind: facts.ImportsChanged, Subject: m, Range: nrng[m], Before: strings.Join(o, " | "), After: n,
				Detail: fmt.Sprintf("import of %q changed", m)})
		}
	}
	for _, m := range oorder {
		if _, ok := nb[m]; !ok {
			d.add(facts.Change{Kind: facts.ImportsChanged, Subject: m, Range: orng[m], Before: strings.Join(ob[m], " | "),
				Detail: fmt.Sprintf("import of %q removed", m)})
		}
	}
}

// emptyObject stands in for a missing configuration.
var emptyObject = &facts.Value{Kind: facts.ValueObject, Fields: map[string]*facts.Value{}}

func orEmpty(v *facts.Value) *facts.Value {
	if v == nil || v.Kind != facts.ValueObject {
		return emptyObject
	}
	return v
}

// farmConfig diffs farm.config.ts.
func (d *differ) farmConfig() {
	o, n := orEmpty(d.old.Config), orEmpty(d.new.Config)
	for _, k := range unionKeys(o, n) {
		ov, nv := o.Fields[k], n.Fields[k]
		if canon(ov) == canon(nv) {
			continue
		}
		d.add(facts.Change{Kind: facts.SectionChanged, Subject: k, Range: rangeOf(nv, ov),
			Before: canon(ov), After: canon(nv), Detail: fmt.Sprintf("farm.config.ts section %s changed", k)})
		switch k {
		case "ai":
			d.providers(orEmpty(ov.Get("providers")), orEmpty(nv.Get("providers")))
		case "plugins":
			d.plugins(ov, nv)
		}
	}
}

func canon(v *facts.Value) string {
	if v == nil {
		return ""
	}
	return v.Canonical()
}

// rangeOf is the range of the new value, else of the old one.
func rangeOf(nv, ov *facts.Value) facts.Range {
	if nv != nil {
		if nv.KeyRange != (facts.Range{}) {
			return facts.Range{Start: nv.KeyRange.Start, End: nv.Range.End}
		}
		return nv.Range
	}
	if ov != nil {
		if ov.KeyRange != (facts.Range{}) {
			return facts.Range{Start: ov.KeyRange.Start, End: ov.Range.End}
		}
		return ov.Range
	}
	return facts.Range{}
}

func unionKeys(o, n *facts.Value) []string {
	var out []string
	seen := map[string]bool{}
	for _, v := range []*facts.Value{n, o} {
		for _, k := range v.Keys {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	return out
}

// providers diffs ai.providers.
func (d *differ) providers(o, n *facts.Value) {
	for _, name := range unionKeys(o, n) {
		ov, nv := o.Fields[name], n.Fields[name]
		switch {
		case ov == nil:
			d.add(facts.Change{Kind: facts.AIProviderAdded, Subject: name, Range: rangeOf(nv, nil), After: canon(nv),
				Detail: fmt.Sprintf("AI provider %s added", name)})
		case nv == nil:
			d.add(facts.Change{Kind: facts.AIProviderRemoved, Subject: name, Range: rangeOf(nil, ov), Before: canon(ov),
				Detail: fmt.Sprintf("AI provider %s removed", name)})
		case settings(ov) != settings(nv):
			d.add(facts.Change{Kind: facts.AIProviderUpdated, Subject: name, Range: rangeOf(nv, ov),
				Before: settings(ov), After: settings(nv), Detail: fmt.Sprintf("AI provider %s settings changed", name)})
		}
		d.models(name, ov, nv)
	}
}

// settings is a provider's configuration without its models.
func settings(p *facts.Value) string {
	if p == nil || p.Kind != facts.ValueObject {
		return canon(p)
	}
	cp := &facts.Value{Kind: facts.ValueObject, Fields: map[string]*facts.Value{}}
	for _, k := range p.Keys {
		if k == "models" || k == "defaultModel" {
			continue
		}
		cp.Keys = append(cp.Keys, k)
		cp.Fields[k] = p.Fields[k]
	}
	return cp.Canonical()
}

// modelEntries maps model name → its entry in a provider's models array.
func modelEntries(p *facts.Value) (map[string]*facts.Value, []string) {
	by := map[string]*facts.Value{}
	var order []string
	arr := p.Get("models")
	if arr == nil || arr.Kind != facts.ValueArray {
		return by, nil
	}
	for _, it := range arr.Items {
		name := config.ModelNames(&facts.Value{Kind: facts.ValueArray, Items: []*facts.Value{it}})
		if len(name) == 1 {
			if _, dup := by[name[0]]; !dup {
				order = append(order, name[0])
			}
			by[name[0]] = it
		}
	}
	return by, order
}

func (d *differ) models(provider string, ov, nv *facts.Value) {
	ob, oorder := modelEntries(ov)
	nb, norder := modelEntries(nv)
	subj := func(m string) string { return provider + ":" + m }
	for _, m := range norder {
		o, ok := ob[m]
		switch {
		case !ok:
			d.add(facts.Change{Kind: facts.AIModelAdded, Subject: subj(m), Range: nb[m].Range, After: m,
				Detail: fmt.Sprintf("model %s added to %s", m, provider)})
		case canon(o) != canon(nb[m]):
			d.add(facts.Change{Kind: facts.AIModelUpdated, Subject: subj(m), Range: nb[m].Range, Before: canon(o),
				After: canon(nb[m]), Detail: fmt.Sprintf("model %s of %s changed", m, provider)})
		}
	}
	for _, m := range oorder {
		if _, ok := nb[m]; !ok {
			d.add(facts.Change{Kind: facts.AIModelRemoved, Subject: subj(m), Range: ob[m].Range, Before: m,
				Detail: fmt.Sprintf("model %s removed from %s", m, provider)})
		}
	}
	if ov == nil || nv == nil {
		return
	}
	odef, ndef := ov.Get("defaultModel"), nv.Get("defaultModel")
	if canon(odef) != canon(ndef) {
		name := ndef.String("")
		if name == "" {
			name = odef.String("")
		}
		d.add(facts.Change{Kind: facts.AIModelUpdated, Subject: subj(name), Range: rangeOf(ndef, odef),
			Before: odef.String(""), After: ndef.String(""),
			Detail: fmt.Sprintf("default model of %s changed from %q to %q", provider, odef.String(""), ndef.String(""))})
	}
}

// plugins diffs the plugins array by name.
func (d *differ) plugins(ov, nv *facts.Value) {
	index := func(v *facts.Value) (map[string]*facts.Value, []string) {
		by := map[string]*facts.Value{}
		var order []string
		for _, e := range config.PluginEntries(v) {
			if _, dup := by[e.Name]; !dup {
				order = append(order, e.Name)
			}
			by[e.Name] = e.Value
		}
		return by, order
	}
	ob, oorder := index(ov)
	nb, norder := index(nv)
	for _, p := range norder {
		o, ok := ob[p]
		switch {
		case !ok:
			d.add(facts.Change{Kind: facts.PluginAdded, Subject: p, Range: nb[p].Range, After: canon(nb[p]),
				Detail: fmt.Sprintf("plugin %s enabled", p)})
		case canon(o) != canon(nb[p]):
			d.add(facts.Change{Kind: facts.PluginUpdated, Subject: p, Range: nb[p].Range, Before: canon(o), After: canon(nb[p]),
				Detail: fmt.Sprintf("plugin %s options changed", p)})
		}
	}
	for _, p := range oorder {
		if _, ok := nb[p]; !ok {
			d.add(facts.Change{Kind: facts.PluginRemoved, Subject: p, Range: ob[p].Range, Before: canon(ob[p]),
				Detail: fmt.Sprintf("plugin %s disabled", p)})
		}
	}
}

// pluginManifest diffs plugin.ts / plugin.json.
func (d *differ) pluginManifest() {
	o, n := d.old.Config, d.new.Config
	name := n.Get("name").String("")
	if name == "" {
		name = o.Get("name").String("")
	}
	if name == "" {
		name = pluginDir(d.path)
	}
	switch {
	case o == nil && n == nil:
		return
	case o == nil:
		d.add(facts.Change{Kind: facts.PluginAdded, Subject: name, Range: n.Range, After: n.Canonical(),
			Detail: fmt.Sprintf("plugin manifest %s added", name)})
		return
	case n == nil:
		d.add(facts.Change{Kind: facts.PluginRemoved, Subject: name, Range: o.Range, Before: o.Canonical(),
			Detail: fmt.Sprintf("plugin manifest %s removed", name)})
		return
	}
	if o.Canonical() == n.Canonical() {
		return
	}
	oo, nn := orEmpty(o), orEmpty(n)
	var keys []string
	rng := n.Range
	for _, k := range unionKeys(oo, nn) {
		if canon(oo.Fields[k]) != canon(nn.Fields[k]) {
			if len(keys) == 0 {
				rng = rangeOf(nn.Fields[k], oo.Fields[k])
				if nn.Fields[k] == nil {
					rng = n.Range
				}
			}
			keys = append(keys, k)
		}
	}
	detail := fmt.Sprintf("plugin %s manifest changed", name)
	if len(keys) > 0 {
		detail = fmt.Sprintf("plugin %s manifest changed: %s", name, strings.Join(keys, ", "))
	}
	d.add(facts.Change{Kind: facts.PluginUpdated, Subject: name, Range: rng, Before: o.Canonical(), After: n.Canonical(),
		Detail: detail})
}

// pluginDir is <name> of plugins/<name>/plugin.ts.
func pluginDir(p string) string {
	parts := strings.Split(p, "/")
	if len(parts) >= 2 {
		return parts[len(parts)-2]
	}
	return p
}
