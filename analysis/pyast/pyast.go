// Package pyast extracts FARM facts from a parsed Python file — Pydantic and
// Beanie models, enums, FastAPI routers, routes and includes, imports and
// plain functions — and diffs two versions of those facts into semantic
// changes (facts.Change). It reads the tree-sitter tree only: no Python runs.
//
// Conventions (what other packages may rely on):
//   - Annotations, defaults and argument values are canonical source text
//     (see canon): tokens joined with single spaces, none inside brackets, no
//     trailing commas, string literals verbatim. Reformatting keeps them equal.
//   - Field(...) defaults: Default is the first positional or default=
//     argument; "..." (or no default at all) gives HasDefault=false.
//   - Route params: for a Query/Path/Body/Header/Cookie/File/Form marker (as
//     the default or as Annotated metadata) Default is the marker's default
//     (first positional or default=), "..." meaning none; Args holds the
//     marker's keyword arguments. Depends/Security have Source "Depends",
//     no default, and Args["dependency"] set to the callable.
//   - Index Dir is 1 or -1; text/hashed/geo indexes have Dir 0 and their kind
//     in the Name ("body_text"), as MongoDB names them.
//   - Method.BodyHash and Route.BodyHash cover the whole definition
//     (decorators, parameters, body) except, for routes, what Route models
//     (path, method, response_model, status_code, parameters, return
//     annotation), comments and docstrings.
//   - Hashes are token hashes like parse.Doc.TokenHash (comments and
//     docstrings skipped) that also ignore trailing commas, so a black
//     reformat that explodes or joins a call is cosmetic.
//   - Functions ends with one entry {Name: "<module>", Kind: "module"} whose
//     Hash covers the code no other fact models (module constants,
//     model_config, class Config, private attributes, router/include
//     arguments other than prefix); Diff reports its change as
//     source-changed with the file path as Subject.
//   - Import.Names are the imported names as written (`from m import a as
//     b` gives "a"; `import a.b as c` gives Module "a.b" and no Names);
//     Import.Aliases maps each local alias to its imported name ({"b": "a"},
//     {"c": "a.b"}) and is nil when nothing is renamed. Diff reports an
//     alias change as imports-changed (not source-changed).
//   - Model.Kind is set only from direct bases (Document, beanie.Document,
//     BaseModel, pydantic.BaseModel); "" is for the workspace to resolve.
//     Field-level Indexed(...) indexes are read on every model that is not
//     a direct BaseModel (a Settings is created when there is none).
//   - Method.Decorators are the decorator callees' last dotted component
//     ("field_validator", "validator", "computed_field", "classmethod").
//   - Only top-level classes and functions are read; imports, routers and
//     include_router calls are also read inside functions and if/try blocks.
package pyast

import (
	"fmt"
	"strings"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/analysis/parse"
)

// Extract reads the facts of a Python document. path is the
// workspace-relative path stored in the facts and diagnostics; kind is the
// file's classification. When the tree has syntax errors HasErrors is set and
// Diagnostics lists them; whatever could be read is still returned.
func Extract(doc *parse.Doc, path string, kind facts.Kind) *facts.File {
	return ExtractWith(doc, path, kind, Options{})
}

// Options tune ExtractWith.
type Options struct {
	// NoSemanticHash leaves File.SemanticHash empty (about a fifth of the
	// extraction's CPU): for facts that are never diffed, as in the one-shot
	// commands (farm-lsp generate, openapi). Diff treats an empty hash as
	// unknown and compares the facts themselves.
	NoSemanticHash bool
	// ContentHash, when set, is File.Hash: the caller's hash of the
	// content, which spares hashing it here (the workspace has one).
	ContentHash string
}

// ExtractWith is Extract with options.
func ExtractWith(doc *parse.Doc, path string, kind facts.Kind, opts Options) (f *facts.File) {
	f = &facts.File{Path: path, Kind: kind}
	if doc == nil || doc.Tree == nil || doc.Lang != parse.Python {
		return f
	}
	f.Hash = opts.ContentHash
	if f.Hash == "" {
		f.Hash = parse.Hash(string(doc.Src))
	}
	defer func() {
		if r := recover(); r != nil {
			// A bug here must not take the server down: the file is treated
			// as unreadable and the workspace keeps its last good facts.
			f.HasErrors = true
			f.Diagnostics = append(f.Diagnostics, facts.Diagnostic{
				Path: path, Severity: facts.SeverityError, Code: facts.CodeFileSkipped,
				Message: fmt.Sprintf("internal error while reading this file: %v", r),
			})
		}
	}()
	root := doc.Root()
	if root.HasError() {
		f.HasErrors = true
		f.Diagnostics = doc.Errors(path)
	}
	mem := mirrors.Get().(*mirrorMem)
	x := &extractor{d: newIndexIn(doc, mem), f: f, modelled: map[uint32]bool{}}
	defer mem.reclaim(x.d) // the facts hold no part of the index
	mroot := x.d.root()
	for _, st := range children(mroot) {
		x.topLevel(st)
	}
	x.statements(mroot)
	f.Functions = append(f.Functions, facts.Symbol{
		Name: moduleSymbol, Kind: "module", Hash: x.restHash(mroot), Range: x.d.Range(mroot),
	})
	if !opts.NoSemanticHash {
		f.SemanticHash = semanticHash(f)
	}
	return f
}

