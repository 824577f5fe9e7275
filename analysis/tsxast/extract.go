// Package tsxast extracts facts from TypeScript/TSX files — React
// components (props, hooks, body hash), other exports, imports, property
// reads, and the static configuration object of farm.config.ts and plugin
// manifests — and diffs two versions of those facts into the semantic
// changes of DESIGN.md ("components (TSX)" and "config"), cosmetic edits
// yielding none.
package tsxast

import (
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	sitter "github.com/smacker/go-tree-sitter"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/analysis/parse"
	"github.com/farm-stack/farm-lsp/analysis/staticjs"
)

// hookName matches React hook calls: useState, useQuery, use3D.
var hookName = regexp.MustCompile(`^use[A-Z0-9]`)

// Extract reads the facts of a parsed TS/TSX file. kind decides what is
// read besides imports and exports: farm-config and plugin-config files
// get Config. A farm.config.ts's Diagnostics hold only syntax errors (run
// config.FromValue on Config for the configuration diagnostics); a plugin
// manifest's include the static reader's warnings. The vite config is
// treated as plain source. A file with syntax errors has
// HasErrors set and its Diagnostics; its other facts are best effort.
func Extract(doc *parse.Doc, path string, kind facts.Kind) *facts.File {
	f := &facts.File{Path: path, Kind: kind}
	if doc == nil || doc.Tree == nil {
		return f
	}
	root := doc.Root()
	f.Diagnostics = doc.Errors(path)
	f.HasErrors = len(f.Diagnostics) > 0
	x := &extractor{doc: doc, f: f, decls: map[string]*decl{}, idx: newIndex(doc)}
	x.collect(root)
	x.exports(root)
	f.PropertyReads = x.idx.reads
	switch kind {
	case facts.KindFarmConfig:
		// Its diagnostics (unknown keys, unreadable values) come from
		// config.FromValue, which the engine runs on Config and publishes
		// itself; repeating them here would show each twice.
		f.Config, _ = staticjs.ReadModule(doc, path)
	case facts.KindPluginConfig:
		v, diags := staticjs.ReadModule(doc, path)
		f.Config = v
		f.Diagnostics = append(f.Diagnostics, diags...)
	}
	f.SemanticHash = semanticHash(doc, x.idx, f)
	return f
}

// ExtractConfig is Extract for a farm-config or plugin-config file read
// only for its configuration, as the one-shot commands do: Path, Kind,
// Config, Diagnostics and HasErrors exactly as Extract sets them, and
// nothing else (no imports, exports or semantic hash). It skips the
// extraction query, whose compilation alone (once per process, ~10-20 ms
// of CPU for TypeScript) was a tenth of a warm `farm-lsp generate`. For
// another kind it is Extract.
func ExtractConfig(doc *parse.Doc, path string, kind facts.Kind) *facts.File {
	if kind != facts.KindFarmConfig && kind != facts.KindPluginConfig {
		return Extract(doc, path, kind)
	}
	f := &facts.File{Path: path, Kind: kind}
	if doc == nil || doc.Tree == nil {
		return f
	}
	f.Diagnostics = doc.Errors(path)
	f.HasErrors = len(f.Diagnostics) > 0
	v, diags := staticjs.ReadModule(doc, path)
	f.Config = v
	if kind == facts.KindPluginConfig {
		f.Diagnostics = append(f.Diagnostics, diags...)
	}
	return f
}

// decl is a top-level declaration by name.
type decl struct {
	name string
	kind string       // function, const, let, var, class, type, interface, enum
	node *sitter.Node // the declaration (function_declaration, variable_declarator, …)
	fn   *sitter.Node // for const/let/var: the initialiser
	typ  *sitter.Node // for const/let/var: the type annotation
}

type extractor struct {
	doc   *parse.Doc
	f     *facts.File
	decls map[string]*decl
	// types are interfaces and type aliases by name (props lookup).
	types map[string]*sitter.Node
	idx   *index
}

