import type pg from "pg";
import type { SqlRow, TableSide } from "./sync-table";

const identifier = /^[a-z_][a-z0-9_]*$/;

/** A double-quoted SQL identifier, refused unless it is plain lower snake_case. */
export function quoted(name: string): string {
  if (!identifier.test(name)) throw new Error(`not a safe SQL identifier: ${name}`);
  return `"${name}"`;
}

/** `(k1, k2)` of `side` on table alias `alias`. */
function keyTuple(side: TableSide, alias: string): string {
  return `(${side.key.map((k) => `${alias}.${quoted(k)}`).join(", ")})`;
}

/** The same key columns read from a jsonb parameter, typed like the table's. */
function keyFromParam(side: TableSide, param: string): string {
  const columns = side.key.map(quoted).join(", ");
  return `(select ${columns} from jsonb_populate_record(null::${quoted(side.table)}, ${param}::jsonb))`;
}

/**
 * Rows of `side` whose key is after `after` (exclusive; null: from the start) and up to `upTo`
 * (inclusive; null: to the end), in key order, at most `limit` (null: all), as `to_jsonb` rows.
 */
export async function rowsInKeyRange(
  db: pg.Pool | pg.PoolClient,
  side: TableSide,
  range: { after: SqlRow | null; upTo: SqlRow | null; limit: number | null },
): Promise<SqlRow[]> {
  const params: unknown[] = [];
  const where: string[] = [];
  if (range.after) {
    params.push(JSON.stringify(range.after));
    where.push(`${keyTuple(side, "t")} > ${keyFromParam(side, `$${params.length}`)}`);
  }
  if (range.upTo) {
    params.push(JSON.stringify(range.upTo));
    where.push(`${keyTuple(side, "t")} <= ${keyFromParam(side, `$${params.length}`)}`);
  }
  let limit = "";
  if (range.limit !== null) {
    params.push(range.limit);
    limit = `limit $${params.length}`;
  }
  const order = side.key.map((k) => `t.${quoted(k)}`).join(", ");
  const { rows } = await db.query<{ row: SqlRow }>(
    `select to_jsonb(t) as row from ${quoted(side.table)} t
      ${where.length > 0 ? `where ${where.join(" and ")}` : ""}
      order by ${order} ${limit}`,
    params,
  );
  return rows.map((r) => r.row);
}

/** Rows of `side` with exactly these keys, as `to_jsonb` rows. */
export async function rowsWithKeys(
  db: pg.Pool | pg.PoolClient,
  side: TableSide,
  keys: readonly SqlRow[],
): Promise<SqlRow[]> {
  if (keys.length === 0) return [];
  const match = side.key.map((k) => `t.${quoted(k)} = k.${quoted(k)}`).join(" and ");
  const { rows } = await db.query<{ row: SqlRow }>(
    `select to_jsonb(t) as row from ${quoted(side.table)} t
       join jsonb_populate_recordset(null::${quoted(side.table)}, $1::jsonb) k on ${match}`,
    [JSON.stringify(keys)],
  );
  return rows.map((r) => r.row);
}

/** How many rows `side` holds. */
export async function rowCount(db: pg.Pool, side: TableSide): Promise<number> {
  const { rows } = await db.query<{ n: string }>(`select count(*) as n from ${quoted(side.table)}`);
  return Number(rows[0]?.n ?? 0);
}
