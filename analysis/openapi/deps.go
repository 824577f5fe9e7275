package openapi

import (
	"sort"
	"strings"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/analysis/pymod"
)

// flatParam is a request parameter of an operation after FastAPI's
// flattening of dependencies, with the file whose imports its annotation
// is read in.
type flatParam struct {
	p   facts.Param
	ctx string
}

// SecurityRequirement is one entry of an operation's security list.
type SecurityRequirement struct {
	Scheme string
	Scopes []string
}

// SecurityScheme is one entry of components.securitySchemes.
type SecurityScheme struct {
	Name   string
	Schema ordered
}

// flatDeps is the state of one operation's flattening.
type flatDeps struct {
	params   []flatParam
	security []SecurityRequirement
	visited  map[string]bool
	files    map[string]string // files read (path -> hash), for the cache
}

// markerNames are FastAPI's parameter functions, by last dotted name.
var markerNames = map[string]string{
	"Query": "Query", "Path": "Path", "Body": "Body", "Header": "Header", "Cookie": "Cookie",
	"File": "File", "Form": "Form", "Depends": "Depends", "Security": "Depends",
}

// flattenDeps lists the parameters FastAPI sees for a handler: its own
// (dependencies excluded) first, then those of extra (the routers' and the
// decorator's dependencies=[...]) and of its Depends(...) parameters in
// order, recursively, each dependency once (FastAPI's skip_repeats), and
// the security requirements met on the way.
func (b *builder) flattenDeps(ctx string, params []facts.Param, extra []depRef) *flatDeps {
	fd := &flatDeps{visited: map[string]bool{}, files: map[string]string{}}
	b.flattenInto(fd, ctx, params, extra, 0)
	return fd
}

func (b *builder) flattenInto(fd *flatDeps, ctx string, params []facts.Param, extra []depRef, depth int) {
	if depth > 16 {
		return
	}
	type sub struct {
		ctx, src string
		ann      string
		scopes   []string
	}
	var subs []sub
	for _, d := range extra {
		subs = append(subs, sub{ctx: d.ctx, src: d.src})
	}
	for _, p := range params {
		if p.Name == "self" {
			continue
		}
		fp := b.resolveMarker(flatParam{p: p, ctx: ctx}, fd.files)
		if fp.p.Source == "Depends" {
			var scopes []string
			if v, ok := b.literal(parseExpr(fp.p.Args["scopes"])); ok {
				if l, isList := v.([]any); isList {
					for _, s := range l {
						if str, isStr := s.(string); isStr {
							scopes = append(scopes, str)
						}
					}
				}
			}
			subs = append(subs, sub{ctx: fp.ctx, src: fp.p.Args["dependency"], ann: fp.p.Annotation, scopes: scopes})
			continue
		}
		fd.params = append(fd.params, fp)
	}
	for _, s := range subs {
		src := s.src
		if src == "" { // Depends() takes the annotation's class
			src = s.ann
			// Annotated[OAuth2PasswordRequestForm, Depends()]: the class
			// is the annotated type.
			if a := parseExpr(src); a != nil && a.Kind == exSubscript && a.head() == "Annotated" && len(a.Args) > 0 {
				src = a.Args[0].String()
			}
		}
		sym := b.ix.Resolve(s.ctx, strings.TrimSpace(src))
		key := sym.ID() + "|" + strings.Join(s.scopes, ",")
		if !sym.Found() {
			key = s.ctx + "|" + src
		}
		if fd.visited[key] {
			continue
		}
		fd.visited[key] = true
		if sym.File != nil {
			fd.files[sym.File.Path] = sym.File.Hash
		}
		b.dependency(fd, sym, s.scopes, depth)
	}
}

// dependency adds what one dependency callable declares.
func (b *builder) dependency(fd *flatDeps, sym pymod.Symbol, scopes []string, depth int) {
	if fw := sym.Framework; fw != nil {
		if fw.Role == pymod.RoleDependency {
			b.flattenInto(fd, "", fw.Params, nil, depth+1)
		}
		return
	}
	f := sym.File
	if f == nil {
		return
	}
	for i := range f.Defs {
		if f.Defs[i].Name == sym.Name {
			b.flattenInto(fd, f.Path, f.Defs[i].Params, nil, depth+1)
			return
		}
	}
	if m := b.ix.Model(sym); m != nil {
		if m.Init != nil {
			b.flattenInto(fd, f.Path, m.Init, nil, depth+1)
			return
		}
		if fw := b.ix.Role(sym); fw != nil && fw.Role == pymod.RoleDependency {
			b.flattenInto(fd, "", fw.Params, nil, depth+1)
		}
		return
	}
	// scheme = OAuth2PasswordBearer(tokenUrl=...): a security scheme.
	if a := assignOf(f, sym.Name); a != nil {
		callee, pos, kw, ok := callSource(a.Value)
		if !ok {
			return
		}
		cls := b.ix.Resolve(f.Path, callee)
		fw := cls.Framework
		if fw == nil {
			fw = b.ix.Role(cls)
		}
		if fw == nil || fw.Role != pymod.RoleSecurity {
			return
		}
		name := fw.Name
		if cls.File != nil {
			name = cls.Name
		}
		if v, ok := b.evalString(f.Path, kw["scheme_name"]); ok {
			name = v
		}
		if _, ok := b.schemes[name]; !ok {
			b.schemes[name] = b.schemeSchema(f.Path, fw.Scheme, pos, kw)
		}
		fd.security = append(fd.security, SecurityRequirement{Scheme: name, Scopes: scopes})
	}
}

