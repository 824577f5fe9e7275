package parse

/*
#include <stdint.h>
#include <stdbool.h>

// Declarations copied from tree-sitter's api.h as vendored by
// github.com/smacker/go-tree-sitter v0.0.0-20240827094217-dd81d9e9be82,
// whose package compiles (and links into every binary that imports it) the
// definitions. They are weak so that cgo's own test link of this package,
// which does not include smacker's objects, succeeds; the final link binds
// them to smacker's definitions. flat_test.go checks the walk against
// smacker's cursor node for node.
typedef struct { uint32_t context[4]; const void *id; const void *tree; } flatTSNode;
typedef struct { const void *tree; const void *id; uint32_t context[3]; } flatTSTreeCursor;

extern flatTSTreeCursor ts_tree_cursor_new(flatTSNode) __attribute__((weak));
extern void ts_tree_cursor_delete(flatTSTreeCursor *) __attribute__((weak));
extern flatTSNode ts_tree_cursor_current_node(const flatTSTreeCursor *) __attribute__((weak));
extern uint16_t ts_tree_cursor_current_field_id(const flatTSTreeCursor *) __attribute__((weak));
extern bool ts_tree_cursor_goto_first_child(flatTSTreeCursor *) __attribute__((weak));
extern bool ts_tree_cursor_goto_next_sibling(flatTSTreeCursor *) __attribute__((weak));
extern bool ts_tree_cursor_goto_parent(flatTSTreeCursor *) __attribute__((weak));
extern uint16_t ts_node_symbol(flatTSNode) __attribute__((weak));
extern uint32_t ts_node_start_byte(flatTSNode) __attribute__((weak));
extern uint32_t ts_node_end_byte(flatTSNode) __attribute__((weak));

typedef struct {
	uint32_t start, end;
	int32_t parent;
	uint16_t symbol, field;
} flatNode;

// flat_walk writes the nodes under root in pre-order into out (at most cap
// of them) and returns how many there are in all (possibly more than cap),
// or -1 when the tree-sitter functions are not linked in.
static int64_t flat_walk(flatTSNode root, flatNode *out, int64_t cap) {
	if (!ts_tree_cursor_new || !ts_tree_cursor_current_node) {
		return -1;
	}
	flatTSTreeCursor c = ts_tree_cursor_new(root);
	int64_t n = 0;
	int32_t parent = -1;
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
		if (ts_tree_cursor_goto_first_child(&c)) {
			parent = (int32_t)n;
			n++;
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
				return n;
			}
			parent = parent >= 0 && parent < cap ? out[parent].parent : -2;
		}
	}
}
*/
import "C"

import (
	"runtime"
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
// tree's lifetime); Flatten is for code that reads whole trees, and costs
// about as much as a few dozen of those calls. buf may be nil; pass a
// previous result to reuse its memory. The Doc is not modified.
func (d *Doc) Flatten(buf []FlatNode) []FlatNode {
	if d == nil || d.Tree == nil {
		return buf[:0]
	}
	root := d.Tree.RootNode()
	// sitter.Node's first field is the C TSNode (bindings.go: type Node
	// struct { c C.TSNode; t *Tree }), copied here by value.
	croot := *(*C.flatTSNode)(unsafe.Pointer(root))
	if want := len(d.Src)/3 + 16; cap(buf) < want {
		buf = make([]FlatNode, want)
	}
	buf = buf[:cap(buf)]
	for {
		n := int64(C.flat_walk(croot, (*C.flatNode)(unsafe.Pointer(unsafe.SliceData(buf))), C.int64_t(len(buf))))
		runtime.KeepAlive(root)
		runtime.KeepAlive(d.Tree)
		if n < 0 {
			// Not linked (cannot happen in a binary using smacker's
			// package, which defines the functions): walk through it.
			return flattenCursor(d.Lang.Language(), root, buf[:0])
		}
		if n <= int64(len(buf)) {
			return buf[:n]
		}
		buf = make([]FlatNode, n)
	}
}

// flattenCursor is Flatten through smacker's TreeCursor: the reference
// the C walk is tested against.
func flattenCursor(lang *sitter.Language, root *sitter.Node, out []FlatNode) []FlatNode {
	fields := map[string]uint16{}
	for id := 1; ; id++ { // field ids are 1..count; past the end the name is ""
		name := lang.FieldName(id)
		if name == "" {
			break
		}
		fields[name] = uint16(id)
	}
	c := sitter.NewTreeCursor(root)
	defer c.Close()
	parent := int32(-1)
	for {
		n := c.CurrentNode()
		f := FlatNode{Start: n.StartByte(), End: n.EndByte(), Parent: parent, Symbol: n.Symbol()}
		if name := c.CurrentFieldName(); name != "" {
			f.Field = fields[name]
		}
		out = append(out, f)
		if c.GoToFirstChild() {
			parent = int32(len(out) - 1)
			continue
		}
		for !c.GoToNextSibling() {
			if !c.GoToParent() {
				return out
			}
			parent = out[parent].Parent
		}
	}
}
