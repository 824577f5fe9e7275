// Package nvim holds the Neovim plugin for farm-lsp (Lua, under lua/,
// plugin/ and doc/) and the Go test that drives it end to end with a
// headless Neovim against the built server. It has no Go API.
package nvim
