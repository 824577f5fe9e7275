package pyast

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/analysis/parse"
)

// routeMethods maps decorator attributes to HTTP methods.
var routeMethods = map[string]string{
	"get": "GET", "post": "POST", "put": "PUT", "patch": "PATCH", "delete": "DELETE",
	"options": "OPTIONS", "head": "HEAD", "trace": "TRACE",
}

// paramSources are FastAPI's parameter marker functions.
var paramSources = map[string]string{
	"Query": "Query", "Path": "Path", "Body": "Body", "Header": "Header", "Cookie": "Cookie",
	"File": "File", "Form": "Form", "Depends": "Depends", "Security": "Depends",
}

// routeKwargs are the route decorator arguments that Route models.
var routeKwargs = map[string]bool{"path": true, "response_model": true, "status_code": true, "methods": true}

// function reads a module-level function: a route handler when one of its
// decorators is @<obj>.get(...) and the like, else a plain function.
func (x *extractor) function(def, outer *pnode, decos []*pnode) {
	d := x.d
	name := d.Text(def.ChildByFieldName("name"))
	type routeDeco struct {
		node   *pnode
		call   *callArgs
		router string
		verbs  []string
	}
	var routes []routeDeco
	var others []*pnode
	for _, dn := range decos {
		e := decoratorExpr(dn)
		call := parseCall(d, e)
		if call != nil {
			if fn := e.ChildByFieldName("function"); fn != nil && fn.Type() == "attribute" {
				attr := d.Text(fn.ChildByFieldName("attribute"))
				obj := canon(d, fn.ChildByFieldName("object"))
				if v, ok := routeMethods[attr]; ok {
					routes = append(routes, routeDeco{dn, call, obj, []string{v}})
					continue
				}
				if attr == "api_route" {
					var verbs []string
					if ms := call.kw("methods"); ms != nil {
						for _, m := range children(ms) {
							if s, ok := strLit(d, m); ok {
								verbs = append(verbs, strings.ToUpper(s))
							}
						}
					}
					if len(verbs) == 0 {
						verbs = []string{"GET"}
					}
					routes = append(routes, routeDeco{dn, call, obj, verbs})
					continue
				}
			}
		}
		others = append(others, dn)
	}
	if len(routes) == 0 {
		x.f.Functions = append(x.f.Functions, facts.Symbol{
			Name: name, Kind: "function", Hash: tokenHash(d, outer), Range: d.Range(outer),
		})
		fd := facts.Def{
			Name: name, Params: x.params(def.ChildByFieldName("parameters")),
			Return: canon(d, def.ChildByFieldName("return_type")), Returns: soleReturn(d, def.ChildByFieldName("body")),
			Range: d.Range(outer),
		}
		if len(fd.Params) == 1 && !fd.Params[0].HasDefault && def.EndByte()-def.StartByte() <= facts.MaxDefSource {
			fd.Source = d.Text(def)
		}
		x.f.Defs = append(x.f.Defs, fd)
		return
	}
	params := x.params(def.ChildByFieldName("parameters"))
	ret := canon(d, def.ChildByFieldName("return_type"))
	async := false
	if first := def.Child(0); first != nil && first.Type() == "async" {
		async = true
	}
	for _, rd := range routes {
		// The body hash covers what Route does not model: the body, other
		// decorators, and the route decorator's other keyword arguments.
		parts := []string{tokenHash(d, def.ChildByFieldName("body"))}
		for _, o := range others {
			parts = append(parts, tokenHash(d, o))
		}
		for i, k := range rd.call.kwName {
			if !routeKwargs[k] {
				parts = append(parts, k, tokenHash(d, rd.call.kwVal[i]))
			}
		}
		for _, v := range rd.verbs {
			r := facts.Route{
				Router:           rd.router,
				Method:           v,
				Handler:          name,
				Async:            async,
				Params:           params,
				ReturnAnnotation: ret,
				BodyHash:         parse.Hash(parts...),
				Range:            d.Range(outer),
				DecoRange:        d.Range(rd.node),
			}
			p := rd.call.kw("path")
			if p == nil && len(rd.call.pos) > 0 {
				p = rd.call.pos[0]
			}
			if s, ok := strLit(d, p); ok {
				r.Path = s
			} else {
				r.Path = canon(d, p)
				r.PathExpr, r.PathRange = r.Path, d.Range(p)
			}
			if n, ok := strLit(d, rd.call.kw("name")); ok {
				r.Name = n
			}
			r.Dependencies = dependencies(d, rd.call.kw("dependencies"))
			r.Tags, r.UniqueID = tags(d, rd.call.kw("tags")), canon(d, rd.call.kw("generate_unique_id_function"))
			r.Responses = canon(d, rd.call.kw("responses"))
			r.Deprecated, r.Hidden = flags(d, rd.call)
			r.ResponseModel = canon(d, rd.call.kw("response_model"))
			r.StatusCode = statusCode(d, rd.call.kw("status_code"))
			x.f.Routes = append(x.f.Routes, r)
		}
	}
}

