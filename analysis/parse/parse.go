// Package parse wraps tree-sitter for Python and TSX: parsing with the old
// tree reused for incremental reparse, syntax-error collection, and node
// helpers that report positions through textpos (never tree-sitter Points,
// which smacker's Edit binding gets wrong: it passes the old end point as the
// new one).
package parse

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	sitter "github.com/smacker/go-tree-sitter"
	"github.com/smacker/go-tree-sitter/python"
	"github.com/smacker/go-tree-sitter/typescript/tsx"
	"github.com/smacker/go-tree-sitter/typescript/typescript"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/analysis/textpos"
)

// Lang is a grammar.
type Lang int

// Grammars.
const (
	Python Lang = iota
	TSX
	TypeScript
)

func (l Lang) String() string {
	switch l {
	case Python:
		return "python"
	case TSX:
		return "tsx"
	case TypeScript:
		return "typescript"
	}
	return fmt.Sprintf("lang(%d)", int(l))
}

// Language returns the tree-sitter language for l.
func (l Lang) Language() *sitter.Language {
	switch l {
	case Python:
		return python.GetLanguage()
	case TSX:
		return tsx.GetLanguage()
	default:
		return typescript.GetLanguage()
	}
}

// ParseTimeout bounds one parse. tree-sitter's error recovery can take
// very long on some garbage; such a file is reported as unparsable instead
// of stalling the analysis of every later save.
const ParseTimeout = 2 * time.Second

// parsers pools parsers per language: a sitter.Parser is not safe for
// concurrent use, and creating one per parse costs an allocation in C.
var parsers [3]sync.Pool

func getParser(l Lang) *sitter.Parser {
	if p, ok := parsers[l].Get().(*sitter.Parser); ok {
		return p
	}
	p := sitter.NewParser()
	p.SetLanguage(l.Language())
	return p
}

func putParser(l Lang, p *sitter.Parser) { parsers[l].Put(p) }

// Doc is a parsed source text. A Doc is immutable once returned; its Tree
// must not be edited (Parse edits a copy).
type Doc struct {
	Lang  Lang
	Src   []byte
	Tree  *sitter.Tree
	Lines *textpos.Lines
	// flat is the whole tree flattened by Shape, handed to the next
	// Flatten (once): the analysis checks a tree's shape and then flattens
	// it, and one walk in C serves both.
	flat atomic.Pointer[[]FlatNode]
}

// Root is the tree's root node.
func (d *Doc) Root() *sitter.Node { return d.Tree.RootNode() }

// Parse parses src. When old is a Doc of the same language, its tree is
// copied, edited with the single span that differs between old.Src and src
// (common prefix and suffix), and reused for an incremental reparse.
func Parse(ctx context.Context, lang Lang, src []byte, old *Doc) (*Doc, error) {
	// smacker's ParseCtx watches a cancellable context from a goroutine that
	// can set the parser's cancel flag after the parse finished, and nothing
	// clears it: the pooled parser then fails every later parse. So the
	// context is checked here, and time is bounded by tree-sitter itself.
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("parse %s: %w", lang, err)
	}
	p := getParser(lang)
	defer putParser(lang, p)
	p.SetOperationLimit(int(ParseTimeout / time.Microsecond))
	var oldTree *sitter.Tree
	if old != nil && old.Lang == lang && old.Tree != nil {
		oldTree = old.Tree.Copy()
		oldTree.Edit(editBetween(old.Src, src))
	}
	tree, err := p.ParseCtx(context.Background(), oldTree, src)
	if err != nil || tree == nil {
		p.Reset() // a halted parse would otherwise resume on the next call
		if err == nil {
			err = errors.New("no tree")
		}
		return nil, fmt.Errorf("parse %s: %w (over %s: tree-sitter gave up on this input)", lang, err, ParseTimeout)
	}
	return &Doc{Lang: lang, Src: src, Tree: tree, Lines: textpos.New(src)}, nil
}

