import type pg from "pg";
import {
  type CapturedChange,
  clientChangesFor,
  deleteChanges,
  pendingChangesFor,
  readCommittedChanges,
} from "./change-log";
import { quarantineChange, recordConflict } from "./control-store";
import { type DirectionEnds, type DomainSides, keyOf, keyString } from "./domain-sides";
import { type RowWrite, writeRows } from "./row-writer";
import type { SqlRow, SyncTable } from "./sync-table";

export type StreamResult = {
  /** Changes read from the source (applied, superseded, lost a conflict or quarantined). */
  read: number;
  applied: number;
  quarantined: number;
  conflicts: number;
  /** Capture → applied of the oldest change applied in this batch. */
  lagMs: number | null;
  /** The batch was full: more may be waiting. */
  more: boolean;
};

type Planned = { change: CapturedChange; table: SyncTable; write: RowWrite<CapturedChange> };

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The last change of each row: earlier ones are superseded by it (full row images). */
function lastPerRow(changes: readonly CapturedChange[]): CapturedChange[] {
  const last = new Map<string, CapturedChange>();
  for (const change of changes) {
    last.set(`${change.tableName}\u0000${keyString(change.rowKey)}`, change);
  }
  return [...last.values()];
}

/**
 * Moves one batch of committed changes of a domain's tables from one side to the other: the
 * last change of each row, translated, upserted or deleted in one transaction of the sync's own;
 * a change that cannot be translated or applied goes to quarantine and the rest go on. A row
 * with an unshipped change on the target side too is a conflict: the later capture wins
 * (docs/decisions/0011). The source's changes are forgotten only after the target committed.
 */
export async function streamBatch(
  sides: DomainSides,
  ends: DirectionEnds,
  batchSize: number,
): Promise<StreamResult> {
  const { translator } = sides;
  const bySourceTable = new Map(translator.tables.map((t) => [ends.sourceSide(t).table, t]));
  const changes = await readCommittedChanges(ends.source, [...bySourceTable.keys()], batchSize);
  const result: StreamResult = {
    read: changes.length,
    applied: 0,
    quarantined: 0,
    conflicts: 0,
    lagMs: null,
    more: changes.length === batchSize,
  };
  if (changes.length === 0) return result;

  const planned: Planned[] = [];
  for (const change of lastPerRow(changes)) {
    const table = bySourceTable.get(change.tableName);
    if (!table) continue;
    try {
      const side = ends.targetSide(table);
      const row = change.rowImage ? ends.translate(table, change.rowImage) : change.rowKey;
      const write: RowWrite<CapturedChange> = {
        side,
        kind: change.op === "delete" ? "delete" : "upsert",
        row,
        ref: change,
      };
      planned.push({ change, table, write });
    } catch (error) {
      await quarantineChange(
        sides.control,
        translator.domain,
        ends.direction,
        change,
        messageOf(error),
      );
      result.quarantined += 1;
      // kept in quarantine now: forget the row's changes at once, so a failure of the rest of
      // the batch cannot quarantine it a second time
      const rowId = `${change.tableName}\u0000${keyString(change.rowKey)}`;
      await deleteChanges(
        ends.source,
        changes
          .filter((c) => `${c.tableName}\u0000${keyString(c.rowKey)}` === rowId)
          .map((c) => c.id),
      );
    }
  }

  const { kept, supersededOnTarget, seenOnTarget } = await settleConflicts(
    sides,
    ends,
    planned,
    result,
  );
  const failures = await writeRows(
    ends.target,
    ends.targetColumns,
    kept.map((p) => p.write),
    async (client) => {
      await refuseRacedWrites(client, kept, seenOnTarget);
      if (supersededOnTarget.length > 0) await deleteChanges(client, supersededOnTarget);
    },
  );
  for (const failure of failures) {
    await quarantineChange(
      sides.control,
      translator.domain,
      ends.direction,
      failure.write.ref,
      failure.error,
    );
  }
  result.quarantined += failures.length;
  result.applied = kept.length - failures.length;
  const now = Date.now();
  const oldest = Math.min(...kept.map((p) => p.change.capturedAt.getTime()));
  if (kept.length > 0) result.lagMs = Math.max(0, now - oldest);
  await deleteChanges(
    ends.source,
    changes.map((change) => change.id),
  );
  return result;
}

