-- Pure formatting of farm-lsp's custom messages (farm/reloadPlan,
-- farm/taskResult, farm/reloadResult, farm/status) for notifications, :FarmStatus and the
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
  local failed, skipped, superseded, untrusted = {}, 0, 0, false
  for _, t in ipairs(tasks) do
    if t.status == 'failed' then
      table.insert(failed, t)
    elseif t.status == 'skipped' then
      skipped = skipped + 1
      -- the trust gate's reason: "workspace not trusted"
      untrusted = untrusted or (type(t.message) == 'string' and t.message:find('not trusted', 1, true) ~= nil)
    elseif t.status == 'superseded' then
      superseded = superseded + 1
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
  if superseded > 0 then
    s = s .. string.format(', %d superseded', superseded)
  end
  s = s .. ')'
  if untrusted then
    s = s .. '; workspace not trusted: :FarmTrust allows the rest'
  end
  return s, false
end

local marks = { ok = '✓', failed = '✗', skipped = '–', superseded = '↷' }

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

-- The farm/taskResult tasks of plan by task id (the latest per id: a retry
-- sends another attempt), and how many of the plan's tasks have ended.
local function ended_tasks(plan, results)
  local by_id, order = {}, {}
  for _, t in ipairs(list(results)) do
    if type(t) == 'table' and t.id ~= nil then
      if by_id[t.id] == nil then
        table.insert(order, t.id)
      end
      by_id[t.id] = t
    end
  end
  local done = 0
  for _, t in ipairs(list(plan.tasks)) do
    if by_id[t.id] then
      done = done + 1
    end
  end
  return by_id, order, done
end

--- Statusline text while plan runs, from its farm/taskResult tasks so far:
--- "⟳ 1/4 ✓ type-generation": the newest failed task, else the newest that
--- ran (ok), else the newest ended (skipped, superseded).
function M.running_statusline(plan, results)
  local by_id, order, done = ended_tasks(plan, results)
  local s = string.format('⟳ %d/%d', done, #list(plan.tasks))
  local rank = { failed = 3, ok = 2 }
  local shown
  for i = #order, 1, -1 do
    local t = by_id[order[i]]
    if shown == nil or (rank[t.status] or 1) > (rank[shown.status] or 1) then
      shown = t
    end
  end
  if shown then
    s = s .. ' ' .. (marks[shown.status] or '?') .. ' ' .. tostring(shown.kind)
  end
  return s
end

--- Lines for :FarmStatus about a running plan: each task, ended (mark,
--- duration, message) or still to come ("…").
function M.running_lines(plan, results)
  local by_id, _, done = ended_tasks(plan, results)
  local tasks = list(plan.tasks)
  local lines = { string.format('running: %s (%d/%d done)', M.plan_summary(plan), done, #tasks) }
  for _, t in ipairs(tasks) do
    local r = by_id[t.id]
    local parts = { r and (marks[r.status] or '?') or '…', tostring(t.kind) }
    if type(t.target) == 'string' and t.target ~= '' then
      table.insert(parts, t.target)
    end
    if r then
      table.insert(parts, M.duration(r.durationMs))
      if type(r.attempt) == 'number' and r.attempt > 1 then
        table.insert(parts, string.format('(attempt %d)', r.attempt))
      end
    end
    local line = '  ' .. table.concat(parts, ' ')
    local msg = r and first_line(r.message)
    if msg and msg ~= '' then
      line = line .. ' — ' .. msg
    end
    table.insert(lines, line)
  end
  return lines
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
  if type(status.lanes) == 'table' and next(status.lanes) ~= nil then
    local names = vim.tbl_keys(status.lanes)
    table.sort(names)
    local parts = {}
    for _, name in ipairs(names) do
      local l = type(status.lanes[name]) == 'table' and status.lanes[name] or {}
      local p = tostring(name) .. (l.busy and ' busy' or ' idle')
      local cur = l.current
      if type(cur) == 'table' then
        cur = table.concat(vim.tbl_filter(function(x)
          return type(x) == 'string' and x ~= ''
        end, { cur.kind, cur.target }), ' ')
      end
      if type(cur) == 'string' and cur ~= '' then
        p = p .. ' (' .. cur .. ')'
      end
      if type(l.queued) == 'number' and l.queued > 0 then
        p = p .. string.format(', %d queued', l.queued)
      end
      table.insert(parts, p)
    end
    table.insert(lines, 'lanes: ' .. table.concat(parts, '; '))
  end
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
  if command == 'farm.trust' then
    return 'workspace trusted', false
  end
  return nil
end

return M
