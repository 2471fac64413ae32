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
 * Deletes inbox rows older than `olderThanMs`. Keep them longer than any event can come back
 * (dead-letter replays included), or a late duplicate would be processed again.
 */
export async function pruneInbox(
  db: EventsDatabase,
  options: { olderThanMs: number; table?: string },
): Promise<number> {
  const result = await db.execute(
    sql`delete from ${sql.raw(quoteIdentifier(options.table ?? "inbox"))}
        where processed_at < now() - make_interval(secs => ${options.olderThanMs}::double precision / 1000)`,
  );
  return result.rowCount ?? 0;
}
