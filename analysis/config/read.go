package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/analysis/staticjs"
)

// FromValue types the statically read configuration object v (nil: an
// empty config) on top of Default. Unknown keys get a hint at their key;
// values of the wrong type, or that could not be read statically, get a
// warning at the value and keep the default. Diagnostics have Path path.
func FromValue(v *facts.Value, path string) (Config, []facts.Diagnostic) {
	c := Default()
	c.Development.Frontend.URL = "" // derived from the port unless set
	r := &reader{path: path, c: &c}
	r.root(v)
	if c.Development.Frontend.URL == "" {
		c.Development.Frontend.URL = fmt.Sprintf("http://127.0.0.1:%d", c.Development.Ports.Frontend)
	}
	return c, r.diags
}

// Merge applies LSP initializationOptions (JSON of the same shape as the
// farm.config.ts object) over c and returns the result; c is not modified.
// Keys Merge does not know are ignored (the options object may carry other
// settings). Malformed JSON returns c unchanged and an error; values of the
// wrong type are skipped and reported together in the error while the rest
// is applied.
func Merge(c Config, overrides json.RawMessage) (Config, error) {
	if len(strings.TrimSpace(string(overrides))) == 0 || strings.TrimSpace(string(overrides)) == "null" {
		return c, nil
	}
	v, diags := staticjs.ParseJSON(overrides, "initializationOptions")
	if v == nil {
		msg := "invalid JSON"
		if len(diags) > 0 {
			msg = diags[0].Message
		}
		return c, fmt.Errorf("config: initializationOptions: %s", msg)
	}
	if v.Kind != facts.ValueObject {
		return c, fmt.Errorf("config: initializationOptions: expected an object, got %s", v.Kind)
	}
	out := c.clone()
	r := &reader{path: "initializationOptions", c: &out, ignoreUnknown: true}
	r.root(v)
	var errs []error
	for _, d := range r.diags {
		if d.Severity <= facts.SeverityWarning {
			errs = append(errs, errors.New(d.Message))
		}
	}
	if len(errs) > 0 {
		return out, fmt.Errorf("config: initializationOptions: %w", errors.Join(errs...))
	}
	return out, nil
}

// PluginEntry is one element of the `plugins` array.
type PluginEntry struct {
	Name  string
	Value *facts.Value // the whole entry ('name', ['name', {…}] or {name, …})
}

// PluginEntries reads the `plugins` array: strings, ['name', {options}]
// tuples and {name, …} objects. Entries without a readable name are
// skipped.
func PluginEntries(v *facts.Value) []PluginEntry {
	if v == nil || v.Kind != facts.ValueArray {
		return nil
	}
	var out []PluginEntry
	for _, it := range v.Items {
		if name := pluginName(it); name != "" {
			out = append(out, PluginEntry{Name: name, Value: it})
		}
	}
	return out
}

func pluginName(it *facts.Value) string {
	if it == nil {
		return ""
	}
	switch it.Kind {
	case facts.ValueString:
		return it.Str
	case facts.ValueArray:
		if len(it.Items) > 0 && it.Items[0] != nil && it.Items[0].Kind == facts.ValueString {
			return it.Items[0].Str
		}
	case facts.ValueObject:
		return it.Get("name").String("")
	}
	return ""
}

// ModelNames reads a provider's `models` array: strings or {name} objects.
func ModelNames(v *facts.Value) []string {
	if v == nil || v.Kind != facts.ValueArray {
		return nil
	}
	var out []string
	for _, it := range v.Items {
		if n := modelName(it); n != "" {
			out = append(out, n)
		}
	}
	return out
}

func modelName(it *facts.Value) string {
	if it == nil {
		return ""
	}
	switch it.Kind {
	case facts.ValueString:
		return it.Str
	case facts.ValueObject:
		return it.Get("name").String("")
	}
	return ""
}

// reader applies a Value onto a Config, collecting diagnostics.
type reader struct {
	path          string
	c             *Config
	diags         []facts.Diagnostic
	ignoreUnknown bool
}

// handler reads one member: v is its value, key its dotted key.
type handler func(v *facts.Value, key string)

func (r *reader) diag(rng facts.Range, sev facts.Severity, format string, args ...any) {
	r.diags = append(r.diags, facts.Diagnostic{Path: r.path, Range: rng, Severity: sev, Code: facts.CodeConfig,
		Message: fmt.Sprintf(format, args...)})
}

