import type pg from "pg";
import type { SqlRow } from "./sync-table";

/** The channel the capture trigger notifies on commit of every captured change. */
export const CHANGES_CHANNEL = "keiko_sync_changes";

/** One captured change of a row (drizzle/<db>/*_data_sync_capture.sql). */
export type CapturedChange = {
  id: number;
  tableName: string;
  op: "upsert" | "delete";
  rowKey: SqlRow;
  /** The row after the change; null for a delete. */
  rowImage: SqlRow | null;
  origin: string;
  capturedAt: Date;
  /**
   * When it was captured, in microseconds since the epoch (exact below 2^53): a Date keeps only
   * milliseconds, and two writes of one row on the two sides can fall in the same millisecond.
   */
  capturedMicros: number;
};

type ChangeRecord = {
  id: string;
  table_name: string;
  op: "upsert" | "delete";
  row_key: SqlRow;
  row_image: SqlRow | null;
  origin: string;
  captured_at: Date;
  captured_us: string;
};

function toChange(row: ChangeRecord): CapturedChange {
  return {
    id: Number(row.id),
    tableName: row.table_name,
    op: row.op,
    rowKey: row.row_key,
    rowImage: row.row_image,
    origin: row.origin,
    capturedAt: row.captured_at,
    capturedMicros: Number(row.captured_us),
  };
}

/** A change's columns as toChange reads them. */
const CHANGE_COLUMNS = `id, table_name, op, row_key, row_image, origin, captured_at,
  (extract(epoch from captured_at) * 1000000)::bigint as captured_us`;

/** Only changes of transactions that can no longer commit: every one below the oldest running. */
const COMMITTED = "xid < pg_snapshot_xmin(pg_current_snapshot())";

/**
 * The oldest `limit` committed changes of `tables`, in capture order. A row's changes are in
 * this order because its writers are serialised by the row lock (docs/decisions/0011).
 */
export async function readCommittedChanges(
  db: pg.Pool | pg.PoolClient,
  tables: readonly string[],
  limit: number,
): Promise<CapturedChange[]> {
  const { rows } = await db.query<ChangeRecord>(
    `select ${CHANGE_COLUMNS}
       from sync_changes
      where table_name = any($1::text[]) and ${COMMITTED}
      order by id
      limit $2`,
    [tables, limit],
  );
  return rows.map(toChange);
}

/** Forgets changes once they are applied on the other side (or quarantined). */
export async function deleteChanges(
  db: pg.Pool | pg.PoolClient,
  ids: readonly number[],
): Promise<void> {
  if (ids.length === 0) return;
  await db.query("delete from sync_changes where id = any($1::bigint[])", [ids]);
}

/** Committed changes waiting, and the age of the oldest, for `tables`. */
export async function backlogOf(
  db: pg.Pool | pg.PoolClient,
  tables: readonly string[],
): Promise<{ pending: number; oldestMs: number }> {
  const { rows } = await db.query<{ pending: string; oldest_ms: number | null }>(
    `select count(*) as pending,
            (extract(epoch from clock_timestamp() - min(captured_at)) * 1000)::int as oldest_ms
       from sync_changes
      where table_name = any($1::text[])`,
    [tables],
  );
  return { pending: Number(rows[0]?.pending ?? 0), oldestMs: rows[0]?.oldest_ms ?? 0 };
}

/**
 * Client changes of `table` still waiting on this side for any of `keys`: the target side of a
 * change checks this to find the same row written on both sides within the lag.
 */
/**
 * Ids of the captured changes of these rows visible now, committed or not yet below the snapshot
 * horizon: what a sync transaction that holds the rows' locks checks for a write that raced it.
 */
export async function clientChangesFor(
  client: pg.PoolClient,
  table: string,
  keys: readonly SqlRow[],
): Promise<number[]> {
  if (keys.length === 0) return [];
  const { rows } = await client.query<{ id: string }>(
    "select id from sync_changes where table_name = $1 and row_key = any($2::jsonb[])",
    [table, keys.map((key) => JSON.stringify(key))],
  );
  return rows.map((row) => Number(row.id));
}

export async function pendingChangesFor(
  db: pg.Pool | pg.PoolClient,
  table: string,
  keys: readonly SqlRow[],
): Promise<CapturedChange[]> {
  if (keys.length === 0) return [];
  const { rows } = await db.query<ChangeRecord>(
    `select ${CHANGE_COLUMNS}
       from sync_changes
      where table_name = $1 and row_key = any($2::jsonb[]) and ${COMMITTED}
      order by id`,
    [table, keys.map((key) => JSON.stringify(key))],
  );
  return rows.map(toChange);
}
