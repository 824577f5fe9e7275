package mongo

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	mdb "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/farm-stack/farm-lsp/reload/schema"
)

// eachPath reports whether a stored path goes through array elements or
// dict values (schema.EachElement, schema.EachValue).
func eachPath(p string) bool {
	for _, seg := range strings.Split(p, ".") {
		if seg == schema.EachElement || seg == schema.EachValue {
			return true
		}
	}
	return false
}

func keyIndex(d bson.D, key string) int {
	for i, e := range d {
		if e.Key == key {
			return i
		}
	}
	return -1
}

func hasKey(d bson.D, key string) bool { return keyIndex(d, key) >= 0 }

// maxEachPasses bounds the rounds of rewriteEach: a document written by
// the app between the read and the conditional write is read again.
const maxEachPasses = 3

// rewriteEach applies fn to every embedded object that path (all but its
// last segment) reaches in the documents of coll, through array elements
// and dict values, with the last segment as the field name. A document
// whose objects fn changed gets its top-level field rewritten by a write
// conditional on that field being as read, so a concurrent change of the
// app is never overwritten (the document is read again instead). This
// works on every MongoDB-compatible server, FerretDB included, which
// implements neither `$[]` nor arrayFilters. It returns how many
// documents were rewritten.
func rewriteEach(ctx context.Context, coll *mdb.Collection, path string, fn func(obj bson.D, name string) (bson.D, bool)) (int64, error) {
	segs := strings.Split(path, ".")
	if len(segs) < 2 || segs[0] == schema.EachElement || segs[0] == schema.EachValue {
		return 0, fmt.Errorf("%s: not a path into an embedded object", path)
	}
	top, inner, name := segs[0], segs[1:len(segs)-1], segs[len(segs)-1]
	var total int64
	for pass := 0; pass < maxEachPasses; pass++ {
		cur, err := coll.Find(ctx, bson.D{{Key: top, Value: bson.D{{Key: "$exists", Value: true}}}},
			options.Find().SetProjection(bson.D{{Key: top, Value: 1}}))
		if err != nil {
			return total, err
		}
		raced := 0
		for cur.Next(ctx) {
			var doc bson.D
			if err := cur.Decode(&doc); err != nil {
				cur.Close(ctx)
				return total, err
			}
			ik, k := keyIndex(doc, "_id"), keyIndex(doc, top)
			if ik < 0 || k < 0 {
				continue
			}
			id, old := doc[ik].Value, doc[k].Value
			val, changed := walkEach(old, inner, name, fn)
			if !changed {
				continue
			}
			res, err := coll.UpdateOne(ctx,
				bson.D{{Key: "_id", Value: id}, {Key: top, Value: old}},
				bson.D{{Key: "$set", Value: bson.D{{Key: top, Value: val}}}})
			if err != nil {
				cur.Close(ctx)
				return total, err
			}
			if res.MatchedCount == 0 {
				raced++
				continue
			}
			total++
		}
		err = cur.Err()
		cur.Close(ctx)
		if err != nil {
			return total, err
		}
		if raced == 0 {
			return total, nil
		}
	}
	return total, errors.New("documents kept changing while they were rewritten: run it again")
}

// walkEach returns v with fn applied to the objects segs reach, copying
// only what changes; changed says whether anything did.
func walkEach(v any, segs []string, name string, fn func(bson.D, string) (bson.D, bool)) (any, bool) {
	if len(segs) == 0 {
		d, ok := v.(bson.D)
		if !ok {
			return v, false // null, missing or not an object: left as it is
		}
		return fn(d, name)
	}
	switch seg := segs[0]; seg {
	case schema.EachElement:
		a, ok := v.(bson.A)
		if !ok {
			return v, false
		}
		var out bson.A
		for i, el := range a {
			nv, ch := walkEach(el, segs[1:], name, fn)
			if ch && out == nil {
				out = append(bson.A(nil), a...)
			}
			if ch {
				out[i] = nv
			}
		}
		if out == nil {
			return v, false
		}
		return out, true
	default:
		d, ok := v.(bson.D)
		if !ok {
			return v, false
		}
		var out bson.D
		for i, e := range d {
			if seg != schema.EachValue && e.Key != seg {
				continue
			}
			nv, ch := walkEach(e.Value, segs[1:], name, fn)
			if ch && out == nil {
				out = append(bson.D(nil), d...)
			}
			if ch {
				out[i].Value = nv
			}
		}
		if out == nil {
			return v, false
		}
		return out, true
	}
}
