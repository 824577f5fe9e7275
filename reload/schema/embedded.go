package schema

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"

	"github.com/farm-stack/farm-lsp/analysis/facts"
)

// Path segments that stand for more than one stored value, in the Field of
// ops on fields of embedded models: every element of an array (MongoDB's
// all-positional operator) and every value of a dict.
const (
	EachElement = "$[]"
	EachValue   = "$*"
)

// Set is a workspace's models keyed by the workspace-relative path of
// their file, with the way to resolve the names their annotations and
// bases use.
type Set struct {
	Models map[string][]facts.Model
	// Resolve returns the workspace model a (possibly dotted) name written
	// in the file at path names, and that model's file; ok is false when
	// the name names no model of the workspace. Nil resolves bare names
	// (the last segment) among Models.
	Resolve func(path, name string) (m facts.Model, file string, ok bool)

	// memo holds the deep signatures of the set's models (see NewSet).
	memo *setMemo
}

// setMemo remembers, per model, a signature of its stored shape (its
// fields, its bases' and its embedded models', resolved), so that a diff
// descends only into embedded models whose shape changed.
type setMemo struct {
	sig  map[string]string
	busy map[string]bool
}

// NewSet returns a Set that remembers what it computed about its models
// between diffs (a Set diffed as "after" is usually the next "before").
// Not safe for concurrent diffs.
func NewSet(models map[string][]facts.Model, resolve func(path, name string) (facts.Model, string, bool)) Set {
	return Set{Models: models, Resolve: resolve, memo: &setMemo{sig: map[string]string{}, busy: map[string]bool{}}}
}

// ctx is a Set ready to diff: its resolver and memo.
type setCtx struct {
	resolve func(path, name string) (facts.Model, string, bool)
	memo    *setMemo
}

func (s Set) ctx() *setCtx {
	m := s.memo
	if m == nil {
		m = &setMemo{sig: map[string]string{}, busy: map[string]bool{}}
	}
	return &setCtx{resolve: s.resolver(), memo: m}
}

// resolver returns s.Resolve, or a by-name lookup over s.Models.
func (s Set) resolver() func(path, name string) (facts.Model, string, bool) {
	if s.Resolve != nil {
		return s.Resolve
	}
	type at struct {
		m    facts.Model
		file string
	}
	var byName map[string]at
	return func(_, name string) (facts.Model, string, bool) {
		if byName == nil {
			byName = map[string]at{}
			for _, p := range sortedKeys(s.Models) {
				for _, m := range s.Models[p] {
					if _, ok := byName[m.Name]; !ok {
						byName[m.Name] = at{m, p}
					}
				}
			}
		}
		if i := strings.LastIndexByte(name, '.'); i >= 0 {
			name = name[i+1:]
		}
		a, ok := byName[name]
		return a.m, a.file, ok
	}
}

// maxEmbedDepth bounds how deep embedded models are followed (a model
// embedding itself, directly or not, stops at the first repeat anyway).
const maxEmbedDepth = 8

// slot is one stored field of a Document: a field of its own (or of a base
// class), or a field of a model embedded in one, at its stored path.
type slot struct {
	path  string // "audit.reviewed_by", "items.$[].note"
	name  string // the stored name inside its holder
	field facts.Field
	// owner is the model declaring the field and file its file.
	owner facts.Model
	file  string
}

// holder is an embedded model stored at a path of a Document.
type holder struct {
	model facts.Model
	file  string
	// why is set when the path holds one of several models (a union): the
	// stored values cannot be told apart, so they are not updated.
	why   string
	slots map[string]slot // by stored name
}

// maxEmbedHolders bounds how many embedded objects one Document's diff
// visits (models embedding several others at several levels multiply).
const maxEmbedHolders = 5000

// candidates resolves the model names an annotation may store to
// workspace models (BaseModels and Documents), with their files.
func (c *setCtx) candidates(file string, e embedded) ([]facts.Model, []string) {
	var found []facts.Model
	var files []string
	for _, n := range e.names {
		em, ef, ok := c.resolve(file, n)
		if ok && (em.Kind == facts.ModelBaseModel || em.Kind == facts.ModelDocument) {
			found, files = append(found, em), append(files, ef)
		}
	}
	return found, files
}

