package lsp

import (
	"encoding/json"

	"github.com/farm-stack/farm-lsp/reload/coordinator"
	"github.com/farm-stack/farm-lsp/reload/scheduler"
	"github.com/farm-stack/farm-lsp/reload/trust"
)

// status is the body of farm/status. One root: that root's Status. Several
// roots: the first root's Status (in discovery order) with an added
// "roots" object mapping every root's path to its Status. No root: a zero
// Status (enabled false) with an empty "roots".
func (c *conn) status() any {
	roots := c.st.rootList()
	if len(roots) == 1 {
		return statusMsg(roots[0].path, roots[0].engine.Status())
	}
	var first StatusMsg
	all := map[string]StatusMsg{}
	for i, r := range roots {
		st := statusMsg(r.path, r.engine.Status())
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

// StatusMsg is coordinator.Status on the wire: lastPlan has the shape of
// farm/reloadPlan (URIs, dependsOn never null), or null before any plan.
type StatusMsg struct {
	Enabled     bool                            `json:"enabled"`
	Indexing    bool                            `json:"indexing"`
	Processing  bool                            `json:"processing"`
	QueueLength int                             `json:"queueLength"`
	Lanes       map[string]scheduler.LaneStatus `json:"lanes"`
	LastPlan    *PlanMsg                        `json:"lastPlan"`
	Metrics     any                             `json:"metrics"`
	Backend     string                          `json:"backend,omitempty"`
	Trust       *trust.State                    `json:"trust,omitempty"`
}

func statusMsg(root string, st coordinator.Status) StatusMsg {
	m := StatusMsg{Enabled: st.Enabled, Indexing: st.Indexing, Processing: st.Processing, QueueLength: st.QueueLength,
		Lanes: st.Lanes, Metrics: st.Metrics, Backend: st.Backend, Trust: st.Trust}
	if m.Lanes == nil {
		m.Lanes = map[string]scheduler.LaneStatus{}
	}
	if st.LastPlan != nil {
		p := planMsg(root, *st.LastPlan)
		m.LastPlan = &p
	}
	return m
}
