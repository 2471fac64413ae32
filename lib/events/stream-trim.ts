import type { Redis } from "ioredis";
import { z } from "zod";
import { GROUP_FLOOR_LUA } from "@/lib/events/group-floor";
import { luaScript } from "@/lib/events/lua-script";
import {
  type ConsumerGroupDeclaration,
  groupsByAggregateType,
} from "@/lib/events/redis-generation";
import { scanKeys } from "@/lib/events/scan-keys";
import { aggregateTypeOfStream, eventStreamKey } from "@/lib/events/stream-keys";

/**
 * The oldest id every group still needs (lib/events/group-floor.ts), declared groups first
 * created at `0` where missing, and no later than now − retention; then XTRIM MINID to it. One
 * script, so no group moves in between. KEYS: the stream; ARGV: retention, mode, declared groups.
 */
const TRIM_SCRIPT = `${GROUP_FLOOR_LUA}
local declared = {}
for i = 3, #ARGV do
  declared[#declared + 1] = ARGV[i]
end
local existing = {}
for _, group in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
  for i = 1, #group, 2 do
    if group[i] == 'name' then existing[group[i + 1]] = true end
  end
end
for _, name in ipairs(declared) do
  if not existing[name] then redis.call('XGROUP', 'CREATE', KEYS[1], name, '0') end
end
local floor = group_floor(KEYS[1], {})
if floor == nil then return { 0, '' } end
local retention = tonumber(ARGV[1])
if retention > 0 then
  local now = redis.call('TIME')
  local cut = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) - retention
  if cut < floor[1] then floor = { cut, 0 } end
end
local minid = string.format('%d-%d', floor[1], floor[2])
local trimmed
if ARGV[2] == 'exact' then
  trimmed = redis.call('XTRIM', KEYS[1], 'MINID', minid)
else
  trimmed = redis.call('XTRIM', KEYS[1], 'MINID', '~', minid)
end
return { trimmed, minid }
`;

const trimScript = luaScript(TRIM_SCRIPT);

/** How far streams are trimmed; see docs/decisions (event backbone). */
export const TrimPolicySchema = z.object({
  /** Entries younger than this stay even when every group has acked them (inspection, replays). */
  retentionMs: z.number().int().min(0).default(3_600_000),
  /** `MINID ~` (default) trims whole macro nodes only and is cheap; exact is for tests. */
  exact: z.boolean().default(false),
});

/**
 * How far streams are trimmed, and the consumer groups declared for each stream: a declared
 * group that does not exist yet (its consumer joins late, or Redis lost it) is created at `0`
 * before trimming, so nothing it has not acked is trimmed.
 */
export type TrimPolicy = z.input<typeof TrimPolicySchema> & {
  groups?: readonly ConsumerGroupDeclaration[];
};

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
  const declared = groupsByAggregateType(policy.groups ?? []).get(aggregateType) ?? [];
  const stream = eventStreamKey(prefix, aggregateType);
  const [trimmed, minId] = (await trimScript.run(
    redis,
    [stream],
    [retentionMs, exact ? "exact" : "approximate", ...declared],
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
