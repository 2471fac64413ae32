import { pipeline } from "node:stream/promises";
import type pg from "pg";
import { from as copyFrom, to as copyTo } from "pg-copy-streams";
import type { DomainSides } from "./domain-sides";
import { quoted } from "./key-range";
import { beginSyncTransaction, upsertClause } from "./row-writer";
import type { SqlRow, TableSide } from "./sync-table";

const CHUNK_TABLE = "keiko_backfill_chunk";

export type CopiedChunk = { rows: number; lastKey: SqlRow | null };

/** What a chunk copied in SQL reads, writes and how (a synced table, or a projection seed). */
export type CopySpec = {
  source: TableSide;
  target: TableSide;
  /** `[legacy column, service column]`, every column written. */
  renames: ReadonlyArray<readonly [legacy: string, service: string]>;
  /** Replace a row that is there (a table), or leave it (a projection). */
  kind: "upsert" | "insert-if-absent";
};

/**
 * Copies the next chunk in SQL when every service column is a legacy column as it is: the key
 * of the chunk's last row is read first, then `COPY (select … renamed … where key in the chunk's
 * range) TO STDOUT` from legacy is streamed, in one of the sync's own transactions on the
 * service, straight into the service table when it holds nothing in that range yet (a first
 * backfill; docs/decisions/0011), else into a temporary table and upserted (or, for a
 * projection, inserted where absent) from it. Rows never pass through JSON in Node. Resolves null, having written nothing, when the service refuses the chunk (a row
 * breaking its rules) or a table cannot be copied this way: the caller then copies it row by
 * row, which quarantines the bad rows alone.
 */
export async function copyChunkInSql(
  sides: DomainSides,
  spec: CopySpec,
  after: SqlRow | null,
  limit: number,
): Promise<CopiedChunk | null> {
  const written = spec.renames.map(([, service]) => service);
  if (spec.kind === "upsert") {
    const serviceColumns = await sides.serviceColumns.of(spec.target.table);
    if (serviceColumns.some((column) => !written.includes(column))) return null;
  }
  const legacyOfKey = spec.target.key.map(
    (key) => spec.renames.find(([, service]) => service === key)?.[0],
  );
  if (legacyOfKey.some((column) => column === undefined)) return null;

  const source = spec.source;
  let legacyClient = await sides.legacy.connect();
  const serviceClient = await sides.service.connect();
  let broken = false;
  let readFailed = false;
  try {
    const chunk = await nextChunkBounds(legacyClient, source, after, limit);
    if (!chunk) return { rows: 0, lastKey: null };
    const select = spec.renames
      .map(([legacy, service]) => `t.${quoted(legacy)} as ${quoted(service)}`)
      .join(", ");
    const keyList = source.key.map((k) => `t.${quoted(k)}`).join(", ");
    const read = `copy (select ${select} from ${quoted(source.table)} t where ${chunk.where} order by ${keyList}) to stdout`;
    const target = quoted(spec.target.table);
    const columns = written.map(quoted).join(", ");
    await beginSyncTransaction(serviceClient);
    try {
      const serviceBounds = renamedBounds(chunk, legacyOfKey as string[], spec.target.key);
      const straight = await rangeIsEmpty(serviceClient, spec.target, serviceBounds);
      let rows = straight
        ? await copyStraight(legacyClient, serviceClient, read, `${target} (${columns})`)
        : null;
      if (rows === null) {
        if (straight) {
          // the straight COPY was cut short by the conflict: its legacy connection is spent
          legacyClient.release(true);
          legacyClient = await sides.legacy.connect();
        }
        await serviceClient.query(
          `create temp table ${CHUNK_TABLE} (like ${target}) on commit drop`,
        );
        rows = await copyInto(legacyClient, serviceClient, read, `${CHUNK_TABLE} (${columns})`);
        const onConflict =
          spec.kind === "upsert"
            ? await upsertClause(sides.serviceColumns, spec.target)
            : `on conflict (${spec.target.key.map(quoted).join(", ")}) do nothing`;
        await serviceClient.query(
          `insert into ${target} (${columns}) select ${columns} from ${CHUNK_TABLE} ${onConflict}`,
        );
      }
      await serviceClient.query("commit");
      return { rows, lastKey: chunk.last };
    } catch (error) {
      await serviceClient.query("rollback").catch(() => {
        broken = true;
      });
      if (isRefusal(error)) return null;
      readFailed = true;
      throw error;
    }
  } finally {
    // a COPY cut short leaves its connection in no state to be reused
    legacyClient.release(readFailed);
    serviceClient.release(broken);
  }
}

