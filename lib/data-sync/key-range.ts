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

/** The key `n` rows after `after` (the last key of a chunk of `n`), or null when fewer remain. */
export async function keyAfter(
  db: pg.Pool,
  side: TableSide,
  after: SqlRow | null,
  n: number,
): Promise<SqlRow | null> {
  const params: unknown[] = [Math.max(0, Math.trunc(n) - 1)];
  let where = "";
  if (after) {
    params.push(JSON.stringify(after));
    where = `where ${keyTuple(side, "t")} > ${keyFromParam(side, "$2")}`;
  }
  const columns = side.key.map((k) => `t.${quoted(k)}`).join(", ");
  const { rows } = await db.query<{ key: SqlRow }>(
    `select to_jsonb(k) as key from (select ${columns} from ${quoted(side.table)} t ${where}
       order by ${columns} offset $1 limit 1) k`,
    params,
  );
  return rows[0]?.key ?? null;
}

function rangeWhere(side: TableSide, range: { after: SqlRow | null; upTo: SqlRow | null }) {
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
  return { params, where: where.length > 0 ? `where ${where.join(" and ")}` : "" };
}

/** `jsonb_build_object('<as>', t."<column>", …)`: a row under the names both sides share. */
function projectionOf(columns: ReadonlyArray<readonly [column: string, as: string]>): string {
  // A row value of the columns in the order of their shared names: both sides list the same
  // values in the same order, and a row's text form costs half a JSON object's (each column
  // pair has one type on both sides, so both print a value alike; NULL and '' differ).
  const ordered = [...columns].sort(([, a], [, b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `row(${ordered.map(([column]) => `t.${quoted(column)}`).join(", ")})`;
}

/** Runs `sql` in a read-only transaction with the session's TimeZone at UTC. */
async function readInUtc<R extends pg.QueryResultRow>(db: pg.Pool, sql: string, params: unknown[]) {
  const client = await db.connect();
  try {
    await client.query("begin read only");
    await client.query("set local timezone = 'UTC'");
    const { rows } = await client.query<R>(sql, params);
    await client.query("commit");
    return rows;
  } catch (error) {
    await client.query("rollback").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/**
 * How many rows of `side` lie in the key range (`after`, `upTo`] and a digest of them projected
 * as `columns` (`[column of this side, name in the projection]`), in key order. Read with the
 * session's TimeZone at UTC, so the same data on two sides gives the same digest.
 */
export async function rangeDigest(
  db: pg.Pool,
  side: TableSide,
  columns: ReadonlyArray<readonly [column: string, as: string]>,
  range: { after: SqlRow | null; upTo: SqlRow | null },
): Promise<{ rows: number; digest: string | null }> {
  const { params, where } = rangeWhere(side, range);
  const keys = side.key.map((k) => `t.${quoted(k)}`).join(", ");
  const [row] = await readInUtc<{ n: number; digest: string | null }>(
    db,
    `select count(*)::int as n,
            md5(string_agg(${projectionOf(columns)}::text, E'\\n' order by ${keys})) as digest
       from ${quoted(side.table)} t ${where}`,
    params,
  );
  return { rows: row?.n ?? 0, digest: row?.digest ?? null };
}

/** Each row's key (under `keyAs` names) and the digest of its projection, in the key range. */
export async function rowDigests(
  db: pg.Pool,
  side: TableSide,
  columns: ReadonlyArray<readonly [column: string, as: string]>,
  keyAs: readonly string[],
  range: { after: SqlRow | null; upTo: SqlRow | null },
): Promise<Array<{ key: SqlRow; digest: string }>> {
  const { params, where } = rangeWhere(side, range);
  const key = side.key.map((k, i) => `'${quoted(keyAs[i] ?? k).slice(1, -1)}', t.${quoted(k)}`);
  return readInUtc<{ key: SqlRow; digest: string }>(
    db,
    `select jsonb_build_object(${key.join(", ")}) as key, md5(${projectionOf(columns)}::text) as digest
       from ${quoted(side.table)} t ${where}`,
    params,
  );
}
