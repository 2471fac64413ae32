import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import type pg from "pg";
import type { Registry } from "prom-client";
import { abortableDelay } from "@/lib/events/abortable-delay";
import { generationKey } from "@/lib/events/redis-generation";
import { quoteIdentifier } from "@/lib/events/sql-identifier";
import { encodeEntry } from "@/lib/events/stream-entry";
import { eventStreamKey } from "@/lib/events/stream-keys";
import { addOutboxBacklogSource } from "@/lib/observability/backbone-gauges";
import { eventMetrics } from "@/lib/observability/event-metrics";
import { processMetrics } from "@/lib/observability/process-metrics";

/** What one relay needs: the service database, Redis and the key prefix. */
export interface OutboxRelayOptions {
  pool: pg.Pool;
  redis: Redis;
  prefix: string;
  /** Rows claimed, sent and marked per transaction. */
  batchSize?: number;
  /** Outbox table name (default `outbox`). */
  table?: string;
  /** Testing seam: runs after the batch's XADDs succeeded and before the rows are marked sent. */
  afterXadd?: (count: number) => Promise<void>;
  /** Where `events_published_total` and `outbox_backlog` go; default the process registry. */
  metrics?: Registry;
}

interface ClaimedRow {
  id: string;
  event_id: string;
  event_type: string;
  aggregate_type: string;
  payload: string;
}

function claimSql(table: string): string {
  // The envelope JSON is built by PostgreSQL: no jsonb → object → JSON round trip in Node.
  return `select id, event_id, event_type, aggregate_type,
    json_build_object(
      'event_id', event_id, 'event_type', event_type,
      'aggregate_id', aggregate_id, 'aggregate_type', aggregate_type,
      'event_version', event_version,
      'occurred_at', to_char(occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
      'data', data, 'metadata', metadata)::text as payload
    from ${table} where sent_at is null order by id limit $1 for update skip locked`;
}

/**
 * Relays one batch: claims unsent rows with `FOR UPDATE SKIP LOCKED` (so relays never share a
 * row), XADDs them in one MULTI to `<prefix>events:<aggregate_type>`, marks them sent (with
 * their entry ids and the Redis generation) and commits.
 * A crash before the commit leaves the rows unsent: they are sent again (at-least-once) and the
 * consumers' inbox absorbs the duplicates. Returns the number of rows relayed.
 */
export async function relayOutboxBatch(options: OutboxRelayOptions): Promise<number> {
  const table = quoteIdentifier(options.table ?? "outbox");
  const batchSize = options.batchSize ?? 1000;
  const client = await options.pool.connect();
  let open = false;
  try {
    // Losing the `sent_at` mark on a PostgreSQL crash only re-sends (see above): no fsync wait.
    // After a burst, stale statistics make the planner pick a bitmap scan that sorts every
    // unsent row for each batch (60 ms at 100k rows vs 2 ms): keep it on the index, in id order.
    await client.query(
      "begin; set local synchronous_commit = off; set local enable_bitmapscan = off; set local enable_seqscan = off",
    );
    open = true;
    const claimed = await client.query<ClaimedRow>({
      name: `outbox-claim-${table}`,
      text: claimSql(table),
      values: [batchSize],
    });
    const rows = claimed.rows;
    if (rows.length === 0) {
      await client.query("commit");
      open = false;
      return 0;
    }
    // One MULTI: the generation marker (created if Redis has none) and the XADDs, so each row
    // records the generation its entry went to; a later loss changes the generation and the row
    // is sent again (lib/events/redis-loss-guard.ts).
    const candidate = randomUUID();
    const multi = options.redis.multi();
    multi.call("SET", generationKey(options.prefix), candidate, "NX", "GET");
    // (A shadow copy writes no outbox row: it runs in a rolled-back transaction, decision 0012.)
    for (const row of rows) {
      multi.xadd(
        eventStreamKey(options.prefix, row.aggregate_type),
        "*",
        ...encodeEntry(row.event_id, row.event_type, row.payload),
      );
    }
    const results = await multi.exec();
    const failed = results?.find(([error]) => error);
    if (!results || failed) throw failed?.[0] ?? new Error("XADD MULTI was discarded");
    const generation = (results[0]?.[1] as string | null) ?? candidate;
    const streamIds = results.slice(1).map(([, id]) => String(id));
    await options.afterXadd?.(rows.length);
    await client.query({
      name: `outbox-mark-${table}`,
      text: `update ${table} as o set sent_at = now(), stream_id = v.stream_id, redis_generation = $3
        from unnest($1::bigint[], $2::text[]) as v(id, stream_id) where o.id = v.id`,
      values: [rows.map((row) => row.id), streamIds, generation],
    });
    await client.query("commit");
    open = false;
    const published = eventMetrics(options.metrics ?? processMetrics("outbox-relay")).published;
    for (const row of rows) published.inc({ type: row.event_type });
    return rows.length;
  } finally {
    if (open) await client.query("rollback").catch(() => undefined);
    client.release();
  }
}

