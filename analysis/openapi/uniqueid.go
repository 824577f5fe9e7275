package openapi

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/analysis/pyast"
)

// uniqueID is the route's unique id (its operationId, and the name of its
// Body_* schema): FastAPI's default generate_unique_id, or the
// generate_unique_id_function= given to the app, a router, include_router
// or the decorator, evaluated statically when it is a function whose body
// returns an f-string or concatenation of the route's name, path, tags and
// methods (`f"{route.tags[0]}-{route.name}"`, the full-stack template's).
// A function that cannot be read gets a warning at the argument and the
// default id.
func (b *builder) uniqueID(r registered, fullPath, method string) string {
	def := OperationID(routeName(r.route), fullPath, method)
	if r.uid.src == "" {
		return def
	}
	sym := b.ix.Resolve(r.uid.ctx, r.uid.src)
	if fw := sym.External; sym.File == nil && (fw == "fastapi.utils.generate_unique_id" || strings.HasSuffix(r.uid.src, "generate_unique_id")) {
		return def
	}
	if sym.File != nil {
		if b.cur != nil {
			if b.cur.files == nil {
				b.cur.files = map[string]string{}
			}
			b.cur.files[sym.File.Path] = sym.File.Hash
		}
		for i := range sym.File.Defs {
			fn := &sym.File.Defs[i]
			if fn.Name != sym.Name || fn.Returns == "" || len(fn.Params) == 0 {
				continue
			}
			env := routeEnv{param: fn.Params[0].Name, name: routeName(r.route), path: fullPath, method: strings.ToUpper(method), tags: r.tags}
			if v, ok := b.evalRoute(sym.File.Path, fn.Returns, env, 0); ok {
				return v
			}
		}
	}
	b.diag(site{path: r.file.Path, rng: r.route.DecoRange}, facts.CodeUnknownValue,
		fmt.Sprintf("cannot evaluate generate_unique_id_function %s statically (a function returning an f-string of route.name, route.path, route.tags[i], list(route.methods)[0]); FastAPI's default operation id is used", r.uid.src))
	return def
}

// routeEnv is what a unique-id function can read of its APIRoute.
type routeEnv struct {
	param, name, path, method string
	tags                      []string
}

// evalRoute evaluates src (a unique-id function's returned expression) to
// a string: the route's attributes, f-strings, +, str(), .lower() and
// .upper(), and what eval knows (module constants, settings).
func (b *builder) evalRoute(ctx, src string, env routeEnv, depth int) (string, bool) {
	src = strings.TrimSpace(src)
	if src == "" || depth > 24 {
		return "", false
	}
	if parts := pyast.SplitTop(src, '+'); len(parts) > 1 {
		var sb strings.Builder
		for _, p := range parts {
			s, ok := b.evalRoute(ctx, p, env, depth+1)
			if !ok {
				return "", false
			}
			sb.WriteString(s)
		}
		return sb.String(), true
	}
	if body, ok := fstringBody(src); ok {
		var sb strings.Builder
		for i := 0; i < len(body); i++ {
			c := body[i]
			switch {
			case (c == '{' || c == '}') && i+1 < len(body) && body[i+1] == c:
				sb.WriteByte(c)
				i++
			case c == '{':
				j := strings.IndexByte(body[i:], '}')
				if j < 0 {
					return "", false
				}
				inner := body[i+1 : i+j]
				if k := strings.IndexAny(inner, "!:"); k >= 0 {
					inner = inner[:k]
				}
				s, ok := b.evalRoute(ctx, inner, env, depth+1)
				if !ok {
					return "", false
				}
				sb.WriteString(s)
				i += j
			default:
				sb.WriteByte(c)
			}
		}
		return sb.String(), true
	}
	for suffix, conv := range map[string]func(string) string{".lower()": strings.ToLower, ".upper()": strings.ToUpper} {
		if strings.HasSuffix(src, suffix) {
			s, ok := b.evalRoute(ctx, strings.TrimSuffix(src, suffix), env, depth+1)
			return conv(s), ok
		}
	}
	e := parseExpr(src)
	if e == nil {
		return "", false
	}
	attr := func(x *expr) string { // "name" for route.name
		if x != nil && x.Kind == exName && strings.HasPrefix(x.Text, env.param+".") {
			return x.Text[len(env.param)+1:]
		}
		return ""
	}
	switch e.Kind {
	case exName:
		switch attr(e) {
		case "name":
			return env.name, true
		case "path", "path_format":
			return env.path, true
		}
	case exSubscript: // route.tags[0], list(route.methods)[0]
		if len(e.Args) != 1 || e.Args[0].Kind != exNum {
			break
		}
		i, err := strconv.Atoi(e.Args[0].Text)
		if err != nil {
			break
		}
		if attr(e.Base) == "tags" {
			if i >= 0 && i < len(env.tags) && env.tags[i] != "" {
				return env.tags[i], true
			}
			return "", false // FastAPI itself fails on a route without tags
		}
		if base := e.Base; base.Kind == exCall && base.Base.Kind == exName && (base.Base.Text == "list" || base.Base.Text == "sorted") && len(base.Args) == 1 && attr(base.Args[0]) == "methods" && i == 0 {
			return env.method, true
		}
	case exCall:
		if e.Base.Kind == exName && e.Base.Text == "str" && len(e.Args) == 1 {
			return b.evalRoute(ctx, e.Args[0].String(), env, depth+1)
		}
		if e.Base.Kind == exName && strings.HasPrefix(e.Base.Text, env.param+".") {
			return "", false
		}
	}
	if strings.Contains(src, env.param+".") {
		return "", false
	}
	v, ok := b.eval(ctx, src, depth+1)
	switch x := v.(type) {
	case string:
		return x, ok
	case json.Number:
		return string(x), ok
	}
	return "", false
}
