package openapi

import (
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/farm-stack/farm-lsp/analysis/facts"
)

// registered is a route with its full path, in FastAPI registration order.
type registered struct {
	path  string
	route *facts.Route
	file  *facts.File
	// deps are the dependencies=[...] of the routers and include_router
	// calls above the route, outermost first.
	deps []depRef
	// tags are FastAPI's route.tags (include_router's and routers' tags
	// outermost first, then the decorator's); uid is the innermost
	// generate_unique_id_function= (src "" for FastAPI's default).
	tags []string
	uid  depRef
	// responses are the responses={…} arguments above and on the route,
	// outermost first (an inner entry replaces an outer one's code).
	responses []depRef
	// deprecated: deprecated=True at any level; hidden:
	// include_in_schema=False at any level (the route is not documented).
	deprecated, hidden bool
}

// depRef is a dependency callable as written and the file that names it.
type depRef struct {
	ctx, src string
}

func depsOf(f *facts.File, srcs []string) []depRef {
	out := make([]depRef, len(srcs))
	for i, s := range srcs {
		out[i] = depRef{f.Path, s}
	}
	return out
}

type routerKey struct {
	file string
	v    string
}

// paths composes app prefix + include_router prefix + router prefix + route
// path for every route reachable from the application, in registration
// order, and builds the operations.
func (b *builder) paths(py []*facts.File) []*PathItem {
	byPath := map[string]*facts.File{}
	for _, f := range py {
		byPath[f.Path] = f
	}
	// Which routers are included by whom.
	included := map[routerKey]bool{}
	targets := map[routerKey]bool{}
	anyInclude := false
	for _, f := range py {
		for i := range f.Includes {
			anyInclude = true
			inc := &f.Includes[i]
			targets[routerKey{f.Path, inc.Target}] = true
			if g, v, ok := b.resolveRouter(f, inc.Router, py); ok {
				included[routerKey{g.Path, v}] = true
			}
		}
	}
	// Roots: what the application serves directly.
	var roots []routerKey
	seen := map[routerKey]bool{}
	addRoot := func(k routerKey) {
		if !seen[k] && !included[k] {
			seen[k] = true
			roots = append(roots, k)
		}
	}
	for _, f := range py {
		known := map[string]bool{}
		for _, r := range f.Routers {
			known[r.Var] = true
		}
		type cand struct {
			k   routerKey
			pos facts.Pos
		}
		var cands []cand
		for _, r := range f.Routers {
			k := routerKey{f.Path, r.Var}
			if !anyInclude || targets[k] || r.Var == "app" {
				cands = append(cands, cand{k, r.Range.Start})
			}
		}
		for _, r := range f.Routes {
			k := routerKey{f.Path, r.Router}
			if !known[r.Router] {
				cands = append(cands, cand{k, r.Range.Start})
				known[r.Router] = true
			}
		}
		for _, inc := range f.Includes {
			if !known[inc.Target] {
				cands = append(cands, cand{routerKey{f.Path, inc.Target}, inc.Range.Start})
				known[inc.Target] = true
			}
		}
		sort.SliceStable(cands, func(i, j int) bool { return before(cands[i].pos, cands[j].pos) })
		for _, c := range cands {
			addRoot(c.k)
		}
	}
	var regs []registered
	for _, k := range roots {
		regs = append(regs, b.expand(byPath[k.file], k.v, "", nil, scope{}, py, 0)...)
	}
	return b.operations(regs)
}

func before(a, c facts.Pos) bool {
	if a.Line != c.Line {
		return a.Line < c.Line
	}
	return a.Char < c.Char
}

// routerPrefix is a router's own prefix, evaluated; ok is false (and a
// warning is at the expression) when it cannot be known statically.
func (b *builder) routerPrefix(f *facts.File, v string) (string, bool) {
	for _, r := range f.Routers {
		if r.Var == v {
			return b.prefixValue(f, r.Prefix, r.PrefixExpr, r.PrefixRange)
		}
	}
	return "", true
}