// editBetween describes the change from a to b as one edit.
func editBetween(a, b []byte) sitter.EditInput {
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	oldEnd, newEnd := len(a)-suf, len(b)-suf
	return sitter.EditInput{
		StartIndex:  uint32(pre),
		OldEndIndex: uint32(oldEnd),
		NewEndIndex: uint32(newEnd),
		StartPoint:  point(a, pre),
		OldEndPoint: point(a, oldEnd),
		NewEndPoint: point(b, newEnd),
	}
}

// point is tree-sitter's (row, byte column) for an offset.
func point(src []byte, off int) sitter.Point {
	row, col := 0, 0
	for _, c := range src[:off] {
		if c == '\n' {
			row++
			col = 0
		} else {
			col++
		}
	}
	return sitter.Point{Row: uint32(row), Column: uint32(col)}
}

// Text is the source text of n.
func (d *Doc) Text(n *sitter.Node) string {
	if n == nil {
		return ""
	}
	return string(d.Src[n.StartByte():n.EndByte()])
}

// Range is the LSP range of n.
func (d *Doc) Range(n *sitter.Node) facts.Range {
	if n == nil {
		return facts.Range{}
	}
	return d.Lines.Range(int(n.StartByte()), int(n.EndByte()))
}

// maxErrors caps syntax diagnostics per file: after a few the rest are noise.
const maxErrors = 20

// Errors returns a diagnostic for each ERROR or MISSING node (innermost
// first reported, at most maxErrors), with Path set to path.
func (d *Doc) Errors(path string) []facts.Diagnostic {
	root := d.Root()
	if !root.HasError() {
		return nil
	}
	var out []facts.Diagnostic
	Walk(root, func(n *sitter.Node) bool {
		if len(out) >= maxErrors || !n.HasError() && !n.IsMissing() {
			return false
		}
		switch {
		case n.IsMissing():
			out = append(out, facts.Diagnostic{
				Path: path, Range: d.Range(n), Severity: facts.SeverityError, Code: facts.CodeSyntaxError,
				Message: fmt.Sprintf("syntax error: missing %s", strings.TrimSpace(n.Type())),
			})
			return false
		case n.IsError():
			out = append(out, d.errorAt(path, n))
			// Nested errors inside an ERROR node add nothing useful.
			return false
		}
		return true
	})
	if len(out) == 0 {
		// HasError with no ERROR/MISSING descendant found: report the root.
		out = append(out, facts.Diagnostic{Path: path, Range: d.Lines.LineRange(0), Severity: facts.SeverityError,
			Code: facts.CodeSyntaxError, Message: "syntax error"})
	}
	return out
}

// errorAt describes an ERROR node. tree-sitter's recovery often wraps
// everything from the start of the file in one ERROR node, so the complete
// statements it begins with are skipped; an opening bracket left unclosed
// is reported where it opens, as Python itself does.
func (d *Doc) errorAt(path string, n *sitter.Node) facts.Diagnostic {
	// Find the first child that is not a complete statement (the last
	// child counts even when complete), stopping there: the node may have
	// a child per token of the rest of the file.
	first, at := 0, n
	if c := sitter.NewTreeCursor(n); c.GoToFirstChild() {
		for {
			at = c.CurrentNode()
			if !completeStatement(at) || !c.GoToNextSibling() {
				break
			}
			first++
		}
		c.Close()
	} else {
		c.Close()
	}
	diag := facts.Diagnostic{Path: path, Severity: facts.SeverityError, Code: facts.CodeSyntaxError, Message: "syntax error"}
	if start, end, typ, ok := d.unclosedBracket(n, first); ok {
		diag.Range = d.Lines.Range(int(start), int(end))
		diag.Message = fmt.Sprintf("syntax error: '%s' was never closed", typ)
		return diag
	}
	diag.Range = d.Range(at)
	// An error can span many lines; point at its first line.
	if diag.Range.End.Line > diag.Range.Start.Line {
		diag.Range.End = d.Lines.LineRange(diag.Range.Start.Line).End
	}
	if tok := strings.TrimSpace(d.Text(at)); tok != "" {
		if i := strings.IndexByte(tok, '\n'); i >= 0 {
			tok = tok[:i]
		}
		if len(tok) > 40 {
			tok = tok[:40] + "…"
		}
		diag.Message = fmt.Sprintf("syntax error: unexpected %q", tok)
	}
	return diag
}

