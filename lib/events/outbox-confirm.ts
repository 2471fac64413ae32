import type { Redis } from "ioredis";
import type pg from "pg";
import { GROUP_FLOOR_LUA } from "@/lib/events/group-floor";
import { luaScript } from "@/lib/events/lua-script";
import {
  type ConsumerGroupDeclaration,
  generationKey,
  groupsByAggregateType,
} from "@/lib/events/redis-generation";
import { quoteIdentifier } from "@/lib/events/sql-identifier";
import { eventStreamKey } from "@/lib/events/stream-keys";

/**
 * The generation and, for one stream, the oldest id a group still needs, read together.
 * KEYS: marker, stream; ARGV: declared groups. Returns `{ generation|false, 'none' }` when the
 * stream is missing (nothing can be confirmed), `{ generation, 'all' }` when it has no group and
 * none is declared (nobody to wait for), else `{ generation, 'floor', ms, seq }`.
 */
const FLOOR_SCRIPT = luaScript(`${GROUP_FLOOR_LUA}
local generation = redis.call('GET', KEYS[1])
if redis.call('EXISTS', KEYS[2]) == 0 then return { generation, 'none' } end
local floor = group_floor(KEYS[2], ARGV)
if floor == nil then return { generation, 'all' } end
return { generation, 'floor', string.format('%d', floor[1]), string.format('%d', floor[2]) }
`);

/** Larger than any stream id's milliseconds: "every entry is below the floor". */
const BEYOND_EVERY_ID = "9223372036854775807";

/**
 * Marks sent outbox rows confirmed once every consumer group of their stream (those that exist
 * and those declared) has acked past their entry, in the generation the entry was written to;
 * a confirmed row is never sent again and may be pruned. Returns how many rows it confirmed.
 */
export async function confirmDeliveredOutbox(options: {
  pool: pg.Pool;
  redis: Redis;
  prefix: string;
  groups: readonly ConsumerGroupDeclaration[];
  table?: string;
}): Promise<number> {
  const table = quoteIdentifier(options.table ?? "outbox");
  const declared = groupsByAggregateType(options.groups);
  // The distinct aggregate types of unconfirmed rows, one index probe each (a loose index scan).
  const unconfirmed = "sent_at is not null and confirmed_at is null";
  const types = await options.pool.query<{ aggregate_type: string }>(
    `with recursive types as (
       (select aggregate_type from ${table} where ${unconfirmed} order by aggregate_type limit 1)
       union all
       select (select o.aggregate_type from ${table} o
               where ${unconfirmed} and o.aggregate_type > types.aggregate_type
               order by o.aggregate_type limit 1)
       from types where types.aggregate_type is not null)
     select aggregate_type from types where aggregate_type is not null`,
  );
  let confirmed = 0;
  for (const { aggregate_type: aggregateType } of types.rows) {
    const reply = (await FLOOR_SCRIPT.run(
      options.redis,
      [generationKey(options.prefix), eventStreamKey(options.prefix, aggregateType)],
      declared.get(aggregateType) ?? [],
    )) as [string | null, "none" | "all" | "floor", string?, string?];
    const [generation, mode, ms, seq] = reply;
    if (!generation || mode === "none") continue;
    const floor = mode === "all" ? [BEYOND_EVERY_ID, "0"] : [ms ?? "0", seq ?? "0"];
    // Stream ids compare as (ms, seq) pairs; rows of another generation are never confirmed.
    // The text bound `<ms>-~` lets the index scan stop at the floor: ids' milliseconds all have
    // 13 digits (2001–2286), so text order agrees with numeric order up to the '-' ('~' > digits).
    const result = await options.pool.query(
      `update ${table} set confirmed_at = now()
       where sent_at is not null and confirmed_at is null
         and aggregate_type = $1 and redis_generation = $2 and stream_id < $5
         and (split_part(stream_id, '-', 1)::bigint, split_part(stream_id, '-', 2)::bigint)
           < ($3::bigint, $4::bigint)`,
      [aggregateType, generation, ...floor, `${floor[0]}-~`],
    );
    confirmed += result.rowCount ?? 0;
  }
  return confirmed;
}

/**
 * Sends again every row that was sent but not confirmed and whose entry went to another Redis
 * generation than `generation` (the current one): that entry is lost with the old data. The
 * relay picks the rows up like new ones; consumers' inboxes skip what they processed before.
 * A row in an uncommitted relay batch is caught on a later call. Returns how many rows.
 */
export async function requeueLostOutbox(
  pool: pg.Pool,
  generation: string,
  table = "outbox",
): Promise<number> {
  const quoted = quoteIdentifier(table);
  const result = await pool.query(
    `update ${quoted} set sent_at = null, stream_id = null, redis_generation = null
     where sent_at is not null and confirmed_at is null
       and redis_generation is distinct from $1`,
    [generation],
  );
  return result.rowCount ?? 0;
}

/** Sent rows not yet confirmed by every group, and the age of the oldest, for the console. */
export async function getUnconfirmedOutbox(
  pool: pg.Pool,
  table = "outbox",
): Promise<{ unconfirmed: number; oldestUnconfirmedAgeMs: number | null }> {
  const result = await pool.query<{ unconfirmed: string; age_ms: string | null }>(
    `select count(*) as unconfirmed,
       (extract(epoch from now() - min(sent_at)) * 1000)::bigint as age_ms
     from ${quoteIdentifier(table)} where sent_at is not null and confirmed_at is null`,
  );
  const row = result.rows[0];
  return {
    unconfirmed: Number(row?.unconfirmed ?? 0),
    oldestUnconfirmedAgeMs: row?.age_ms == null ? null : Number(row.age_ms),
  };
}