// unionWhy says why values at a path holding one of several models are
// not updated, "" when the path holds one model.
func unionWhy(e embedded, found []facts.Model) string {
	if len(found) <= 1 && !e.union {
		return ""
	}
	if len(found) == 1 {
		return "it may hold " + found[0].Name + " or other types and the stored values do not say which"
	}
	names := make([]string, len(found))
	for i, f := range found {
		names[i] = f.Name
	}
	return "it may hold " + strings.Join(names, " or ") + " and the stored values do not say which"
}

// sig is a model's deep signature in a set: its stored fields (bases
// included) and, for each embedded model, its identity and signature. A
// model met again while its own signature is computed counts by identity.
func (c *setCtx) sig(m facts.Model, file string) string {
	key := file + ":" + m.Name
	if s, ok := c.memo.sig[key]; ok {
		return s
	}
	if c.memo.busy[key] {
		return "cycle:" + key
	}
	c.memo.busy[key] = true
	h := fnv.New64a()
	for _, sl := range storedSlots(m, file, c.resolve, false) {
		f := sl.field
		fmt.Fprintf(h, "%s\x00%s\x00%s\x00%v\x00%s\x00%s\x00%d\x00%s\x01", sl.name, f.Annotation, f.Default, f.HasDefault, f.DefaultFactory, f.Alias, f.Index, sl.owner.Name)
		e := embeddedType(f.Annotation)
		if len(e.names) == 0 {
			continue
		}
		found, files := c.candidates(sl.file, e)
		for i, em := range found {
			fmt.Fprintf(h, "%s:%s=%s\x02", files[i], em.Name, c.sig(em, files[i]))
		}
	}
	delete(c.memo.busy, key)
	s := strconv.FormatUint(h.Sum64(), 16)
	c.memo.sig[key] = s
	return s
}

// embeddedOps diffs the fields a Document stores at path prefix (the
// Document's own when prefix is ""), then descends into the embedded
// models whose shape changed: fields whose type resolves to a workspace
// model on both sides, in the same container (List[...], Dict[...]).
func embeddedOps(pc, cc *setCtx, pm facts.Model, pf string, cm facts.Model, cf string, prefix, why string,
	stack []string, visits *int, at placeFunc) []Op {
	*visits++
	ph := &holder{model: pm, file: pf, why: why, slots: map[string]slot{}}
	for _, s := range storedSlots(pm, pf, pc.resolve, prefix == "") {
		s.path = prefix + s.name
		ph.slots[s.name] = s
	}
	ch := &holder{model: cm, file: cf, why: why, slots: map[string]slot{}}
	for _, s := range storedSlots(cm, cf, cc.resolve, prefix == "") {
		s.path = prefix + s.name
		ch.slots[s.name] = s
	}
	ops := fieldOps(strings.TrimSuffix(prefix, "."), ph, ch, at)
	if len(stack) >= maxEmbedDepth {
		return ops
	}
	for _, name := range sortedKeys(ch.slots) {
		cs := ch.slots[name]
		ps, ok := ph.slots[name]
		if !ok {
			continue
		}
		ce, pe := embeddedType(cs.field.Annotation), embeddedType(ps.field.Annotation)
		if len(ce.names) == 0 || len(pe.names) == 0 || strings.Join(ce.segs, ".") != strings.Join(pe.segs, ".") {
			continue
		}
		cfound, cfiles := cc.candidates(cs.file, ce)
		pfound, pfiles := pc.candidates(ps.file, pe)
		if len(cfound) == 0 || len(pfound) == 0 {
			continue
		}
		key := cfiles[0] + ":" + cfound[0].Name
		if containsStr(stack, key) {
			continue
		}
		w := why
		if u := unionWhy(ce, cfound); u != "" {
			w = u
		}
		pw := why
		if u := unionWhy(pe, pfound); u != "" {
			pw = u
		}
		if w == pw && pfiles[0]+":"+pfound[0].Name == key && pc.sig(pfound[0], pfiles[0]) == cc.sig(cfound[0], cfiles[0]) {
			continue // the same shape below: nothing to do there
		}
		if *visits >= maxEmbedHolders {
			continue
		}
		sub := cs.path + "."
		for _, seg := range ce.segs {
			sub += seg + "."
		}
		ops = append(ops, embeddedOps(pc, cc, pfound[0], pfiles[0], cfound[0], cfiles[0], sub, w, append(stack[:len(stack):len(stack)], key), visits, at)...)
	}
	return ops
}

