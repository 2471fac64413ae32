import type pg from "pg";
import { quoted } from "./key-range";
import type { SqlRow, TableSide } from "./sync-table";

/** How a row reaches its table: replace it, add it only if absent (projections), or remove it. */
export type WriteKind = "upsert" | "insert-if-absent" | "delete";

/** One row to write; `ref` comes back with a failure so the caller can quarantine its change. */
export type RowWrite<R = unknown> = { side: TableSide; kind: WriteKind; row: SqlRow; ref: R };

export type RowFailure<R = unknown> = { write: RowWrite<R>; error: string };

/** The columns of each table, read once per database: the upsert sets every non-key column. */
export class TableColumns {
  readonly #cache = new Map<string, Promise<string[]>>();

  constructor(private readonly db: pg.Pool) {}

  of(table: string): Promise<string[]> {
    let columns = this.#cache.get(table);
    if (!columns) {
      columns = this.db
        .query<{ column_name: string }>(
          `select column_name from information_schema.columns
            where table_schema = current_schema() and table_name = $1 order by ordinal_position`,
          [table],
        )
        .then(({ rows }) => {
          if (rows.length === 0) throw new Error(`table ${table} does not exist`);
          return rows.map((row) => row.column_name);
        });
      columns.catch(() => this.#cache.delete(table));
      this.#cache.set(table, columns);
    }
    return columns;
  }
}

async function statementFor(columns: TableColumns, side: TableSide, kind: WriteKind) {
  const table = quoted(side.table);
  const keys = side.key.map(quoted);
  const rows = `json_populate_recordset(null::${table}, $1::json)`;
  if (kind === "delete") {
    const match = keys.map((k) => `${table}.${k} = d.${k}`).join(" and ");
    return `delete from ${table} using ${rows} d where ${match}`;
  }
  const insert = `insert into ${table} select * from ${rows}`;
  if (kind === "insert-if-absent") return `${insert} on conflict (${keys.join(", ")}) do nothing`;
  return `${insert} ${await upsertClause(columns, side)}`;
}

/** `on conflict (key) do update set …every other column…`: the sync's last-write-wins upsert. */
export async function upsertClause(columns: TableColumns, side: TableSide): Promise<string> {
  const keys = side.key.map(quoted).join(", ");
  const others = (await columns.of(side.table))
    .filter((column) => !side.key.includes(column))
    .map(quoted);
  if (others.length === 0) return `on conflict (${keys}) do nothing`;
  const excluded = others.map((c) => `excluded.${c}`).join(", ");
  return `on conflict (${keys}) do update set (${others.join(", ")}) = row(${excluded})`;
}

/**
 * Marks the transaction as the sync's own: the capture trigger records nothing (no echo) and
 * foreign keys wait for their parent to arrive (replica mode skips FK triggers, not CHECKs).
 */
export async function beginSyncTransaction(client: pg.PoolClient): Promise<void> {
  await client.query("begin");
  await client.query("set local keiko.sync_origin = 'sync'");
  await client.query("set local session_replication_role = replica");
}

function groupsOf<R>(writes: readonly RowWrite<R>[]) {
  const groups = new Map<string, RowWrite<R>[]>();
  for (const write of writes) {
    const id = `${write.side.table}\u0000${write.kind}`;
    const group = groups.get(id);
    if (group) group.push(write);
    else groups.set(id, [write]);
  }
  return [...groups.values()];
}

function messageOf(error: unknown): string {
  if (error instanceof Error) {
    const detail = (error as Error & { detail?: string }).detail;
    return detail ? `${error.message} (${detail})` : error.message;
  }
  return String(error);
}

/**
 * Writes every row in one transaction of the sync's own, one statement per table and kind. If
 * that fails, writes them again one by one, each under a savepoint, and returns the rows that
 * failed with their error, so one bad row never holds back the others. `alsoInTransaction` runs
 * last, in the same transaction.
 */
export async function writeRows<R>(
  db: pg.Pool,
  columns: TableColumns,
  writes: readonly RowWrite<R>[],
  alsoInTransaction?: (client: pg.PoolClient) => Promise<void>,
): Promise<RowFailure<R>[]> {
  if (writes.length === 0 && !alsoInTransaction) return [];
  const client = await db.connect();
  let broken = false;
  try {
    try {
      await beginSyncTransaction(client);
      for (const group of groupsOf(writes)) {
        const [first] = group;
        if (!first) continue;
        const statement = await statementFor(columns, first.side, first.kind);
        await client.query(statement, [JSON.stringify(group.map((write) => write.row))]);
      }
      await alsoInTransaction?.(client);
      await client.query("commit");
      return [];
    } catch (error) {
      await client.query("rollback").catch(() => {
        broken = true;
      });
      if (broken || writes.length === 0) throw error;
    }
    const failures: RowFailure<R>[] = [];
    await beginSyncTransaction(client);
    try {
      for (const write of writes) {
        const statement = await statementFor(columns, write.side, write.kind);
        await client.query("savepoint one_row");
        try {
          await client.query(statement, [JSON.stringify([write.row])]);
          await client.query("release savepoint one_row");
        } catch (error) {
          await client.query("rollback to savepoint one_row");
          failures.push({ write, error: messageOf(error) });
        }
      }
      await alsoInTransaction?.(client);
      await client.query("commit");
    } catch (error) {
      await client.query("rollback").catch(() => {
        broken = true;
      });
      throw error;
    }
    return failures;
  } finally {
    client.release(broken);
  }
}
