package coordinator

import (
	"context"
	"log/slog"

	"github.com/farm-stack/farm-lsp/reload/executor"
	"github.com/farm-stack/farm-lsp/reload/ollama"
)

// preloadModels is development.hotReload.aiModels.preloadModels: once the
// workspace is trusted (it waits, it never asks: opening a folder is no
// reason for a question), the configured Ollama models the server lacks
// are pulled and every one is loaded into memory, with progress. With
// preloadModels false, aiModels off or no enabled ollama provider nothing
// is sent.
func (c *Coordinator) preloadModels(ox *ollama.Executor) {
	c.goRun("ollama-preload", func(ctx context.Context) {
		for {
			changed := c.trust.gate.Changed()
			if c.trust.gate.Trusted() {
				break
			}
			select {
			case <-changed:
			case <-ctx.Done():
				return
			}
		}
		v, _ := c.farmConfig()
		p := ollama.ReadConfig(v)
		if !p.Enabled || !p.AIModels || !p.Preload || len(p.Models) == 0 {
			return
		}
		token := "ollama-preload"
		sink := c.sinkOrNil()
		if sink != nil {
			sink.Progress(c.root, Progress{Token: token, Kind: ProgressBegin, Title: "Preloading Ollama models", Percent: 0})
		}
		res := ox.Preload(ctx, &pullReporter{c: c, token: token})
		if sink != nil {
			sink.Progress(c.root, Progress{Token: token, Kind: ProgressEnd, Message: res.Message, Percent: 100})
		}
		switch res.Status {
		case executor.Skipped: // Ollama not running: nothing to tell the editor
			c.log.Info("aiModels.preloadModels: skipped", "reason", res.Message)
		case executor.Failed:
			c.message(slog.LevelWarn, "aiModels.preloadModels: failed: "+res.Message, false)
		default:
			c.message(slog.LevelInfo, "aiModels.preloadModels: "+res.Message, false)
		}
		if c.afterAI != nil {
			c.afterAI(ctx) // the installed-models cache
		}
	})
}