// completeStatement is a whole, error-free statement or definition.
func completeStatement(n *sitter.Node) bool {
	if n == nil || !n.IsNamed() || n.HasError() || n.IsError() {
		return false
	}
	t := n.Type()
	return strings.HasSuffix(t, "statement") || strings.HasSuffix(t, "definition") ||
		strings.HasSuffix(t, "declaration") || t == "comment"
}

// brackets maps a grammar's bracket token symbols to their text, per
// language (built once).
var (
	bracketOnce [3]sync.Once
	bracketSyms [3]map[sitter.Symbol]string
)

func bracketsOf(l Lang) map[sitter.Symbol]string {
	bracketOnce[l].Do(func() {
		lang := l.Language()
		m := map[sitter.Symbol]string{}
		for i := uint32(0); i < lang.SymbolCount(); i++ {
			sym := sitter.Symbol(i)
			if lang.SymbolType(sym) != sitter.SymbolTypeAnonymous {
				continue
			}
			switch name := lang.SymbolName(sym); name {
			case "(", "[", "{", ")", "]", "}":
				m[sym] = name
			}
		}
		bracketSyms[l] = m
	})
	return bracketSyms[l]
}

var closerOf = map[string]string{"(": ")", "[": "]", "{": "}"}

// unclosedBracket finds the innermost opening bracket among the tokens of
// n's children from index first on that no closing bracket matches. It
// reads the subtree flattened in one C walk: error recovery can make n a
// node with a child per token of the file, or nest nodes thousands deep.
// Missing tokens (inserted by recovery, zero width) are not brackets.
func (d *Doc) unclosedBracket(n *sitter.Node, first int) (start, end uint32, typ string, ok bool) {
	flat := d.FlattenNode(n, nil)
	br := bracketsOf(d.Lang)
	type tok struct {
		start, end uint32
		text       string
	}
	var open []tok
	child := -1
	for i := 1; i < len(flat); i++ {
		f := flat[i]
		if f.Parent == 0 {
			child++
		}
		if child < first {
			continue
		}
		if i+1 < len(flat) && flat[i+1].Parent == int32(i) {
			continue // not a leaf
		}
		text, isBracket := br[f.Symbol]
		if !isBracket || f.Start == f.End {
			continue
		}
		if _, opener := closerOf[text]; opener {
			open = append(open, tok{f.Start, f.End, text})
		} else if len(open) > 0 && closerOf[open[len(open)-1].text] == text {
			open = open[:len(open)-1]
		}
	}
	if len(open) == 0 {
		return 0, 0, "", false
	}
	o := open[len(open)-1]
	return o.start, o.end, o.text, true
}

// Walk calls visit for n and then, in pre-order, for the nodes below it,
// descending into a node's children only when visit returns true. It moves
// one tree cursor, so a walk costs time linear in the nodes it visits.
// (tree-sitter's Child(i) and NamedChild(i) scan from the first child on
// every call, and Parent and NextSibling search down from the root: loops
// over them are quadratic on wide or deep trees.)
func Walk(n *sitter.Node, visit func(*sitter.Node) bool) {
	if n == nil {
		return
	}
	c := sitter.NewTreeCursor(n)
	defer c.Close()
	depth := 0
	for {
		if visit(c.CurrentNode()) && c.GoToFirstChild() {
			depth++
			continue
		}
		for !c.GoToNextSibling() {
			if depth == 0 || !c.GoToParent() {
				return
			}
			depth--
		}
		if depth == 0 {
			return // never step to a sibling of n itself
		}
	}
}

