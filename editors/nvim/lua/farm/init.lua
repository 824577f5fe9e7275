-- farm.nvim: attaches farm-lsp to Python, TypeScript and TSX buffers under a
-- directory holding farm.config.ts, reports reloads with vim.notify and maps
-- :FarmRegenerate, :FarmStatus, :FarmRetry, :FarmRestartBackend, :FarmToggle
-- and :FarmTrust to the server's commands. Works on Neovim 0.7 (start_client +
-- buf_attach_client) and 0.8+ (vim.lsp.start).
local format = require('farm.format')

local M = {}

local defaults = {
  -- The server command; '--log-file', '--log-level' may be appended.
  cmd = { 'farm-lsp', 'serve' },
  filetypes = { 'python', 'typescript', 'typescriptreact' },
  root_markers = { 'farm.config.ts' },
  -- Sent as initializationOptions: the shape of farm.config.ts, merged over
  -- it, e.g. { development = { hotReload = { enabled = false } } }. nil: the
  -- project's farm.config.ts rules.
  init_options = nil,
  -- Notification levels (false: none). plan: each plan with tasks (off by
  -- default: Neovim 0.7's vim.notify echoes every level, and a second
  -- message right after ":w" written makes a hit-enter prompt). result: one
  -- line per reload that ran tasks; a failure is always ERROR, with a line
  -- per task.
  notify = { plan = false, result = vim.log.levels.INFO },
  on_attach = nil,
  capabilities = nil,
  -- Names under which a farm-lsp client may run (ours and nvim-lspconfig's).
  client_names = { 'farm-lsp', 'farm_lsp' },
}

M.config = vim.deepcopy(defaults)

-- State other code (statusline, tests) may read.
M.state = {
  plans = {}, -- planId -> plan (bounded)
  plan_order = {},
  last_plan = nil,
  last_result = nil, -- the last farm/reloadResult that ran tasks
  results = {}, -- every result received, oldest first (bounded)
  task_results = {}, -- planId -> farm/taskResult tasks in arrival order (bounded)
  task_order = {},
  inflight = {}, -- planIds with tasks whose farm/reloadResult has not come yet
  requests = {}, -- window/showMessageRequest: { message, actions, answer } (bounded)
  responses = {}, -- command -> { err = ..., result = ... } of the last :Farm* command
  last_status = nil,
  last_status_lines = nil, -- the lines :FarmStatus showed last
  clients = {}, -- root -> client id (Neovim 0.7 path)
}

local MAX_KEEP = 50

-- Whether vim.ui.select is Neovim's own (defined in $VIMRUNTIME/lua/vim/ui.lua,
-- not replaced by a picker plugin or a script): without a UI it waits for
-- typed input forever.
local function builtin_select()
  local info = debug.getinfo(vim.ui.select, 'S')
  local src = info and info.source or ''
  return src:match('vim[/\\]ui%.lua$') ~= nil
end

local function notify(msg, level)
  if level == nil or level == false then
    return
  end
  vim.schedule(function()
    vim.notify('FARM: ' .. msg, level)
  end)
end

local function exec_user_autocmd(pattern)
  if vim.api.nvim_exec_autocmds then
    pcall(vim.api.nvim_exec_autocmds, 'User', { pattern = pattern, modeline = false })
  else
    pcall(vim.cmd, 'doautocmd <nomodeline> User ' .. pattern)
  end
end

local function is_file(path)
  local st = (vim.uv or vim.loop).fs_stat(path)
  return st ~= nil and st.type == 'file'
end

--- The nearest ancestor directory of path (a file or directory) that holds
--- one of the root markers, or nil.
function M.find_root(path, markers)
  markers = markers or M.config.root_markers
  if not path or path == '' then
    return nil
  end
  local dir = vim.fn.fnamemodify(path, ':p')
  if not (vim.fn.isdirectory(dir) == 1) then
    dir = vim.fn.fnamemodify(dir, ':h')
  end
  dir = dir:gsub('/+$', '')
  if dir == '' then
    dir = '/'
  end
  while true do
    for _, marker in ipairs(markers) do
      if is_file((dir == '/' and '' or dir) .. '/' .. marker) then
        return dir
      end
    end
    local parent = vim.fn.fnamemodify(dir, ':h')
    if parent == dir or parent == '' then
      return nil
    end
    dir = parent
  end
end