// collect indexes top-level declarations (exported or not) and imports.
func (x *extractor) collect(root *sitter.Node) {
	x.types = map[string]*sitter.Node{}
	for _, st := range parse.Children(root) {
		n := st
		if st.Type() == "export_statement" {
			if d := st.ChildByFieldName("declaration"); d != nil {
				n = d
			} else {
				continue
			}
		}
		switch n.Type() {
		case "import_statement":
			x.f.Imports = append(x.f.Imports, x.importOf(n))
		case "function_declaration", "generator_function_declaration":
			x.addDecl(n, "function", nil, nil)
		case "class_declaration", "abstract_class_declaration":
			x.addDecl(n, "class", nil, nil)
		case "enum_declaration":
			x.addDecl(n, "enum", nil, nil)
		case "interface_declaration":
			x.addDecl(n, "interface", nil, nil)
			if name := n.ChildByFieldName("name"); name != nil {
				x.types[x.doc.Text(name)] = n
			}
		case "type_alias_declaration":
			x.addDecl(n, "type", nil, nil)
			if name := n.ChildByFieldName("name"); name != nil {
				x.types[x.doc.Text(name)] = n
			}
		case "lexical_declaration", "variable_declaration":
			kind := "var"
			if k := n.ChildByFieldName("kind"); k != nil {
				kind = x.doc.Text(k)
			}
			for _, vd := range parse.Children(n) {
				if vd.Type() == "variable_declarator" {
					x.addDecl(vd, kind, vd.ChildByFieldName("value"), vd.ChildByFieldName("type"))
				}
			}
		}
	}
}

func (x *extractor) addDecl(n *sitter.Node, kind string, fn, typ *sitter.Node) {
	name := n.ChildByFieldName("name")
	if name == nil || name.Type() != "identifier" && name.Type() != "type_identifier" {
		return // destructuring patterns export no single name
	}
	key := x.doc.Text(name)
	if _, dup := x.decls[key]; dup && kind != "function" {
		return // overloads and declaration merging: keep the first
	}
	x.decls[key] = &decl{name: key, kind: kind, node: n, fn: fn, typ: typ}
}

func (x *extractor) importOf(n *sitter.Node) facts.Import {
	d := x.doc
	imp := facts.Import{Range: d.Range(n)}
	if src := n.ChildByFieldName("source"); src != nil {
		imp.Module = stringValue(d, src)
	}
	for _, c := range parse.AllChildren(n) {
		switch c.Type() {
		case "type", "typeof":
			imp.TypeOnly = true
		case "import_clause":
			for _, cc := range parse.Children(c) {
				switch cc.Type() {
				case "identifier":
					imp.Names = append(imp.Names, "default as "+d.Text(cc))
				case "namespace_import":
					imp.Names = append(imp.Names, parse.Normalize(d.Text(cc)))
				case "named_imports":
					for _, sp := range parse.Children(cc) {
						if sp.Type() == "import_specifier" {
							imp.Names = append(imp.Names, parse.Normalize(d.Text(sp)))
						}
					}
				}
			}
		}
	}
	return imp
}

// stringValue is the content of a string literal node.
func stringValue(d *parse.Doc, n *sitter.Node) string {
	t := d.Text(n)
	if len(t) >= 2 && (t[0] == '\'' || t[0] == '"') {
		return t[1 : len(t)-1]
	}
	return t
}

