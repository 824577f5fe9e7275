package lsp

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
)

// Commands are the workspace/executeCommand commands announced at
// initialize (LSP.md); engines answer the ones they do not support with an
// error.
var Commands = []string{
	"farm.status",
	"farm.toggle",
	"farm.regenerate",
	"farm.retry",
	"farm.restartBackend",
	"farm.applyMigration",
	"farm.pullModel",
}

// watchGlob is the pattern registered for workspace/didChangeWatchedFiles.
const watchGlob = "**/*.{py,ts,tsx,json}"

// registerTimeout bounds the wait for client/registerCapability's answer
// (on its own goroutine; nothing waits behind it).
const registerTimeout = 30 * time.Second

// watchRegistrationID identifies the dynamic registration.
const watchRegistrationID = "farm-lsp/watched-files"

// server is the protocol.Server: thin adapters from LSP params to the
// connection's engines. Unimplemented methods come from nyi.
type server struct {
	nyi
	c *conn
}

var _ protocol.Server = (*server)(nil)

// Initialize records the client, finds the workspace roots and creates one
// engine per root (started on initialized).
func (s *server) Initialize(_ context.Context, params *protocol.InitializeParams) (*protocol.InitializeResult, error) {
	c := s.c
	caps := clientCaps{}
	if w := params.Capabilities.Window; w != nil {
		caps.workDoneProgress = w.WorkDoneProgress
	}
	if w := params.Capabilities.Workspace; w != nil && w.DidChangeWatchedFiles != nil {
		caps.dynamicWatch = w.DidChangeWatchedFiles.DynamicRegistration
	}
	var initOpts json.RawMessage
	if params.InitializationOptions != nil {
		b, err := json.Marshal(params.InitializationOptions)
		// null, {} and [] (what Neovim's Lua sends for an empty table)
		// carry nothing to configure.
		if err == nil && string(b) != "null" && string(b) != "{}" && string(b) != "[]" {
			initOpts = b
		}
	}
	folders := workspaceFolders(params)
	c.st.mu.Lock()
	c.st.caps = caps
	c.st.initOpts = initOpts
	c.st.folders = folders
	c.st.mu.Unlock()

	for _, f := range folders {
		c.addFolder(f, false)
	}
	commands := slices.Clone(Commands)
	for _, r := range c.st.rootList() {
		for _, cmd := range safeCommands(c, r) {
			if !slices.Contains(commands, cmd) {
				commands = append(commands, cmd)
			}
		}
	}
	c.st.setPhase(phaseRunning)
	c.log.Info("lsp: initialized", "folders", folders, "roots", len(c.st.rootList()), "progress", caps.workDoneProgress)

	return &protocol.InitializeResult{
		Capabilities: protocol.ServerCapabilities{
			TextDocumentSync: &protocol.TextDocumentSyncOptions{
				OpenClose: true,
				Change:    protocol.TextDocumentSyncKindFull,
				Save:      &protocol.SaveOptions{IncludeText: true},
			},
			CodeActionProvider: &protocol.CodeActionOptions{
				CodeActionKinds: []protocol.CodeActionKind{protocol.QuickFix, protocol.Source},
			},
			ExecuteCommandProvider: &protocol.ExecuteCommandOptions{Commands: commands},
			Workspace: &protocol.ServerCapabilitiesWorkspace{
				WorkspaceFolders: &protocol.ServerCapabilitiesWorkspaceFolders{
					Supported:           true,
					ChangeNotifications: true,
				},
			},
		},
		ServerInfo: &protocol.ServerInfo{Name: "farm-lsp", Version: c.opts.Version},
	}, nil
}

