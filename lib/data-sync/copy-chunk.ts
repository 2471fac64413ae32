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
 * Copies the next chunk in SQL when every service column is a legacy column as it is: `COPY
 * (select … renamed … order by key limit n) TO STDOUT` from legacy, streamed into `COPY … FROM
 * STDIN` of a temporary table in one of the sync's own transactions on the service, then
 * upserted (or, for a projection, inserted where absent) from it. Rows never pass through JSON
 * in Node. Resolves null, having written nothing, when the service refuses the chunk (a row
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
  const keyList = source.key.map((k) => `t.${quoted(k)}`).join(", ");
  const legacyClient = await sides.legacy.connect();
  const serviceClient = await sides.service.connect();
  let broken = false;
  let readFailed = false;
  try {
    const where = after
      ? `where (${keyList}) > (select ${source.key.map(quoted).join(", ")} from jsonb_populate_record(null::${quoted(source.table)}, ${legacyClient.escapeLiteral(JSON.stringify(after))}::jsonb))`
      : "";
    const select = spec.renames
      .map(([legacy, service]) => `t.${quoted(legacy)} as ${quoted(service)}`)
      .join(", ");
    const read = `copy (select ${select} from ${quoted(source.table)} t ${where} order by ${keyList} limit ${Math.trunc(limit)}) to stdout`;
    const target = quoted(spec.target.table);
    const columns = written.map(quoted).join(", ");
    await beginSyncTransaction(serviceClient);
    try {
      await serviceClient.query(`create temp table ${CHUNK_TABLE} (like ${target}) on commit drop`);
      await pipeline(
        legacyClient.query(copyTo(read)),
        serviceClient.query(copyFrom(`copy ${CHUNK_TABLE} (${columns}) from stdin`)),
      );
      const onConflict =
        spec.kind === "upsert"
          ? await upsertClause(sides.serviceColumns, spec.target)
          : `on conflict (${spec.target.key.map(quoted).join(", ")}) do nothing`;
      await serviceClient.query(
        `insert into ${target} (${columns}) select ${columns} from ${CHUNK_TABLE} ${onConflict}`,
      );
      const keys = spec.target.key.map(quoted).join(", ");
      const { rows } = await serviceClient.query<{ n: number; last: SqlRow | null }>(
        `select (select count(*)::int from ${CHUNK_TABLE}) as n,
                (select to_jsonb(k) from (select ${keys} from ${CHUNK_TABLE} order by ${keys} desc limit 1) k) as last`,
      );
      await serviceClient.query("commit");
      const last = rows[0]?.last ?? null;
      // the checkpoint names the legacy key columns
      const lastKey = last
        ? Object.fromEntries(spec.target.key.map((key, i) => [legacyOfKey[i] as string, last[key]]))
        : null;
      return { rows: rows[0]?.n ?? 0, lastKey };
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

/** A row the service's rules refuse (integrity or data errors), not a connection fault. */
function isRefusal(error: unknown): boolean {
  const code = (error as pg.DatabaseError | undefined)?.code ?? "";
  return code.startsWith("23") || code.startsWith("22");
}