local function remember_plan(plan)
  if type(plan.planId) ~= 'string' then
    return
  end
  if not M.state.plans[plan.planId] then
    table.insert(M.state.plan_order, plan.planId)
  end
  M.state.plans[plan.planId] = plan
  while #M.state.plan_order > MAX_KEEP do
    M.state.plans[table.remove(M.state.plan_order, 1)] = nil
  end
end

local function remove_inflight(plan_id)
  for i = #M.state.inflight, 1, -1 do
    if M.state.inflight[i] == plan_id then
      table.remove(M.state.inflight, i)
    end
  end
end

local function remember_task(plan_id, task)
  local list = M.state.task_results[plan_id]
  if not list then
    list = {}
    M.state.task_results[plan_id] = list
    table.insert(M.state.task_order, plan_id)
    while #M.state.task_order > MAX_KEEP do
      M.state.task_results[table.remove(M.state.task_order, 1)] = nil
    end
  end
  table.insert(list, task)
end

-- Answers window/showMessageRequest (the server asks before its first side
-- effect in an untrusted workspace) through vim.ui.select, so pickers that
-- replace it (dressing.nvim, telescope-ui-select) show the question. On
-- Neovim 0.10+ the request handler runs in a coroutine and may wait for an
-- asynchronous picker; before that a handler must answer at once, so only a
-- picker that answers synchronously (the built-in one) counts. Without any
-- UI (headless) the built-in picker would wait forever: the answer is "no
-- choice" and :FarmTrust allows later.
local function message_request(_, params)
  if type(params) ~= 'table' then
    return vim.NIL
  end
  local message = type(params.message) == 'string' and params.message or ''
  local actions = {}
  for _, a in ipairs(type(params.actions) == 'table' and params.actions or {}) do
    if type(a) == 'table' and type(a.title) == 'string' then
      table.insert(actions, a)
    end
  end
  local req = { message = message, actions = actions }
  table.insert(M.state.requests, req)
  while #M.state.requests > MAX_KEEP do
    table.remove(M.state.requests, 1)
  end
  local function answer(action)
    req.answer = action or vim.NIL
    exec_user_autocmd('FarmRequest')
    return req.answer
  end
  if #actions == 0 then
    notify(message, vim.log.levels.INFO)
    return answer(nil)
  end
  if #vim.api.nvim_list_uis() == 0 and builtin_select() then
    notify(message .. '\n(no UI to answer; :FarmTrust allows the workspace)', vim.log.levels.WARN)
    return answer(nil)
  end
  local co, is_main = coroutine.running()
  local can_wait = co ~= nil and not is_main
  local answered, waiting, choice = false, false, nil
  vim.ui.select(actions, {
    prompt = 'farm-lsp: ' .. message,
    kind = 'farm-lsp.request',
    format_item = function(a)
      return (a.title:gsub('\r?\n', ' '))
    end,
  }, function(item)
    if answered then
      return
    end
    answered, choice = true, item
    if waiting then
      vim.schedule(function()
        coroutine.resume(co)
      end)
    end
  end)
  if not answered then
    if not can_wait then
      answered = true -- a late pick is ignored: the server has its answer
      notify('the request had to be answered before the picker did: answered "no choice" (:FarmTrust allows the workspace)',
        vim.log.levels.WARN)
      return answer(nil)
    end
    waiting = true
    coroutine.yield()
  end
  return answer(choice)
end

--- Handlers for the custom notifications and window/showMessageRequest;
--- also for nvim-lspconfig users.
function M.handlers()
  return {
    ['farm/reloadPlan'] = function(_, plan)
      if type(plan) ~= 'table' then
        return
      end
      remember_plan(plan)
      M.state.last_plan = plan
      local tasks = type(plan.tasks) == 'table' and plan.tasks or {}
      if #tasks > 0 then
        if type(plan.planId) == 'string' then
          table.insert(M.state.inflight, plan.planId)
          while #M.state.inflight > MAX_KEEP do
            table.remove(M.state.inflight, 1)
          end
        end
        notify(format.plan_summary(plan), M.config.notify.plan)
      end
      exec_user_autocmd('FarmReloadPlan')
    end,
    ['farm/taskResult'] = function(_, params)
      if type(params) ~= 'table' or type(params.planId) ~= 'string' or type(params.task) ~= 'table' then
        return
      end
      remember_task(params.planId, params.task)
      exec_user_autocmd('FarmTaskResult')
    end,
    ['farm/reloadResult'] = function(_, result)
      if type(result) ~= 'table' then
        return
      end
      table.insert(M.state.results, result)
      while #M.state.results > MAX_KEEP do
        table.remove(M.state.results, 1)
      end
      remove_inflight(result.planId)
      local tasks = type(result.tasks) == 'table' and result.tasks or {}
      if #tasks == 0 then
        exec_user_autocmd('FarmReloadResult')
        return -- nothing was reloaded: no message, the statusline keeps the last reload
      end
      M.state.last_result = result
      local summary, failed = format.result_summary(result)
      local plan = M.state.plans[result.planId]
      local msg = summary
      if failed then
        msg = msg .. '\n' .. table.concat(format.result_lines(result, plan), '\n')
      end
      local level = M.config.notify.result
      if failed and level then
        level = vim.log.levels.ERROR
      end
      notify(msg, level)
      exec_user_autocmd('FarmReloadResult')
    end,
    ['window/showMessageRequest'] = message_request,
  }
