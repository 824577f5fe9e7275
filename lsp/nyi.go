package lsp

import (
	"context"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
)

// nyi holds every protocol.Server method farm-lsp does not implement. The
// server type embeds it and overrides what it supports; each stub answers
// MethodNotFound (notifications are dropped by jsonrpc2).
type nyi struct{}

var _ protocol.Server = nyi{}

func notImplemented(method string) error {
	return jsonrpc2.NewError(jsonrpc2.MethodNotFound, method+": not implemented by farm-lsp")
}

// Initialize is not implemented.
func (nyi) Initialize(context.Context, *protocol.InitializeParams) (*protocol.InitializeResult, error) {
	return nil, notImplemented("Initialize")
}

// Initialized is not implemented.
func (nyi) Initialized(context.Context, *protocol.InitializedParams) error {
	return notImplemented("Initialized")
}

// Shutdown is not implemented.
func (nyi) Shutdown(context.Context) error { return notImplemented("Shutdown") }

// Exit is not implemented.
func (nyi) Exit(context.Context) error { return notImplemented("Exit") }

// WorkDoneProgressCancel is not implemented.
func (nyi) WorkDoneProgressCancel(context.Context, *protocol.WorkDoneProgressCancelParams) error {
	return notImplemented("WorkDoneProgressCancel")
}

// LogTrace is not implemented.
func (nyi) LogTrace(context.Context, *protocol.LogTraceParams) error {
	return notImplemented("LogTrace")
}

// SetTrace is not implemented.
func (nyi) SetTrace(context.Context, *protocol.SetTraceParams) error {
	return notImplemented("SetTrace")
}

// CodeAction is not implemented.
func (nyi) CodeAction(context.Context, *protocol.CodeActionParams) ([]protocol.CodeAction, error) {
	return nil, notImplemented("CodeAction")
}

// CodeLens is not implemented.
func (nyi) CodeLens(context.Context, *protocol.CodeLensParams) ([]protocol.CodeLens, error) {
	return nil, notImplemented("CodeLens")
}

// CodeLensResolve is not implemented.
func (nyi) CodeLensResolve(context.Context, *protocol.CodeLens) (*protocol.CodeLens, error) {
	return nil, notImplemented("CodeLensResolve")
}

// ColorPresentation is not implemented.
func (nyi) ColorPresentation(context.Context, *protocol.ColorPresentationParams) ([]protocol.ColorPresentation, error) {
	return nil, notImplemented("ColorPresentation")
}

// Completion is not implemented.
func (nyi) Completion(context.Context, *protocol.CompletionParams) (*protocol.CompletionList, error) {
	return nil, notImplemented("Completion")
}

// CompletionResolve is not implemented.
func (nyi) CompletionResolve(context.Context, *protocol.CompletionItem) (*protocol.CompletionItem, error) {
	return nil, notImplemented("CompletionResolve")
}

// Declaration is not implemented.
func (nyi) Declaration(context.Context, *protocol.DeclarationParams) ([]protocol.Location, error) {
	return nil, notImplemented("Declaration")
}

// Definition is not implemented.
func (nyi) Definition(context.Context, *protocol.DefinitionParams) ([]protocol.Location, error) {
	return nil, notImplemented("Definition")
}

// DidChange is not implemented.
func (nyi) DidChange(context.Context, *protocol.DidChangeTextDocumentParams) error {
	return notImplemented("DidChange")
}

// DidChangeConfiguration is not implemented.
func (nyi) DidChangeConfiguration(context.Context, *protocol.DidChangeConfigurationParams) error {
	return notImplemented("DidChangeConfiguration")
}

// DidChangeWatchedFiles is not implemented.
func (nyi) DidChangeWatchedFiles(context.Context, *protocol.DidChangeWatchedFilesParams) error {
	return notImplemented("DidChangeWatchedFiles")
}

// DidChangeWorkspaceFolders is not implemented.
func (nyi) DidChangeWorkspaceFolders(context.Context, *protocol.DidChangeWorkspaceFoldersParams) error {
	return notImplemented("DidChangeWorkspaceFolders")
}

// DidClose is not implemented.
func (nyi) DidClose(context.Context, *protocol.DidCloseTextDocumentParams) error {
	return notImplemented("DidClose")
}

