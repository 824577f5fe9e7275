package lsp

import (
	"encoding/json"

	"github.com/farm-stack/farm-lsp/reload/coordinator"
)

// status is the body of farm/status. One root: that root's Status. Several
// roots: the first root's Status (in discovery order) with an added
// "roots" object mapping every root's path to its Status. No root: a zero
// Status (enabled false) with an empty "roots".
func (c *conn) status() any {
	roots := c.st.rootList()
	if len(roots) == 1 {
		return roots[0].engine.Status()
	}
	var first coordinator.Status
	all := map[string]coordinator.Status{}
	for i, r := range roots {
		st := r.engine.Status()
		if i == 0 {
			first = st
		}
		all[r.path] = st
	}
	b, err := json.Marshal(first)
	if err != nil {
		return first
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return first
	}
	rb, err := json.Marshal(all)
	if err != nil {
		return first
	}
	m["roots"] = rb
	return m
}
