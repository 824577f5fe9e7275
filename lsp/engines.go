package lsp

import (
	"fmt"
	"log/slog"
	"slices"

	"github.com/farm-stack/farm-lsp/reload/coordinator"
)

// addFolder finds the roots in a workspace folder and creates their
// engines; start says whether to start them now (after initialized).
func (c *conn) addFolder(folder string, start bool) {
	roots := findRoots(folder)
	if len(roots) == 0 {
		c.log.Info("lsp: no farm.config.ts in workspace folder; ignored", "folder", folder)
		return
	}
	for _, p := range roots {
		if c.st.rootNamed(p) != nil {
			continue
		}
		eng, err := c.newEngine(p)
		if err != nil {
			c.log.Error("lsp: creating engine", "root", p, "error", err)
			c.notes.message(slog.LevelError, fmt.Sprintf("farm-lsp: cannot serve %s: %v", p, err), true)
			continue
		}
		if ia, ok := eng.(interface{ SetInputPending(func() bool) }); ok && c.inputPending != nil {
			// Saves the client sent together are analysed together.
			ia.SetInputPending(c.inputPending)
		}
		r := &root{path: p, engine: eng}
		if !c.st.addRoot(r) {
			_ = eng.Close()
			continue
		}
		c.st.mu.Lock()
		opts := c.st.initOpts
		c.st.mu.Unlock()
		if len(opts) > 0 {
			if err := eng.Configure(opts); err != nil {
				c.log.Warn("lsp: initializationOptions rejected", "root", p, "error", err)
				c.notes.message(slog.LevelWarn, fmt.Sprintf("farm-lsp: initializationOptions for %s: %v", p, err), true)
			}
		}
		c.setupTrust(r)
		c.log.Info("lsp: workspace root", "root", p)
		if start {
			c.startEngine(r)
		}
	}
}

// newEngine calls Options.NewEngine, turning a panic into an error.
func (c *conn) newEngine(root string) (eng coordinator.Engine, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("NewEngine panicked: %v", r)
		}
	}()
	eng, err = c.opts.NewEngine(root)
	if err == nil && eng == nil {
		err = fmt.Errorf("NewEngine returned no engine")
	}
	return eng, err
}

// removeFolder closes the roots at or below a removed workspace folder.
func (c *conn) removeFolder(folder string) {
	for _, r := range c.st.rootList() {
		if within(r.path, folder) {
			if rr := c.st.removeRoot(r.path); rr != nil {
				c.closeEngine(rr)
			}
		}
	}
}

// startEngine runs Engine.Start in the background with the connection's
// context, once per root.
func (c *conn) startEngine(r *root) {
	c.st.mu.Lock()
	if r.started || r.closed {
		c.st.mu.Unlock()
		return
	}
	r.started = true
	c.st.mu.Unlock()
	sink := &rootSink{n: c.notes, root: r.path}
	c.goBackground("start engine "+r.path, func() {
		if err := r.engine.Start(c.ctx, sink); err != nil && c.ctx.Err() == nil {
			c.log.Error("lsp: engine start failed", "root", r.path, "error", err)
			c.notes.message(slog.LevelError, fmt.Sprintf("farm-lsp: %s: %v", r.path, err), true)
		}
	})
}

// closeEngines closes every root's engine (idempotent).
func (c *conn) closeEngines() {
	for _, r := range c.st.rootList() {
		c.closeEngine(r)
	}
}

func (c *conn) closeEngine(r *root) {
	c.st.mu.Lock()
	if r.closed {
		c.st.mu.Unlock()
		return
	}
	r.closed = true
	c.st.mu.Unlock()
	defer func() {
		if p := recover(); p != nil {
			c.log.Error("lsp: panic closing engine", "root", r.path, "panic", p)
		}
	}()
	if err := r.engine.Close(); err != nil {
		c.log.Warn("lsp: closing engine", "root", r.path, "error", err)
	}
}

// safeCommands is Engine.Commands with a panic recovered.
func safeCommands(c *conn, r *root) (out []string) {
	defer func() {
		if p := recover(); p != nil {
			c.log.Error("lsp: panic in Commands", "root", r.path, "panic", p)
			out = nil
		}
	}()
	return slices.Clone(r.engine.Commands())
}