// schemeSchema renders a security scheme object as FastAPI does.
func (b *builder) schemeSchema(ctx, scheme string, pos []string, kw map[string]string) ordered {
	arg := func(name string, i int) (string, bool) {
		src, ok := kw[name]
		if !ok && i >= 0 && i < len(pos) {
			src, ok = pos[i], true
		}
		if !ok {
			return "", false
		}
		return b.evalString(ctx, src)
	}
	scopes := func() ordered {
		out := ordered{}
		if v, ok := b.eval(ctx, kw["scopes"], 0); ok {
			if o, isObj := v.(ordered); isObj {
				out = o
			}
		}
		return out
	}
	var out ordered
	switch scheme {
	case "oauth2-password":
		tok, _ := arg("tokenUrl", 0)
		flow := ordered{{"scopes", scopes()}, {"tokenUrl", tok}}
		out = ordered{{"type", "oauth2"}, {"flows", ordered{{"password", flow}}}}
	case "oauth2-code":
		auth, _ := arg("authorizationUrl", 0)
		tok, _ := arg("tokenUrl", 1)
		flow := ordered{{"authorizationUrl", auth}, {"tokenUrl", tok}}
		if r, ok := arg("refreshUrl", 2); ok {
			flow = append(flow, kv{"refreshUrl", r})
		}
		flow = append(flow, kv{"scopes", scopes()})
		out = ordered{{"type", "oauth2"}, {"flows", ordered{{"authorizationCode", flow}}}}
	case "oauth2":
		out = ordered{{"type", "oauth2"}, {"flows", ordered{}}}
	case "http-bearer", "http-basic", "http-digest":
		out = ordered{{"type", "http"}, {"scheme", strings.TrimPrefix(scheme, "http-")}}
		if f, ok := arg("bearerFormat", -1); ok && scheme == "http-bearer" {
			out = append(out, kv{"bearerFormat", f})
		}
	case "apikey-header", "apikey-query", "apikey-cookie":
		n, _ := arg("name", -1)
		out = ordered{{"type", "apiKey"}, {"in", strings.TrimPrefix(scheme, "apikey-")}, {"name", n}}
	case "openid":
		u, _ := arg("openIdConnectUrl", 0)
		out = ordered{{"type", "openIdConnect"}, {"openIdConnectUrl", u}}
	}
	if d, ok := arg("description", -1); ok {
		out = append(out, kv{"description", d})
	}
	return out
}

// securitySchemes returns the schemes met, sorted by name.
func (b *builder) securitySchemes() []SecurityScheme {
	out := make([]SecurityScheme, 0, len(b.schemes))
	for n, s := range b.schemes {
		out = append(out, SecurityScheme{Name: n, Schema: s})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// resolveMarker reads markers that are not written inline: a module-level
// `embed = Body(..., embed=True)` used as the default, and an Annotated
// alias (`UserId = Annotated[str, Path(...)]`) used as the annotation.
func (b *builder) resolveMarker(fp flatParam, files map[string]string) flatParam {
	p := fp.p
	if p.Source == "" && p.HasDefault && b.ix.Assigned(p.Default) {
		if d := parseExpr(p.Default); d != nil && d.Kind == exName {
			if s := b.ix.Resolve(fp.ctx, d.Text); s.File != nil {
				files[s.File.Path] = s.File.Hash
				if a := assignOf(s.File, s.Name); a != nil {
					if src, args, def, ok := markerCall(parseExpr(a.Value)); ok {
						p.Source, p.Args = src, args
						p.Default, p.HasDefault = def, def != "" && def != "..."
						if src == "Depends" {
							p.Default, p.HasDefault = "", false
						}
					}
				}
			}
		}
	}
	if !b.ix.Assigned(p.Annotation) {
		fp.p = p
		return fp
	}
	if ann := parseExpr(p.Annotation); ann != nil && ann.Kind == exName && !strings.Contains(ann.Text, "[") {
		if s := b.ix.Resolve(fp.ctx, ann.Text); s.File != nil {
			files[s.File.Path] = s.File.Hash
			if a := assignOf(s.File, s.Name); a != nil {
				if v := parseExpr(a.Value); v != nil && v.Kind == exSubscript && v.head() == "Annotated" && len(v.Args) > 0 {
					p.Annotation = a.Value
					fp.ctx = s.File.Path
					if p.Source == "" {
						for _, m := range v.Args[1:] {
							if src, args, def, ok := markerCall(m); ok {
								p.Source, p.Args = src, args
								if src != "Depends" && def != "" {
									if !p.HasDefault {
										p.Default, p.HasDefault = def, def != "..."
									}
								}
								break
							}
						}
					}
				}
			}
		}
	}
	fp.p = p
	return fp
}

// markerCall reads a Query/Body/...(…) or Depends(…) call expression:
// the source, keyword arguments as source and the default's source.
func markerCall(e *expr) (source string, args map[string]string, def string, ok bool) {
	if e == nil || e.Kind != exCall {
		return "", nil, "", false
	}
	source = markerNames[e.head()]
	if source == "" {
		return "", nil, "", false
	}
	args = map[string]string{}
	for i, k := range e.KwName {
		args[k] = e.KwVal[i].String()
	}
	first := e.kw("default")
	if source == "Depends" {
		first = nil
		if e.kw("dependency") == nil && len(e.Args) > 0 {
			args["dependency"] = e.Args[0].String()
		}
	} else if first == nil && len(e.Args) > 0 {
		first = e.Args[0]
	}
	if first != nil {
		def = first.String()
	}
	return source, args, def, true
}