func containsStr(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// storedSlots returns a model's stored fields, those of its workspace base
// classes first (a redefinition wins). ClassVars, computed fields, private
// names and, on a Document, `id` (Beanie's _id) are not stored.
func storedSlots(m facts.Model, file string, resolve func(path, name string) (facts.Model, string, bool), document bool) []slot {
	var out []slot
	at := map[string]int{}
	seen := map[string]bool{}
	var add func(m facts.Model, file string, depth int)
	add = func(m facts.Model, file string, depth int) {
		key := file + ":" + m.Name
		if seen[key] || depth > maxEmbedDepth {
			return
		}
		seen[key] = true
		for _, b := range m.Bases {
			if i := strings.IndexByte(b, '['); i >= 0 {
				b = b[:i]
			}
			if bm, bf, ok := resolve(file, strings.TrimSpace(b)); ok && bm.Name != "" {
				add(bm, bf, depth+1)
			}
		}
		for _, f := range m.Fields {
			if f.ClassVar || f.Computed || strings.HasPrefix(f.Name, "_") || (document && f.Name == "id") {
				continue
			}
			s := slot{name: storedName(f), field: f, owner: m, file: file}
			if i, ok := at[s.name]; ok {
				out[i] = s
				continue
			}
			at[s.name] = len(out)
			out = append(out, s)
		}
	}
	add(m, file, 0)
	return out
}

// embedded is what a field annotation says about models stored in it.
type embedded struct {
	names []string // model candidates, as written
	segs  []string // path segments between the field and the model's fields
	union bool     // the field may hold other types too
}

// embeddedType reads a field annotation: the names it may store a model
// under and the path segments in between (EachElement per list level,
// EachValue per dict level). Optional[X], X | None, Annotated[X, ...] are
// X; Link[...] and BackLink[...] store references, not models. Linear in
// the annotation's length.
func embeddedType(ann string) embedded {
	p := &typeParser{s: ann}
	t := p.union()
	var e embedded
	walkType(t, &e)
	return e
}

// texpr is a parsed annotation: a (dotted) name with subscript arguments;
// a union has name "|".
type texpr struct {
	name string
	args []texpr
}

var (
	listLike = map[string]bool{"List": true, "list": true, "Set": true, "set": true, "FrozenSet": true,
		"frozenset": true, "Sequence": true, "MutableSequence": true, "Iterable": true, "Collection": true,
		"Tuple": true, "tuple": true, "Deque": true, "deque": true, "conlist": true}
	dictLike = map[string]bool{"Dict": true, "dict": true, "Mapping": true, "MutableMapping": true,
		"DefaultDict": true, "defaultdict": true, "OrderedDict": true}
	notStored = map[string]bool{"Link": true, "BackLink": true, "ClassVar": true, "Type": true, "type": true,
		"Callable": true, "Literal": true}
	scalar = map[string]bool{"None": true, "str": true, "int": true, "float": true, "bool": true, "bytes": true,
		"Any": true, "object": true, "datetime": true, "date": true, "time": true, "Decimal": true, "UUID": true,
		"PydanticObjectId": true, "ObjectId": true, "EmailStr": true, "HttpUrl": true, "...": true}
)

func last(name string) string {
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		return name[i+1:]
	}
	return name
}