type extractor struct {
	d *index
	f *facts.File
	// modelled holds the start bytes of class-body statements that facts
	// model (fields, methods, enum members, Settings.name/indexes).
	modelled map[uint32]bool
}

// topLevel reads module-level classes and functions.
func (x *extractor) topLevel(n *pnode) {
	switch n.Type() {
	case "class_definition":
		x.class(n, n)
	case "function_definition":
		x.function(n, n, nil)
	case "expression_statement":
		x.assign(n)
	case "decorated_definition":
		def := n.ChildByFieldName("definition")
		if def == nil {
			return
		}
		switch def.Type() {
		case "class_definition":
			x.class(def, n)
		case "function_definition":
			x.function(def, n, decorators(n))
		}
	}
}

// decorators returns the decorator nodes of a decorated_definition.
func decorators(n *pnode) []*pnode {
	var out []*pnode
	for _, c := range children(n) {
		if c.Type() == "decorator" {
			out = append(out, c)
		}
	}
	return out
}

// decoratorExpr is the expression after '@'.
func decoratorExpr(deco *pnode) *pnode {
	for _, c := range children(deco) {
		if c.Type() != "comment" {
			return c
		}
	}
	return nil
}

// decoratorName is the decorator's callee as written without arguments,
// reduced to its last dotted component: @pydantic.field_validator("x") →
// "field_validator".
func decoratorName(d *index, deco *pnode) string {
	e := decoratorExpr(deco)
	if e == nil {
		return ""
	}
	if e.Type() == "call" {
		e = e.ChildByFieldName("function")
	}
	return lastName(canon(d, e))
}

// statements walks statement lists at any depth (module and function
// bodies, if/try/with blocks; not class bodies) for imports, routers and
// includes, without descending into expressions.
func (x *extractor) statements(n *pnode) {
	for _, st := range children(n) {
		switch st.Type() {
		case "import_statement", "import_from_statement", "future_import_statement":
			x.imports(st)
		case "expression_statement":
			for _, e := range children(st) {
				switch e.Type() {
				case "assignment":
					x.routerAssign(st, e)
				case "call":
					x.include(st, e)
				}
			}
		case "comment", "decorator":
		default:
			// descend into compound statements' blocks and clauses
			if st.NamedChildCount() > 0 && isCompound(st.Type()) {
				x.statements(st)
			}
		}
	}
}

func isCompound(t string) bool {
	switch t {
	case "block", "decorated_definition", "function_definition",
		"if_statement", "elif_clause", "else_clause", "try_statement", "except_clause",
		"finally_clause", "with_statement", "for_statement", "while_statement",
		"match_statement", "case_clause", "except_group_clause":
		return true
	}
	return false
}

func (x *extractor) imports(n *pnode) {
	d := x.d
	switch n.Type() {
	case "import_statement":
		for c := n.at(n.first); c != nil; c = c.at(c.next) {
			if c.FieldName() != "name" {
				continue
			}
			name, alias := importName(d, c)
			imp := facts.Import{Module: name, Range: d.Range(n)}
			if alias != "" {
				imp.Aliases = map[string]string{alias: name}
			}
			x.f.Imports = append(x.f.Imports, imp)
		}
	case "import_from_statement", "future_import_statement":
		imp := facts.Import{Range: d.Range(n)}
		if n.Type() == "future_import_statement" {
			imp.Module = "__future__"
		}
		if m := n.ChildByFieldName("module_name"); m != nil {
			if m.Type() == "relative_import" {
				for _, c := range children(m) {
					switch c.Type() {
					case "import_prefix":
						imp.Level = strings.Count(d.Text(c), ".")
					case "dotted_name":
						imp.Module = canon(d, c)
					}
				}
			} else {
				imp.Module = canon(d, m)
			}
		}
		for c := n.at(n.first); c != nil; c = c.at(c.next) {
			switch {
			case c.Type() == "wildcard_import":
				imp.Names = append(imp.Names, "*")
			case c.FieldName() == "name":
				name, alias := importName(d, c)
				imp.Names = append(imp.Names, name)
				if alias != "" {
					if imp.Aliases == nil {
						imp.Aliases = map[string]string{}
					}
					imp.Aliases[alias] = name
				}
			}
		}
		x.f.Imports = append(x.f.Imports, imp)
	}
}

// importName reads an imported name, `a.b` or `a.b as c`: the name as
// written and the local alias ("" when none).
func importName(d *index, c *pnode) (name, alias string) {
	if c.Type() != "aliased_import" {
		return canon(d, c), ""
	}
	return canon(d, c.ChildByFieldName("name")), d.Text(c.ChildByFieldName("alias"))
}

// assign reads a module-level `NAME = value` or `NAME: T = value`.
func (x *extractor) assign(st *pnode) {
	d := x.d
	as := st.NamedChild(0)
	if as == nil || as.Type() != "assignment" || st.NamedChildCount() != 1 {
		return
	}
	left, right := as.ChildByFieldName("left"), as.ChildByFieldName("right")
	if left == nil || right == nil || left.Type() != "identifier" {
		return
	}
	x.f.Assigns = append(x.f.Assigns, facts.Assign{
		Name: d.Text(left), Annotation: canon(d, as.ChildByFieldName("type")),
		Value: canon(d, right), Range: d.Range(right),
	})
}
