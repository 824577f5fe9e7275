package pyast

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/farm-stack/farm-lsp/analysis/facts"
)

// Diff returns the semantic changes from old to new facts of the same
// Python file, in a deterministic order: models, enums, routers, routes,
// includes, imports, functions; within each, additions and changes in the
// new file's order, then removals in the old file's order.
//
// It returns nil when either side HasErrors: the workspace reports syntax
// errors itself and keeps the last good facts, so a broken version is never
// diffed. A nil old (or new) is an empty file. Cosmetic edits (comments,
// white space, docstrings, reformatting) give no changes; a code edit that
// changes no modelled fact gives one source-changed change whose Subject is
// the file path (from the "<module>" entry of Functions, see restHash).
//
// Subjects: "Model" (model, base, collection, index), "Model.field",
// "Model.method", "Enum", "Enum.MEMBER", "METHOD /prefix/path" for routes
// (the router's prefix is prepended when the router is defined in the same
// file), the router variable, the included router expression, the import's
// module ("..models"), the function name.
func Diff(old, new *facts.File) []facts.Change {
	if old == nil {
		old = &facts.File{Path: pathOf(new), Kind: kindOf(new)}
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
	d := &differ{old: old, new: new}
	d.models()
	d.enums()
	d.routers()
	d.routes()
	d.includes()
	d.imports()
	d.functions()
	return d.out
}

func pathOf(f *facts.File) string {
	if f == nil {
		return ""
	}
	return f.Path
}

func kindOf(f *facts.File) facts.Kind {
	if f == nil {
		return facts.KindUnknown
	}
	return f.Kind
}

type differ struct {
	old, new *facts.File
	out      []facts.Change
}

func (d *differ) add(c facts.Change) {
	c.Path = d.new.Path
	if c.Path == "" {
		c.Path = d.old.Path
	}
	c.FileKind = d.new.Kind
	d.out = append(d.out, c)
}

// ---- models ----

func (d *differ) models() {
	oldBy := map[string]*facts.Model{}
	for i := range d.old.Models {
		oldBy[d.old.Models[i].Name] = &d.old.Models[i]
	}
	seen := map[string]bool{}
	for i := range d.new.Models {
		m := &d.new.Models[i]
		seen[m.Name] = true
		o := oldBy[m.Name]
		if o == nil {
			d.add(facts.Change{Kind: facts.ModelAdded, Subject: m.Name, Range: m.NameRange, After: strings.Join(m.Bases, ", "),
				ModelKind: m.Kind, Detail: fmt.Sprintf("model %s added", m.Name)})
			continue
		}
		d.model(o, m)
	}
	for i := range d.old.Models {
		o := &d.old.Models[i]
		if !seen[o.Name] {
			d.add(facts.Change{Kind: facts.ModelRemoved, Subject: o.Name, Range: o.Range, Before: strings.Join(o.Bases, ", "),
				ModelKind: o.Kind, Detail: fmt.Sprintf("model %s removed", o.Name)})
		}
	}
}

func (d *differ) model(o, m *facts.Model) {
	mk := m.Kind
	if mk == facts.ModelUnknown {
		mk = o.Kind
	}
	if b0, b1 := strings.Join(o.Bases, ", "), strings.Join(m.Bases, ", "); b0 != b1 {
		d.add(facts.Change{Kind: facts.BaseChanged, Subject: m.Name, Range: m.NameRange, Before: b0, After: b1, ModelKind: mk,
			Detail: fmt.Sprintf("bases of %s changed from (%s) to (%s)", m.Name, b0, b1)})
	}
	d.fields(o, m, mk)
	d.settings(o, m, mk)
	d.methods(o, m, mk)
}

func (d *differ) fields(o, m *facts.Model, mk facts.ModelKind) {
	oldBy := map[string]*facts.Field{}
	for i := range o.Fields {
		oldBy[o.Fields[i].Name] = &o.Fields[i]
	}
	newBy := map[string]bool{}
	for _, f := range m.Fields {
		newBy[f.Name] = true
	}
	// Renames: a removed and an added field with the same annotation at the
	// same position.
	renamedFrom := map[string]string{} // new name → old name
	renamedOld := map[string]bool{}
	for _, f := range m.Fields {
		if oldBy[f.Name] != nil {
			continue
		}
		for _, of := range o.Fields {
			if !newBy[of.Name] && !renamedOld[of.Name] && of.Index == f.Index && of.Annotation == f.Annotation && of.Computed == f.Computed {
				renamedFrom[f.Name] = of.Name
				renamedOld[of.Name] = true
				break
			}
		}
	}
	for i := range m.Fields {
		f := &m.Fields[i]
		subj := m.Name + "." + f.Name
		if from, ok := renamedFrom[f.Name]; ok {
			d.add(facts.Change{Kind: facts.FieldRenamed, Subject: subj, Range: f.Range, Before: from, After: f.Name, ModelKind: mk,
				Detail: fmt.Sprintf("field %s.%s renamed to %s", m.Name, from, f.Name)})
			of := oldBy[from]
			d.field(m.Name, of, f, mk)
			continue
		}
		of := oldBy[f.Name]
		if of == nil {
			d.add(facts.Change{Kind: facts.FieldAdded, Subject: subj, Range: f.Range, After: f.Annotation, ModelKind: mk,
				Detail: fmt.Sprintf("field %s added to %s (%s)", f.Name, m.Name, f.Annotation)})
			continue
		}
		d.field(m.Name, of, f, mk)
	}
	for _, of := range o.Fields {
		if !newBy[of.Name] && !renamedOld[of.Name] {
			d.add(facts.Change{Kind: facts.FieldRemoved, Subject: m.Name + "." + of.Name, Range: of.Range, Before: of.Annotation, ModelKind: mk,
				Detail: fmt.Sprintf("field %s removed from %s", of.Name, m.Name)})
		}
	}
	// The same fields in another order: the schema's property order (and
	// the generated interface) follows it.
	if b0, b1 := fieldOrder(o), fieldOrder(m); b0 != b1 && sameFieldSet(o, m) {
		d.add(facts.Change{Kind: facts.FieldOrderChanged, Subject: m.Name, Range: m.NameRange, Before: b0, After: b1, ModelKind: mk,
			Detail: fmt.Sprintf("fields of %s reordered: %s", m.Name, b1)})
	}
}

func fieldOrder(m *facts.Model) string {
	names := make([]string, len(m.Fields))
	for i, f := range m.Fields {
		names[i] = f.Name
	}
	return strings.Join(names, ", ")
}

func sameFieldSet(a, b *facts.Model) bool {
	if len(a.Fields) != len(b.Fields) {
		return false
	}
	names := map[string]bool{}
	for _, f := range a.Fields {
		names[f.Name] = true
	}
	for _, f := range b.Fields {
		if !names[f.Name] {
			return false
		}
	}
	return true
}

// field compares two versions of one field (possibly renamed).
func (d *differ) field(model string, o, f *facts.Field, mk facts.ModelKind) {
	subj := model + "." + f.Name
	if o.Annotation != f.Annotation {
		b0, n0 := stripNone(o.Annotation)
		b1, n1 := stripNone(f.Annotation)
		switch {
		case b0 == b1 && n0 == n1:
			// Optional[X], Union[X, None] and X | None are the same type.
		case b0 == b1:
			what := "no longer optional"
			if n1 {
				what = "now optional"
			}
			d.add(facts.Change{Kind: facts.FieldOptionalityChange, Subject: subj, Range: f.AnnRange, Before: o.Annotation, After: f.Annotation,
				ModelKind: mk, Detail: fmt.Sprintf("field %s is %s (%s → %s)", subj, what, o.Annotation, f.Annotation)})
		default:
			d.add(facts.Change{Kind: facts.FieldTypeChanged, Subject: subj, Range: f.AnnRange, Before: o.Annotation, After: f.Annotation,
				ModelKind: mk, Detail: fmt.Sprintf("type of %s changed from %s to %s", subj, o.Annotation, f.Annotation)})
		}
	} else if o.ClassVar != f.ClassVar || o.Computed != f.Computed {
		d.add(facts.Change{Kind: facts.FieldTypeChanged, Subject: subj, Range: f.AnnRange, Before: fieldRole(o), After: fieldRole(f),
			ModelKind: mk, Detail: fmt.Sprintf("%s is now a %s", subj, fieldRole(f))})
	}
	if b0, b1 := defaultText(o), defaultText(f); b0 != b1 {
		d.add(facts.Change{Kind: facts.FieldDefaultChanged, Subject: subj, Range: f.Range, Before: b0, After: b1, ModelKind: mk,
			Detail: fmt.Sprintf("default of %s changed from %s to %s", subj, orNone(b0), orNone(b1))})
	}
	if o.Alias != f.Alias {
		d.add(facts.Change{Kind: facts.FieldAliasChanged, Subject: subj, Range: f.Range, Before: o.Alias, After: f.Alias, ModelKind: mk,
			Detail: fmt.Sprintf("alias of %s changed from %s to %s", subj, orNone(strconv.Quote(o.Alias)), orNone(strconv.Quote(f.Alias)))})
	}
	// Other Field(...) arguments (constraints, descriptions) shape the schema.
	if a0, a1 := fieldArgsText(o), fieldArgsText(f); a0 != a1 {
		d.add(facts.Change{Kind: facts.FieldTypeChanged, Subject: subj, Range: f.Range, Before: a0, After: a1, ModelKind: mk,
			Detail: fmt.Sprintf("Field() arguments of %s changed from (%s) to (%s)", subj, a0, a1)})
	}
}

func fieldRole(f *facts.Field) string {
	switch {
	case f.ClassVar:
		return "class variable"
	case f.Computed:
		return "computed field"
	}
	return "field"
}

func orNone(s string) string {
	if s == "" || s == `""` {
		return "none"
	}
	return s
}

// defaultText renders what a field defaults to: "" when required.
func defaultText(f *facts.Field) string {
	switch {
	case f.DefaultFactory != "":
		return "default_factory=" + f.DefaultFactory
	case f.HasDefault:
		return f.Default
	}
	return ""
}

// fieldArgsText renders Field() keyword arguments other than the ones
// compared on their own (default, default_factory, alias).
func fieldArgsText(f *facts.Field) string {
	keys := make([]string, 0, len(f.FieldArgs))
	for k := range f.FieldArgs {
		switch k {
		case "default", "default_factory", "alias":
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + f.FieldArgs[k]
	}
	return strings.Join(parts, ", ")
}

func (d *differ) settings(o, m *facts.Model, mk facts.ModelKind) {
	var os, ns facts.Settings
	if o.Settings != nil {
		os = *o.Settings
	}
	if m.Settings != nil {
		ns = *m.Settings
	}
	if os.Name != ns.Name {
		r := ns.NameRange
		if m.Settings == nil || ns.Name == "" {
			r = m.NameRange
		}
		d.add(facts.Change{Kind: facts.CollectionRenamed, Subject: m.Name, Range: r, Before: os.Name, After: ns.Name, ModelKind: mk,
			Detail: fmt.Sprintf("collection of %s renamed from %s to %s", m.Name, orDefault(os.Name, o.Name), orDefault(ns.Name, m.Name))})
	}
	oldKeys := map[string]bool{}
	for _, ix := range os.Indexes {
		oldKeys[indexKey(ix)] = true
	}
	newKeys := map[string]bool{}
	for _, ix := range ns.Indexes {
		newKeys[indexKey(ix)] = true
	}
	for _, ix := range ns.Indexes {
		if !oldKeys[indexKey(ix)] {
			d.add(facts.Change{Kind: facts.IndexAdded, Subject: m.Name, Range: ix.Range, After: ix.Name, ModelKind: mk,
				Detail: fmt.Sprintf("index %s added to %s", indexKey(ix), m.Name)})
		}
	}
	for _, ix := range os.Indexes {
		if !newKeys[indexKey(ix)] {
			d.add(facts.Change{Kind: facts.IndexRemoved, Subject: m.Name, Range: ix.Range, Before: ix.Name, ModelKind: mk,
				Detail: fmt.Sprintf("index %s removed from %s", indexKey(ix), m.Name)})
		}
	}
}

func orDefault(name, model string) string {
	if name == "" {
		return "the default (" + model + ")"
	}
	return name
}

// indexKey identifies an index by name, keys and uniqueness.
func indexKey(ix facts.Index) string {
	parts := make([]string, len(ix.Keys))
	for i, k := range ix.Keys {
		parts[i] = k.Field + ":" + strconv.Itoa(k.Dir)
	}
	s := ix.Name + " {" + strings.Join(parts, ", ") + "}"
	if ix.Unique {
		s += " unique"
	}
	return s
}

func (d *differ) methods(o, m *facts.Model, mk facts.ModelKind) {
	oldBy := map[string]*facts.Method{}
	for i := range o.Methods {
		oldBy[o.Methods[i].Name] = &o.Methods[i]
	}
	seen := map[string]bool{}
	for _, me := range m.Methods {
		seen[me.Name] = true
		subj := m.Name + "." + me.Name
		om := oldBy[me.Name]
		switch {
		case om == nil:
			d.add(facts.Change{Kind: facts.ValidatorChanged, Subject: subj, Range: me.Range, After: strings.Join(me.Decorators, ", "), ModelKind: mk,
				Detail: fmt.Sprintf("%s %s added", methodNoun(me), subj)})
		case om.BodyHash != me.BodyHash || strings.Join(om.Decorators, ",") != strings.Join(me.Decorators, ","):
			d.add(facts.Change{Kind: facts.ValidatorChanged, Subject: subj, Range: me.Range, Before: strings.Join(om.Decorators, ", "),
				After: strings.Join(me.Decorators, ", "), ModelKind: mk, Detail: fmt.Sprintf("%s %s changed", methodNoun(me), subj)})
		}
	}
	for _, om := range o.Methods {
		if !seen[om.Name] {
			d.add(facts.Change{Kind: facts.ValidatorChanged, Subject: m.Name + "." + om.Name, Range: om.Range, Before: strings.Join(om.Decorators, ", "),
				ModelKind: mk, Detail: fmt.Sprintf("%s %s.%s removed", methodNoun(om), m.Name, om.Name)})
		}
	}
}

func methodNoun(m facts.Method) string {
	for _, dn := range m.Decorators {
		if strings.HasSuffix(dn, "validator") {
			return "validator"
		}
	}
	return "method"
}

// ---- enums ----

func (d *differ) enums() {
	oldBy := map[string]*facts.Enum{}
	for i := range d.old.Enums {
		oldBy[d.old.Enums[i].Name] = &d.old.Enums[i]
	}
	seen := map[string]bool{}
	for _, e := range d.new.Enums {
		seen[e.Name] = true
		o := oldBy[e.Name]
		if o == nil {
			d.add(facts.Change{Kind: facts.EnumAdded, Subject: e.Name, Range: e.Range, After: memberList(e.Members),
				Detail: fmt.Sprintf("enum %s added", e.Name)})
			continue
		}
		if b0, b1 := strings.Join(o.Bases, ", "), strings.Join(e.Bases, ", "); b0 != b1 {
			d.add(facts.Change{Kind: facts.BaseChanged, Subject: e.Name, Range: e.Range, Before: b0, After: b1,
				Detail: fmt.Sprintf("bases of enum %s changed from (%s) to (%s)", e.Name, b0, b1)})
		}
		oldVal := map[string]string{}
		for _, mb := range o.Members {
			oldVal[mb.Name] = mb.Value
		}
		newVal := map[string]string{}
		for _, mb := range e.Members {
			newVal[mb.Name] = mb.Value
		}
		for _, mb := range e.Members {
			v, ok := oldVal[mb.Name]
			switch {
			case !ok:
				d.add(facts.Change{Kind: facts.EnumMemberAdded, Subject: e.Name + "." + mb.Name, Range: mb.Range, After: mb.Value,
					Detail: fmt.Sprintf("member %s = %s added to enum %s", mb.Name, mb.Value, e.Name)})
			case v != mb.Value:
				d.add(facts.Change{Kind: facts.EnumMemberRemoved, Subject: e.Name + "." + mb.Name, Range: mb.Range, Before: v,
					Detail: fmt.Sprintf("value %s of %s.%s replaced by %s", v, e.Name, mb.Name, mb.Value)})
				d.add(facts.Change{Kind: facts.EnumMemberAdded, Subject: e.Name + "." + mb.Name, Range: mb.Range, After: mb.Value,
					Detail: fmt.Sprintf("value %s of %s.%s replaces %s", mb.Value, e.Name, mb.Name, v)})
			}
		}
		for _, mb := range o.Members {
			if _, ok := newVal[mb.Name]; !ok {
				d.add(facts.Change{Kind: facts.EnumMemberRemoved, Subject: e.Name + "." + mb.Name, Range: mb.Range, Before: mb.Value,
					Detail: fmt.Sprintf("member %s removed from enum %s", mb.Name, e.Name)})
			}
		}
	}
	for _, o := range d.old.Enums {
		if !seen[o.Name] {
			d.add(facts.Change{Kind: facts.EnumRemoved, Subject: o.Name, Range: o.Range, Before: memberList(o.Members),
				Detail: fmt.Sprintf("enum %s removed", o.Name)})
		}
	}
}

func memberList(ms []facts.EnumMember) string {
	parts := make([]string, len(ms))
	for i, m := range ms {
		parts[i] = m.Name + "=" + m.Value
	}
	return strings.Join(parts, ", ")
}

// ---- routers, routes, includes ----

func (d *differ) routers() {
	oldBy := map[string]facts.Router{}
	for _, r := range d.old.Routers {
		oldBy[r.Var] = r
	}
	seen := map[string]bool{}
	for _, r := range d.new.Routers {
		seen[r.Var] = true
		o, ok := oldBy[r.Var]
		switch {
		case !ok:
			d.add(facts.Change{Kind: facts.RouterPrefixChanged, Subject: r.Var, Range: r.Range, After: r.Prefix,
				Detail: fmt.Sprintf("router %s added with prefix %q", r.Var, r.Prefix)})
		case o.Prefix != r.Prefix:
			d.add(facts.Change{Kind: facts.RouterPrefixChanged, Subject: r.Var, Range: r.Range, Before: o.Prefix, After: r.Prefix,
				Detail: fmt.Sprintf("prefix of router %s changed from %q to %q", r.Var, o.Prefix, r.Prefix)})
		}
	}
	for _, o := range d.old.Routers {
		if !seen[o.Var] {
			d.add(facts.Change{Kind: facts.RouterPrefixChanged, Subject: o.Var, Range: o.Range, Before: o.Prefix,
				Detail: fmt.Sprintf("router %s removed", o.Var)})
		}
	}
}

// routeKeys keys routes by handler name and occurrence (a handler may
// carry several route decorators, or api_route with several methods).
func routeKeys(rs []facts.Route) []string {
	n := map[string]int{}
	keys := make([]string, len(rs))
	for i, r := range rs {
		keys[i] = r.Handler + "#" + strconv.Itoa(n[r.Handler])
		n[r.Handler]++
	}
	return keys
}

// routeSubject is "METHOD /prefix/path" with the prefix of a router
// defined in the same file.
func routeSubject(f *facts.File, r *facts.Route) string {
	prefix := ""
	for _, rt := range f.Routers {
		if rt.Var == r.Router {
			prefix = rt.Prefix
		}
	}
	return r.Method + " " + prefix + r.Path
}

func (d *differ) routes() {
	oldKeys := routeKeys(d.old.Routes)
	oldBy := map[string]*facts.Route{}
	for i := range d.old.Routes {
		oldBy[oldKeys[i]] = &d.old.Routes[i]
	}
	newKeys := routeKeys(d.new.Routes)
	seen := map[string]bool{}
	for i := range d.new.Routes {
		r := &d.new.Routes[i]
		seen[newKeys[i]] = true
		subj := routeSubject(d.new, r)
		o := oldBy[newKeys[i]]
		if o == nil {
			d.add(facts.Change{Kind: facts.RouteAdded, Subject: subj, Range: r.DecoRange, After: r.Handler,
				Detail: fmt.Sprintf("route %s added (handler %s)", subj, r.Handler)})
			continue
		}
		if o.Method != r.Method {
			d.add(facts.Change{Kind: facts.RouteMethodChanged, Subject: subj, Range: r.DecoRange, Before: o.Method, After: r.Method,
				Detail: fmt.Sprintf("method of %s changed from %s to %s", r.Handler, o.Method, r.Method)})
		}
		if o.Path != r.Path || o.Router != r.Router {
			d.add(facts.Change{Kind: facts.RoutePathChanged, Subject: subj, Range: r.DecoRange, Before: o.Router + " " + o.Path, After: r.Router + " " + r.Path,
				Detail: fmt.Sprintf("path of %s changed from %s to %s", r.Handler, routeSubject(d.old, o), subj)})
		}
		if o.ResponseModel != r.ResponseModel {
			d.add(facts.Change{Kind: facts.ResponseModelChanged, Subject: subj, Range: r.DecoRange, Before: o.ResponseModel, After: r.ResponseModel,
				Detail: fmt.Sprintf("response_model of %s changed from %s to %s", subj, orNone(o.ResponseModel), orNone(r.ResponseModel))})
		}
		if o.StatusCode != r.StatusCode {
			d.add(facts.Change{Kind: facts.ResponseModelChanged, Subject: subj, Range: r.DecoRange, Before: statusText(o.StatusCode), After: statusText(r.StatusCode),
				Detail: fmt.Sprintf("status code of %s changed from %s to %s", subj, orNone(statusText(o.StatusCode)), orNone(statusText(r.StatusCode)))})
		}
		if o.ReturnAnnotation != r.ReturnAnnotation {
			d.add(facts.Change{Kind: facts.ResponseModelChanged, Subject: subj, Range: r.Range, Before: o.ReturnAnnotation, After: r.ReturnAnnotation,
				Detail: fmt.Sprintf("return annotation of %s changed from %s to %s", r.Handler, orNone(o.ReturnAnnotation), orNone(r.ReturnAnnotation))})
		}
		if p0, p1 := paramsText(o.Params), paramsText(r.Params); p0 != p1 {
			d.add(facts.Change{Kind: facts.ParamsChanged, Subject: subj, Range: r.Range, Before: p0, After: p1,
				Detail: fmt.Sprintf("parameters of %s changed from (%s) to (%s)", r.Handler, p0, p1)})
		}
		if o.BodyHash != r.BodyHash || o.Async != r.Async {
			d.add(facts.Change{Kind: facts.HandlerBodyChanged, Subject: subj, Range: r.Range, After: r.Handler,
				Detail: fmt.Sprintf("handler %s changed", r.Handler)})
		}
	}
	for i := range d.old.Routes {
		if !seen[oldKeys[i]] {
			o := &d.old.Routes[i]
			subj := routeSubject(d.old, o)
			d.add(facts.Change{Kind: facts.RouteRemoved, Subject: subj, Range: o.DecoRange, Before: o.Handler,
				Detail: fmt.Sprintf("route %s removed (handler %s)", subj, o.Handler)})
		}
	}
}

func statusText(c int) string {
	if c == 0 {
		return ""
	}
	return strconv.Itoa(c)
}

// paramsText renders parameters canonically: name: ann = default Source(k=v).
func paramsText(ps []facts.Param) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		var b strings.Builder
		b.WriteString(p.Name)
		if p.Annotation != "" {
			b.WriteString(": " + p.Annotation)
		}
		if p.HasDefault {
			b.WriteString(" = " + p.Default)
		}
		if p.Source != "" {
			keys := make([]string, 0, len(p.Args))
			for k := range p.Args {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			args := make([]string, len(keys))
			for j, k := range keys {
				args[j] = k + "=" + p.Args[k]
			}
			b.WriteString(" " + p.Source + "(" + strings.Join(args, ", ") + ")")
		}
		parts[i] = b.String()
	}
	return strings.Join(parts, ", ")
}

func (d *differ) includes() {
	key := func(i facts.Include) string { return i.Target + "|" + i.Router }
	oldBy := map[string]facts.Include{}
	for _, i := range d.old.Includes {
		oldBy[key(i)] = i
	}
	seen := map[string]bool{}
	for _, i := range d.new.Includes {
		seen[key(i)] = true
		o, ok := oldBy[key(i)]
		switch {
		case !ok:
			d.add(facts.Change{Kind: facts.IncludeChanged, Subject: i.Router, Range: i.Range, After: i.Prefix,
				Detail: fmt.Sprintf("%s now includes %s with prefix %q", i.Target, i.Router, i.Prefix)})
		case o.Prefix != i.Prefix:
			d.add(facts.Change{Kind: facts.IncludeChanged, Subject: i.Router, Range: i.Range, Before: o.Prefix, After: i.Prefix,
				Detail: fmt.Sprintf("prefix of %s included in %s changed from %q to %q", i.Router, i.Target, o.Prefix, i.Prefix)})
		}
	}
	for _, o := range d.old.Includes {
		if !seen[key(o)] {
			d.add(facts.Change{Kind: facts.IncludeChanged, Subject: o.Router, Range: o.Range, Before: o.Prefix,
				Detail: fmt.Sprintf("%s no longer includes %s", o.Target, o.Router)})
		}
	}
}

// ---- imports, functions ----

// importText renders an import for comparison and messages: ".m import
// a, b as c" or "a.b as c". Two imports with the same text bind the same
// local names to the same things.
func importText(i facts.Import) string {
	s := strings.Repeat(".", i.Level) + i.Module
	if len(i.Names) == 0 {
		for _, local := range aliasLocals(i.Aliases) { // import a.b as c
			s += " as " + local
		}
		return s
	}
	// Each alias renames one occurrence of its imported name; with
	// several aliases of one name, in alias order.
	locals := map[string][]string{}
	for _, local := range aliasLocals(i.Aliases) {
		locals[i.Aliases[local]] = append(locals[i.Aliases[local]], local)
	}
	names := make([]string, len(i.Names))
	for k, n := range i.Names {
		names[k] = n
		if ls := locals[n]; len(ls) > 0 {
			names[k] = n + " as " + ls[0]
			locals[n] = ls[1:]
		}
	}
	return s + " import " + strings.Join(names, ", ")
}

// aliasLocals returns an import's local alias names in order.
func aliasLocals(m map[string]string) []string {
	if len(m) == 0 {
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func (d *differ) imports() {
	count := map[string]int{}
	for _, i := range d.old.Imports {
		count[importText(i)]++
	}
	var added []facts.Import
	for _, i := range d.new.Imports {
		t := importText(i)
		if count[t] > 0 {
			count[t]--
			continue
		}
		added = append(added, i)
	}
	var removed []facts.Import
	for _, i := range d.old.Imports {
		if t := importText(i); count[t] > 0 {
			count[t]--
			removed = append(removed, i)
		}
	}
	// An import that only renames differently is one change, not an
	// addition and a removal.
	renamedFrom := make([]int, len(added))
	paired := make([]bool, len(removed))
	for a, i := range added {
		renamedFrom[a] = -1
		for r, o := range removed {
			if !paired[r] && unaliasedText(o) == unaliasedText(i) {
				renamedFrom[a], paired[r] = r, true
				break
			}
		}
	}
	for a, i := range added {
		subj := strings.Repeat(".", i.Level) + i.Module
		if r := renamedFrom[a]; r >= 0 {
			b0, b1 := importText(removed[r]), importText(i)
			d.add(facts.Change{Kind: facts.ImportsChanged, Subject: subj, Range: i.Range, Before: b0, After: b1,
				Detail: fmt.Sprintf("import aliases changed: %s → %s", b0, b1)})
			continue
		}
		d.add(facts.Change{Kind: facts.ImportsChanged, Subject: subj, Range: i.Range, After: importText(i),
			Detail: fmt.Sprintf("import added: %s", importText(i))})
	}
	for r, i := range removed {
		if !paired[r] {
			t := importText(i)
			d.add(facts.Change{Kind: facts.ImportsChanged, Subject: strings.Repeat(".", i.Level) + i.Module, Range: i.Range, Before: t,
				Detail: fmt.Sprintf("import removed: %s", t)})
		}
	}
}

// unaliasedText is importText without the aliases.
func unaliasedText(i facts.Import) string {
	i.Aliases = nil
	return importText(i)
}

func (d *differ) functions() {
	oldBy := map[string]facts.Symbol{}
	for _, s := range d.old.Functions {
		oldBy[s.Name] = s
	}
	seen := map[string]bool{}
	for _, s := range d.new.Functions {
		seen[s.Name] = true
		o, ok := oldBy[s.Name]
		if s.Name == moduleSymbol {
			if ok && o.Hash != s.Hash {
				d.add(facts.Change{Kind: facts.SourceChanged, Subject: d.new.Path, Range: s.Range, Detail: "module-level code changed"})
			}
			continue
		}
		switch {
		case !ok:
			d.add(facts.Change{Kind: facts.SourceChanged, Subject: s.Name, Range: s.Range, Detail: fmt.Sprintf("function %s added", s.Name)})
		case o.Hash != s.Hash:
			d.add(facts.Change{Kind: facts.SourceChanged, Subject: s.Name, Range: s.Range, Detail: fmt.Sprintf("function %s changed", s.Name)})
		}
	}
	for _, o := range d.old.Functions {
		if !seen[o.Name] && o.Name != moduleSymbol {
			d.add(facts.Change{Kind: facts.SourceChanged, Subject: o.Name, Range: o.Range, Detail: fmt.Sprintf("function %s removed", o.Name)})
		}
	}
}