end

-- The newest plan still running, or nil.
local function running_plan()
  for i = #M.state.inflight, 1, -1 do
    local plan = M.state.plans[M.state.inflight[i]]
    if plan then
      return plan
    end
  end
  return nil
end

--- Statusline component: while a reload runs, its progress from
--- farm/taskResult ("⟳ 1/4 ✓ type-generation"); then "✓ 14 ms", "✗ failed";
--- "FARM" before the first reload.
function M.statusline()
  local plan = running_plan()
  if plan then
    return format.running_statusline(plan, M.state.task_results[plan.planId])
  end
  return format.statusline(M.state.last_result)
end

local function is_farm_client(client)
  for _, name in ipairs(M.config.client_names) do
    if client.name == name then
      return true
    end
  end
  return false
end

--- The farm-lsp client of bufnr (or of the current buffer), else the only
--- running one.
function M.get_client(bufnr)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  local get = vim.lsp.get_clients or vim.lsp.get_active_clients
  local attached
  if vim.lsp.get_clients then
    attached = vim.lsp.get_clients({ bufnr = bufnr }) -- 0.10+
  else
    attached = vim.lsp.buf_get_clients(bufnr) -- 0.7-0.9
  end
  for _, client in pairs(attached or {}) do
    if is_farm_client(client) then
      return client
    end
  end
  local found
  for _, client in pairs(get()) do
    if is_farm_client(client) then
      if found then
        return nil -- several roots and the buffer belongs to none: ambiguous
      end
      found = client
    end
  end
  return found
end

-- client:request on 0.11+ (the dot form is deprecated there), client.request before.
local function request(client, method, params, handler, bufnr)
  if vim.fn.has('nvim-0.11') == 1 then
    return client:request(method, params, handler, bufnr)
  end
  return client.request(method, params, handler, bufnr)
end

local function no_client()
  notify('no farm-lsp client for this buffer (open a file under a folder with farm.config.ts)', vim.log.levels.WARN)
end

--- Runs a farm.* command through workspace/executeCommand. on_done(err,
--- result) is called with the reply (after it is recorded in
--- M.state.responses[command]).
function M.execute(command, args, on_done)
  local client = M.get_client()
  if not client then
    no_client()
    return false
  end
  M.state.responses[command] = nil
  request(client, 'workspace/executeCommand', { command = command, arguments = args or {} }, function(err, result)
    M.state.responses[command] = { err = err, result = result }
    if err then
      notify(command .. ' failed: ' .. tostring(err.message or err), vim.log.levels.ERROR)
    elseif on_done == nil then
      local text, is_error = format.command_message(command, result)
      notify(text or (command .. ' done'), is_error and vim.log.levels.ERROR or vim.log.levels.INFO)
    end
    if on_done then
      on_done(err, result)
    end
  end, vim.api.nvim_get_current_buf())
  return true
end

--- Requests farm/status and shows it; on_done(err, status) after recording.
function M.status(on_done)
  local client = M.get_client()
  if not client then
    no_client()
    return false
  end
  M.state.last_status = nil
  request(client, 'farm/status', vim.empty_dict and vim.empty_dict() or {}, function(err, status)
    if err then
      M.state.responses['farm/status'] = { err = err }
      notify('status failed: ' .. tostring(err.message or err), vim.log.levels.ERROR)
    elseif type(status) == 'table' then
      M.state.last_status = status
      M.state.responses['farm/status'] = { result = status }
      local lines = format.status_lines(status)
      local plan = running_plan()
      if plan then
        vim.list_extend(lines, format.running_lines(plan, M.state.task_results[plan.planId]))
      end
      M.state.last_status_lines = lines
      notify(table.concat(lines, '\n'), vim.log.levels.INFO)
    end
    if on_done then
      on_done(err, status)
    end
  end, vim.api.nvim_get_current_buf())
  return true