// exports walks export statements, producing components and other exports.
func (x *extractor) exports(root *sitter.Node) {
	d := x.doc
	seen := map[string]bool{} // component names already recorded
	addComponent := func(name string, def bool, n, fn *sitter.Node, typ *sitter.Node, nameNode *sitter.Node) {
		if seen[name] {
			if def {
				for i := range x.f.Components {
					if x.f.Components[i].Name == name {
						x.f.Components[i].Default = true
					}
				}
			}
			return
		}
		seen[name] = true
		x.f.Components = append(x.f.Components, x.component(name, def, n, fn, typ, nameNode))
	}
	addExport := func(name, kind string, n *sitter.Node, hash string) {
		x.f.Exports = append(x.f.Exports, facts.Symbol{Name: name, Kind: kind, Hash: hash, Range: d.Range(n)})
	}
	// exportLocal exports a top-level declaration under a name.
	exportLocal := func(local, as string, def bool, at *sitter.Node) {
		dl := x.decls[local]
		if dl == nil {
			addExport(as, "unknown", at, parse.Hash("unresolved", local))
			return
		}
		if fn := x.componentFunc(dl); fn != nil && (def || isCapitalised(as)) {
			name := as
			if def {
				name = local
			}
			addComponent(name, def, dl.node, fn, dl.typ, dl.node.ChildByFieldName("name"))
			return
		}
		addExport(as, dl.kind, dl.node, x.idx.hash(dl.node))
	}
	for _, st := range parse.Children(root) {
		if st.Type() != "export_statement" {
			continue
		}
		def := hasChild(st, "default")
		src := st.ChildByFieldName("source")
		if dn := st.ChildByFieldName("declaration"); dn != nil {
			switch dn.Type() {
			case "lexical_declaration", "variable_declaration":
				for _, vd := range parse.Children(dn) {
					if vd.Type() != "variable_declarator" {
						continue
					}
					name := vd.ChildByFieldName("name")
					if name == nil {
						continue
					}
					if name.Type() != "identifier" {
						addExport(parse.Normalize(d.Text(name)), "const", vd, x.idx.hash(vd))
						continue
					}
					exportLocal(d.Text(name), d.Text(name), false, vd)
				}
			default:
				name := dn.ChildByFieldName("name")
				if name == nil {
					if def {
						if fn := componentValue(d, dn); fn != nil {
							addComponent("default", true, dn, fn, nil, nil)
						} else {
							addExport("default", "default", dn, x.idx.hash(dn))
						}
					}
					continue
				}
				if def {
					exportLocal(d.Text(name), "default", true, dn)
				} else {
					exportLocal(d.Text(name), d.Text(name), false, dn)
				}
			}
			continue
		}
		if def {
			v := st.ChildByFieldName("value")
			if v == nil {
				continue
			}
			// export default Local / memo(Local) / memo(function X() {…}) / () => …
			target := v
			for target.Type() == "call_expression" && isWrapper(d, target) {
				args := target.ChildByFieldName("arguments")
				if args == nil || args.NamedChildCount() == 0 {
					break
				}
				target = args.NamedChild(0)
			}
			if target.Type() == "identifier" {
				if dl := x.decls[d.Text(target)]; dl != nil && x.componentFunc(dl) != nil {
					exportLocal(d.Text(target), "default", true, v)
					continue
				}
			}
			if fn := componentValue(d, v); fn != nil {
				name := "default"
				if n := fn.ChildByFieldName("name"); n != nil && n.Type() == "identifier" {
					name = d.Text(n)
				}
				addComponent(name, true, v, fn, nil, nil)
				continue
			}
			addExport("default", "default", v, x.idx.hash(v))
			continue
		}
		// export { a, b as c } [from './x'] / export * [as ns] from './x'
		clause := childOfType(st, "export_clause")
		if src != nil {
			mod := stringValue(d, src)
			imp := facts.Import{Module: mod, Range: d.Range(st)}
			if clause == nil {
				name := "* from " + mod
				if ns := childOfType(st, "namespace_export"); ns != nil {
					name = parse.Normalize(d.Text(ns)) + " from " + mod
				}
				imp.Names = []string{"*"}
				x.f.Imports = append(x.f.Imports, imp)
				addExport(name, "reexport", st, parse.Hash("reexport", name))
				continue
			}
			for _, sp := range parse.Children(clause) {
				if sp.Type() != "export_specifier" {
					continue
				}
				local, as := specNames(d, sp)
				imp.Names = append(imp.Names, parse.Normalize(d.Text(sp)))
				addExport(as, "reexport", sp, parse.Hash("reexport", mod, local))
			}
			x.f.Imports = append(x.f.Imports, imp)
			continue
		}
		if clause != nil {
			for _, sp := range parse.Children(clause) {
				if sp.Type() != "export_specifier" {
					continue
				}
				local, as := specNames(d, sp)
				exportLocal(local, as, as == "default", sp)
			}
		}
	}
	sort.SliceStable(x.f.Exports, func(i, j int) bool { return x.f.Exports[i].Name < x.f.Exports[j].Name })
}

func specNames(d *parse.Doc, sp *sitter.Node) (local, as string) {
	n, a := sp.ChildByFieldName("name"), sp.ChildByFieldName("alias")
	local = d.Text(n)
	as = local
	if a != nil {
		as = d.Text(a)
	}
	return local, as
}

func hasChild(n *sitter.Node, typ string) bool { return childOfType(n, typ) != nil }

func childOfType(n *sitter.Node, typ string) *sitter.Node { return parse.ChildOfType(n, typ) }

func isCapitalised(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsUpper(r)
}

// wrappers are the HOCs whose argument is the component function.
var wrappers = map[string]bool{"memo": true, "forwardRef": true, "React.memo": true, "React.forwardRef": true,
	"observer": true}

func isWrapper(d *parse.Doc, call *sitter.Node) bool {
	fn := call.ChildByFieldName("function")
	return fn != nil && wrappers[d.Text(fn)]
}