// prefixValue evaluates a prefix or path argument that is not a literal.
func (b *builder) prefixValue(f *facts.File, lit, src string, rng facts.Range) (string, bool) {
	if src == "" {
		return lit, true
	}
	if v, ok := b.evalString(f.Path, src); ok {
		return v, true
	}
	b.diag(site{path: f.Path, rng: rng}, facts.CodeUnknownValue,
		fmt.Sprintf("cannot evaluate %s statically (only literals, module constants, f-strings, + and settings defaults); the routes under it are left out", src))
	return "", false
}

// scope is what the routers and include_router calls above a route give
// it besides prefix and dependencies: tags and the unique-id function.
type scope struct {
	tags               []string
	uid                depRef
	responses          []depRef
	deprecated, hidden bool
}

// with returns sc plus tags and, when given, a unique-id function that
// overrides the outer one (FastAPI prefers the innermost).
func (sc scope) with(ctx string, tags []string, uid, responses string, deprecated, hidden bool) scope {
	sc.deprecated = sc.deprecated || deprecated
	sc.hidden = sc.hidden || hidden
	if len(tags) > 0 {
		sc.tags = append(sc.tags[:len(sc.tags):len(sc.tags)], tags...)
	}
	if responses != "" {
		sc.responses = append(sc.responses[:len(sc.responses):len(sc.responses)], depRef{ctx, responses})
	}
	if uid != "" {
		sc.uid = depRef{ctx, uid}
	}
	return sc
}

// expand lists a router's routes and included routers' routes in source order.
func (b *builder) expand(f *facts.File, v, prefix string, deps []depRef, sc scope, py []*facts.File, depth int) []registered {
	if f == nil || depth > 16 {
		return nil
	}
	own, ok := b.routerPrefix(f, v)
	if !ok {
		return nil
	}
	prefix += own
	for _, r := range f.Routers {
		if r.Var == v {
			deps = append(deps[:len(deps):len(deps)], depsOf(f, r.Dependencies)...)
			sc = sc.with(f.Path, r.Tags, r.UniqueID, r.Responses, r.Deprecated, r.Hidden)
		}
	}
	type ev struct {
		pos   facts.Pos
		route *facts.Route
		inc   *facts.Include
	}
	var evs []ev
	for i := range f.Routes {
		if f.Routes[i].Router == v {
			evs = append(evs, ev{pos: f.Routes[i].Range.Start, route: &f.Routes[i]})
		}
	}
	for i := range f.Includes {
		if f.Includes[i].Target == v {
			evs = append(evs, ev{pos: f.Includes[i].Range.Start, inc: &f.Includes[i]})
		}
	}
	sort.SliceStable(evs, func(i, j int) bool { return before(evs[i].pos, evs[j].pos) })
	var out []registered
	for _, e := range evs {
		if e.route != nil {
			p, ok := b.prefixValue(f, e.route.Path, e.route.PathExpr, e.route.PathRange)
			if ok {
				rs := sc.with(f.Path, e.route.Tags, e.route.UniqueID, e.route.Responses, e.route.Deprecated, e.route.Hidden)
				if !rs.hidden {
					out = append(out, registered{path: prefix + p, route: e.route, file: f, deps: deps, tags: rs.tags, uid: rs.uid, responses: rs.responses, deprecated: rs.deprecated})
				}
			}
			continue
		}
		ip, ok := b.prefixValue(f, e.inc.Prefix, e.inc.PrefixExpr, e.inc.PrefixRange)
		if !ok {
			continue
		}
		if g, w, ok := b.resolveRouter(f, e.inc.Router, py); ok {
			out = append(out, b.expand(g, w, prefix+ip, append(deps[:len(deps):len(deps)], depsOf(f, e.inc.Dependencies)...), sc.with(f.Path, e.inc.Tags, e.inc.UniqueID, e.inc.Responses, e.inc.Deprecated, e.inc.Hidden), py, depth+1)...)
		}
	}
	return out
}

