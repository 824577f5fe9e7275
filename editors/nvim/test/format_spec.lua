-- Table-driven checks of lua/farm/format.lua and find_root, run headless by
-- nvim_test.go (TestLuaUnits): nvim --headless -u NONE -c "luafile test/format_spec.lua".
-- Prints "N passed, N failed" and exits non-zero on a failure.
local plugin_dir = assert(os.getenv('FARM_PLUGIN_DIR'), 'FARM_PLUGIN_DIR')
vim.opt.runtimepath:prepend(plugin_dir)
local f = require('farm.format')
local farm = require('farm')

local passed, failed = 0, 0
local function eq(name, got, want)
  if vim.deep_equal(got, want) then
    passed = passed + 1
  else
    failed = failed + 1
    io.stderr:write(string.format('FAIL %s:\n  got  %s\n  want %s\n', name, vim.inspect(got), vim.inspect(want)))
  end
end

local plan = {
  planId = 'p1',
  trigger = { uri = 'file:///w/apps/api/src/models/user.py', kind = 'backend-model' },
  changes = { { kind = 'field-added', subject = 'User.nickname' } },
  tasks = {
    { id = 't1', kind = 'type-generation', target = 'apps/web/src/types/models/index.ts', dependsOn = {}, reason = 'User changed' },
    { id = 't2', kind = 'backend-reload', target = 'apps/api', dependsOn = { 't1' } },
  },
}

for _, c in ipairs({
  { 0, '0 ms' }, { 14, '14 ms' }, { 14.4, '14 ms' }, { 999, '999 ms' }, { 1000, '1.0 s' }, { 1234, '1.2 s' },
  { -1, '? ms' }, { 0 / 0, '? ms' }, { nil, '? ms' }, { vim.NIL, '? ms' },
}) do
  eq('duration ' .. tostring(c[1]), f.duration(c[1]), c[2])
end

eq('plan_summary', f.plan_summary(plan), 'user.py: field-added User.nickname → type-generation, backend-reload')
eq('plan_summary empty', f.plan_summary({ planId = 'e', trigger = { uri = 'file:///w/a%20b.py' }, tasks = {} }), 'a b.py: nothing to reload')
eq('plan_summary null tasks', f.plan_summary({ planId = 'e', tasks = vim.NIL }), 'workspace: nothing to reload')

local ok = { planId = 'p1', durationMs = 14, tasks = { { id = 't1', kind = 'type-generation', status = 'ok', durationMs = 9 } } }
local bad = {
  planId = 'p1',
  durationMs = 900,
  tasks = {
    { id = 't1', kind = 'type-generation', status = 'ok', durationMs = 9 },
    { id = 't2', kind = 'backend-reload', status = 'failed', durationMs = 880, message = 'SyntaxError: invalid syntax\nmore' },
    { id = 't3', kind = 'frontend-hmr', status = 'skipped', durationMs = 0, message = 'not running' },
  },
}
eq('result_summary ok', { f.result_summary(ok) }, { 'reload ok in 14 ms (1 task)', false })
eq('result_summary failed', { f.result_summary(bad) }, { 'reload failed: backend-reload: SyntaxError: invalid syntax', true })
eq('result_summary skipped', { f.result_summary({ durationMs = 3, tasks = { bad.tasks[3], ok.tasks[1] } }) },
  { 'reload ok in 3 ms (2 tasks, 1 skipped)', false })
eq('result_summary untrusted', { f.result_summary({ durationMs = 3, tasks = {
  { kind = 'type-generation', status = 'ok' }, { kind = 'backend-reload', status = 'skipped', message = 'workspace not trusted' } } }) },
  { 'reload ok in 3 ms (2 tasks, 1 skipped); workspace not trusted: :FarmTrust allows the rest', false })
eq('result_lines', f.result_lines(bad, plan), {
  '✓ type-generation apps/web/src/types/models/index.ts 9 ms',
  '✗ backend-reload apps/api 880 ms — SyntaxError: invalid syntax',
  '– frontend-hmr 0 ms — not running',
})
eq('result_lines empty', f.result_lines({ tasks = vim.NIL }), { 'nothing to do' })
eq('statusline none', f.statusline(nil), 'FARM')
eq('statusline ok', f.statusline(ok), '✓ 14 ms')
eq('statusline failed', f.statusline(bad), '✗ failed')
eq('status_lines', f.status_lines({
  enabled = true,
  processing = false,
  queueLength = 0,
  lastPlan = plan,
  metrics = { total = 4, ok = 3, failed = 1, successRate = 0.75, avgMs = 20, p50Ms = 14, p95Ms = 1200, slow = 0 },
}), {
  'hot reload: enabled, idle, 0 queued',
  'reloads: 4 (3 ok, 1 failed, 75%), avg 20 ms, p50 14 ms, p95 1.2 s, 0 slow',
  'last plan: user.py: field-added User.nickname → type-generation, backend-reload',
  '  type-generation apps/web/src/types/models/index.ts (User changed)',
  '  backend-reload apps/api',
})
eq('status_lines fresh', f.status_lines({ enabled = false, processing = true, queueLength = 2, lastPlan = vim.NIL, metrics = vim.NIL }), {
  'hot reload: disabled, processing, 2 queued',
  'reloads: 0 (0 ok, 0 failed, –), avg ? ms, p50 ? ms, p95 ? ms, 0 slow',
  'last plan: none yet',
})

