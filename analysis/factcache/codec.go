package factcache

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/farm-stack/farm-lsp/analysis/facts"
)

// The entry codec: a compact binary form of a Python file's facts,
// written and read field by field (encoding/json and encoding/gob decode
// these facts slower than tree-sitter parses the source, which would make
// a cache pointless). Strings are length-prefixed and decoded as slices of
// one string holding the whole entry, so a decode allocates little more
// than the slices and structs themselves. nil and empty slices and maps
// stay distinct, so a decoded File is reflect.DeepEqual to the encoded one
// (TestCodecRoundTripsEveryField fills every field to check it).
//
// schemaFingerprint is the shape of facts.File (every field's name and
// type, recursively) this codec was written for. When facts change shape
// the codec is out of date: Open then disables the cache rather than
// drop the new fields, and TestSchemaFingerprint fails saying to update
// the codec and this value.
const schemaFingerprint = "dea4b83e73e56d92"

// fingerprint is the current shape of facts.File.
func fingerprint() string {
	var b strings.Builder
	seen := map[reflect.Type]bool{}
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		b.WriteString(t.Kind().String())
		switch t.Kind() {
		case reflect.Pointer, reflect.Slice:
			b.WriteByte('(')
			walk(t.Elem())
			b.WriteByte(')')
		case reflect.Map:
			b.WriteByte('(')
			walk(t.Key())
			b.WriteByte(',')
			walk(t.Elem())
			b.WriteByte(')')
		case reflect.Struct:
			b.WriteString(t.String())
			if seen[t] {
				return
			}
			seen[t] = true
			b.WriteByte('{')
			for i := 0; i < t.NumField(); i++ {
				f := t.Field(i)
				b.WriteString(f.Name)
				b.WriteByte(':')
				walk(f.Type)
				b.WriteByte(';')
			}
			b.WriteByte('}')
		}
	}
	walk(reflect.TypeOf(facts.File{}))
	s := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(s[:8])
}

// errNotPython: the facts hold what only TSX or JSON files have; such
// files are not cached.
var errNotPython = errors.New("factcache: not a Python file's facts")

type encoder struct{ b []byte }

func (e *encoder) uint(v uint64) { e.b = binary.AppendUvarint(e.b, v) }
func (e *encoder) int(v int)     { e.b = binary.AppendVarint(e.b, int64(v)) }
func (e *encoder) bool(v bool) {
	if v {
		e.b = append(e.b, 1)
	} else {
		e.b = append(e.b, 0)
	}
}
func (e *encoder) str(s string) {
	e.uint(uint64(len(s)))
	e.b = append(e.b, s...)
}

// length writes a slice or map length: 0 for nil, n+1 otherwise.
func (e *encoder) length(n int, isNil bool) {
	if isNil {
		e.uint(0)
		return
	}
	e.uint(uint64(n) + 1)
}

func (e *encoder) strs(v []string) {
	e.length(len(v), v == nil)
	for _, s := range v {
		e.str(s)
	}
}

func (e *encoder) strMap(m map[string]string) {
	e.length(len(m), m == nil)
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		e.str(k)
		e.str(m[k])
	}
}

func (e *encoder) rng(r facts.Range) {
	e.int(r.Start.Line)
	e.int(r.Start.Char)
	e.int(r.End.Line)
	e.int(r.End.Char)
}

func (e *encoder) params(ps []facts.Param) {
	e.length(len(ps), ps == nil)
	for _, p := range ps {
		e.str(p.Name)
		e.str(p.Annotation)
		e.str(p.Default)
		e.bool(p.HasDefault)
		e.str(p.Source)
		e.strMap(p.Args)
		e.rng(p.Range)
	}
}

