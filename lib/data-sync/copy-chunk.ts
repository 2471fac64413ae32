import { pipeline } from "node:stream/promises";
import type pg from "pg";
import { from as copyFrom, to as copyTo } from "pg-copy-streams";
import type { DomainSides } from "./domain-sides";
import { quoted } from "./key-range";
import { beginSyncTransaction, upsertClause } from "./row-writer";
import type { SqlRow, SyncTable } from "./sync-table";

const CHUNK_TABLE = "keiko_backfill_chunk";

export type CopiedChunk = { rows: number; lastKey: SqlRow | null };

/**
 * Copies the next chunk of a table whose sides differ only by column names in SQL: `COPY (select
 * … renamed … order by key limit n) TO STDOUT` from legacy, streamed into `COPY … FROM STDIN` of
 * a temporary table in one of the sync's own transactions on the service, then upserted from it
 * (the same last-write-wins upsert as the stream). Rows never pass through JSON in Node.
 * Resolves null, having written nothing, when the service refuses the chunk (a row breaking its
 * rules) or the table cannot be copied this way: the caller then copies it row by row, which
 * quarantines the bad rows alone.
 */
export async function copyChunkInSql(
  sides: DomainSides,
  table: SyncTable,
  after: SqlRow | null,
  limit: number,
): Promise<CopiedChunk | null> {
  if (!table.renames) return null;
  const legacyOf = new Map(table.renames.map(([legacy, service]) => [service, legacy]));
  const serviceColumns = await sides.serviceColumns.of(table.service.table);
  if (serviceColumns.some((column) => !legacyOf.has(column))) return null;

  const source = table.legacy;
  const keyList = source.key.map((k) => `t.${quoted(k)}`).join(", ");
  const legacyClient = await sides.legacy.connect();
  const serviceClient = await sides.service.connect();
  let broken = false;
  let readFailed = false;
  try {
    const where = after
      ? `where (${keyList}) > (select ${source.key.map(quoted).join(", ")} from jsonb_populate_record(null::${quoted(source.table)}, ${legacyClient.escapeLiteral(JSON.stringify(after))}::jsonb))`
      : "";
    const select = serviceColumns
      .map((column) => `t.${quoted(legacyOf.get(column) as string)} as ${quoted(column)}`)
      .join(", ");
    const read = `copy (select ${select} from ${quoted(source.table)} t ${where} order by ${keyList} limit ${Math.trunc(limit)}) to stdout`;
    const target = quoted(table.service.table);
    await beginSyncTransaction(serviceClient);
    try {
      await serviceClient.query(`create temp table ${CHUNK_TABLE} (like ${target}) on commit drop`);
      await pipeline(
        legacyClient.query(copyTo(read)),
        serviceClient.query(
          copyFrom(`copy ${CHUNK_TABLE} (${serviceColumns.map(quoted).join(", ")}) from stdin`),
        ),
      );
      await serviceClient.query(
        `insert into ${target} select * from ${CHUNK_TABLE} ${await upsertClause(sides.serviceColumns, table.service)}`,
      );
      const keys = table.service.key.map(quoted).join(", ");
      const { rows } = await serviceClient.query<{ n: number; last: SqlRow | null }>(
        `select (select count(*)::int from ${CHUNK_TABLE}) as n,
                (select to_jsonb(k) from (select ${keys} from ${CHUNK_TABLE} order by ${keys} desc limit 1) k) as last`,
      );
      await serviceClient.query("commit");
      const last = rows[0]?.last ?? null;
      // the checkpoint names the legacy key columns
      const lastKey = last
        ? Object.fromEntries(source.key.map((k, i) => [k, last[table.service.key[i] as string]]))
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
