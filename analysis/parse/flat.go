package parse

/*
#include <stdint.h>
#include <stdbool.h>

// Declarations copied from tree-sitter's api.h as vendored by
// github.com/smacker/go-tree-sitter v0.0.0-20240827094217-dd81d9e9be82,
// whose package compiles the definitions and links them into every binary
// that imports it (this package does). flat_test.go checks the walk
// against smacker's TreeCursor node for node.
typedef struct { uint32_t context[4]; const void *id; const void *tree; } flatTSNode;
typedef struct { const void *tree; const void *id; uint32_t context[3]; } flatTSTreeCursor;

extern flatTSTreeCursor ts_tree_cursor_new(flatTSNode);
extern void ts_tree_cursor_delete(flatTSTreeCursor *);
extern flatTSNode ts_tree_cursor_current_node(const flatTSTreeCursor *);
extern uint16_t ts_tree_cursor_current_field_id(const flatTSTreeCursor *);
extern bool ts_tree_cursor_goto_first_child(flatTSTreeCursor *);
extern bool ts_tree_cursor_goto_next_sibling(flatTSTreeCursor *);
extern bool ts_tree_cursor_goto_parent(flatTSTreeCursor *);
extern uint16_t ts_node_symbol(flatTSNode);
extern uint32_t ts_node_start_byte(flatTSNode);
extern uint32_t ts_node_end_byte(flatTSNode);
extern uint32_t ts_node_descendant_count(flatTSNode);

typedef struct {
	uint32_t start, end;
	int32_t parent;
	uint16_t symbol, field;
} flatNode;

// flat_walk writes the nodes under root in pre-order into out (at most cap
// of them) and returns how many there are in all (possibly more than cap).
// It sets *deepest to the depth of the deepest node (root: 0). With
// stop_nodes > 0 it stops once more than stop_nodes nodes were seen, with
// max_depth > 0 once a node is deeper than max_depth, and sets *stopped.
static int64_t flat_walk(flatTSNode root, flatNode *out, int64_t cap, int64_t stop_nodes, int64_t max_depth, int64_t *deepest, bool *stopped) {
	flatTSTreeCursor c = ts_tree_cursor_new(root);
	int64_t n = 0, d = 0, deep = 0;
	int32_t parent = -1;
	*stopped = false;
	for (;;) {
		flatTSNode node = ts_tree_cursor_current_node(&c);
		if (n < cap) {
			flatNode *f = &out[n];
			f->start = ts_node_start_byte(node);
			f->end = ts_node_end_byte(node);
			f->parent = parent;
			f->symbol = ts_node_symbol(node);
			f->field = ts_tree_cursor_current_field_id(&c);
		}
		if (d > deep) {
			deep = d;
		}
		if ((stop_nodes > 0 && n + 1 > stop_nodes) || (max_depth > 0 && deep > max_depth)) {
			*stopped = true;
			ts_tree_cursor_delete(&c);
			*deepest = deep;
			return n + 1;
		}
		if (ts_tree_cursor_goto_first_child(&c)) {
			parent = (int32_t)n;
			n++;
			d++;
			continue;
		}
		n++;
		// climb until a next sibling exists; out[] holds the parents
		// (when it overflowed, the count is all that matters, and parent
		// indices past cap are not read).
		for (;;) {
			if (ts_tree_cursor_goto_next_sibling(&c)) {
				break;
			}
			if (!ts_tree_cursor_goto_parent(&c)) {
				ts_tree_cursor_delete(&c);
				*deepest = deep;
				return n;
			}
			d--;
			parent = parent >= 0 && parent < cap ? out[parent].parent : -2;
		}
	}
}

// flat_shape counts the nodes under root and the depth of the deepest one
// (root: 0), stopping early once either exceeds its limit (a limit <= 0
// means none).
static void flat_shape(flatTSNode root, int64_t max_nodes, int64_t max_depth, int64_t *nodes, int64_t *depth) {
	flatTSTreeCursor c = ts_tree_cursor_new(root);
	int64_t n = 0, d = 0, deepest = 0;
	for (;;) {
		n++;
		if (d > deepest) {
			deepest = d;
		}
		if ((max_nodes > 0 && n > max_nodes) || (max_depth > 0 && deepest > max_depth)) {
			break;
		}
		if (ts_tree_cursor_goto_first_child(&c)) {
			d++;
			continue;
		}
		bool done = false;
		while (!ts_tree_cursor_goto_next_sibling(&c)) {
			if (!ts_tree_cursor_goto_parent(&c)) {
				done = true;
				break;
			}
			d--;
		}
		if (done) {
			break;
		}
	}
	ts_tree_cursor_delete(&c);
	*nodes = n;
	*depth = deepest;
}
*/
import "C"

import (
	"runtime"
	"sync"
	"unsafe"

	sitter "github.com/smacker/go-tree-sitter"
)

// FlatNode is one node of a flattened tree (see Flatten).
type FlatNode struct {
	Start, End uint32
	// Parent is the index of the parent node in the flattened slice, -1
	// for the root.
	Parent int32
	Symbol sitter.Symbol
	// Field is the field id of the node in its parent (0: none); names
	// come from the language's FieldName.
	Field uint16
}

