import { createHash } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { canonicalText } from "./canonical";
import { backlogOf, pendingChangesFor } from "./change-log";
import { type DomainSides, keyOf, keyString } from "./domain-sides";
import { keyAfter, rangeDigest, rowDigests, rowsInKeyRange, rowsWithKeys } from "./key-range";
import type { SqlRow, SyncTable } from "./sync-table";

export type DifferenceKind =
  | "missing_in_service"
  | "missing_in_legacy"
  | "different"
  | "untranslatable";

export type Difference = {
  table: string;
  key: SqlRow;
  kind: DifferenceKind;
  /** The legacy row translated to the service's shape (or as it is when untranslatable). */
  legacy: SqlRow | null;
  service: SqlRow | null;
};

export type VerifyOptions = {
  chunkSize: number;
  /**
   * A row that differs is read again this many times before it counts: each time once the sync
   * has applied every change captured before (at most `drainWaitMs`), then `recheckDelayMs` later.
   */
  recheckAttempts: number;
  recheckDelayMs: number;
  drainWaitMs?: number;
  /** Differences kept with their images in the report. */
  maxDetails: number;
};

export type VerificationReport = {
  rowsCompared: number;
  chunks: number;
  chunksMismatched: number;
  differences: Difference[];
  /**
   * Rows that still differed at the last re-check while a change of theirs was still waiting to
   * be applied (a row written faster than the lag): not a difference, verified again next time.
   */
  inFlight: number;
};

type Fingerprints = Map<string, { key: SqlRow; text: string; row: SqlRow }>;

function digest(prints: Fingerprints): string {
  const hash = createHash("sha256");
  for (const id of [...prints.keys()].sort()) hash.update(`${id}\u0000${prints.get(id)?.text}\n`);
  return hash.digest("hex");
}

function legacyPrints(table: SyncTable, rows: readonly SqlRow[], untranslatable: Difference[]) {
  const prints: Fingerprints = new Map();
  for (const row of rows) {
    const key = keyOf(table.legacy, row);
    try {
      const translated = table.toService(row);
      prints.set(keyString(key), { key, text: canonicalText(translated), row: translated });
    } catch {
      untranslatable.push({
        table: table.service.table,
        key,
        kind: "untranslatable",
        legacy: row,
        service: null,
      });
    }
  }
  return prints;
}

function servicePrints(table: SyncTable, rows: readonly SqlRow[]): Fingerprints {
  const prints: Fingerprints = new Map();
  for (const row of rows) {
    const key = keyOf(table.service, row);
    prints.set(keyString(key), { key, text: canonicalText(row), row });
  }
  return prints;
}

function diff(table: SyncTable, legacy: Fingerprints, service: Fingerprints): Difference[] {
  const differences: Difference[] = [];
  for (const [id, l] of legacy) {
    const s = service.get(id);
    if (!s)
      differences.push({
        table: table.service.table,
        key: l.key,
        kind: "missing_in_service",
        legacy: l.row,
        service: null,
      });
    else if (s.text !== l.text)
      differences.push({
        table: table.service.table,
        key: l.key,
        kind: "different",
        legacy: l.row,
        service: s.row,
      });
  }
  for (const [id, s] of service) {
    if (!legacy.has(id))
      differences.push({
        table: table.service.table,
        key: s.key,
        kind: "missing_in_legacy",
        legacy: null,
        service: s.row,
      });
  }
  return differences;
}

/**
 * Compares one table on both sides in key-ordered chunks: each chunk's rows are fingerprinted in
 * a canonical form (the legacy row translated to the service's shape), the two digests compared,
 * and only a chunk whose digests differ is diffed row by row. The service's rows are read by the
 * same key range as the legacy chunk, so a row only the service has is found too.
 */
