import { type BackfillRow, quarantineChange } from "./control-store";
import { copyChunkInSql } from "./copy-chunk";
import { type DomainSides, keyOf } from "./domain-sides";
import { rowCount, rowsInKeyRange } from "./key-range";
import { type RowWrite, writeRows } from "./row-writer";
import type { ProjectionSeed, SqlRow, SyncTable, TableSide } from "./sync-table";

/** One step of a backfill: a domain table (copied as upserts) or a projection (seeded if absent). */
type Phase = {
  name: string;
  /** `[legacy, service]` columns when every service column is a legacy one: copied in SQL. */
  renames?: ReadonlyArray<readonly [legacy: string, service: string]>;
  source: TableSide;
  target: TableSide;
  kind: "upsert" | "insert-if-absent";
  translate(row: SqlRow): SqlRow;
};

/** The tables in their order (parents first), then the projections: `table:<t>`, `projection:<t>`. */
export function phasesOf(sides: DomainSides): Phase[] {
  const tables = sides.translator.tables.map(
    (table: SyncTable): Phase => ({
      name: `table:${table.legacy.table}`,
      renames: table.renames,
      source: table.legacy,
      target: table.service,
      kind: "upsert",
      translate: (row) => table.toService(row),
    }),
  );
  const projections = sides.translator.projections.map(
    (projection: ProjectionSeed): Phase => ({
      name: `projection:${projection.service.table}`,
      renames: projection.renames,
      source: projection.legacy,
      target: projection.service,
      kind: "insert-if-absent",
      translate: (row) => projection.build(row),
    }),
  );
  return [...tables, ...projections];
}

/** Rows the backfill will read in all, for the progress bar and the ETA. */
export async function backfillTotal(sides: DomainSides): Promise<number> {
  let total = 0;
  for (const phase of phasesOf(sides)) total += await rowCount(sides.legacy, phase.source);
  return total;
}

export type ChunkResult = { progress: BackfillRow; copied: number; quarantined: number };

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Copies the next chunk of legacy rows into the service, from the checkpoint in `progress`, and
 * returns the checkpoint after it. The caller drains the change stream before each chunk, so the
 * chunk's snapshot is newer than every change already applied and older than every change still
 * to come (docs/decisions/0011): the last write wins without locks. A row the translator or the
 * service's rules refuse goes to quarantine; the chunk goes on.
 */
export async function copyChunk(
  sides: DomainSides,
  progress: BackfillRow,
  chunkSize: number,
): Promise<ChunkResult> {
  const phases = phasesOf(sides);
  let index = phases.findIndex((phase) => phase.name === progress.phase);
  if (index < 0) index = 0;
  const phase = phases[index];
  if (!phase) return { progress: { ...progress, status: "complete" }, copied: 0, quarantined: 0 };
  const after = progress.phase === phase.name ? progress.lastKey : null;
  const inSql = phase.renames
    ? await copyChunkInSql(
        sides,
        { source: phase.source, target: phase.target, renames: phase.renames, kind: phase.kind },
        after,
        chunkSize,
      )
    : null;
  // row by row through the translator: computed projections, and a chunk the service refused in SQL
  const chunk = inSql
    ? { read: inSql.rows, lastKey: inSql.lastKey, quarantined: 0 }
    : await copyChunkByRow(sides, phase, after, chunkSize);

  const done = chunk.read < chunkSize;
  const next = done ? phases[index + 1] : phase;
  return {
    progress: {
      ...progress,
      phase: next ? next.name : phase.name,
      lastKey: done ? null : (chunk.lastKey ?? after),
      rowsCopied: progress.rowsCopied + chunk.read,
      status: next ? progress.status : "complete",
    },
    copied: chunk.read - chunk.quarantined,
    quarantined: chunk.quarantined,
  };
}

/** One chunk read as JSON rows, translated in Node and written; refused rows go to quarantine. */
async function copyChunkByRow(
  sides: DomainSides,
  phase: Phase,
  after: SqlRow | null,
  chunkSize: number,
): Promise<{ read: number; lastKey: SqlRow | null; quarantined: number }> {
  const rows = await rowsInKeyRange(sides.legacy, phase.source, {
    after,
    upTo: null,
    limit: chunkSize,
  });
  let quarantined = 0;
  const quarantine = async (row: SqlRow, error: string) => {
    quarantined += 1;
    await quarantineChange(
      sides.control,
      sides.translator.domain,
      "legacy_to_service",
      {
        tableName: phase.source.table,
        rowKey: keyOf(phase.source, row),
        op: "upsert",
        rowImage: row,
      },
      error,
    );
  };
  const writes: RowWrite<SqlRow>[] = [];
  for (const row of rows) {
    try {
      writes.push({ side: phase.target, kind: phase.kind, row: phase.translate(row), ref: row });
    } catch (error) {
      await quarantine(row, messageOf(error));
    }
  }
  const failures = await writeRows(sides.service, sides.serviceColumns, writes);
  for (const failure of failures) await quarantine(failure.write.ref, failure.error);
  const last = rows.at(-1);
  return { read: rows.length, lastKey: last ? keyOf(phase.source, last) : null, quarantined };
}