// resolveRouter finds the file and variable an include_router argument
// names: "users.router" (module imported from a package), "router"
// (imported from the module), "api.routes.users.router".
func (b *builder) resolveRouter(f *facts.File, ref string, py []*facts.File) (*facts.File, string, bool) {
	e := parseExpr(ref)
	if e == nil || e.Kind != exName {
		return nil, "", false
	}
	segs := strings.Split(e.Text, ".")
	v := segs[len(segs)-1]
	hasRouter := func(g *facts.File, name string) bool {
		for _, r := range g.Routers {
			if r.Var == name {
				return true
			}
		}
		for _, r := range g.Routes {
			if r.Router == name {
				return true
			}
		}
		return false
	}
	if len(segs) == 1 && hasRouter(f, v) {
		return f, v, true
	}
	var mods []string // candidate dotted modules, with the import's level
	var levels []int
	for _, imp := range f.Imports {
		first := segs[0]
		if orig, ok := imp.Aliases[first]; ok {
			switch {
			case len(imp.Names) == 0: // import a.b.users as u; u.router
				mods, levels = append(mods, joinDots(orig, strings.Join(segs[1:len(segs)-1], "."))), append(levels, imp.Level)
			case len(segs) == 1: // from .users import router as users_router
				mods, levels = append(mods, imp.Module), append(levels, imp.Level)
				v = orig
			default: // from . import users as u; u.router
				mods, levels = append(mods, joinDots(imp.Module, joinDots(orig, strings.Join(segs[1:len(segs)-1], ".")))), append(levels, imp.Level)
			}
			continue
		}
		for _, n := range imp.Names {
			if n != first {
				continue
			}
			if len(segs) == 1 { // from mod import router
				mods, levels = append(mods, imp.Module), append(levels, imp.Level)
			} else { // from pkg import users; users.router
				mods, levels = append(mods, joinDots(imp.Module, strings.Join(segs[:len(segs)-1], "."))), append(levels, imp.Level)
			}
		}
		if len(imp.Names) == 0 && len(segs) > 1 { // import a.b.users [as users]
			mod := strings.Join(segs[:len(segs)-1], ".")
			if imp.Module == mod || strings.HasSuffix(imp.Module, "."+first) {
				if imp.Module != mod {
					mod = imp.Module + "." + strings.Join(segs[1:len(segs)-1], ".")
					mod = strings.TrimSuffix(mod, ".")
				}
				mods, levels = append(mods, mod), append(levels, imp.Level)
			}
		}
	}
	for i, m := range mods {
		for _, cand := range moduleFiles(f.Path, m, levels[i]) {
			for _, g := range py {
				if (g.Path == cand || (levels[i] == 0 && strings.HasSuffix(g.Path, "/"+cand))) && hasRouter(g, v) {
					return g, v, true
				}
			}
		}
	}
	// Fallback: a file named after the module (or the variable) that
	// defines the router.
	stem := v
	if len(segs) > 1 {
		stem = segs[len(segs)-2]
	}
	var best *facts.File
	for _, g := range py {
		base := strings.TrimSuffix(path.Base(g.Path), ".py")
		if g != f && hasRouter(g, v) && (base == stem || (len(segs) == 1 && strings.HasPrefix(v, base))) {
			if best != nil {
				return nil, "", false // ambiguous
			}
			best = g
		}
	}
	if best == nil && len(segs) == 1 {
		for _, g := range py {
			base := strings.TrimSuffix(path.Base(g.Path), ".py")
			if g != f && strings.HasPrefix(v, base+"_") {
				for _, r := range g.Routers {
					if best == nil {
						best, v = g, r.Var
					}
				}
			}
		}
	}
	return best, v, best != nil
}

func joinDots(a, c string) string {
	switch {
	case a == "":
		return c
	case c == "":
		return a
	}
	return a + "." + c
}