/**
 * Finds rows that also have an unshipped client change on the target. The later capture wins:
 * if it is the incoming change, the target's own change is dropped in the same transaction (it
 * would carry the older image back); if it is the target's, the incoming change is not applied
 * (the target's will travel the other way). Either way the loser is recorded.
 */
async function settleConflicts(
  sides: DomainSides,
  ends: DirectionEnds,
  planned: readonly Planned[],
  result: StreamResult,
): Promise<{ kept: Planned[]; supersededOnTarget: number[]; seenOnTarget: Set<number> }> {
  const byTargetTable = new Map<string, Planned[]>();
  for (const p of planned) {
    const list = byTargetTable.get(p.write.side.table) ?? [];
    list.push(p);
    byTargetTable.set(p.write.side.table, list);
  }
  const kept: Planned[] = [];
  const supersededOnTarget: number[] = [];
  const seenOnTarget = new Set<number>();
  for (const [table, list] of byTargetTable) {
    const keys = list.map((p) => keyOf(p.write.side, p.write.row));
    const pending = await pendingChangesFor(ends.target, table, keys);
    for (const change of pending) seenOnTarget.add(change.id);
    if (pending.length === 0) {
      kept.push(...list);
      continue;
    }
    const latestByKey = new Map<string, CapturedChange>();
    for (const change of pending) latestByKey.set(keyString(change.rowKey), change);
    for (const p of list) {
      const theirs = latestByKey.get(keyString(keyOf(p.write.side, p.write.row)));
      if (!theirs) {
        kept.push(p);
        continue;
      }
      const incomingWins = laterCapture(p.change, ends.sourceName, theirs);
      const ours: SqlRow | null = p.change.rowImage;
      await recordConflict(sides.control, {
        domain: sides.translator.domain,
        tableName: p.change.tableName,
        rowKey: p.change.rowKey,
        winner: incomingWins
          ? ends.sourceName
          : ends.sourceName === "legacy"
            ? "service"
            : "legacy",
        legacyImage: ends.sourceName === "legacy" ? ours : theirs.rowImage,
        serviceImage: ends.sourceName === "service" ? ours : theirs.rowImage,
      });
      result.conflicts += 1;
      if (incomingWins) {
        kept.push(p);
        supersededOnTarget.push(
          ...pending
            .filter((c) => keyString(c.rowKey) === keyString(theirs.rowKey))
            .map((c) => c.id),
        );
      }
    }
  }
  return { kept, supersededOnTarget, seenOnTarget };
}

/**
 * Whether `incoming` (from `source`) is the later of two captures of one row, to the
 * microsecond. Two captures in the same microsecond go to the service's, whichever direction
 * judges them, so both directions agree (the incoming change used to win a tie, and with
 * millisecond times both sides could converge on the earlier write).
 */
function laterCapture(
  incoming: CapturedChange,
  source: "legacy" | "service",
  theirs: CapturedChange,
): boolean {
  if (incoming.capturedMicros !== theirs.capturedMicros) {
    return incoming.capturedMicros > theirs.capturedMicros;
  }
  return source === "service";
}

/**
 * A client write to a row between the conflict check and the sync's write of it would be
 * overwritten by an older image. Our upsert now holds the rows' locks, so such a write has
 * committed (and its capture is visible) or waits for us: one we did not judge rolls the batch
 * back, and the next pass judges it as a conflict.
 */
async function refuseRacedWrites(
  client: pg.PoolClient,
  kept: readonly Planned[],
  seen: ReadonlySet<number>,
): Promise<void> {
  const keysByTable = new Map<string, SqlRow[]>();
  for (const p of kept) {
    const keys = keysByTable.get(p.write.side.table) ?? [];
    keys.push(keyOf(p.write.side, p.write.row));
    keysByTable.set(p.write.side.table, keys);
  }
  for (const [table, keys] of keysByTable) {
    const raced = (await clientChangesFor(client, table, keys)).filter((id) => !seen.has(id));
    if (raced.length > 0) {
      throw new Error(
        `a client wrote ${raced.length} row(s) of ${table} while the sync applied them; the batch is retried`,
      );
    }
  }
}