/** The database a pool connects to, the `database` label of its backlog. */
function databaseOf(pool: pg.Pool): string {
  const options = (pool as { options?: { database?: string; connectionString?: string } }).options;
  if (options?.database) return options.database;
  try {
    return new URL(options?.connectionString ?? "").pathname.slice(1) || "unknown";
  } catch {
    return "unknown";
  }
}

/** A running relay; `stop()` finishes the batches in flight and resolves. */
export interface RunningRelay {
  stop(): Promise<void>;
}

/**
 * Runs `concurrency` relay loops until stopped: a full batch is followed at once by the next,
 * otherwise the loop waits `idleDelayMs`. Several processes may run this at the same time.
 */
export function startOutboxRelay(
  options: OutboxRelayOptions & {
    concurrency?: number;
    idleDelayMs?: number;
    errorDelayMs?: number;
    onError?: (error: unknown) => void;
    onRelayed?: (count: number) => void;
  },
): RunningRelay {
  const controller = new AbortController();
  const batchSize = options.batchSize ?? 1000;
  const loop = async () => {
    while (!controller.signal.aborted) {
      try {
        const count = await relayOutboxBatch(options);
        if (count > 0) options.onRelayed?.(count);
        if (count < batchSize) await abortableDelay(options.idleDelayMs ?? 100, controller.signal);
      } catch (error) {
        options.onError?.(error);
        await abortableDelay(options.errorDelayMs ?? 1000, controller.signal);
      }
    }
  };
  const loops = Array.from({ length: options.concurrency ?? 1 }, loop);
  const removeBacklogGauge = addOutboxBacklogSource(
    options.metrics ?? processMetrics("outbox-relay"),
    databaseOf(options.pool),
    () => getOutboxBacklog(options.pool, options.table),
  );
  return {
    async stop() {
      removeBacklogGauge();
      controller.abort();
      await Promise.all(loops);
    },
  };
}

/**
 * Deletes up to `limit` rows whose delivery every consumer group confirmed more than
 * `olderThanMs` ago; a row sent but not confirmed stays (Redis may still lose its entry).
 * Returns how many it deleted.
 */
export async function pruneSentOutbox(
  pool: pg.Pool,
  options: { olderThanMs: number; limit?: number; table?: string },
): Promise<number> {
  const table = quoteIdentifier(options.table ?? "outbox");
  const result = await pool.query(
    `delete from ${table} where id in (
       select id from ${table}
       where confirmed_at < now() - make_interval(secs => $1::double precision / 1000)
       order by id limit $2)`,
    [options.olderThanMs, options.limit ?? 10_000],
  );
  return result.rowCount ?? 0;
}

/** Unsent outbox rows and the age of the oldest one, for the console and readiness checks. */
export interface OutboxBacklog {
  unsent: number;
  oldestUnsentAgeMs: number | null;
}

/** Reads the outbox backlog through the partial index of unsent rows. */
export async function getOutboxBacklog(pool: pg.Pool, table = "outbox"): Promise<OutboxBacklog> {
  const quoted = quoteIdentifier(table);
  const result = await pool.query<{ unsent: string; age_ms: string | null }>(
    `select count(*) as unsent,
       (extract(epoch from now() - min(created_at)) * 1000)::bigint as age_ms
     from ${quoted} where sent_at is null`,
  );
  const row = result.rows[0];
  return {
    unsent: Number(row?.unsent ?? 0),
    oldestUnsentAgeMs: row?.age_ms == null ? null : Number(row.age_ms),
  };
}