// The C and Go layouts must agree: flat_walk writes FlatNodes directly,
// and Flatten reads the TSNode at the start of a sitter.Node (a TSNode and
// a *Tree; a build against a smacker whose Node differs in size fails here).
var (
	_ [unsafe.Sizeof(sitter.Node{}) - unsafe.Sizeof(C.flatTSNode{}) - unsafe.Sizeof(uintptr(0))]struct{}
	_ [unsafe.Sizeof(C.flatTSNode{}) + unsafe.Sizeof(uintptr(0)) - unsafe.Sizeof(sitter.Node{})]struct{}
	_ [unsafe.Sizeof(FlatNode{}) - unsafe.Sizeof(C.flatNode{})]struct{}
	_ [unsafe.Sizeof(C.flatNode{}) - unsafe.Sizeof(FlatNode{})]struct{}
	_ [unsafe.Offsetof(FlatNode{}.Field) - unsafe.Offsetof(C.flatNode{}.field)]struct{}
	_ [unsafe.Offsetof(C.flatNode{}.field) - unsafe.Offsetof(FlatNode{}.Field)]struct{}
)

// Flatten appends every node of the tree to buf[:0] in pre-order (a node,
// then its children's subtrees in order) with its byte span, symbol, field
// id and parent, reading the tree in one call into C. Walking a tree node
// by node through smacker's API costs several cgo calls and a map insertion
// per node (its Tree caches a *Node for every node handed out, for the
// tree's lifetime); Flatten is for code that reads whole trees, at about a
// tenth of that CPU (BenchmarkFlatten, BenchmarkFlattenCursor) and no
// per-node allocation. buf may be nil; pass a previous result to reuse its
// memory (buf is not to be used after the call: when the flattening
// Shape left is returned instead, buf goes to the next Shape). The Doc is
// not modified.
func (d *Doc) Flatten(buf []FlatNode) []FlatNode {
	if d == nil || d.Tree == nil {
		return buf[:0]
	}
	if f := d.flat.Swap(nil); f != nil {
		if cap(buf) > 0 {
			flatBufs.Put(&buf)
		}
		return *f
	}
	return d.FlattenNode(d.Tree.RootNode(), buf)
}

// flatBufs holds flattenings given back to Flatten, for Shape to fill
// again: a file's analysis flattens its tree once, so without them every
// file's flattening would be new memory.
var flatBufs sync.Pool

// flatBuf returns a flattening buffer of n nodes.
func flatBuf(n int) []FlatNode {
	if p, ok := flatBufs.Get().(*[]FlatNode); ok && cap(*p) >= n {
		return (*p)[:n]
	}
	return make([]FlatNode, n, n+n/4) // some room: the next file may be bigger
}

// FlattenNode is Flatten for the subtree under n (a node of d's tree),
// which comes first in the result with Parent -1.
func (d *Doc) FlattenNode(n *sitter.Node, buf []FlatNode) []FlatNode {
	if d == nil || d.Tree == nil || n == nil {
		return buf[:0]
	}
	// sitter.Node's first field is the C TSNode (bindings.go: type Node
	// struct { c C.TSNode; t *Tree }), copied here by value.
	croot := *(*C.flatTSNode)(unsafe.Pointer(n))
	if want := descendants(croot); cap(buf) < want {
		buf = make([]FlatNode, want)
	}
	buf = buf[:cap(buf)]
	for {
		cnt, _, _ := flatWalk(croot, buf, 0, 0)
		runtime.KeepAlive(n)
		runtime.KeepAlive(d.Tree)
		if cnt <= len(buf) {
			return buf[:cnt]
		}
		buf = make([]FlatNode, cnt)
	}
}

// descendants is the number of nodes a walk from root visits (root
// included), read from the tree without walking it.
func descendants(root C.flatTSNode) int {
	return int(C.ts_node_descendant_count(root))
}

// nodeCount is descendants for a node of a live tree.
func nodeCount(n *sitter.Node) int {
	c := descendants(*(*C.flatTSNode)(unsafe.Pointer(n)))
	runtime.KeepAlive(n)
	return c
}

// flatWalk runs flat_walk into buf (see there).
func flatWalk(root C.flatTSNode, buf []FlatNode, stopNodes, maxDepth int) (cnt, depth int, stopped bool) {
	var dp C.int64_t
	var st C.bool
	n := C.flat_walk(root, (*C.flatNode)(unsafe.Pointer(unsafe.SliceData(buf))), C.int64_t(len(buf)),
		C.int64_t(stopNodes), C.int64_t(maxDepth), &dp, &st)
	return int(n), int(dp), bool(st)
}

// Shape counts the tree's nodes and the depth of its deepest node (the
// root is at depth 0) in one walk in C. The walk stops
// as soon as the count passes maxNodes or the depth passes maxDepth (0:
// no limit), so its cost is bounded by the limits; the figures returned
// are then just over them.
//
// For a Python tree within the limits, the walk also flattens it (into a
// slice of the tree's node count, which tree-sitter keeps), and the next
// Flatten of the whole tree returns that (Python's extraction flattens
// every tree it reads, right after the analysis checked its shape).
func (d *Doc) Shape(maxNodes, maxDepth int) (nodes, depth int) {
	if d == nil || d.Tree == nil {
		return 0, 0
	}
	root := d.Tree.RootNode()
	croot := *(*C.flatTSNode)(unsafe.Pointer(root))
	// The node count is known without a walk (tree-sitter keeps it per
	// subtree), so the flattening is allocated at its size; a tree over the
	// node limit is walked as for other languages, only to the limits.
	if total := descendants(croot); d.Lang == Python && (maxNodes <= 0 || total <= maxNodes) {
		buf := flatBuf(total)
		cnt, dp, stopped := flatWalk(croot, buf, maxNodes, maxDepth)
		runtime.KeepAlive(root)
		runtime.KeepAlive(d.Tree)
		if !stopped && cnt <= len(buf) {
			buf = buf[:cnt]
			d.flat.Store(&buf)
		}
		return cnt, dp
	}
	var n, dp C.int64_t
	C.flat_shape(croot, C.int64_t(maxNodes), C.int64_t(maxDepth), &n, &dp)
	runtime.KeepAlive(root)
	runtime.KeepAlive(d.Tree)
	return int(n), int(dp)
}
