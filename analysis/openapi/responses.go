package openapi

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/farm-stack/farm-lsp/analysis/facts"
)

// additionalResponses adds FastAPI's additional responses: the
// responses={404: {"model": Message, "description": …}} of include_router,
// the routers and the decorator (an inner entry replaces an outer one of
// the same code). A "model" gives the response's JSON schema; a
// "description" its description (else the status text). A dict written
// at module level is read through its name; anything else is an
// unknown-value warning and no response.
func (b *builder) additionalResponses(r registered, op *Operation) {
	type entry struct {
		code string
		val  *expr
		ctx  string
	}
	var entries []entry
	for _, src := range r.responses {
		d, ctx := b.dictOf(src.ctx, parseExpr(src.src), 0)
		if d == nil {
			b.diag(site{path: r.file.Path, rng: r.route.DecoRange}, facts.CodeUnknownValue,
				fmt.Sprintf("cannot read responses=%s statically (a dict of status codes to dicts); its responses are left out", src.src))
			continue
		}
		for i := 0; i+1 < len(d.Args); i += 2 {
			k := d.Args[i]
			code := ""
			switch {
			case k.Kind == exNum:
				code = k.Text
			case k.Kind == exStr:
				code = strings.ToUpper(k.Text)
				if code == "DEFAULT" {
					code = "default"
				}
			default:
				if v, ok := b.eval(src.ctx, k.String(), 0); ok {
					code = fmt.Sprint(v)
				}
			}
			if code == "" {
				continue
			}
			replaced := false
			for j := range entries {
				if entries[j].code == code {
					entries[j] = entry{code, d.Args[i+1], ctx}
					replaced = true
				}
			}
			if !replaced {
				entries = append(entries, entry{code, d.Args[i+1], ctx})
			}
		}
	}
	for _, e := range entries {
		val, ctx := b.dictOf(e.ctx, e.val, 0)
		var resp *Response
		for _, x := range op.Responses {
			if x.Status == e.code {
				resp = x
			}
		}
		if resp == nil {
			resp = &Response{Status: e.code, MediaType: "application/json"}
			op.Responses = append(op.Responses, resp)
		}
		if val != nil {
			if m := dictGet(val, "model"); m != nil {
				resp.Schema = b.typeSchema(m, modeOut, site{ctx: ctx, path: r.file.Path, rng: r.route.DecoRange, code: facts.CodeUnknownModel})
			}
			if d := dictGet(val, "description"); d != nil {
				if s, ok := b.evalString(ctx, d.String()); ok {
					resp.Description = s
				}
			}
		}
		if resp.Description == "" {
			resp.Description = statusText(e.code)
		}
	}
}

// dictOf returns a dict expression, following a module-level name to its
// value, with the file its names are read in.
func (b *builder) dictOf(ctx string, e *expr, depth int) (*expr, string) {
	if e == nil || depth > 8 {
		return nil, ""
	}
	switch e.Kind {
	case exDict:
		return e, ctx
	case exName:
		if s := b.ix.Resolve(ctx, e.Text); s.File != nil {
			if a := assignOf(s.File, s.Name); a != nil {
				if b.cur != nil && s.File.Path != ctx {
					if b.cur.files == nil {
						b.cur.files = map[string]string{}
					}
					b.cur.files[s.File.Path] = s.File.Hash
				}
				return b.dictOf(s.File.Path, parseExpr(a.Value), depth+1)
			}
		}
	}
	return nil, ""
}

// statusText is FastAPI's description of an additional response without
// one: the status text, the range's name, or "Additional Response".
func statusText(code string) string {
	switch code {
	case "1XX":
		return "Information"
	case "2XX":
		return "Success"
	case "3XX":
		return "Redirection"
	case "4XX":
		return "Client Error"
	case "5XX":
		return "Server Error"
	case "default":
		return "Default Response"
	}
	if n, err := strconv.Atoi(code); err == nil {
		if t := http.StatusText(n); t != "" {
			return t
		}
	}
	return "Additional Response"
}

// hasResponse reports whether the operation has a response for one of
// the codes.
func (o *Operation) hasResponse(codes ...string) bool {
	for _, r := range o.Responses {
		for _, c := range codes {
			if r.Status == c {
				return true
			}
		}
	}
	return false
}

// dictGet returns the value of a string key of a dict expression.
func dictGet(d *expr, key string) *expr {
	for i := 0; i+1 < len(d.Args); i += 2 {
		if k := d.Args[i]; k.Kind == exStr && k.Text == key {
			return d.Args[i+1]
		}
	}
	return nil
}