// componentValue returns the function node of a component-shaped value:
// a function/arrow, or memo/forwardRef(...) around one (nested allowed).
func componentValue(d *parse.Doc, v *sitter.Node) *sitter.Node {
	for i := 0; v != nil && i < 4; i++ {
		switch v.Type() {
		case "function_declaration", "function_expression", "function", "arrow_function":
			return v
		case "parenthesized_expression", "as_expression", "satisfies_expression":
			v = v.NamedChild(0)
		case "call_expression":
			if !isWrapper(d, v) {
				return nil
			}
			args := v.ChildByFieldName("arguments")
			if args == nil || args.NamedChildCount() == 0 {
				return nil
			}
			v = args.NamedChild(0)
		default:
			return nil
		}
	}
	return nil
}

// componentFunc returns the function of a declaration that looks like a
// component: a function declaration, or a const whose initialiser is a
// function/arrow or a memo/forwardRef call around one (or around another
// local component).
func (x *extractor) componentFunc(dl *decl) *sitter.Node {
	switch dl.kind {
	case "function":
		return dl.node
	case "const", "let", "var":
		v := dl.fn
		for i := 0; v != nil && i < 4; i++ {
			switch v.Type() {
			case "function_expression", "function", "arrow_function":
				return v
			case "parenthesized_expression", "as_expression", "satisfies_expression":
				v = v.NamedChild(0)
			case "call_expression":
				if !isWrapper(x.doc, v) {
					return nil
				}
				args := v.ChildByFieldName("arguments")
				if args == nil || args.NamedChildCount() == 0 {
					return nil
				}
				v = args.NamedChild(0)
			case "identifier": // memo(Inner) where Inner is local
				inner := x.decls[x.doc.Text(v)]
				if inner == nil || inner == dl || inner.kind != "function" && inner.fn == nil {
					return nil
				}
				if inner.kind == "function" {
					return inner.node
				}
				v = inner.fn
			default:
				return nil
			}
		}
	}
	return nil
}

// component builds a Component from its declaration n and function fn.
func (x *extractor) component(name string, def bool, n, fn, declType, nameNode *sitter.Node) facts.Component {
	d := x.doc
	c := facts.Component{Name: name, Default: def, Range: d.Range(n), NameRange: d.Range(nameNode)}
	if nameNode == nil {
		c.NameRange = d.Range(n)
		c.NameRange.End = c.NameRange.Start
		if r := d.Lines.LineRange(c.Range.Start.Line); r.End.Line == c.Range.Start.Line {
			c.NameRange.End = r.End
		}
	}
	params := fn.ChildByFieldName("parameters")
	body := fn.ChildByFieldName("body")
	// Props type: the first parameter's annotation, else FC<P> on the
	// declaration, else forwardRef<Ref, P>.
	var propsType *sitter.Node
	if params != nil && params.NamedChildCount() > 0 {
		if ta := params.NamedChild(0).ChildByFieldName("type"); ta != nil && ta.NamedChildCount() > 0 {
			propsType = ta.NamedChild(0)
		}
	}
	if propsType == nil && declType != nil {
		propsType = fcArg(d, declType)
	}
	if propsType == nil && n.Type() != "function_declaration" {
		// Only a component defined by a call (const X = forwardRef<R, P>(…))
		// can take its props from forwardRef's type arguments.
		propsType = forwardRefArg(d, n)
	}
	if propsType != nil {
		c.PropsType = parse.Normalize(d.Text(propsType))
		c.Props = x.props(propsType)
	}
	c.Hooks = x.idx.hooks(body)
	c.BodyHash = parse.Hash(x.idx.hash(params), x.idx.hash(fn.ChildByFieldName("return_type")), x.idx.hash(body))
	return c
}

// fcArg is P of a `React.FC<P>` / `FC<P>` / `FunctionComponent<P>` annotation.
func fcArg(d *parse.Doc, ta *sitter.Node) *sitter.Node {
	if ta.Type() == "type_annotation" && ta.NamedChildCount() > 0 {
		ta = ta.NamedChild(0)
	}
	if ta.Type() != "generic_type" {
		return nil
	}
	name := d.Text(ta.ChildByFieldName("name"))
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		name = name[i+1:]
	}
	switch name {
	case "FC", "FunctionComponent", "VFC", "VoidFunctionComponent", "ComponentType", "NamedExoticComponent":
	default:
		return nil
	}
	args := ta.ChildByFieldName("type_arguments")
	if args == nil || args.NamedChildCount() == 0 {
		return nil
	}
	return args.NamedChild(0)
}