// workspaceFolders returns the folders as paths: workspaceFolders, else
// rootUri, else rootPath.
func workspaceFolders(params *protocol.InitializeParams) []string {
	var out []string
	for _, f := range params.WorkspaceFolders {
		if p, ok := PathFromURI(f.URI); ok && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	if len(out) > 0 {
		return out
	}
	if p, ok := PathFromURI(string(params.RootURI)); ok {
		return []string{p}
	}
	if params.RootPath != "" {
		if p, ok := PathFromURI(URIFromPath(params.RootPath)); ok {
			return []string{p}
		}
	}
	return nil
}

// Initialized starts the engines and registers for watched-file events
// when the client can take a dynamic registration.
func (s *server) Initialized(context.Context, *protocol.InitializedParams) error {
	c := s.c
	for _, r := range c.st.rootList() {
		c.startEngine(r)
	}
	if c.st.capabilities().dynamicWatch {
		c.goBackground("register watched files", c.registerWatch)
	}
	return nil
}

// registerWatch asks the client to send didChangeWatchedFiles for the
// files the engine cares about. WatchKind is a float64 and GlobPattern a
// plain string in this library (pitfall 7).
func (c *conn) registerWatch() {
	params := &protocol.RegistrationParams{Registrations: []protocol.Registration{{
		ID:     watchRegistrationID,
		Method: protocol.MethodWorkspaceDidChangeWatchedFiles,
		RegisterOptions: protocol.DidChangeWatchedFilesRegistrationOptions{
			Watchers: []protocol.FileSystemWatcher{{
				GlobPattern: watchGlob,
				Kind:        protocol.WatchKindCreate + protocol.WatchKindChange + protocol.WatchKindDelete,
			}},
		},
	}}}
	ctx, cancel := context.WithTimeout(c.ctx, registerTimeout)
	defer cancel()
	_, err := c.rpc.Call(ctx, protocol.MethodClientRegisterCapability, params, nil)
	c.st.mu.Lock()
	c.st.watchRegistered = err == nil
	c.st.mu.Unlock()
	if err != nil {
		c.log.Warn("lsp: client refused didChangeWatchedFiles registration", "error", err)
		return
	}
	c.log.Debug("lsp: registered didChangeWatchedFiles", "glob", watchGlob)
}

// Shutdown closes every engine; later requests get InvalidRequest.
func (s *server) Shutdown(context.Context) error {
	s.c.st.setPhase(phaseShutdown)
	s.c.closeEngines()
	return nil
}

// Exit ends the connection. The exit code (ExitCode) is 0 only when
// shutdown came first.
func (s *server) Exit(context.Context) error {
	s.c.st.setPhase(phaseExited)
	s.c.closeEngines()
	s.c.exitOnce.Do(func() { close(s.c.exited) }) // Serve returns
	return nil
}

// SetTrace accepts $/setTrace (farm-lsp logs through slog regardless).
func (s *server) SetTrace(context.Context, *protocol.SetTraceParams) error { return nil }

// WorkDoneProgressCancel is accepted; plans are not cancellable from the UI.
func (s *server) WorkDoneProgressCancel(context.Context, *protocol.WorkDoneProgressCancelParams) error {
	return nil
}

// DidChangeConfiguration passes settings to every engine's Configure.
func (s *server) DidChangeConfiguration(_ context.Context, params *protocol.DidChangeConfigurationParams) error {
	if params.Settings == nil {
		return nil
	}
	b, err := json.Marshal(params.Settings)
	if err != nil {
		return jsonrpc2.NewError(jsonrpc2.InvalidParams, err.Error())
	}
	for _, r := range s.c.st.rootList() {
		if err := r.engine.Configure(b); err != nil {
			s.c.log.Warn("lsp: configure failed", "root", r.path, "error", err)
			s.c.notes.message(slog.LevelWarn, fmt.Sprintf("farm-lsp: settings for %s: %v", r.path, err), true)
		}
	}
	return nil
}

// DidChangeWorkspaceFolders adds and removes roots.
func (s *server) DidChangeWorkspaceFolders(_ context.Context, params *protocol.DidChangeWorkspaceFoldersParams) error {
	c := s.c
	for _, f := range params.Event.Removed {
		if p, ok := PathFromURI(f.URI); ok {
			c.removeFolder(p)
		}
	}
	for _, f := range params.Event.Added {
		if p, ok := PathFromURI(f.URI); ok {
			c.addFolder(p, true)
		}
	}
	return nil
}

// Request answers custom methods that reach protocol.ServerHandler's
// fallback (pitfall 9). farm/status is routed before that; anything else
// is unknown.
func (s *server) Request(_ context.Context, method string, _ any) (any, error) {
	if method == MethodStatus {
		return s.c.status(), nil
	}
	return nil, jsonrpc2.NewError(jsonrpc2.MethodNotFound, method+": method not found")
}