for _, c in ipairs({
  { 'regenerate wrote', 'farm.regenerate', { status = 'ok', message = '', written = { 'apps/web/src/types/models/index.ts', 'apps/web/src/services/api.ts' } },
    { 'regenerated 2 files (index.ts, api.ts)', false } },
  { 'regenerate up to date', 'farm.regenerate', { status = 'ok', written = {} }, { 'generated files are up to date', false } },
  { 'regenerate null reply', 'farm.regenerate', vim.NIL, { 'generated files are up to date', false } },
  { 'regenerate failed', 'farm.regenerate', { status = 'failed', message = 'unsupported type\nmore' }, { 'type generation failed: unsupported type', true } },
  { 'retry message', 'farm.retry', { status = 'ok', message = 'retried 1 task' }, { 'retried 1 task', false } },
  { 'retry failed', 'farm.retry', { status = 'failed', message = 'no failed plan' }, { 'farm.retry failed: no failed plan', true } },
  { 'restart silent', 'farm.restartBackend', vim.NIL, {} },
}) do
  eq('command_message ' .. c[1], { f.command_message(c[2], c[3]) }, c[4])
end

-- find_root: nearest ancestor with farm.config.ts.
local tmp = vim.fn.tempname()
vim.fn.mkdir(tmp .. '/outer/inner/apps/api', 'p')
vim.fn.writefile({}, tmp .. '/outer/farm.config.ts')
vim.fn.writefile({}, tmp .. '/outer/inner/farm.config.ts')
vim.fn.writefile({}, tmp .. '/outer/inner/apps/api/m.py')
vim.fn.mkdir(tmp .. '/none', 'p')
vim.fn.mkdir(tmp .. '/dir-marker/farm.config.ts', 'p')
eq('find_root nearest', farm.find_root(tmp .. '/outer/inner/apps/api/m.py'), tmp .. '/outer/inner')
eq('find_root dir', farm.find_root(tmp .. '/outer/inner/apps'), tmp .. '/outer/inner')
eq('find_root outer', farm.find_root(tmp .. '/outer/x.py'), tmp .. '/outer')
eq('find_root none', farm.find_root(tmp .. '/none/x.py'), nil)
eq('find_root a directory named like the marker is no root', farm.find_root(tmp .. '/dir-marker/x.py'), nil)
eq('find_root empty', farm.find_root(''), nil)
vim.fn.delete(tmp, 'rf')

-- Handlers record state and fire the User autocommands.
local fired = {}
vim.api.nvim_create_autocmd('User', { pattern = { 'FarmReloadPlan', 'FarmReloadResult' }, callback = function(a)
  table.insert(fired, a.match)
end })
farm.config.notify = { plan = false, result = false }
local h = farm.handlers()
h['farm/reloadPlan'](nil, plan, {})
h['farm/reloadResult'](nil, bad, {})
eq('handler state plan', farm.state.plans.p1, plan)
eq('handler state result', farm.state.last_result, bad)
eq('handler autocmds', fired, { 'FarmReloadPlan', 'FarmReloadResult' })
eq('statusline after result', farm.statusline(), '✗ failed')