func walkType(t texpr, e *embedded) {
	n := last(t.name)
	switch {
	case t.name == "|" || n == "Union" || n == "Optional":
		var rest []texpr
		for _, a := range t.args {
			if a.name != "None" {
				rest = append(rest, a)
			}
		}
		if len(rest) == 1 {
			walkType(rest[0], e)
			return
		}
		// Several types: note every model candidate, the path is a union.
		for _, a := range rest {
			var sub embedded
			walkType(a, &sub)
			if len(sub.names) > 0 && len(e.names) == 0 {
				e.names, e.segs = sub.names, append(e.segs, sub.segs...)
			} else if len(sub.names) > 0 {
				e.names = append(e.names, sub.names...)
			}
		}
		if len(e.names) > 0 {
			e.union = true
		}
	case n == "Annotated" && len(t.args) > 0:
		walkType(t.args[0], e)
	case notStored[n]:
	case listLike[n]:
		if len(t.args) == 0 {
			return
		}
		arg := t.args[0]
		if (n == "Tuple" || n == "tuple") && !(len(t.args) == 2 && t.args[1].name == "...") && len(t.args) != 1 {
			return // a fixed-shape tuple
		}
		e.segs = append(e.segs, EachElement)
		walkType(arg, e)
	case dictLike[n]:
		if len(t.args) != 2 {
			return
		}
		e.segs = append(e.segs, EachValue)
		walkType(t.args[1], e)
	case len(t.args) == 0 && t.name != "" && !scalar[n]:
		e.names = append(e.names, t.name)
	}
	if len(e.names) == 0 {
		e.segs = nil
	}
}

// typeParser reads annotation source text: names, subscripts, unions with
// `|`, string forward references and ellipses. Anything else (calls such
// as Indexed(str)) is skipped to the next separator.
type typeParser struct {
	s string
	i int
}

func (p *typeParser) space() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n') {
		p.i++
	}
}

func (p *typeParser) union() texpr {
	t := p.term()
	p.space()
	if p.i >= len(p.s) || p.s[p.i] != '|' {
		return t
	}
	u := texpr{name: "|", args: []texpr{t}}
	for p.i < len(p.s) && p.s[p.i] == '|' {
		p.i++
		u.args = append(u.args, p.term())
		p.space()
	}
	return u
}

func (p *typeParser) term() texpr {
	p.space()
	if p.i >= len(p.s) {
		return texpr{}
	}
	c := p.s[p.i]
	if c == '"' || c == '\'' {
		j := strings.IndexByte(p.s[p.i+1:], c)
		if j < 0 {
			p.i = len(p.s)
			return texpr{}
		}
		inner := p.s[p.i+1 : p.i+1+j]
		p.i += j + 2
		return (&typeParser{s: inner}).union()
	}
	if strings.HasPrefix(p.s[p.i:], "...") {
		p.i += 3
		return texpr{name: "..."}
	}
	start := p.i
	for p.i < len(p.s) && (isIdent(p.s[p.i]) || p.s[p.i] == '.' || p.s[p.i] >= 0x80) {
		p.i++
	}
	t := texpr{name: p.s[start:p.i]}
	p.space()
	if p.i < len(p.s) && p.s[p.i] == '[' {
		p.i++
		for {
			p.space()
			if p.i >= len(p.s) {
				return t
			}
			if p.s[p.i] == ']' {
				p.i++
				break
			}
			if p.s[p.i] == '[' { // Callable[[A], B]: a bracketed list as one argument
				p.i++
				inner := texpr{name: "[]"}
				for p.i < len(p.s) && p.s[p.i] != ']' {
					before := p.i
					inner.args = append(inner.args, p.union())
					if p.i == before {
						p.skip()
						if p.i == before {
							p.i++
						}
					}
					p.space()
					if p.i < len(p.s) && p.s[p.i] == ',' {
						p.i++
					}
				}
				if p.i < len(p.s) {
					p.i++
				}
				t.args = append(t.args, inner)
			} else {
				before := p.i
				t.args = append(t.args, p.union())
				if p.i == before {
					p.skip()
					if p.i == before && p.s[p.i] != ']' && p.s[p.i] != ',' {
						p.i++
					}
				}
			}
			p.space()
			if p.i < len(p.s) && p.s[p.i] == ',' {
				p.i++
			}
		}
	} else if p.i < len(p.s) && p.s[p.i] == '(' {
		p.skip()
		return texpr{} // a call (Indexed(str), conlist(...)): no model
	}
	return t
}

// skip moves past one unparsed expression (balanced brackets) to the next
// ',' or ']' at its level.
func (p *typeParser) skip() {
	depth := 0
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case '(', '[', '{':
			depth++
		case ')', '}':
			depth--
		case ']':
			if depth == 0 {
				return
			}
			depth--
		case ',':
			if depth == 0 {
				return
			}
		case '"', '\'':
			if j := strings.IndexByte(p.s[p.i+1:], p.s[p.i]); j >= 0 {
				p.i += j + 1
			}
		}
		p.i++
	}
}
