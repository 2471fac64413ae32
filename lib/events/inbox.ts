import { sql } from "drizzle-orm";
import type { EventsDatabase, EventsTransaction } from "@/lib/events/events-database";
import { quoteIdentifier } from "@/lib/events/sql-identifier";

/**
 * Records that `group` processes these events, in the handler's transaction, and returns the ids
 * that were new. An id already there was processed before (a duplicate): skip it. A concurrent
 * delivery of the same event waits on the primary key until the first transaction ends.
 */
export async function claimInbox(
  tx: EventsTransaction,
  group: string,
  eventIds: readonly string[],
  table = "inbox",
): Promise<Set<string>> {
  if (eventIds.length === 0) return new Set();
  const result = await tx.execute<{ event_id: string }>(
    sql`insert into ${sql.raw(quoteIdentifier(table))} (consumer_group, event_id)
        select ${group}, unnest(${sql.param(eventIds)}::text[])
        on conflict do nothing returning event_id`,
  );
  return new Set(result.rows.map((row) => row.event_id));
}

/**
 * Deletes inbox rows older than `olderThanMs` (of one group when `group` is given), in batches of
 * `batchSize` rows so no delete holds many locks or a long transaction; returns how many went.
 * Keep rows longer than any event can come back (retries, and dead-letter replays too), or a late
 * duplicate would be processed again.
 */
export async function pruneInbox(
  db: EventsDatabase,
  options: { olderThanMs: number; table?: string; group?: string; batchSize?: number },
): Promise<number> {
  const table = sql.raw(quoteIdentifier(options.table ?? "inbox"));
  const batchSize = options.batchSize ?? 10_000;
  const ofGroup = options.group === undefined ? sql`` : sql`and consumer_group = ${options.group}`;
  let deleted = 0;
  for (;;) {
    const result = await db.execute(
      sql`delete from ${table} where ctid = any(array(
            select ctid from ${table}
            where processed_at < now() - make_interval(secs => ${options.olderThanMs}::double precision / 1000)
            ${ofGroup}
            limit ${batchSize}))`,
    );
    const count = result.rowCount ?? 0;
    deleted += count;
    if (count < batchSize) return deleted;
  }
}