// unset reports whether v means "not set" (absent, null, undefined).
func unset(v *facts.Value) bool { return v == nil || v.Kind == facts.ValueNull }

// envOnly is the variable of a bare `process.env.X` (no static default).
func envOnly(v *facts.Value) string {
	if v == nil || v.Kind != facts.ValueUnknown {
		return ""
	}
	s := strings.TrimSpace(v.Source)
	name, ok := strings.CutPrefix(s, "process.env.")
	if !ok || name == "" || strings.ContainsAny(name, " .()[]|?") {
		return ""
	}
	return name
}

// check reports whether v can be read as want; if not it diagnoses (unless
// unset) and the caller keeps the current value.
func (r *reader) check(v *facts.Value, key string, want facts.ValueKind, def any) bool {
	if unset(v) {
		return false
	}
	if v.Kind == want {
		if env := staticjs.EnvVar(v); env != "" {
			r.env(key, env)
		}
		return true
	}
	if env := envOnly(v); env != "" {
		r.env(key, env)
		return false
	}
	if v.Kind == facts.ValueUnknown {
		r.diag(v.Range, facts.SeverityWarning, "%s: cannot be read statically; using %s", key, show(def))
		return false
	}
	r.diag(v.Range, facts.SeverityWarning, "%s: expected %s, got %s; using %s", key, article(want), article(v.Kind), show(def))
	return false
}

func (r *reader) env(key, name string) {
	if r.c.Env == nil {
		r.c.Env = map[string]string{}
	}
	r.c.Env[key] = name
}

func article(k facts.ValueKind) string {
	switch k {
	case facts.ValueArray, facts.ValueObject, facts.ValueUnknown:
		return "an " + string(k)
	case facts.ValueBool:
		return "a boolean"
	}
	return "a " + string(k)
}

func show(def any) string {
	switch d := def.(type) {
	case string:
		if d == "" {
			return "the default (empty)"
		}
		return fmt.Sprintf("%q", d)
	case []string:
		b, _ := json.Marshal(d)
		return string(b)
	}
	return fmt.Sprint(def)
}

func (r *reader) str(dst *string) handler {
	return func(v *facts.Value, key string) {
		if r.check(v, key, facts.ValueString, *dst) {
			*dst = v.Str
		}
	}
}

func (r *reader) enum(dst *string, allowed ...string) handler {
	return func(v *facts.Value, key string) {
		if !r.check(v, key, facts.ValueString, *dst) {
			return
		}
		for _, a := range allowed {
			if v.Str == a {
				*dst = v.Str
				return
			}
		}
		r.diag(v.Range, facts.SeverityWarning, "%s: %q is not one of %s; using %q", key, v.Str,
			strings.Join(allowed, ", "), *dst)
	}
}

// integer reads a non-negative integer (ms, ports, counts) within [min, max].
func (r *reader) integer(dst *int, min, max int) handler {
	return func(v *facts.Value, key string) {
		if !r.check(v, key, facts.ValueNumber, *dst) {
			return
		}
		if v.Num != math.Trunc(v.Num) || v.Num < float64(min) || v.Num > float64(max) {
			r.diag(v.Range, facts.SeverityWarning, "%s: expected an integer from %d to %d, got %s; using %d",
				key, min, max, v.Canonical(), *dst)
			return
		}
		*dst = int(v.Num)
	}
}

func (r *reader) boolean(dst *bool) handler {
	return func(v *facts.Value, key string) {
		if r.check(v, key, facts.ValueBool, *dst) {
			*dst = v.Bool
		}
	}
}

// strs reads an array of strings; a single string is accepted when split
// is set (it is split on white space, for commands).
func (r *reader) strs(dst *[]string, split bool) handler {
	return func(v *facts.Value, key string) {
		if split && v != nil && v.Kind == facts.ValueString {
			*dst = strings.Fields(v.Str)
			return
		}
		if !r.check(v, key, facts.ValueArray, *dst) {
			return
		}
		out := make([]string, 0, len(v.Items))
		for i, it := range v.Items {
			if it != nil && it.Kind == facts.ValueString {
				out = append(out, it.Str)
				continue
			}
			r.check(it, fmt.Sprintf("%s[%d]", key, i), facts.ValueString, "nothing (the item is skipped)")
		}
		*dst = out
	}
}

