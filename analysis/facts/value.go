package facts

import (
	"strconv"
	"strings"
)

// ValueKind is the type of a statically evaluated value.
type ValueKind string

// Value kinds. Unknown marks an expression the static reader could not
// evaluate (a function call, an identifier); Source then holds its text.
const (
	ValueString  ValueKind = "string"
	ValueNumber  ValueKind = "number"
	ValueBool    ValueKind = "bool"
	ValueNull    ValueKind = "null"
	ValueArray   ValueKind = "array"
	ValueObject  ValueKind = "object"
	ValueUnknown ValueKind = "unknown"
)

// Value is a statically evaluated JS/JSON value with source ranges, read
// from farm.config.ts, plugin manifests and plugin.json.
type Value struct {
	Kind   ValueKind         `json:"kind"`
	Str    string            `json:"str,omitempty"`
	Num    float64           `json:"num,omitempty"`
	Bool   bool              `json:"bool,omitempty"`
	Items  []*Value          `json:"items,omitempty"`
	Keys   []string          `json:"keys,omitempty"` // object keys in source order
	Fields map[string]*Value `json:"fields,omitempty"`
	Source string            `json:"source,omitempty"` // for Unknown: the expression text
	Range  Range             `json:"range"`
	// KeyRange is the range of the property key when this value is an
	// object member (zero otherwise).
	KeyRange Range `json:"keyRange"`
}

// Get walks a dotted path of object keys ("development.hotReload.enabled").
// It returns nil when any step is missing or not an object.
func (v *Value) Get(path string) *Value {
	cur := v
	if path == "" {
		return cur
	}
	for _, k := range strings.Split(path, ".") {
		if cur == nil || cur.Kind != ValueObject {
			return nil
		}
		cur = cur.Fields[k]
	}
	return cur
}

// String returns the value as a string when it is one, else def.
func (v *Value) String(def string) string {
	if v == nil || v.Kind != ValueString {
		return def
	}
	return v.Str
}

// Int returns the value as an int when it is a number, else def.
func (v *Value) Int(def int) int {
	if v == nil || v.Kind != ValueNumber {
		return def
	}
	return int(v.Num)
}

// Boolean returns the value when it is a bool, else def.
func (v *Value) Boolean(def bool) bool {
	if v == nil || v.Kind != ValueBool {
		return def
	}
	return v.Bool
}

// Strings returns the string items of an array value (non-strings skipped).
func (v *Value) Strings() []string {
	if v == nil || v.Kind != ValueArray {
		return nil
	}
	out := make([]string, 0, len(v.Items))
	for _, it := range v.Items {
		if it != nil && it.Kind == ValueString {
			out = append(out, it.Str)
		}
	}
	return out
}

// Canonical renders the value as compact JSON-like text without ranges, in
// source key order; equal Canonical strings mean semantically equal values.
func (v *Value) Canonical() string {
	var b strings.Builder
	v.canonical(&b)
	return b.String()
}

func (v *Value) canonical(b *strings.Builder) {
	if v == nil {
		b.WriteString("null")
		return
	}
	switch v.Kind {
	case ValueString:
		b.WriteString(strconv.Quote(v.Str))
	case ValueNumber:
		b.WriteString(strconv.FormatFloat(v.Num, 'g', -1, 64))
	case ValueBool:
		b.WriteString(strconv.FormatBool(v.Bool))
	case ValueNull:
		b.WriteString("null")
	case ValueArray:
		b.WriteByte('[')
		for i, it := range v.Items {
			if i > 0 {
				b.WriteByte(',')
			}
			it.canonical(b)
		}
		b.WriteByte(']')
	case ValueObject:
		b.WriteByte('{')
		for i, k := range v.Keys {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Quote(k))
			b.WriteByte(':')
			v.Fields[k].canonical(b)
		}
		b.WriteByte('}')
	default:
		b.WriteString("<")
		b.WriteString(strings.Join(strings.Fields(v.Source), " "))
		b.WriteString(">")
	}
}