// DidOpen is not implemented.
func (nyi) DidOpen(context.Context, *protocol.DidOpenTextDocumentParams) error {
	return notImplemented("DidOpen")
}

// DidSave is not implemented.
func (nyi) DidSave(context.Context, *protocol.DidSaveTextDocumentParams) error {
	return notImplemented("DidSave")
}

// DocumentColor is not implemented.
func (nyi) DocumentColor(context.Context, *protocol.DocumentColorParams) ([]protocol.ColorInformation, error) {
	return nil, notImplemented("DocumentColor")
}

// DocumentHighlight is not implemented.
func (nyi) DocumentHighlight(context.Context, *protocol.DocumentHighlightParams) ([]protocol.DocumentHighlight, error) {
	return nil, notImplemented("DocumentHighlight")
}

// DocumentLink is not implemented.
func (nyi) DocumentLink(context.Context, *protocol.DocumentLinkParams) ([]protocol.DocumentLink, error) {
	return nil, notImplemented("DocumentLink")
}

// DocumentLinkResolve is not implemented.
func (nyi) DocumentLinkResolve(context.Context, *protocol.DocumentLink) (*protocol.DocumentLink, error) {
	return nil, notImplemented("DocumentLinkResolve")
}

// DocumentSymbol is not implemented.
func (nyi) DocumentSymbol(context.Context, *protocol.DocumentSymbolParams) ([]interface{}, error) {
	return nil, notImplemented("DocumentSymbol")
}

// ExecuteCommand is not implemented.
func (nyi) ExecuteCommand(context.Context, *protocol.ExecuteCommandParams) (interface{}, error) {
	return nil, notImplemented("ExecuteCommand")
}

// FoldingRanges is not implemented.
func (nyi) FoldingRanges(context.Context, *protocol.FoldingRangeParams) ([]protocol.FoldingRange, error) {
	return nil, notImplemented("FoldingRanges")
}

// Formatting is not implemented.
func (nyi) Formatting(context.Context, *protocol.DocumentFormattingParams) ([]protocol.TextEdit, error) {
	return nil, notImplemented("Formatting")
}

// Hover is not implemented.
func (nyi) Hover(context.Context, *protocol.HoverParams) (*protocol.Hover, error) {
	return nil, notImplemented("Hover")
}

// Implementation is not implemented.
func (nyi) Implementation(context.Context, *protocol.ImplementationParams) ([]protocol.Location, error) {
	return nil, notImplemented("Implementation")
}

// OnTypeFormatting is not implemented.
func (nyi) OnTypeFormatting(context.Context, *protocol.DocumentOnTypeFormattingParams) ([]protocol.TextEdit, error) {
	return nil, notImplemented("OnTypeFormatting")
}

// PrepareRename is not implemented.
func (nyi) PrepareRename(context.Context, *protocol.PrepareRenameParams) (*protocol.Range, error) {
	return nil, notImplemented("PrepareRename")
}

// RangeFormatting is not implemented.
func (nyi) RangeFormatting(context.Context, *protocol.DocumentRangeFormattingParams) ([]protocol.TextEdit, error) {
	return nil, notImplemented("RangeFormatting")
}

// References is not implemented.
func (nyi) References(context.Context, *protocol.ReferenceParams) ([]protocol.Location, error) {
	return nil, notImplemented("References")
}

// Rename is not implemented.
func (nyi) Rename(context.Context, *protocol.RenameParams) (*protocol.WorkspaceEdit, error) {
	return nil, notImplemented("Rename")
}

// SignatureHelp is not implemented.
func (nyi) SignatureHelp(context.Context, *protocol.SignatureHelpParams) (*protocol.SignatureHelp, error) {
	return nil, notImplemented("SignatureHelp")
}

// Symbols is not implemented.
func (nyi) Symbols(context.Context, *protocol.WorkspaceSymbolParams) ([]protocol.SymbolInformation, error) {
	return nil, notImplemented("Symbols")
}

// TypeDefinition is not implemented.
func (nyi) TypeDefinition(context.Context, *protocol.TypeDefinitionParams) ([]protocol.Location, error) {
	return nil, notImplemented("TypeDefinition")
}

// WillSave is not implemented.
func (nyi) WillSave(context.Context, *protocol.WillSaveTextDocumentParams) error {
	return notImplemented("WillSave")
}