// encode appends f's binary form to b.
func encode(b []byte, f *facts.File) ([]byte, error) {
	if len(f.Components) > 0 || len(f.Exports) > 0 || f.Config != nil || len(f.PropertyReads) > 0 ||
		f.Components != nil || f.Exports != nil || f.PropertyReads != nil {
		return nil, errNotPython
	}
	e := &encoder{b: b}
	e.str(f.Path)
	e.str(string(f.Kind))
	e.str(f.Hash)
	e.bool(f.HasErrors)

	e.length(len(f.Models), f.Models == nil)
	for _, m := range f.Models {
		e.str(m.Name)
		e.strs(m.Bases)
		e.str(string(m.Kind))
		e.strs(m.TypeVars)
		e.length(len(m.Fields), m.Fields == nil)
		for _, fl := range m.Fields {
			e.str(fl.Name)
			e.str(fl.Annotation)
			e.str(fl.Default)
			e.bool(fl.HasDefault)
			e.str(fl.DefaultFactory)
			e.str(fl.Alias)
			e.strMap(fl.FieldArgs)
			e.bool(fl.ClassVar)
			e.bool(fl.Computed)
			e.int(fl.Index)
			e.rng(fl.Range)
			e.rng(fl.AnnRange)
		}
		e.bool(m.Settings != nil)
		if s := m.Settings; s != nil {
			e.str(s.Name)
			e.rng(s.NameRange)
			e.length(len(s.Indexes), s.Indexes == nil)
			for _, ix := range s.Indexes {
				e.length(len(ix.Keys), ix.Keys == nil)
				for _, k := range ix.Keys {
					e.str(k.Field)
					e.int(k.Dir)
				}
				e.bool(ix.Unique)
				e.str(ix.Name)
				e.rng(ix.Range)
			}
		}
		e.length(len(m.Methods), m.Methods == nil)
		for _, mt := range m.Methods {
			e.str(mt.Name)
			e.strs(mt.Decorators)
			e.str(mt.BodyHash)
			e.rng(mt.Range)
		}
		e.params(m.Init)
		e.strMap(m.Config)
		e.strMap(m.SchemaHook)
		e.bool(m.HookV2)
		e.length(len(m.Serializers), m.Serializers == nil)
		for _, sr := range m.Serializers {
			e.strs(sr.Fields)
			e.str(sr.Return)
			e.bool(sr.Info)
		}
		e.rng(m.Range)
		e.rng(m.NameRange)
		e.bool(m.AliasGeneratorRange != nil)
		if m.AliasGeneratorRange != nil {
			e.rng(*m.AliasGeneratorRange)
		}
	}

	e.length(len(f.Enums), f.Enums == nil)
	for _, en := range f.Enums {
		e.str(en.Name)
		e.strs(en.Bases)
		e.length(len(en.Members), en.Members == nil)
		for _, mb := range en.Members {
			e.str(mb.Name)
			e.str(mb.Value)
			e.rng(mb.Range)
		}
		e.rng(en.Range)
	}

	e.length(len(f.Routers), f.Routers == nil)
	for _, r := range f.Routers {
		e.str(r.Var)
		e.str(r.Prefix)
		e.str(r.PrefixExpr)
		e.rng(r.PrefixRange)
		e.strs(r.Dependencies)
		e.strs(r.Tags)
		e.str(r.UniqueID)
		e.str(r.Responses)
		e.bool(r.Deprecated)
		e.bool(r.Hidden)
		e.rng(r.Range)
	}

	e.length(len(f.Routes), f.Routes == nil)
	for _, r := range f.Routes {
		e.str(r.Router)
		e.str(r.Method)
		e.str(r.Path)
		e.str(r.ResponseModel)
		e.int(r.StatusCode)
		e.str(r.Handler)
		e.bool(r.Async)
		e.params(r.Params)
		e.str(r.ReturnAnnotation)
		e.str(r.BodyHash)
		e.rng(r.Range)
		e.rng(r.DecoRange)
		e.str(r.Name)
		e.strs(r.Dependencies)
		e.str(r.PathExpr)
		e.rng(r.PathRange)
		e.strs(r.Tags)
		e.str(r.UniqueID)
		e.str(r.Responses)
		e.bool(r.Deprecated)
		e.bool(r.Hidden)
	}

	e.length(len(f.Includes), f.Includes == nil)
	for _, in := range f.Includes {
		e.str(in.Target)
		e.str(in.Router)
		e.str(in.Prefix)
		e.str(in.PrefixExpr)
		e.rng(in.PrefixRange)
		e.strs(in.Dependencies)
		e.strs(in.Tags)
		e.str(in.UniqueID)
		e.str(in.Responses)
		e.bool(in.Deprecated)
		e.bool(in.Hidden)
		e.rng(in.Range)
	}

	e.length(len(f.Functions), f.Functions == nil)
	for _, s := range f.Functions {
		e.str(s.Name)
		e.str(s.Kind)
		e.str(s.Hash)
		e.rng(s.Range)
	}

	e.length(len(f.Defs), f.Defs == nil)
	for _, d := range f.Defs {
		e.str(d.Name)
		e.params(d.Params)
		e.str(d.Return)
		e.str(d.Returns)
		e.str(d.Source)
		e.rng(d.Range)
	}

	e.length(len(f.Assigns), f.Assigns == nil)
	for _, a := range f.Assigns {
		e.str(a.Name)
		e.str(a.Annotation)
		e.str(a.Value)
		e.rng(a.Range)
	}

	e.length(len(f.Imports), f.Imports == nil)
	for _, im := range f.Imports {
		e.str(im.Module)
		e.int(im.Level)
		e.strs(im.Names)
		e.bool(im.TypeOnly)
		e.strMap(im.Aliases)
		e.rng(im.Range)
	}

	e.str(f.SemanticHash)

	e.length(len(f.Diagnostics), f.Diagnostics == nil)
	for _, d := range f.Diagnostics {
		e.str(d.Path)
		e.rng(d.Range)
		e.int(int(d.Severity))
		e.str(d.Code)
		e.str(d.Message)
		e.length(len(d.Related), d.Related == nil)
		for _, r := range d.Related {
			e.str(r.Path)
			e.rng(r.Range)
			e.str(r.Message)
		}
	}
	return e.b, nil
}

