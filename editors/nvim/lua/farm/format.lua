-- Pure formatting of farm-lsp's custom messages (farm/reloadPlan,
-- farm/reloadResult, farm/status) for notifications, :FarmStatus and the
-- statusline. No editor state: easy to test.
local M = {}

local function list(t)
  if type(t) == 'table' then
    return t
  end
  return {} -- nil or vim.NIL (JSON null)
end

--- "14 ms" under a second, "1.2 s" above.
function M.duration(ms)
  if type(ms) ~= 'number' or ms ~= ms or ms < 0 then
    return '? ms'
  end
  if ms < 1000 then
    return string.format('%d ms', math.floor(ms + 0.5))
  end
  return string.format('%.1f s', ms / 1000)
end

local function basename(uri)
  if type(uri) ~= 'string' then
    return 'workspace'
  end
  local name = uri:gsub('[?#].*$', ''):match('([^/]+)$') or uri
  return (name:gsub('%%(%x%x)', function(h)
    return string.char(tonumber(h, 16))
  end))
end

local function first_line(s)
  if type(s) ~= 'string' then
    return nil
  end
  return s:match('^[^\n]*')
end

--- "user.py: field-added User.age → type-generation, backend-reload"
function M.plan_summary(plan)
  local tasks = list(plan.tasks)
  local file = basename(type(plan.trigger) == 'table' and plan.trigger.uri or nil)
  if #tasks == 0 then
    return file .. ': nothing to reload'
  end
  local changes = {}
  for _, c in ipairs(list(plan.changes)) do
    table.insert(changes, tostring(c.kind) .. ' ' .. tostring(c.subject))
  end
  local kinds = {}
  for _, t in ipairs(tasks) do
    table.insert(kinds, tostring(t.kind))
  end
  local what = #changes > 0 and table.concat(changes, ', ') or 'changed'
  return file .. ': ' .. what .. ' → ' .. table.concat(kinds, ', ')
end

--- Returns the summary line and whether any task failed.
function M.result_summary(result)
  local tasks = list(result.tasks)
  local failed, skipped = {}, 0
  for _, t in ipairs(tasks) do
    if t.status == 'failed' then
      table.insert(failed, t)
    elseif t.status == 'skipped' then
      skipped = skipped + 1
    end
  end
  if #failed > 0 then
    local f = failed[1]
    local msg = first_line(f.message)
    local s = 'reload failed: ' .. tostring(f.kind) .. ((msg and msg ~= '') and (': ' .. msg) or '')
    if #failed > 1 then
      s = s .. string.format(' (+%d more)', #failed - 1)
    end
    return s, true
  end
  local s = string.format('reload ok in %s (%d task%s', M.duration(result.durationMs), #tasks, #tasks == 1 and '' or 's')
  if skipped > 0 then
    s = s .. string.format(', %d skipped', skipped)
  end
  return s .. ')', false
end

local marks = { ok = '✓', failed = '✗', skipped = '–' }

--- One line per task of a result; plan (optional) supplies targets.
function M.result_lines(result, plan)
  local targets = {}
  if plan then
    for _, t in ipairs(list(plan.tasks)) do
      targets[t.id] = t.target
    end
  end
  local lines = {}
  for _, t in ipairs(list(result.tasks)) do
    local parts = { marks[t.status] or '?', tostring(t.kind) }
    local target = t.target or targets[t.id]
    if type(target) == 'string' and target ~= '' then
      table.insert(parts, target)
    end
    table.insert(parts, M.duration(t.durationMs))
    local line = table.concat(parts, ' ')
    local msg = first_line(t.message)
    if msg and msg ~= '' then
      line = line .. ' — ' .. msg
    end
    table.insert(lines, line)
  end
  if #lines == 0 then
    lines = { 'nothing to do' }
  end
  return lines
end

--- Statusline text: "✓ 14 ms", "✗ failed", "FARM" before the first result.
function M.statusline(result)
  if not result then
    return 'FARM'
  end
  local _, failed = M.result_summary(result)
  if failed then
    return '✗ failed'
  end
  return '✓ ' .. M.duration(result.durationMs)
end

local function pct(n)
  if type(n) ~= 'number' then
    return '–'
  end
  if n <= 1 then
    n = n * 100
  end
  return string.format('%d%%', math.floor(n + 0.5))
end

--- Lines for :FarmStatus.
function M.status_lines(status)
  local m = type(status.metrics) == 'table' and status.metrics or {}
  local lines = {
    'hot reload: ' .. (status.enabled and 'enabled' or 'disabled') .. (status.processing and ', processing' or ', idle') ..
      string.format(', %d queued', tonumber(status.queueLength) or 0),
    string.format('reloads: %d (%d ok, %d failed, %s), avg %s, p50 %s, p95 %s, %d slow', tonumber(m.total) or 0, tonumber(m.ok) or 0,
      tonumber(m.failed) or 0, pct(m.successRate), M.duration(m.avgMs), M.duration(m.p50Ms), M.duration(m.p95Ms), tonumber(m.slow) or 0),
  }
  if type(status.lastPlan) == 'table' then
    table.insert(lines, 'last plan: ' .. M.plan_summary(status.lastPlan))
    for _, t in ipairs(list(status.lastPlan.tasks)) do
      table.insert(lines, '  ' .. tostring(t.kind) .. ' ' .. tostring(t.target) .. (type(t.reason) == 'string' and t.reason ~= '' and (' (' .. t.reason .. ')') or ''))
    end
  else
    table.insert(lines, 'last plan: none yet')
  end
  return lines
end

--- The message after a :Farm* command from the server's reply
--- (farm.regenerate answers { status, message, written }). Returns text and
--- whether it is an error, or nil when there is nothing worth saying.
function M.command_message(command, reply)
  local r = type(reply) == 'table' and reply or {}
  local status = type(r.status) == 'string' and r.status or nil
  local message = type(r.message) == 'string' and r.message ~= '' and first_line(r.message) or nil
  local failed = status == 'failed'
  if command == 'farm.regenerate' then
    if failed then
      return 'type generation failed' .. (message and (': ' .. message) or ''), true
    end
    local names = {}
    for _, w in ipairs(list(r.written)) do
      if type(w) == 'string' then
        table.insert(names, w:match('([^/\\]+)$') or w)
      end
    end
    if #names == 0 then
      return 'generated files are up to date', false
    end
    return string.format('regenerated %d file%s (%s)', #names, #names == 1 and '' or 's', table.concat(names, ', ')), false
  end
  if failed then
    return command .. ' failed' .. (message and (': ' .. message) or ''), true
  end
  if message then
    return message, false
  end
  return nil
end

return M