// moduleFiles lists candidate file paths for a dotted module imported from
// the file at from with the given relative level.
func moduleFiles(from, mod string, level int) []string {
	rel := strings.ReplaceAll(mod, ".", "/")
	if level == 0 {
		return []string{rel + ".py", rel + "/__init__.py"}
	}
	dir := path.Dir(from)
	for i := 1; i < level; i++ {
		dir = path.Dir(dir)
	}
	base := path.Join(dir, rel)
	return []string{base + ".py", path.Join(base, "__init__.py")}
}

// routeName is the route's name= or, by default, the handler's name.
func routeName(rt *facts.Route) string {
	if rt.Name != "" {
		return rt.Name
	}
	return rt.Handler
}

// OperationID is FastAPI's generate_unique_id:
// re.sub(r"\W", "_", name + path_format) + "_" + method.
func OperationID(handler, fullPath, method string) string {
	var sb strings.Builder
	sb.Grow(len(handler) + len(fullPath) + len(method) + 1)
	for _, s := range []string{handler, fullPath} {
		for _, r := range s {
			if r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) {
				sb.WriteRune(r)
			} else {
				sb.WriteByte('_')
			}
		}
	}
	sb.WriteByte('_')
	sb.WriteString(strings.ToLower(method))
	return sb.String()
}

// summary is FastAPI's default summary: name.replace("_", " ").title().
func summary(name string) string {
	rs := []rune(strings.ReplaceAll(name, "_", " "))
	prevLetter := false
	for i, r := range rs {
		if unicode.IsLetter(r) {
			if prevLetter {
				rs[i] = unicode.ToLower(r)
			} else {
				rs[i] = unicode.ToUpper(r)
			}
			prevLetter = true
		} else {
			prevLetter = false
		}
	}
	return string(rs)
}

var ignoredParamTypes = map[string]bool{
	"Request": true, "Response": true, "BackgroundTasks": true, "WebSocket": true,
	"HTTPConnection": true, "SecurityScopes": true,
}

// responseClasses are return annotations FastAPI does not turn into a
// response model.
var responseClasses = map[string]bool{
	"Response": true, "JSONResponse": true, "HTMLResponse": true, "PlainTextResponse": true,
	"RedirectResponse": true, "StreamingResponse": true, "FileResponse": true, "ORJSONResponse": true,
	"UJSONResponse": true, "EventSourceResponse": true,
}

// pathParams returns the parameter names of a path template and the
// template with Starlette converters dropped ("{p:path}" → "{p}").
func pathParams(p string) ([]string, string) {
	if !strings.Contains(p, "{") {
		return nil, p
	}
	var names []string
	var sb strings.Builder
	for {
		i := strings.IndexByte(p, '{')
		if i < 0 {
			break
		}
		j := strings.IndexByte(p[i:], '}')
		if j < 0 {
			break
		}
		name := p[i+1 : i+j]
		if k := strings.IndexByte(name, ':'); k >= 0 {
			name = name[:k]
		}
		names = append(names, name)
		sb.WriteString(p[:i])
		sb.WriteString("{" + name + "}")
		p = p[i+j+1:]
	}
	sb.WriteString(p)
	return names, sb.String()
}

func (b *builder) operations(regs []registered) []*PathItem {
	var items []*PathItem
	byPath := map[string]*PathItem{}
	needValidation := false
	for _, r := range regs {
		op := b.cachedOperation(r)
		if len(op.Parameters) > 0 || op.RequestBody != nil {
			needValidation = true
		}
		pi := byPath[op.Path]
		if pi == nil {
			pi = &PathItem{Path: op.Path}
			byPath[op.Path] = pi
			items = append(items, pi)
		}
		replaced := false
		for i, o := range pi.Operations {
			if o.Method == op.Method {
				pi.Operations[i], replaced = op, true
			}
		}
		if !replaced {
			pi.Operations = append(pi.Operations, op)
		}
	}
	if needValidation {
		b.validationSchemas()
	}
	return items
}