/** A chunk of the source: its rows are those after `after` up to `last`, by key. */
type ChunkBounds = { after: SqlRow | null; last: SqlRow; where: string };

/** The key of the `limit`-th row after `after` (or of the last one), read first so the COPY is bounded by keys. */
async function nextChunkBounds(
  client: pg.PoolClient,
  source: TableSide,
  after: SqlRow | null,
  limit: number,
): Promise<ChunkBounds | null> {
  const keys = source.key.map((k) => `t.${quoted(k)}`).join(", ");
  const afterWhere = after ? `where (${keys}) > ${keyTuple(client, source, after)}` : "";
  const { rows } = await client.query<{ last: SqlRow | null }>(
    `select (select to_jsonb(k) from (select ${keys} from ${quoted(source.table)} t ${afterWhere}
               order by ${keys} limit ${Math.trunc(limit)}) k order by ${source.key.map(quoted).join(", ")} desc limit 1) as last`,
  );
  const last = rows[0]?.last ?? null;
  if (!last) return null;
  const upTo = `(${keys}) <= ${keyTuple(client, source, last)}`;
  const where = after ? `(${keys}) > ${keyTuple(client, source, after)} and ${upTo}` : upTo;
  return { after, last, where };
}

/** `key` (a row's key columns, as JSON) as a row value of `side`'s key columns, typed by its table. */
function keyTuple(client: pg.PoolClient, side: TableSide, key: SqlRow): string {
  const columns = side.key.map(quoted).join(", ");
  return `(select ${columns} from jsonb_populate_record(null::${quoted(side.table)}, ${client.escapeLiteral(JSON.stringify(key))}::jsonb))`;
}

/** The chunk's bounds under the service's key column names. */
function renamedBounds(
  chunk: ChunkBounds,
  legacyOfKey: readonly string[],
  serviceKey: readonly string[],
): { after: SqlRow | null; last: SqlRow } {
  const rename = (row: SqlRow) =>
    Object.fromEntries(serviceKey.map((key, i) => [key, row[legacyOfKey[i] as string]]));
  return { after: chunk.after ? rename(chunk.after) : null, last: rename(chunk.last) };
}

/** Whether the service holds no row yet in the chunk's key range (a first backfill). */
async function rangeIsEmpty(
  client: pg.PoolClient,
  target: TableSide,
  bounds: { after: SqlRow | null; last: SqlRow },
): Promise<boolean> {
  const keys = target.key.map((k) => `t.${quoted(k)}`).join(", ");
  const upTo = `(${keys}) <= ${keyTuple(client, target, bounds.last)}`;
  const where = bounds.after
    ? `(${keys}) > ${keyTuple(client, target, bounds.after)} and ${upTo}`
    : upTo;
  const { rows } = await client.query<{ taken: boolean }>(
    `select exists (select 1 from ${quoted(target.table)} t where ${where}) as taken`,
  );
  return rows[0]?.taken === false;
}

/** Streams `read` (a COPY TO on legacy) into `into` (a table and its columns) on the service. */
async function copyInto(
  legacyClient: pg.PoolClient,
  serviceClient: pg.PoolClient,
  read: string,
  into: string,
): Promise<number> {
  const sink = serviceClient.query(copyFrom(`copy ${into} from stdin`));
  await pipeline(legacyClient.query(copyTo(read)), sink);
  return sink.rowCount;
}

/**
 * The fast path of a first backfill: the chunk's rows straight into the service table, in a
 * savepoint. A row the sync wrote into the range meanwhile makes it a unique violation: the
 * savepoint is rolled back and the caller takes the upsert path (null).
 */
async function copyStraight(
  legacyClient: pg.PoolClient,
  serviceClient: pg.PoolClient,
  read: string,
  into: string,
): Promise<number | null> {
  await serviceClient.query("savepoint straight");
  try {
    const rows = await copyInto(legacyClient, serviceClient, read, into);
    await serviceClient.query("release savepoint straight");
    return rows;
  } catch (error) {
    if ((error as pg.DatabaseError | undefined)?.code !== "23505") throw error;
    await serviceClient.query("rollback to savepoint straight");
    return null;
  }
}

/** A row the service's rules refuse (integrity or data errors), not a connection fault. */
function isRefusal(error: unknown): boolean {
  const code = (error as pg.DatabaseError | undefined)?.code ?? "";
  return code.startsWith("23") || code.startsWith("22");
}