var httpStatusName = regexp.MustCompile(`HTTP_(\d{3})(_|$)`)

// statusNames maps HTTPStatus member names (CREATED, NO_CONTENT) to codes.
var statusNames = func() map[string]int {
	m := map[string]int{}
	r := strings.NewReplacer(" ", "_", "-", "_", "'", "") // one: building one costs more than using it
	for c := 100; c < 600; c++ {
		if t := http.StatusText(c); t != "" {
			n := strings.ToUpper(r.Replace(t))
			m[n] = c
		}
	}
	m["UNPROCESSABLE_ENTITY"] = 422
	m["REQUEST_ENTITY_TOO_LARGE"] = 413
	return m
}()

// statusCode reads 201, status.HTTP_204_NO_CONTENT or HTTPStatus.CREATED.
func statusCode(d *index, n *pnode) int {
	if n == nil {
		return 0
	}
	txt := canon(d, n)
	if v, err := strconv.Atoi(txt); err == nil {
		return v
	}
	if m := httpStatusName.FindStringSubmatch(txt); m != nil {
		v, _ := strconv.Atoi(m[1])
		return v
	}
	if strings.Contains(txt, ".") {
		return statusNames[lastName(txt)]
	}
	return 0
}

// params reads a handler's parameters (splats and separators skipped).
func (x *extractor) params(ps *pnode) []facts.Param {
	d := x.d
	out := []facts.Param{}
	for _, p := range children(ps) {
		var name, typ, def *pnode
		switch p.Type() {
		case "identifier":
			name = p
		case "typed_parameter":
			for _, c := range children(p) {
				if c.Type() == "identifier" {
					name = c
					break
				}
			}
			typ = p.ChildByFieldName("type")
		case "default_parameter", "typed_default_parameter":
			name, typ, def = p.ChildByFieldName("name"), p.ChildByFieldName("type"), p.ChildByFieldName("value")
		default:
			continue
		}
		if name == nil || name.Type() != "identifier" {
			continue
		}
		prm := facts.Param{Name: d.Text(name), Annotation: canon(d, typ), Range: d.Range(p)}
		var marker *callArgs
		fromDefault := false
		if call := parseCall(d, def); call != nil && paramSources[lastName(call.callee)] != "" {
			marker, fromDefault = call, true
		} else {
			if def != nil {
				prm.Default = canon(d, def)
				prm.HasDefault = prm.Default != "..."
			}
			if !strings.Contains(prm.Annotation, "Annotated[") {
				// no metadata to look at
			} else if head, args, ok := subscriptParts(d, typ); ok && lastName(head) == "Annotated" && len(args) > 1 {
				for _, a := range args[1:] {
					if call := parseCall(d, a); call != nil && paramSources[lastName(call.callee)] != "" {
						marker = call
						break
					}
				}
			}
		}
		if marker != nil {
			prm.Source = paramSources[lastName(marker.callee)]
			prm.Args = kwMap(d, marker)
			first := marker.kw("default")
			if first == nil && len(marker.pos) > 0 {
				first = marker.pos[0]
			}
			if prm.Source == "Depends" {
				if marker.kw("dependency") == nil && len(marker.pos) > 0 {
					if prm.Args == nil {
						prm.Args = map[string]string{}
					}
					prm.Args["dependency"] = canon(d, marker.pos[0])
				}
				if fromDefault {
					prm.Default, prm.HasDefault = "", false
				}
			} else if fromDefault {
				prm.Default, prm.HasDefault = "", false
				if first != nil {
					prm.Default = canon(d, first)
					prm.HasDefault = prm.Default != "..."
				}
			}
		}
		out = append(out, prm)
	}
	return out
}