// AllChildren returns all children of n (anonymous tokens included), in
// time linear in their number.
func AllChildren(n *sitter.Node) []*sitter.Node {
	if n == nil {
		return nil
	}
	c := sitter.NewTreeCursor(n)
	defer c.Close()
	if !c.GoToFirstChild() {
		return nil
	}
	out := make([]*sitter.Node, 0, n.ChildCount())
	for {
		out = append(out, c.CurrentNode())
		if !c.GoToNextSibling() {
			return out
		}
	}
}

// Children returns the named children of n, in time linear in the number
// of children.
func Children(n *sitter.Node) []*sitter.Node {
	if n == nil {
		return nil
	}
	c := sitter.NewTreeCursor(n)
	defer c.Close()
	if !c.GoToFirstChild() {
		return nil
	}
	out := make([]*sitter.Node, 0, n.NamedChildCount())
	for {
		if cur := c.CurrentNode(); cur.IsNamed() {
			out = append(out, cur)
		}
		if !c.GoToNextSibling() {
			return out
		}
	}
}

// ChildOfType returns the first child of n (anonymous tokens included)
// whose type is typ, or nil.
func ChildOfType(n *sitter.Node, typ string) *sitter.Node {
	if n == nil {
		return nil
	}
	c := sitter.NewTreeCursor(n)
	defer c.Close()
	if !c.GoToFirstChild() {
		return nil
	}
	for {
		if cur := c.CurrentNode(); cur.Type() == typ {
			return cur
		}
		if !c.GoToNextSibling() {
			return nil
		}
	}
}

// Normalize collapses runs of white space to one space and trims, so that
// reformatting an annotation does not look like a type change.
func Normalize(s string) string { return strings.Join(strings.Fields(s), " ") }

// Hash is a short stable hash of the given parts.
func Hash(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
}

// TokenHash hashes n's tokens (leaf node texts) while skipping comments,
// so that whitespace, formatting and comment edits do not change it. For
// Python, string statements that are docstrings are skipped as well when
// skipDocstrings is true.
func (d *Doc) TokenHash(n *sitter.Node, skipDocstrings bool) string {
	h := sha256.New()
	var walk func(n *sitter.Node, docParent bool)
	// docParent: n is the first named child of a block or module, where a
	// lone string statement is a docstring. Recursion goes as deep as the
	// tree; every node's children are listed once, by cursor.
	walk = func(n *sitter.Node, docParent bool) {
		t := n.Type()
		if t == "comment" {
			return
		}
		if skipDocstrings && docParent && t == "expression_statement" && n.NamedChildCount() == 1 && n.NamedChild(0).Type() == "string" {
			return
		}
		if n.ChildCount() == 0 || t == "string" && d.Lang == Python {
			text := string(d.Src[n.StartByte():n.EndByte()])
			if t == "jsx_text" {
				text = Normalize(text)
			}
			h.Write([]byte(t))
			h.Write([]byte{1})
			h.Write([]byte(text))
			h.Write([]byte{0})
			return
		}
		holder := t == "block" || t == "module"
		seenNamed := false
		for _, c := range AllChildren(n) {
			first := holder && !seenNamed && c.IsNamed()
			if c.IsNamed() {
				seenNamed = true
			}
			walk(c, first)
		}
	}
	if n != nil {
		// The docstring rule also holds for n itself when it opens its
		// parent's block: asked about once, so Parent's cost is paid once.
		first := false
		if p := n.Parent(); p != nil && (p.Type() == "block" || p.Type() == "module") && p.NamedChild(0) != nil && p.NamedChild(0).Equal(n) {
			first = true
		}
		walk(n, first)
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
}