// errCorrupt: the entry does not decode.
var errCorrupt = errors.New("factcache: corrupt entry")

type decoder struct {
	s   string // the whole entry; decoded strings are slices of it
	i   int
	err error
}

func (d *decoder) fail() {
	if d.err == nil {
		d.err = errCorrupt
	}
	d.i = len(d.s)
}

func (d *decoder) uint() uint64 {
	var v uint64
	var shift uint
	for {
		if d.i >= len(d.s) || shift > 63 {
			d.fail()
			return 0
		}
		c := d.s[d.i]
		d.i++
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return v
		}
		shift += 7
	}
}

func (d *decoder) int() int {
	u := d.uint()
	v := int64(u >> 1)
	if u&1 != 0 {
		v = ^v
	}
	return int(v)
}

func (d *decoder) bool() bool {
	if d.i >= len(d.s) {
		d.fail()
		return false
	}
	c := d.s[d.i]
	d.i++
	if c > 1 {
		d.fail()
	}
	return c == 1
}

func (d *decoder) str() string {
	n := d.uint()
	if n > uint64(len(d.s)-d.i) {
		d.fail()
		return ""
	}
	s := d.s[d.i : d.i+int(n)]
	d.i += int(n)
	return s
}

// length reads a slice or map length: isNil for nil, else n elements
// (bounded by the bytes left, each element taking at least one).
func (d *decoder) length() (n int, isNil bool) {
	v := d.uint()
	if v == 0 {
		return 0, true
	}
	if v-1 > uint64(len(d.s)-d.i) {
		d.fail()
		return 0, true
	}
	return int(v - 1), false
}

func (d *decoder) strs() []string {
	n, isNil := d.length()
	if isNil {
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = d.str()
	}
	return out
}

func (d *decoder) strMap() map[string]string {
	n, isNil := d.length()
	if isNil {
		return nil
	}
	m := make(map[string]string, n)
	for i := 0; i < n; i++ {
		k := d.str()
		m[k] = d.str()
	}
	return m
}

func (d *decoder) rng() facts.Range {
	return facts.Range{Start: facts.Pos{Line: d.int(), Char: d.int()}, End: facts.Pos{Line: d.int(), Char: d.int()}}
}