// forwardRefArg is P of forwardRef<Ref, P>(…) anywhere in the initialiser.
func forwardRefArg(d *parse.Doc, n *sitter.Node) *sitter.Node {
	var found *sitter.Node
	var walk func(n *sitter.Node, depth int)
	walk = func(n *sitter.Node, depth int) {
		if found != nil || depth > 6 || n.Type() == "statement_block" {
			return // a function body holds the component, not its wrapper
		}
		if n.Type() == "call_expression" {
			fn := n.ChildByFieldName("function")
			if fn != nil && strings.HasSuffix(d.Text(fn), "forwardRef") {
				if ta := n.ChildByFieldName("type_arguments"); ta != nil && ta.NamedChildCount() > 1 {
					found = ta.NamedChild(1)
					return
				}
			}
		}
		for _, c := range parse.Children(n) {
			walk(c, depth+1)
		}
	}
	walk(n, 0)
	return found
}

// props lists the members of a props type: an inline object type, or an
// interface / object type alias declared in this file.
func (x *extractor) props(t *sitter.Node) []facts.Prop {
	d := x.doc
	var body *sitter.Node
	switch t.Type() {
	case "object_type":
		body = t
	case "type_identifier":
		decl := x.types[d.Text(t)]
		if decl == nil {
			return nil
		}
		if decl.Type() == "interface_declaration" {
			body = decl.ChildByFieldName("body")
		} else if v := decl.ChildByFieldName("value"); v != nil && v.Type() == "object_type" {
			body = v
		}
	case "generic_type": // Readonly<Props>, PropsWithChildren<Props>
		if args := t.ChildByFieldName("type_arguments"); args != nil && args.NamedChildCount() == 1 {
			return x.props(args.NamedChild(0))
		}
	}
	if body == nil {
		return nil
	}
	var out []facts.Prop
	for _, m := range parse.Children(body) {
		switch m.Type() {
		case "property_signature":
			p := facts.Prop{Name: d.Text(m.ChildByFieldName("name")), Optional: hasChild(m, "?")}
			if ta := m.ChildByFieldName("type"); ta != nil {
				p.Type = typeText(d, ta)
			}
			out = append(out, p)
		case "method_signature":
			name := m.ChildByFieldName("name")
			sig := strings.TrimPrefix(d.Text(m)[name.EndByte()-m.StartByte():], "?")
			out = append(out, facts.Prop{Name: d.Text(name), Type: parse.Normalize(sig), Optional: hasChild(m, "?")})
		case "index_signature", "call_signature", "construct_signature":
			out = append(out, facts.Prop{Name: parse.Normalize(d.Text(m))})
		}
	}
	return out
}

// typeText is a type annotation's text without the colon, normalised.
func typeText(d *parse.Doc, ta *sitter.Node) string {
	return parse.Normalize(strings.TrimPrefix(strings.TrimSpace(d.Text(ta)), ":"))
}

// chainText renders an identifier or a.b?.c chain as "a.b.c".
func chainText(d *parse.Doc, n *sitter.Node) (string, bool) {
	var parts []string
	for i := 0; i < 32; i++ {
		switch n.Type() {
		case "identifier":
			parts = append(parts, d.Text(n))
			for l, r := 0, len(parts)-1; l < r; l, r = l+1, r-1 {
				parts[l], parts[r] = parts[r], parts[l]
			}
			return strings.Join(parts, "."), true
		case "member_expression":
			prop := n.ChildByFieldName("property")
			if prop == nil || prop.Type() != "property_identifier" {
				return "", false
			}
			parts = append(parts, d.Text(prop))
			n = n.ChildByFieldName("object")
			if n == nil {
				return "", false
			}
		case "non_null_expression":
			n = n.NamedChild(0)
			if n == nil {
				return "", false
			}
		default:
			return "", false
		}
	}
	return "", false
}

// semanticHash summarises the facts without ranges plus the token hash.
func semanticHash(d *parse.Doc, x *index, f *facts.File) string {
	parts := []string{string(f.Kind), x.hash(d.Root())}
	for _, c := range f.Components {
		parts = append(parts, "c", c.Name, c.PropsType, c.BodyHash, strings.Join(c.Hooks, ","))
		if c.Default {
			parts = append(parts, "default")
		}
		for _, p := range c.Props {
			parts = append(parts, p.Name, p.Type)
			if p.Optional {
				parts = append(parts, "?")
			}
		}
	}
	for _, e := range f.Exports {
		parts = append(parts, "e", e.Name, e.Kind, e.Hash)
	}
	for _, i := range f.Imports {
		parts = append(parts, "i", i.Module, strings.Join(i.Names, ","))
		if i.TypeOnly {
			parts = append(parts, "type")
		}
	}
	if f.Config != nil {
		parts = append(parts, "config", f.Config.Canonical())
	}
	return parse.Hash(parts...)
}
