/**
 * Lua shared by the trimmer and the delivery confirmer: `group_floor(stream, declared)` returns
 * the oldest entry id some group still needs, as `{ ms, seq }` numbers, or nil when the stream
 * has no group and none is declared. Per group: its oldest pending id, or the id after its
 * last-delivered id when nothing is pending; a declared group that does not exist yet needs
 * everything (`0-0`). Runs inside one script, so no group moves while it is computed.
 */
export const GROUP_FLOOR_LUA = `
local function parse_id(id)
  local ms, seq = string.match(id, '^(%d+)%-(%d+)$')
  return { tonumber(ms), tonumber(seq) }
end
local function id_before(a, b)
  return a[1] < b[1] or (a[1] == b[1] and a[2] < b[2])
end
local function group_floor(stream, declared)
  local groups = redis.call('XINFO', 'GROUPS', stream)
  local floor = nil
  local present = {}
  for _, group in ipairs(groups) do
    local name, last
    for i = 1, #group, 2 do
      if group[i] == 'name' then name = group[i + 1] end
      if group[i] == 'last-delivered-id' then last = group[i + 1] end
    end
    present[name] = true
    local pending = redis.call('XPENDING', stream, name)
    local need
    if pending[1] > 0 then
      need = parse_id(pending[2])
    else
      need = parse_id(last)
      need = { need[1], need[2] + 1 }
    end
    if floor == nil or id_before(need, floor) then floor = need end
  end
  for _, name in ipairs(declared) do
    if not present[name] then floor = { 0, 0 } end
  end
  return floor
end
`;
