-- Defines the :Farm* commands; attaching to buffers starts with
-- require('farm').setup({}) (see :help farm).
if vim.g.loaded_farm then
  return
end
vim.g.loaded_farm = true

if vim.fn.has('nvim-0.7') ~= 1 then
  vim.notify('farm.nvim needs Neovim 0.7 or later', vim.log.levels.ERROR)
  return
end

require('farm').create_commands()