// WillSaveWaitUntil is not implemented.
func (nyi) WillSaveWaitUntil(context.Context, *protocol.WillSaveTextDocumentParams) ([]protocol.TextEdit, error) {
	return nil, notImplemented("WillSaveWaitUntil")
}

// ShowDocument is not implemented.
func (nyi) ShowDocument(context.Context, *protocol.ShowDocumentParams) (*protocol.ShowDocumentResult, error) {
	return nil, notImplemented("ShowDocument")
}

// WillCreateFiles is not implemented.
func (nyi) WillCreateFiles(context.Context, *protocol.CreateFilesParams) (*protocol.WorkspaceEdit, error) {
	return nil, notImplemented("WillCreateFiles")
}

// DidCreateFiles is not implemented.
func (nyi) DidCreateFiles(context.Context, *protocol.CreateFilesParams) error {
	return notImplemented("DidCreateFiles")
}

// WillRenameFiles is not implemented.
func (nyi) WillRenameFiles(context.Context, *protocol.RenameFilesParams) (*protocol.WorkspaceEdit, error) {
	return nil, notImplemented("WillRenameFiles")
}

// DidRenameFiles is not implemented.
func (nyi) DidRenameFiles(context.Context, *protocol.RenameFilesParams) error {
	return notImplemented("DidRenameFiles")
}

// WillDeleteFiles is not implemented.
func (nyi) WillDeleteFiles(context.Context, *protocol.DeleteFilesParams) (*protocol.WorkspaceEdit, error) {
	return nil, notImplemented("WillDeleteFiles")
}

// DidDeleteFiles is not implemented.
func (nyi) DidDeleteFiles(context.Context, *protocol.DeleteFilesParams) error {
	return notImplemented("DidDeleteFiles")
}

// CodeLensRefresh is not implemented.
func (nyi) CodeLensRefresh(context.Context) error { return notImplemented("CodeLensRefresh") }

// PrepareCallHierarchy is not implemented.
func (nyi) PrepareCallHierarchy(context.Context, *protocol.CallHierarchyPrepareParams) ([]protocol.CallHierarchyItem, error) {
	return nil, notImplemented("PrepareCallHierarchy")
}

// IncomingCalls is not implemented.
func (nyi) IncomingCalls(context.Context, *protocol.CallHierarchyIncomingCallsParams) ([]protocol.CallHierarchyIncomingCall, error) {
	return nil, notImplemented("IncomingCalls")
}

// OutgoingCalls is not implemented.
func (nyi) OutgoingCalls(context.Context, *protocol.CallHierarchyOutgoingCallsParams) ([]protocol.CallHierarchyOutgoingCall, error) {
	return nil, notImplemented("OutgoingCalls")
}

// SemanticTokensFull is not implemented.
func (nyi) SemanticTokensFull(context.Context, *protocol.SemanticTokensParams) (*protocol.SemanticTokens, error) {
	return nil, notImplemented("SemanticTokensFull")
}

// SemanticTokensFullDelta is not implemented.
func (nyi) SemanticTokensFullDelta(context.Context, *protocol.SemanticTokensDeltaParams) (interface{}, error) {
	return nil, notImplemented("SemanticTokensFullDelta")
}

// SemanticTokensRange is not implemented.
func (nyi) SemanticTokensRange(context.Context, *protocol.SemanticTokensRangeParams) (*protocol.SemanticTokens, error) {
	return nil, notImplemented("SemanticTokensRange")
}

// SemanticTokensRefresh is not implemented.
func (nyi) SemanticTokensRefresh(context.Context) error {
	return notImplemented("SemanticTokensRefresh")
}

// LinkedEditingRange is not implemented.
func (nyi) LinkedEditingRange(context.Context, *protocol.LinkedEditingRangeParams) (*protocol.LinkedEditingRanges, error) {
	return nil, notImplemented("LinkedEditingRange")
}

// Moniker is not implemented.
func (nyi) Moniker(context.Context, *protocol.MonikerParams) ([]protocol.Moniker, error) {
	return nil, notImplemented("Moniker")
}

// Request is not implemented.
func (nyi) Request(context.Context, string, interface{}) (interface{}, error) {
	return nil, notImplemented("Request")
}