end

local commands = {
  FarmRegenerate = { 'farm.regenerate', 'Regenerate TypeScript types, API client and hooks' },
  FarmRetry = { 'farm.retry', 'Retry the failed tasks of the last reload' },
  FarmRestartBackend = { 'farm.restartBackend', 'Restart the managed backend' },
  FarmToggle = { 'farm.toggle', 'Enable or disable hot reload' },
  FarmTrust = { 'farm.trust', 'Trust this workspace: allow farm-lsp to run its backend, migrations and pulls' },
}

--- Defines the :Farm* user commands (idempotent).
function M.create_commands()
  for name, spec in pairs(commands) do
    vim.api.nvim_create_user_command(name, function()
      if spec[1] == 'farm.toggle' then
        M.execute('farm.toggle', {}, function(err)
          if not err then
            M.status(function(_, status)
              if type(status) == 'table' then
                notify('hot reload ' .. (status.enabled and 'enabled' or 'disabled'), vim.log.levels.INFO)
              end
            end)
          end
        end)
      else
        M.execute(spec[1])
      end
    end, { desc = spec[2], force = true })
  end
  vim.api.nvim_create_user_command('FarmStatus', function()
    M.status()
  end, { desc = 'Show farm-lsp reload status and metrics', force = true })
end

local function client_config(root)
  local cfg = M.config
  local capabilities = cfg.capabilities or vim.lsp.protocol.make_client_capabilities()
  return {
    name = 'farm-lsp',
    cmd = cfg.cmd,
    cmd_cwd = root,
    root_dir = root,
    workspace_folders = { { uri = vim.uri_from_fname(root), name = vim.fn.fnamemodify(root, ':t') } },
    init_options = cfg.init_options,
    capabilities = capabilities,
    handlers = M.handlers(),
    on_attach = cfg.on_attach,
    on_exit = function()
      M.state.clients[root] = nil
      M.state.inflight = {} -- no result will come for them
    end,
  }
end

--- Attaches farm-lsp to bufnr when it lies under a farm root. Returns the
--- client id or nil.
function M.attach(bufnr)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  if vim.bo[bufnr].buftype ~= '' then
    return nil
  end
  local name = vim.api.nvim_buf_get_name(bufnr)
  local root = M.find_root(name)
  if not root then
    return nil
  end
  if vim.lsp.start then
    -- Neovim 0.8+: reuses the client with the same name and root_dir.
    return vim.lsp.start(client_config(root), { bufnr = bufnr })
  end
  -- Neovim 0.7.
  local id = M.state.clients[root]
  if id and vim.lsp.client_is_stopped(id) then
    id = nil
  end
  if not id then
    id = vim.lsp.start_client(client_config(root))
    if not id then
      notify('could not start ' .. table.concat(M.config.cmd, ' '), vim.log.levels.ERROR)
      return nil
    end
    M.state.clients[root] = id
  end
  vim.lsp.buf_attach_client(bufnr, id)
  return id
end

local augroup

--- setup(opts): merges opts into the defaults, defines the commands and
--- attaches to matching buffers (already open ones too).
function M.setup(opts)
  M.config = vim.tbl_deep_extend('force', vim.deepcopy(defaults), opts or {})
  if opts and opts.cmd then
    M.config.cmd = opts.cmd -- lists are replaced, not merged
  end
  if opts and opts.filetypes then
    M.config.filetypes = opts.filetypes
  end
  if vim.fn.executable(M.config.cmd[1]) ~= 1 then
    notify(M.config.cmd[1] .. ' not found: go install github.com/farm-stack/farm-lsp/cmd/farm-lsp@latest (or set cmd)',
      vim.log.levels.WARN)
  end
  M.create_commands()
  augroup = vim.api.nvim_create_augroup('farm', { clear = true })
  vim.api.nvim_create_autocmd('FileType', {
    group = augroup,
    pattern = M.config.filetypes,
    callback = function(args)
      M.attach(args.buf)
    end,
  })
  for _, buf in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(buf) and vim.tbl_contains(M.config.filetypes, vim.bo[buf].filetype) then
      M.attach(buf)
    end
  end
end

return M