-- farm/taskResult: the statusline follows a running plan task by task, a
-- failed task shows at once, the result ends it; empty results change nothing.
do
  farm.state.last_result = nil
  farm.state.inflight = {}
  fired = {}
  vim.api.nvim_create_autocmd('User', { pattern = 'FarmTaskResult', callback = function(a)
    table.insert(fired, a.match)
  end })
  local p2 = {
    planId = 'p2',
    trigger = { uri = 'file:///w/apps/api/src/models/user.py', kind = 'backend-model' },
    changes = { { kind = 'field-added', subject = 'User.nickname' } },
    tasks = {
      { id = 'a', kind = 'type-generation', target = 'types', dependsOn = {} },
      { id = 'b', kind = 'backend-reload', target = 'api', dependsOn = { 'a' } },
      { id = 'c', kind = 'frontend-hmr', target = 'web', dependsOn = { 'a' } },
    },
  }
  h['farm/reloadPlan'](nil, p2, {})
  eq('statusline plan started', farm.statusline(), '⟳ 0/3')
  h['farm/taskResult'](nil, { planId = 'p2', task = { id = 'a', kind = 'type-generation', target = 'types', status = 'ok', durationMs = 12, attempt = 1 } }, {})
  eq('statusline codegen done, backend running', farm.statusline(), '⟳ 1/3 ✓ type-generation')
  h['farm/taskResult'](nil, { planId = 'p2', task = { id = 'c', kind = 'frontend-hmr', status = 'failed', durationMs = 3, message = 'vite down\nmore', attempt = 1 } }, {})
  h['farm/taskResult'](nil, { planId = 'p2' }, {}) -- malformed: ignored
  h['farm/taskResult'](nil, vim.NIL, {})
  eq('statusline failure shows before the end', farm.statusline(), '⟳ 2/3 ✗ frontend-hmr')
  eq('plan and taskResult autocmds', fired, { 'FarmReloadPlan', 'FarmTaskResult', 'FarmTaskResult' })
  eq('running_lines', f.running_lines(p2, farm.state.task_results.p2), {
    'running: user.py: field-added User.nickname → type-generation, backend-reload, frontend-hmr (2/3 done)',
    '  ✓ type-generation types 12 ms',
    '  … backend-reload api',
    '  ✗ frontend-hmr web 3 ms — vite down',
  })
  eq('running_statusline: a task that ran outranks a later skipped one', f.running_statusline(p2, {
    { id = 'a', kind = 'type-generation', status = 'ok', durationMs = 12 },
    { id = 'c', kind = 'frontend-hmr', status = 'skipped', durationMs = 0 },
  }), '⟳ 2/3 ✓ type-generation')
  eq('running_statusline: only skipped', f.running_statusline(p2, {
    { id = 'c', kind = 'frontend-hmr', status = 'skipped', durationMs = 0 },
  }), '⟳ 1/3 – frontend-hmr')
  -- A retry's second attempt replaces the first.
  eq('running_statusline retried', f.running_statusline(p2, {
    { id = 'c', kind = 'frontend-hmr', status = 'failed', durationMs = 3 },
    { id = 'c', kind = 'frontend-hmr', status = 'ok', durationMs = 2, attempt = 2 },
  }), '⟳ 1/3 ✓ frontend-hmr')
  eq('running_lines attempt', f.running_lines({ planId = 'x', tasks = { p2.tasks[3] } }, {
    { id = 'c', kind = 'frontend-hmr', status = 'ok', durationMs = 2, attempt = 2 },
  })[2], '  ✓ frontend-hmr web 2 ms (attempt 2)')
  h['farm/reloadResult'](nil, { planId = 'p2', durationMs = 40, tasks = {
    { id = 'a', kind = 'type-generation', status = 'ok', durationMs = 12 },
    { id = 'b', kind = 'backend-reload', status = 'superseded', durationMs = 20 },
    { id = 'c', kind = 'frontend-hmr', status = 'failed', durationMs = 3 },
  } }, {})
  eq('statusline after the result', farm.statusline(), '✗ failed')
  eq('inflight emptied', farm.state.inflight, {})
  -- A save that plans nothing (a syntax error) must not turn the indicator green.
  h['farm/reloadPlan'](nil, { planId = 'p3', trigger = p2.trigger, changes = {}, tasks = {} }, {})
  h['farm/reloadResult'](nil, { planId = 'p3', durationMs = 0, tasks = {} }, {})
  eq('statusline keeps the failure over an empty result', farm.statusline(), '✗ failed')
  eq('last_result is the last that ran tasks', farm.state.last_result.planId, 'p2')
  eq('result_summary superseded', { f.result_summary({ durationMs = 5, tasks = { { status = 'superseded' }, { status = 'ok' } } }) },
    { 'reload ok in 5 ms (2 tasks, 1 superseded)', false })
end

eq('status_lines lanes', f.status_lines({
  enabled = true, processing = true, queueLength = 1, lastPlan = vim.NIL, metrics = vim.NIL,
  lanes = { codegen = { busy = false, queued = 0 }, backend = { busy = true, queued = 2, current = { kind = 'backend-reload', target = 'api' } } },
})[3], 'lanes: backend busy (backend-reload api), 2 queued; codegen idle')
eq('command_message trust', { f.command_message('farm.trust', vim.NIL) }, { 'workspace trusted', false })
eq('command_message trust message', { f.command_message('farm.trust', { status = 'ok', message = 'trusted /w' }) }, { 'trusted /w', false })