async function compareTable(
  sides: DomainSides,
  table: SyncTable,
  options: VerifyOptions,
  report: VerificationReport,
  suspects: Difference[],
): Promise<void> {
  if (table.renames)
    return compareTableInSql(sides, table, table.renames, options, report, suspects);
  let after: SqlRow | null = null;
  for (;;) {
    const legacyRows = await rowsInKeyRange(sides.legacy, table.legacy, {
      after,
      upTo: null,
      limit: options.chunkSize,
    });
    const last = legacyRows.at(-1);
    const final = legacyRows.length < options.chunkSize;
    const upTo = final || !last ? null : keyOf(table.legacy, last);
    const serviceRows = await rowsInKeyRange(sides.service, table.service, {
      after,
      upTo,
      limit: null,
    });
    const untranslatable: Difference[] = [];
    const l = legacyPrints(table, legacyRows, untranslatable);
    const s = servicePrints(table, serviceRows);
    report.chunks += 1;
    report.rowsCompared += Math.max(legacyRows.length, serviceRows.length);
    if (untranslatable.length > 0 || digest(l) !== digest(s)) {
      report.chunksMismatched += 1;
      suspects.push(...untranslatable, ...diff(table, l, s));
    }
    if (final || !last) return;
    after = keyOf(table.legacy, last);
  }
}

/** The same key under the service's column names (the keys map by position). */
function serviceKeyOf(table: SyncTable, legacyKey: SqlRow | null): SqlRow | null {
  if (!legacyKey) return null;
  return Object.fromEntries(
    table.service.key.map((column, i) => [column, legacyKey[table.legacy.key[i] as string]]),
  );
}

/**
 * `compareTable` for a table whose sides differ only by column names: each side computes its
 * chunk's digest in SQL over the same projection, so rows cross to Node only for a chunk whose
 * digests differ, to be diffed row by row.
 */
async function compareTableInSql(
  sides: DomainSides,
  table: SyncTable,
  renames: ReadonlyArray<readonly [legacy: string, service: string]>,
  options: VerifyOptions,
  report: VerificationReport,
  suspects: Difference[],
): Promise<void> {
  const legacyProjection = renames.map(([legacy, service]) => [legacy, service] as const);
  const serviceProjection = renames.map(([, service]) => [service, service] as const);
  let after: SqlRow | null = null;
  for (;;) {
    const upTo = await keyAfter(sides.legacy, table.legacy, after, options.chunkSize);
    const [l, s] = await Promise.all([
      rangeDigest(sides.legacy, table.legacy, legacyProjection, { after, upTo }),
      rangeDigest(sides.service, table.service, serviceProjection, {
        after: serviceKeyOf(table, after),
        upTo: serviceKeyOf(table, upTo),
      }),
    ]);
    report.chunks += 1;
    report.rowsCompared += Math.max(l.rows, s.rows);
    if (l.rows !== s.rows || l.digest !== s.digest) {
      report.chunksMismatched += 1;
      suspects.push(...(await diffChunkInSql(sides, table, renames, { after, upTo })));
    }
    if (!upTo) return;
    after = upTo;
  }
}

/**
 * The rows of a chunk whose digests differ: each side's per-row digests (in SQL) are compared
 * by key, and only the rows that differ are read whole, to be diffed and shown.
 */
async function diffChunkInSql(
  sides: DomainSides,
  table: SyncTable,
  renames: ReadonlyArray<readonly [legacy: string, service: string]>,
  range: { after: SqlRow | null; upTo: SqlRow | null },
): Promise<Difference[]> {
  const keyNames = table.service.key;
  const [legacyRows, serviceRows] = await Promise.all([
    rowDigests(sides.legacy, table.legacy, renames, keyNames, range),
    rowDigests(
      sides.service,
      table.service,
      renames.map(([, service]) => [service, service] as const),
      keyNames,
      { after: serviceKeyOf(table, range.after), upTo: serviceKeyOf(table, range.upTo) },
    ),
  ]);
  const serviceByKey = new Map(serviceRows.map((r) => [keyString(r.key), r.digest]));
  const legacyByKey = new Map(legacyRows.map((r) => [keyString(r.key), r.digest]));
  const differing = [
    ...legacyRows.filter((r) => serviceByKey.get(keyString(r.key)) !== r.digest),
    ...serviceRows.filter((r) => !legacyByKey.has(keyString(r.key))),
  ].map((r) => r.key);
  if (differing.length === 0) return [];
  const legacyKeys = differing.map((key) =>
    Object.fromEntries(table.legacy.key.map((column, i) => [column, key[keyNames[i] as string]])),
  );
  const untranslatable: Difference[] = [];
  const l = legacyPrints(
    table,
    await rowsWithKeys(sides.legacy, table.legacy, legacyKeys),
    untranslatable,
  );
  const s = servicePrints(table, await rowsWithKeys(sides.service, table.service, differing));
  return [...untranslatable, ...diff(table, l, s)];
}