func (d *decoder) params() []facts.Param {
	n, isNil := d.length()
	if isNil {
		return nil
	}
	out := make([]facts.Param, n)
	for i := range out {
		p := &out[i]
		p.Name = d.str()
		p.Annotation = d.str()
		p.Default = d.str()
		p.HasDefault = d.bool()
		p.Source = d.str()
		p.Args = d.strMap()
		p.Range = d.rng()
	}
	return out
}

// decode reads an entry written by encode.
func decode(s string) (f *facts.File, err error) {
	d := &decoder{s: s}
	f = &facts.File{}
	f.Path = d.str()
	f.Kind = facts.Kind(d.str())
	f.Hash = d.str()
	f.HasErrors = d.bool()

	if n, isNil := d.length(); !isNil {
		f.Models = make([]facts.Model, n)
		for i := range f.Models {
			m := &f.Models[i]
			m.Name = d.str()
			m.Bases = d.strs()
			m.Kind = facts.ModelKind(d.str())
			m.TypeVars = d.strs()
			if n, isNil := d.length(); !isNil {
				m.Fields = make([]facts.Field, n)
				for j := range m.Fields {
					fl := &m.Fields[j]
					fl.Name = d.str()
					fl.Annotation = d.str()
					fl.Default = d.str()
					fl.HasDefault = d.bool()
					fl.DefaultFactory = d.str()
					fl.Alias = d.str()
					fl.FieldArgs = d.strMap()
					fl.ClassVar = d.bool()
					fl.Computed = d.bool()
					fl.Index = d.int()
					fl.Range = d.rng()
					fl.AnnRange = d.rng()
				}
			}
			if d.bool() {
				s := &facts.Settings{}
				s.Name = d.str()
				s.NameRange = d.rng()
				if n, isNil := d.length(); !isNil {
					s.Indexes = make([]facts.Index, n)
					for j := range s.Indexes {
						ix := &s.Indexes[j]
						if n, isNil := d.length(); !isNil {
							ix.Keys = make([]facts.IndexKey, n)
							for k := range ix.Keys {
								ix.Keys[k].Field = d.str()
								ix.Keys[k].Dir = d.int()
							}
						}
						ix.Unique = d.bool()
						ix.Name = d.str()
						ix.Range = d.rng()
					}
				}
				m.Settings = s
			}
			if n, isNil := d.length(); !isNil {
				m.Methods = make([]facts.Method, n)
				for j := range m.Methods {
					mt := &m.Methods[j]
					mt.Name = d.str()
					mt.Decorators = d.strs()
					mt.BodyHash = d.str()
					mt.Range = d.rng()
				}
			}
			m.Init = d.params()
			m.Config = d.strMap()
			m.SchemaHook = d.strMap()
			m.HookV2 = d.bool()
			if n, isNil := d.length(); !isNil {
				m.Serializers = make([]facts.Serializer, n)
				for j := range m.Serializers {
					sr := &m.Serializers[j]
					sr.Fields = d.strs()
					sr.Return = d.str()
					sr.Info = d.bool()
				}
			}
			m.Range = d.rng()
			m.NameRange = d.rng()
			if d.bool() {
				r := d.rng()
				m.AliasGeneratorRange = &r
			}
		}
	}

	if n, isNil := d.length(); !isNil {
		f.Enums = make([]facts.Enum, n)
		for i := range f.Enums {
			en := &f.Enums[i]
			en.Name = d.str()
			en.Bases = d.strs()
			if n, isNil := d.length(); !isNil {
				en.Members = make([]facts.EnumMember, n)
				for j := range en.Members {
					en.Members[j].Name = d.str()
					en.Members[j].Value = d.str()
					en.Members[j].Range = d.rng()
				}
			}
			en.Range = d.rng()
		}
	}

	if n, isNil := d.length(); !isNil {
		f.Routers = make([]facts.Router, n)
		for i := range f.Routers {
			r := &f.Routers[i]
			r.Var = d.str()
			r.Prefix = d.str()
			r.PrefixExpr = d.str()
			r.PrefixRange = d.rng()
			r.Dependencies = d.strs()
			r.Tags = d.strs()
			r.UniqueID = d.str()
			r.Responses = d.str()
			r.Deprecated = d.bool()
			r.Hidden = d.bool()
			r.Range = d.rng()
		}
	}

	if n, isNil := d.length(); !isNil {
		f.Routes = make([]facts.Route, n)
		for i := range f.Routes {
			r := &f.Routes[i]
			r.Router = d.str()
			r.Method = d.str()
			r.Path = d.str()
			r.ResponseModel = d.str()
			r.StatusCode = d.int()
			r.Handler = d.str()
			r.Async = d.bool()
			r.Params = d.params()
			r.ReturnAnnotation = d.str()
			r.BodyHash = d.str()
			r.Range = d.rng()
			r.DecoRange = d.rng()
			r.Name = d.str()
			r.Dependencies = d.strs()
			r.PathExpr = d.str()
			r.PathRange = d.rng()
			r.Tags = d.strs()
			r.UniqueID = d.str()
			r.Responses = d.str()
			r.Deprecated = d.bool()
			r.Hidden = d.bool()
		}
	}

	if n, isNil := d.length(); !isNil {
		f.Includes = make([]facts.Include, n)
		for i := range f.Includes {
			in := &f.Includes[i]
			in.Target = d.str()
			in.Router = d.str()
			in.Prefix = d.str()
			in.PrefixExpr = d.str()
			in.PrefixRange = d.rng()
			in.Dependencies = d.strs()
			in.Tags = d.strs()
			in.UniqueID = d.str()
			in.Responses = d.str()
			in.Deprecated = d.bool()
			in.Hidden = d.bool()
			in.Range = d.rng()
		}
	}

	if n, isNil := d.length(); !isNil {
		f.Functions = make([]facts.Symbol, n)
		for i := range f.Functions {
			s := &f.Functions[i]
			s.Name = d.str()
			s.Kind = d.str()
			s.Hash = d.str()
			s.Range = d.rng()
		}
	}

	if n, isNil := d.length(); !isNil {
		f.Defs = make([]facts.Def, n)
		for i := range f.Defs {
			df := &f.Defs[i]
			df.Name = d.str()
			df.Params = d.params()
			df.Return = d.str()
			df.Returns = d.str()
			df.Source = d.str()
			df.Range = d.rng()
		}
	}

	if n, isNil := d.length(); !isNil {
		f.Assigns = make([]facts.Assign, n)
		for i := range f.Assigns {
			a := &f.Assigns[i]
			a.Name = d.str()
			a.Annotation = d.str()
			a.Value = d.str()
			a.Range = d.rng()
		}
	}

	if n, isNil := d.length(); !isNil {
		f.Imports = make([]facts.Import, n)
		for i := range f.Imports {
			im := &f.Imports[i]
			im.Module = d.str()
			im.Level = d.int()
			im.Names = d.strs()
			im.TypeOnly = d.bool()
			im.Aliases = d.strMap()
			im.Range = d.rng()
		}
	}

	f.SemanticHash = d.str()

	if n, isNil := d.length(); !isNil {
		f.Diagnostics = make([]facts.Diagnostic, n)
		for i := range f.Diagnostics {
			dg := &f.Diagnostics[i]
			dg.Path = d.str()
			dg.Range = d.rng()
			dg.Severity = facts.Severity(d.int())
			dg.Code = d.str()
			dg.Message = d.str()
			if n, isNil := d.length(); !isNil {
				dg.Related = make([]facts.Related, n)
				for j := range dg.Related {
					dg.Related[j].Path = d.str()
					dg.Related[j].Range = d.rng()
					dg.Related[j].Message = d.str()
				}
			}
		}
	}
	if d.err != nil {
		return nil, d.err
	}
	if d.i != len(d.s) {
		return nil, fmt.Errorf("%w: %d bytes left over", errCorrupt, len(d.s)-d.i)
	}
	return f, nil
}
