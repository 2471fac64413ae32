import { luaScript } from "@/lib/events/lua-script";

// KEYS[1] is the dead-letter stream, KEYS[2] the event stream its entries came from.
// `move` puts one entry back on KEYS[2] without its dlq_* fields and with replay_count + 1
// (optionally with an edited event_id/event_type/payload), then XDELs it, in the same script:
// Redis runs a script atomically, so an entry is never in both streams or in neither.
const MOVE = `
local function move(id, fields, edit)
  local out, count, origin = {}, 0, nil
  for j = 1, #fields, 2 do
    local name, value = fields[j], fields[j + 1]
    if name == 'replay_count' then
      count = tonumber(value) or 0
    elseif name == 'dlq_stream' then
      origin = value
    elseif string.sub(name, 1, 4) ~= 'dlq_' and not (edit and (name == 'event_id'
        or name == 'event_type' or name == 'payload')) then
      out[#out + 1] = name
      out[#out + 1] = value
    end
  end
  if origin ~= KEYS[2] then return '!' end
  if edit then
    out[#out + 1] = 'event_id'; out[#out + 1] = edit[1]
    out[#out + 1] = 'event_type'; out[#out + 1] = edit[2]
    out[#out + 1] = 'payload'; out[#out + 1] = edit[3]
  end
  out[#out + 1] = 'replay_count'
  out[#out + 1] = tostring(count + 1)
  local new_id = redis.call('XADD', KEYS[2], '*', unpack(out))
  redis.call('XDEL', KEYS[1], id)
  return new_id
end
`;

/**
 * ARGV: mode (`as-is` | `edit`), edited event_id, event_type, payload (ignored as-is), then ids.
 * Returns per id the new stream id, `` when the entry is gone, `!` when it names another stream.
 */
export const replayByIdScript = luaScript(`${MOVE}
local edit = nil
if ARGV[1] == 'edit' then edit = { ARGV[2], ARGV[3], ARGV[4] } end
local results = {}
for i = 5, #ARGV do
  local found = redis.call('XRANGE', KEYS[1], ARGV[i], ARGV[i])
  if #found == 1 then
    results[#results + 1] = move(ARGV[i], found[1][2], edit)
  else
    results[#results + 1] = ''
  end
end
return results
`);

/**
 * One step of a bulk job over a range: ARGV action (`replay` | `purge`), start (`-` or
 * `(id`), end id, batch (matches to act on), max scan, event type, lower-cased error text,
 * group (`` = any). Returns { acted, scanned, last id scanned, 1 when the range is exhausted,
 * skipped (entries of another stream) }.
 */
export const bulkStepScript = luaScript(`${MOVE}
local action, start, stop = ARGV[1], ARGV[2], ARGV[3]
local batch, max_scan = tonumber(ARGV[4]), tonumber(ARGV[5])
local want_type, want_error, want_group = ARGV[6], ARGV[7], ARGV[8]
local acted, scanned, skipped, last, exhausted = 0, 0, 0, '', 0
while acted < batch and scanned < max_scan do
  local asked = math.min(500, max_scan - scanned)
  local chunk = redis.call('XRANGE', KEYS[1], start, stop, 'COUNT', asked)
  for _, entry in ipairs(chunk) do
    scanned = scanned + 1
    last = entry[1]
    local fields = entry[2]
    local event_type, err, group = nil, '', nil
    for j = 1, #fields, 2 do
      if fields[j] == 'event_type' then event_type = fields[j + 1]
      elseif fields[j] == 'dlq_error' then err = fields[j + 1]
      elseif fields[j] == 'dlq_group' then group = fields[j + 1] end
    end
    local match = (want_type == '' or event_type == want_type)
      and (want_group == '' or group == want_group)
      and (want_error == '' or string.find(string.lower(err), want_error, 1, true) ~= nil)
    if match then
      if action == 'replay' then
        if move(entry[1], fields, nil) == '!' then skipped = skipped + 1 else acted = acted + 1 end
      else
        redis.call('XDEL', KEYS[1], entry[1])
        acted = acted + 1
      end
      if acted >= batch then break end
    end
  end
  if #chunk < asked then
    if acted < batch or scanned == 0 then exhausted = 1 end
    break
  end
  start = '(' .. last
end
return { acted, scanned, last, exhausted, skipped }
`);
