import type { Redis } from "ioredis";
import { z } from "zod";
import { scanKeys } from "@/lib/events/scan-keys";
import { aggregateTypeOfStream, eventStreamKey } from "@/lib/events/stream-keys";

/**
 * The oldest id every group still needs: per group its oldest pending id, or the id after its
 * last-delivered id when nothing is pending; the minimum over groups, and no later than
 * now − retention. Then XTRIM MINID to it. One script, so no group moves in between.
 */
const TRIM_SCRIPT = `
local function parse(id)
  local ms, seq = string.match(id, '^(%d+)%-(%d+)$')
  return { tonumber(ms), tonumber(seq), ms }
end
local function before(a, b)
  return a[1] < b[1] or (a[1] == b[1] and a[2] < b[2])
end
local groups = redis.call('XINFO', 'GROUPS', KEYS[1])
if #groups == 0 then return { 0, '' } end
local floor = nil
for _, group in ipairs(groups) do
  local name, last
  for i = 1, #group, 2 do
    if group[i] == 'name' then name = group[i + 1] end
    if group[i] == 'last-delivered-id' then last = group[i + 1] end
  end
  local pending = redis.call('XPENDING', KEYS[1], name)
  local need
  if pending[1] > 0 then
    need = parse(pending[2])
  else
    need = parse(last)
    need = { need[1], need[2] + 1, need[3] }
  end
  if floor == nil or before(need, floor) then floor = need end
end
local retention = tonumber(ARGV[1])
if retention > 0 then
  local now = redis.call('TIME')
  local cut = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) - retention
  if cut < floor[1] then floor = { cut, 0, string.format('%d', cut) } end
end
local minid = floor[3] .. '-' .. string.format('%d', floor[2])
local trimmed
if ARGV[2] == 'exact' then
  trimmed = redis.call('XTRIM', KEYS[1], 'MINID', minid)
else
  trimmed = redis.call('XTRIM', KEYS[1], 'MINID', '~', minid)
end
return { trimmed, minid }
`;

/** How far streams are trimmed; see docs/decisions (event backbone). */
export const TrimPolicySchema = z.object({
  /** Entries younger than this stay even when every group has acked them (inspection, replays). */
  retentionMs: z.number().int().min(0).default(3_600_000),
  /** `MINID ~` (default) trims whole macro nodes only and is cheap; exact is for tests. */
  exact: z.boolean().default(false),
});
export type TrimPolicy = z.input<typeof TrimPolicySchema>;

/** What one trim did to one stream. */
export interface StreamTrimResult {
  stream: string;
  aggregateType: string;
  trimmed: number;
  /** The MINID trimmed to; null when the stream has no group (then nothing is trimmed). */
  minId: string | null;
}

/** Trims one aggregate type's stream to what every group has acked (and past the retention). */
export async function trimStream(
  redis: Redis,
  prefix: string,
  aggregateType: string,
  policy: TrimPolicy = {},
): Promise<StreamTrimResult> {
  const { retentionMs, exact } = TrimPolicySchema.parse(policy);
  const stream = eventStreamKey(prefix, aggregateType);
  const [trimmed, minId] = (await redis.eval(
    TRIM_SCRIPT,
    1,
    stream,
    retentionMs,
    exact ? "exact" : "approximate",
  )) as [number, string];
  return { stream, aggregateType, trimmed, minId: minId === "" ? null : minId };
}

/** Trims every event stream under the prefix (found with SCAN). */
export async function trimAllStreams(
  redis: Redis,
  prefix: string,
  policy: TrimPolicy = {},
): Promise<StreamTrimResult[]> {
  const results: StreamTrimResult[] = [];
  for (const key of await scanKeys(redis, `${prefix}events:*`, "stream")) {
    const aggregateType = aggregateTypeOfStream(prefix, key);
    if (aggregateType) results.push(await trimStream(redis, prefix, aggregateType, policy));
  }
  return results;
}