-- window/showMessageRequest (the trust question): answered through
-- vim.ui.select; headless with the built-in picker it answers "no choice"
-- instead of waiting forever for typed input.
do
  local answered = 0
  vim.api.nvim_create_autocmd('User', { pattern = 'FarmRequest', callback = function()
    answered = answered + 1
  end })
  local ask = h['window/showMessageRequest']
  local params = {
    type = 3,
    message = 'farm-lsp wants to run: sh -c "uvicorn …"\nin /w/apps/api',
    actions = { { title = 'Trust this workspace' }, { title = 'Not now' } },
  }
  eq('request headless built-in picker', ask(nil, params, {}), vim.NIL)
  eq('request recorded', { farm.state.requests[#farm.state.requests].message, farm.state.requests[#farm.state.requests].answer },
    { params.message, vim.NIL })
  local real_select = vim.ui.select
  local seen
  vim.ui.select = function(items, opts, on_choice)
    seen = { n = #items, prompt = opts.prompt, first = opts.format_item(items[1]) }
    on_choice(items[1])
  end
  eq('request answered by the picker', ask(nil, params, {}), params.actions[1])
  eq('request picker arguments', seen, { n = 2, prompt = 'farm-lsp: ' .. params.message, first = 'Trust this workspace' })
  vim.ui.select = function(_, _, on_choice)
    on_choice(nil)
  end
  eq('request dismissed', ask(nil, params, {}), vim.NIL)
  -- A picker that answers later: on the main coroutine (how 0.7-0.9 call
  -- request handlers) the answer is "no choice", and the late pick is ignored.
  local later
  vim.ui.select = function(_, _, on_choice)
    later = on_choice
  end
  eq('request async picker on the main coroutine', ask(nil, params, {}), vim.NIL)
  later(params.actions[1])
  eq('late pick ignored', farm.state.requests[#farm.state.requests].answer, vim.NIL)
  -- In a coroutine (how 0.10+ calls them) the handler waits for the pick.
  local got = 'pending'
  coroutine.wrap(function()
    got = ask(nil, params, {})
  end)()
  eq('request waits in a coroutine', got, 'pending')
  later(params.actions[2])
  vim.wait(1000, function()
    return got ~= 'pending'
  end, 10)
  eq('request answered later in a coroutine', got, params.actions[2])
  eq('request without actions', ask(nil, { type = 3, message = 'hello', actions = vim.NIL }, {}), vim.NIL)
  eq('FarmRequest after each answer', answered, 6)
  vim.ui.select = real_select
end

-- attach on Neovim 0.8+ goes through vim.lsp.start (stubbed here: Debian's
-- 0.7.2 has none, so this checks the arguments of that branch).
do
  local root = vim.fn.tempname()
  vim.fn.mkdir(root .. '/apps/api', 'p')
  vim.fn.writefile({}, root .. '/farm.config.ts')
  vim.fn.writefile({ 'x = 1' }, root .. '/apps/api/m.py')
  local real_start = vim.lsp.start
  local calls = {}
  vim.lsp.start = function(config, opts)
    table.insert(calls, { config = config, opts = opts })
    return 42
  end
  farm.config.cmd = { '/bin/farm-lsp', 'serve' }
  vim.cmd('edit ' .. vim.fn.fnameescape(root .. '/apps/api/m.py'))
  local buf = vim.api.nvim_get_current_buf()
  local id = farm.attach(buf)
  vim.lsp.start = real_start
  eq('attach 0.8 returns the client id', id, 42)
  eq('attach 0.8 calls vim.lsp.start once', #calls, 1)
  local cfg = calls[1] and calls[1].config or {}
  eq('attach 0.8 config', { cfg.name, cfg.root_dir, cfg.cmd, cfg.cmd_cwd, calls[1] and calls[1].opts.bufnr },
    { 'farm-lsp', vim.fn.resolve(root), { '/bin/farm-lsp', 'serve' }, vim.fn.resolve(root), buf })
  eq('attach 0.8 workspace folder', cfg.workspace_folders, { { uri = vim.uri_from_fname(vim.fn.resolve(root)), name = vim.fn.fnamemodify(root, ':t') } })
  eq('attach 0.8 handlers', { type(cfg.handlers['farm/reloadPlan']), type(cfg.handlers['farm/taskResult']),
    type(cfg.handlers['farm/reloadResult']), type(cfg.handlers['window/showMessageRequest']) },
    { 'function', 'function', 'function', 'function' })
  vim.cmd('bwipeout!')
  -- A buffer outside any root gets no client.
  vim.lsp.start = function()
    error('must not start')
  end
  vim.cmd('edit ' .. vim.fn.fnameescape(vim.fn.tempname() .. '.py'))
  eq('attach outside a root', farm.attach(vim.api.nvim_get_current_buf()), nil)
  vim.lsp.start = real_start
  vim.fn.delete(root, 'rf')
end

io.stdout:write(string.format('%d passed, %d failed\n', passed, failed))
if failed > 0 then
  vim.cmd('cquit 1')
else
  vim.cmd('qall!')
end