// routerAssign reads `x = APIRouter(prefix=...)` and `app = FastAPI(...)`.
func (x *extractor) routerAssign(stmt, as *pnode) {
	d := x.d
	call := parseCall(d, as.ChildByFieldName("right"))
	if call == nil {
		return
	}
	switch lastName(call.callee) {
	case "APIRouter", "FastAPI":
	default:
		return
	}
	left := as.ChildByFieldName("left")
	if left == nil {
		return
	}
	r := facts.Router{Var: canon(d, left), Range: d.Range(stmt)}
	if p := call.kw("prefix"); p != nil {
		if s, ok := strLit(d, p); ok {
			r.Prefix = s
		} else {
			r.Prefix = canon(d, p)
			r.PrefixExpr, r.PrefixRange = r.Prefix, d.Range(p)
		}
	}
	r.Dependencies = dependencies(d, call.kw("dependencies"))
	r.Tags, r.UniqueID = tags(d, call.kw("tags")), canon(d, call.kw("generate_unique_id_function"))
	r.Responses = canon(d, call.kw("responses"))
	r.Deprecated, r.Hidden = flags(d, call)
	x.f.Routers = append(x.f.Routers, r)
}

// include reads `app.include_router(users.router, prefix="/api")`.
func (x *extractor) include(stmt, call *pnode) {
	d := x.d
	fn := call.ChildByFieldName("function")
	if fn == nil || fn.Type() != "attribute" || d.Text(fn.ChildByFieldName("attribute")) != "include_router" {
		return
	}
	a := parseCall(d, call)
	inc := facts.Include{Target: canon(d, fn.ChildByFieldName("object")), Range: d.Range(stmt)}
	r := a.kw("router")
	if r == nil && len(a.pos) > 0 {
		r = a.pos[0]
	}
	inc.Router = canon(d, r)
	if p := a.kw("prefix"); p != nil {
		if s, ok := strLit(d, p); ok {
			inc.Prefix = s
		} else {
			inc.Prefix = canon(d, p)
			inc.PrefixExpr, inc.PrefixRange = inc.Prefix, d.Range(p)
		}
	}
	inc.Dependencies = dependencies(d, a.kw("dependencies"))
	inc.Tags, inc.UniqueID = tags(d, a.kw("tags")), canon(d, a.kw("generate_unique_id_function"))
	inc.Responses = canon(d, a.kw("responses"))
	inc.Deprecated, inc.Hidden = flags(d, a)
	x.f.Includes = append(x.f.Includes, inc)
}

// tags reads `tags=["users", "admin"]`: the string literals, "" for an
// item that is not one.
func tags(d *index, n *pnode) []string {
	n = unwrapType(n)
	if n == nil || (n.Type() != "list" && n.Type() != "tuple") {
		return nil
	}
	var out []string
	for _, c := range children(n) {
		if !c.IsNamed() || c.Type() == "comment" {
			continue
		}
		s, _ := strLit(d, c)
		out = append(out, s)
	}
	return out
}

// soleReturn is the expression of a function body that is one return
// statement, after an optional docstring ("" otherwise).
func soleReturn(d *index, body *pnode) string {
	var stmts []*pnode
	for _, c := range children(body) {
		if c.IsNamed() && c.Type() != "comment" {
			stmts = append(stmts, c)
		}
	}
	if len(stmts) == 2 && stmts[0].Type() == "expression_statement" {
		if doc := stmts[0].NamedChild(0); doc != nil && doc.Type() == "string" {
			stmts = stmts[1:]
		}
	}
	if len(stmts) != 1 || stmts[0].Type() != "return_statement" {
		return ""
	}
	return canon(d, stmts[0].NamedChild(0))
}

// dependencies reads `dependencies=[Depends(f), Security(g, scopes=…)]`:
// the callables as written (other items as their source).
func dependencies(d *index, n *pnode) []string {
	n = unwrapType(n)
	if n == nil || (n.Type() != "list" && n.Type() != "tuple") {
		return nil
	}
	var out []string
	for _, c := range children(n) {
		if !c.IsNamed() || c.Type() == "comment" {
			continue
		}
		if call := parseCall(d, c); call != nil && paramSources[lastName(call.callee)] == "Depends" {
			dep := call.kw("dependency")
			if dep == nil && len(call.pos) > 0 {
				dep = call.pos[0]
			}
			out = append(out, canon(d, dep))
			continue
		}
		out = append(out, canon(d, c))
	}
	return out
}

// flags reads deprecated=True and include_in_schema=False.
func flags(d *index, call *callArgs) (deprecated, hidden bool) {
	return canon(d, call.kw("deprecated")) == "True", canon(d, call.kw("include_in_schema")) == "False"
}