// fields reads the members of object v with handlers; members without a
// handler get a warning naming the closest known key (unless ignoreUnknown
// or listed in silent).
func (r *reader) fields(v *facts.Value, key string, hs map[string]handler, silent ...string) {
	for _, k := range v.Keys {
		m := v.Fields[k]
		sub := k
		if key != "" {
			sub = key + "." + k
		}
		if h, ok := hs[k]; ok {
			h(m, sub)
			continue
		}
		if r.ignoreUnknown || contains(silent, k) {
			continue
		}
		rng := m.KeyRange
		if rng == (facts.Range{}) {
			rng = m.Range
		}
		known := append([]string(nil), silent...)
		for h := range hs {
			known = append(known, h)
		}
		if s := suggest(k, known); s != "" {
			r.diag(rng, facts.SeverityWarning, "%s: unknown key, ignored; did you mean %q?", sub, s)
		} else {
			sort.Strings(known)
			r.diag(rng, facts.SeverityWarning, "%s: unknown key, ignored (known keys here: %s)", sub, strings.Join(known, ", "))
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// object reads an object section.
func (r *reader) object(hs func() map[string]handler) handler {
	return func(v *facts.Value, key string) {
		if r.check(v, key, facts.ValueObject, "the defaults") {
			r.fields(v, key, hs())
		}
	}
}

// toggle reads a section that is an object or a bool standing for its
// `enabled` key.
func (r *reader) toggle(enabled *bool, hs func() map[string]handler) handler {
	return func(v *facts.Value, key string) {
		if v != nil && v.Kind == facts.ValueBool {
			*enabled = v.Bool
			return
		}
		if r.check(v, key, facts.ValueObject, "the defaults") {
			m := hs()
			m["enabled"] = r.boolean(enabled)
			r.fields(v, key, m)
		}
	}
}

func (r *reader) root(v *facts.Value) {
	if unset(v) {
		return
	}
	if !r.check(v, "farm.config", facts.ValueObject, "the defaults") {
		return
	}
	c := r.c
	r.fields(v, "", map[string]handler{
		"name":     r.str(&c.Name),
		"template": r.str(&c.Template),
		"database": r.object(func() map[string]handler {
			return map[string]handler{"type": r.enum(&c.Database.Type, "mongodb"), "url": r.str(&c.Database.URL)}
		}),
		"ai":          r.object(func() map[string]handler { return map[string]handler{"providers": r.providers} }),
		"plugins":     r.plugins,
		"development": r.object(r.development),
		"paths":       r.object(r.paths),
	}, "features", "build", "deployment")
}

func (r *reader) providers(v *facts.Value, key string) {
	if !r.check(v, key, facts.ValueObject, "no providers") {
		return
	}
	if r.c.AI.Providers == nil {
		r.c.AI.Providers = map[string]Provider{}
	}
	for _, name := range v.Keys {
		pv := v.Fields[name]
		sub := key + "." + name
		if unset(pv) { // `local: null` (in overrides: drop the provider)
			delete(r.c.AI.Providers, name)
			continue
		}
		p, existed := r.c.AI.Providers[name]
		if !existed {
			p = Provider{Enabled: true, URL: providerURL(name)}
		}
		if pv != nil && pv.Kind == facts.ValueBool { // ollama: true
			p.Enabled = pv.Bool
			r.c.AI.Providers[name] = p
			continue
		}
		if !r.check(pv, sub, facts.ValueObject, "the defaults") {
			if !existed {
				r.c.AI.Providers[name] = p
			}
			continue
		}
		models := p.Models
		defaultSet := false
		r.fields(pv, sub, map[string]handler{
			"enabled": r.boolean(&p.Enabled),
			"url":     r.str(&p.URL),
			"apiKey":  r.str(&p.APIKey),
			"hookUrl": r.str(&p.HookURL),
			"models": func(mv *facts.Value, k string) {
				if !r.check(mv, k, facts.ValueArray, models) {
					return
				}
				models = nil
				for i, it := range mv.Items {
					if n := modelName(it); n != "" {
						models = append(models, n)
						continue
					}
					r.check(it, fmt.Sprintf("%s[%d]", k, i), facts.ValueString, "nothing (the model is skipped)")
				}
			},
			"defaultModel": func(dv *facts.Value, k string) {
				r.str(&p.DefaultModel)(dv, k)
				defaultSet = dv != nil && dv.Kind == facts.ValueString
			},
		}, "baseUrl", "organization", "timeout", "rateLimiting", "options")
		p.Models = models
		if p.Models == nil {
			p.Models = []string{}
		}
		if !defaultSet && (p.DefaultModel == "" || !contains(p.Models, p.DefaultModel)) && len(p.Models) > 0 {
			p.DefaultModel = p.Models[0]
		}
		r.c.AI.Providers[name] = p
	}
}

func (r *reader) plugins(v *facts.Value, key string) {
	if !r.check(v, key, facts.ValueArray, r.c.Plugins) {
		return
	}
	out := []string{}
	for i, it := range v.Items {
		if n := pluginName(it); n != "" {
			out = append(out, n)
			continue
		}
		r.check(it, fmt.Sprintf("%s[%d]", key, i), facts.ValueString, "nothing (the plugin is skipped)")
	}
	r.c.Plugins = out
}

func (r *reader) development() map[string]handler {
	d := &r.c.Development
	return map[string]handler{
		"ports": r.object(func() map[string]handler {
			return map[string]handler{
				"frontend": r.integer(&d.Ports.Frontend, 0, 65535),
				"backend":  r.integer(&d.Ports.Backend, 0, 65535),
			}
		}),
		"backend": r.backend,
		"frontend": r.object(func() map[string]handler {
			return map[string]handler{"url": r.str(&d.Frontend.URL)}
		}),
		"hotReload": r.toggle(&d.HotReload.Enabled, r.hotReload),
	}
}

func (r *reader) backend(v *facts.Value, key string) {
	d := &r.c.Development
	if v != nil && (v.Kind == facts.ValueNull || v.Kind == facts.ValueBool && !v.Bool) {
		d.Backend = nil
		return
	}
	if v != nil && v.Kind == facts.ValueBool {
		if d.Backend == nil {
			d.Backend = DefaultBackend()
		}
		return
	}
	if !r.check(v, key, facts.ValueObject, "external mode") {
		return
	}
	b := DefaultBackend()
	if d.Backend != nil {
		cp := *d.Backend
		b = &cp
	}
	r.fields(v, key, map[string]handler{
		"command":        r.strs(&b.Command, true),
		"cwd":            r.str(&b.Cwd),
		"health":         r.str(&b.Health),
		"startTimeoutMs": r.integer(&b.StartTimeoutMs, 1, math.MaxInt32),
		"env": func(v *facts.Value, key string) {
			if !r.check(v, key, facts.ValueObject, "no extra variables") {
				return
			}
			env := map[string]string{}
			for _, k := range v.Keys {
				if e := v.Fields[k]; r.check(e, key+"."+k, facts.ValueString, "unset") {
					env[k] = e.Str
				}
			}
			b.Env = env
		},
	})
	d.Backend = b
}

func (r *reader) hotReload() map[string]handler {
	h := &r.c.Development.HotReload
	big := math.MaxInt32
	return map[string]handler{
		"watch": r.toggle(&h.Watch.Enabled, func() map[string]handler {
			return map[string]handler{
				"debounceMs": r.integer(&h.Watch.DebounceMs, 0, big),
				"usePolling": r.boolean(&h.Watch.UsePolling),
				"interval":   r.integer(&h.Watch.Interval, 1, big),
				"paths":      r.watchPaths,
			}
		}),
		"typeGeneration": r.toggle(&h.TypeGeneration.Enabled, func() map[string]handler {
			t := &h.TypeGeneration
			return map[string]handler{
				// The seed's debounce of type generation: gone. A save
				// regenerates at once (a newer save supersedes a running
				// generation) and file-system bursts follow watch.debounceMs.
				"debounceMs": func(v *facts.Value, key string) {
					if !unset(v) {
						r.diag(v.Range, facts.SeverityWarning, "%s: no longer used, ignored: a save regenerates the types at once "+
							"(a newer save cancels a running generation) and file-system bursts wait for development.hotReload.watch.debounceMs", key)
					}
				},
				"generateOnModelChange": r.boolean(&t.GenerateOnModelChange),
				"generateOnRouteChange": r.boolean(&t.GenerateOnRouteChange),
				"outDir":                r.str(&t.OutDir),
				"pydantic": func(v *facts.Value, key string) {
					before := len(r.diags)
					r.integer(&t.Pydantic, 1, 2)(v, key)
					if !unset(v) && v.Kind == facts.ValueNumber && len(r.diags) == before {
						t.PydanticSet = true
						t.PydanticPath, t.PydanticRange = r.path, v.Range
					}
				},
			}
		}),
		"aiModels": r.toggle(&h.AIModels.Enabled, func() map[string]handler {
			return map[string]handler{
				"hotSwap":       r.boolean(&h.AIModels.HotSwap),
				"preloadModels": r.boolean(&h.AIModels.PreloadModels),
				"hookUrl":       r.str(&h.AIModels.HookURL),
			}
		}),
		"database": r.toggle(&h.Database.Enabled, func() map[string]handler {
			return map[string]handler{
				"autoApply":   r.enum(&h.Database.AutoApply, AutoApplyAdditive, AutoApplyNone, AutoApplyAll),
				"allowRemote": r.boolean(&h.Database.AllowRemote),
			}
		}),
		"performance": r.toggle(&h.Performance.Enabled, func() map[string]handler {
			p := &h.Performance
			return map[string]handler{
				"slowReloadThreshold": r.integer(&p.SlowReloadThreshold, 0, big),
				"maxRetries":          r.integer(&p.MaxRetries, 0, 100),
				"cooldownPeriod":      r.integer(&p.CooldownPeriod, 0, big),
			}
		}),
		"errorRecovery": r.toggle(&h.ErrorRecovery.Enabled, func() map[string]handler {
			e := &h.ErrorRecovery
			return map[string]handler{
				"fallbackToRestart": r.boolean(&e.FallbackToRestart),
				"logErrors":         r.boolean(&e.LogErrors),
			}
		}),
	}
}

func (r *reader) watchPaths(v *facts.Value, key string) {
	w := &r.c.Development.HotReload.Watch
	if !r.check(v, key, facts.ValueArray, "the whole workspace") {
		return
	}
	out := []WatchPath{}
	for i, it := range v.Items {
		sub := fmt.Sprintf("%s[%d]", key, i)
		if it != nil && it.Kind == facts.ValueString {
			if !doublestar.ValidatePattern(it.Str) {
				r.diag(it.Range, facts.SeverityWarning, "%s: %q is not a valid glob; the entry is skipped", sub, it.Str)
				continue
			}
			out = append(out, WatchPath{Pattern: it.Str})
			continue
		}
		if !r.check(it, sub, facts.ValueObject, "nothing (the entry is skipped)") {
			continue
		}
		var p WatchPath
		r.fields(it, sub, map[string]handler{
			"pattern": r.str(&p.Pattern),
			"ignore":  r.strs(&p.Ignore, false),
		})
		if p.Pattern == "" {
			r.diag(it.Range, facts.SeverityWarning, "%s: no pattern; the entry is skipped", sub)
			continue
		}
		if !doublestar.ValidatePattern(p.Pattern) {
			r.diag(it.Get("pattern").Range, facts.SeverityWarning, "%s.pattern: %q is not a valid glob; the entry is skipped", sub, p.Pattern)
			continue
		}
		var keep []string
		var ignores []*facts.Value
		if ig := it.Get("ignore"); ig != nil && ig.Kind == facts.ValueArray {
			ignores = ig.Items
		}
		for i, iv := range ignores {
			if iv == nil || iv.Kind != facts.ValueString {
				continue // reported by strs
			}
			if doublestar.ValidatePattern(iv.Str) {
				keep = append(keep, iv.Str)
			} else {
				r.diag(iv.Range, facts.SeverityWarning, "%s.ignore[%d]: %q is not a valid glob; it is skipped", sub, i, iv.Str)
			}
		}
		p.Ignore = keep
		out = append(out, p)
	}
	w.Paths = out
}

// glob reads a doublestar pattern.
func (r *reader) glob(dst *string) handler {
	return func(v *facts.Value, key string) {
		if !r.check(v, key, facts.ValueString, *dst) {
			return
		}
		if !doublestar.ValidatePattern(v.Str) {
			r.diag(v.Range, facts.SeverityWarning, "%s: %q is not a valid glob; using %q", key, v.Str, *dst)
			return
		}
		*dst = v.Str
	}
}

func (r *reader) paths() map[string]handler {
	p := &r.c.Paths
	return map[string]handler{
		"models": r.glob(&p.Models), "routes": r.glob(&p.Routes), "ai": r.glob(&p.AI),
		"backend": r.glob(&p.Backend), "migrations": r.glob(&p.Migrations),
		"components": r.glob(&p.Components), "pages": r.glob(&p.Pages), "hooks": r.glob(&p.Hooks),
		"frontend": r.glob(&p.Frontend), "vite": r.glob(&p.Vite), "plugins": r.glob(&p.Plugins),
		"types": r.str(&p.Types), "apiTypes": r.str(&p.APITypes), "client": r.str(&p.Client),
		"queryHooks": r.str(&p.QueryHooks), "pluginRegistry": r.str(&p.PluginRegistry),
	}
}