/** Reads the suspect rows again on both sides; what still differs is returned. */
async function recheck(sides: DomainSides, suspects: readonly Difference[]): Promise<Difference[]> {
  const still: Difference[] = [];
  for (const table of sides.translator.tables) {
    const mine = suspects.filter((d) => d.table === table.service.table);
    if (mine.length === 0) continue;
    const keys = mine.map((d) => d.key);
    const untranslatable: Difference[] = [];
    const l = legacyPrints(
      table,
      await rowsWithKeys(sides.legacy, table.legacy, keys),
      untranslatable,
    );
    const s = servicePrints(table, await rowsWithKeys(sides.service, table.service, keys));
    still.push(...untranslatable, ...diff(table, l, s));
  }
  return still;
}

/** Which of `suspects` have a change waiting on either side (`<table>\0<key>`). */
async function stillInFlight(
  sides: DomainSides,
  suspects: readonly Difference[],
): Promise<Set<string>> {
  const waiting = new Set<string>();
  for (const table of sides.translator.tables) {
    const keys = suspects.filter((d) => d.table === table.service.table).map((d) => d.key);
    if (keys.length === 0) continue;
    const pending = [
      ...(await pendingChangesFor(sides.legacy, table.legacy.table, keys)),
      ...(await pendingChangesFor(sides.service, table.service.table, keys)),
    ];
    for (const change of pending)
      waiting.add(`${table.service.table}\u0000${keyString(change.rowKey)}`);
  }
  return waiting;
}

/**
 * Waits until neither side holds a change of the domain's tables captured before `since` (so
 * whatever differed then has had its chance to arrive), or `timeoutMs` passed.
 */
async function drainedPast(sides: DomainSides, since: number, timeoutMs: number): Promise<void> {
  const legacyTables = sides.translator.tables.map((t) => t.legacy.table);
  const serviceTables = sides.translator.tables.map((t) => t.service.table);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const backlogs = [
      await backlogOf(sides.legacy, legacyTables),
      await backlogOf(sides.service, serviceTables),
    ];
    const olderThanSince = backlogs.some((b) => b.pending > 0 && Date.now() - b.oldestMs <= since);
    if (!olderThanSince) return;
    await sleep(50);
  }
}

/**
 * Verifies a domain: every synced table compared in chunks, then every row that differed read
 * again after the sync had time to carry it (`recheckAttempts` × `recheckDelayMs`), so a row in
 * flight is not reported as a difference. What still differs after that is, unless a change of
 * its own is still waiting (a row written faster than the lag): that is counted as in flight.
 */
export async function verifyDomain(
  sides: DomainSides,
  options: VerifyOptions,
): Promise<VerificationReport> {
  const report: VerificationReport = {
    rowsCompared: 0,
    chunks: 0,
    chunksMismatched: 0,
    differences: [],
    inFlight: 0,
  };
  let suspects: Difference[] = [];
  for (const table of sides.translator.tables) {
    await compareTable(sides, table, options, report, suspects);
  }
  for (let attempt = 0; attempt < options.recheckAttempts && suspects.length > 0; attempt += 1) {
    await drainedPast(sides, Date.now(), options.drainWaitMs ?? 30_000);
    await sleep(options.recheckDelayMs);
    suspects = await recheck(sides, suspects);
    // rows that were written again while the sync carried them: another look sees the same
    const waiting = suspects.length > 0 ? await stillInFlight(sides, suspects) : new Set();
    if (suspects.every((d) => waiting.has(`${d.table}\u0000${keyString(d.key)}`))) break;
  }
  // A row with a change still waiting is in flight; the others are read once more, since a
  // change may have landed between the last read and the look at the log.
  const idOf = (d: Difference) => `${d.table}\u0000${keyString(d.key)}`;
  const waiting = await stillInFlight(sides, suspects);
  let settled = suspects.filter((d) => !waiting.has(idOf(d)));
  if (settled.length > 0) {
    settled = await recheck(sides, settled);
    const late = await stillInFlight(sides, settled);
    for (const id of late) waiting.add(id);
    settled = settled.filter((d) => !late.has(idOf(d)));
  }
  report.inFlight = suspects.filter((d) => waiting.has(idOf(d))).length;
  report.differences = settled;
  return report;
}