func (b *builder) operation(r registered) *Operation {
	rt := r.route
	method := strings.ToLower(rt.Method)
	names, full := pathParams(r.path)
	op := &Operation{
		Method:      method,
		Path:        full,
		OperationID: b.uniqueID(r, full, method),
		Deprecated:  r.deprecated,
		Summary:     summary(routeName(rt)),
		Handler:     rt.Handler,
		File:        r.file.Path,
		Range:       rt.Range,
	}
	inPath := map[string]bool{}
	for _, n := range names {
		inPath[n] = true
	}
	type bodyParam struct {
		name     string
		required bool
		schema   *Schema
		embed    bool
		source   string
	}
	var bodies []bodyParam
	extra := append(r.deps[:len(r.deps):len(r.deps)], depsOf(r.file, rt.Dependencies)...)
	fd := b.flattenDeps(r.file.Path, rt.Params, extra)
	op.Security = fd.security
	if b.cur != nil {
		for p, h := range b.cur.files { // the unique-id function's
			fd.files[p] = h
		}
		b.cur.files = fd.files
	}
	seenParam := map[string]bool{}
	for _, fp := range fd.params {
		p := fp.p
		ann := parseExpr(p.Annotation)
		core := ann
		for core != nil && core.Kind == exSubscript && core.head() == "Annotated" && len(core.Args) > 0 {
			core = core.Args[0]
		}
		if core != nil && ignoredParamTypes[core.head()] {
			continue
		}
		st := site{ctx: fp.ctx, path: r.file.Path, rng: p.Range, code: facts.CodeUnsupported}
		if fp.ctx != r.file.Path {
			st.path = "" // a dependency's parameter: reported at its own file, not here
		}
		name := p.Name
		if a, ok := b.literal(parseExpr(p.Args["alias"])); ok {
			if s, isStr := a.(string); isStr {
				name = s
			}
		}
		in := ""
		switch p.Source {
		case "Path":
			in = "path"
		case "Query":
			in = "query"
		case "Header":
			in = "header"
			if p.Args["alias"] == "" && p.Args["convert_underscores"] != "False" {
				name = strings.ReplaceAll(name, "_", "-")
			}
		case "Cookie":
			in = "cookie"
		case "Body", "Form", "File":
			in = "body"
		default:
			switch {
			case inPath[p.Name]:
				in = "path"
			case b.isScalar(core, fp.ctx):
				in = "query"
			default:
				in = "body"
				st.code = facts.CodeUnknownModel
			}
		}
		if in == "path" && !inPath[name] && inPath[p.Name] {
			name = p.Name
		}
		sch := b.typeSchema(ann, modeIn, st)
		if p.Annotation == "" {
			sch = &Schema{}
		}
		required := !p.HasDefault || in == "path"
		if in == "body" {
			if p.HasDefault {
				if v, isNone := b.evalDefault(parseExpr(p.Default)); !isNone {
					sch = withSiblings(sch, b.v1)
					sch.Default, sch.HasDefault = v, true
				}
			}
			bname := name
			if !b.v1 {
				bname = p.Name // FastAPI ≥ 0.100 names embedded body properties after the parameter
			}
			bodies = append(bodies, bodyParam{name: bname, required: required, schema: sch, embed: p.Args["embed"] == "True", source: p.Source})
			continue
		}
		if seenParam[in+" "+name] {
			continue // FastAPI keeps a parameter name once
		}
		seenParam[in+" "+name] = true
		if p.HasDefault {
			if v, isNone := b.evalDefault(parseExpr(p.Default)); !isNone {
				sch = withSiblings(sch, b.v1)
				sch.Default, sch.HasDefault = v, true
			}
		}
		op.Parameters = append(op.Parameters, &Parameter{Name: name, In: in, Required: required, Schema: sch})
	}
	// FastAPI lists path, then query, header and cookie parameters.
	rank := map[string]int{"path": 0, "query": 1, "header": 2, "cookie": 3}
	sort.SliceStable(op.Parameters, func(i, j int) bool { return rank[op.Parameters[i].In] < rank[op.Parameters[j].In] })
	if len(bodies) > 0 {
		rb := &RequestBody{MediaType: "application/json"}
		for _, bp := range bodies {
			switch bp.source {
			case "Form":
				if rb.MediaType == "application/json" {
					rb.MediaType = "application/x-www-form-urlencoded"
				}
			case "File":
				rb.MediaType = "multipart/form-data"
			}
			rb.Required = rb.Required || bp.required
		}
		if len(bodies) == 1 && !bodies[0].embed && rb.MediaType == "application/json" {
			rb.Schema = bodies[0].schema
		} else {
			rb.Embedded = true
			name := "Body_" + op.OperationID
			obj := &Schema{Type: "object", Title: name, Properties: []Property{}}
			for _, bp := range bodies {
				obj.Properties = append(obj.Properties, Property{Name: bp.name, Schema: bp.schema})
				if bp.required {
					obj.Required = append(obj.Required, bp.name)
				}
			}
			key := compKey{name, modeIn}
			ns := &NamedSchema{Name: name, Schema: obj, File: r.file.Path, Line: rt.Range.Start.Line}
			b.comps[key] = ns
			b.order = append(b.order, key)
			if b.cur != nil {
				b.cur.body = ns
			}
			rb.Schema = b.addRef(key)
		}
		op.RequestBody = rb
	}
	status := rt.StatusCode
	if status == 0 {
		status = 200
	}
	resp := &Response{Status: strconv.Itoa(status), Description: "Successful Response", MediaType: "application/json"}
	if status != 204 && status != 304 && status >= 200 {
		resp.Schema = &Schema{}
		src := rt.ResponseModel
		if src == "" {
			src = rt.ReturnAnnotation
			if e := parseExpr(src); e != nil && responseClasses[e.head()] {
				src = ""
			}
		}
		if src != "" && src != "None" {
			resp.Schema = b.typeSchema(parseExpr(src), modeOut, site{ctx: r.file.Path, path: r.file.Path, rng: rt.DecoRange, code: facts.CodeUnknownModel})
		}
	}
	op.Responses = append(op.Responses, resp)
	b.additionalResponses(r, op)
	if (len(op.Parameters) > 0 || op.RequestBody != nil) && !op.hasResponse("422", "4XX", "default") {
		ref := b.addRef(compKey{"HTTPValidationError", modeIn})
		op.Responses = append(op.Responses, &Response{Status: "422", Description: "Validation Error", MediaType: "application/json", Schema: ref})
	}
	return op
}

// validationSchemas adds FastAPI's HTTPValidationError and ValidationError.
func (b *builder) validationSchemas() {
	if _, ok := b.comps[compKey{"HTTPValidationError", modeIn}]; ok {
		return
	}
	veRef := b.addRef(compKey{"ValidationError", modeIn})
	ve := b.refs[len(b.refs)-1]
	b.veRef = &ve
	hve := &Schema{Type: "object", Title: "HTTPValidationError", Properties: []Property{
		{"detail", &Schema{Type: "array", Items: veRef}},
	}}
	veSchema := &Schema{Type: "object", Title: "ValidationError", Properties: []Property{
		{"loc", &Schema{Type: "array", Items: &Schema{AnyOf: []*Schema{{Type: "string"}, {Type: "integer"}}}}},
		{"msg", &Schema{Type: "string"}},
		{"type", &Schema{Type: "string"}},
	}, Required: []string{"loc", "msg", "type"}}
	for _, ns := range []*NamedSchema{{Name: "HTTPValidationError", Schema: hve}, {Name: "ValidationError", Schema: veSchema}} {
		key := compKey{ns.Name, modeIn}
		b.comps[key] = ns
		b.order = append(b.order, key)
	}
}
