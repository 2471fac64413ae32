import type pg from "pg";
import type { DomainName } from "@/lib/contracts/domains";
import type { CapturedChange } from "./change-log";
import type { SqlRow } from "./sync-table";

/**
 * The sync worker's reads and writes of keiko_control (server/db/schema/data-sync.ts is the
 * schema; workers may not import the console's code, so this speaks plain SQL to the same tables).
 */

export type Direction = "legacy_to_service" | "service_to_legacy";

/** The channel the control plane notifies when an operator asks the worker for something. */
export const DATA_COMMANDS_CHANNEL = "keiko_data_commands";

export type BackfillRow = {
  domain: DomainName;
  status: "not_started" | "running" | "paused" | "complete";
  phase: string | null;
  lastKey: SqlRow | null;
  rowsCopied: number;
  rowsTotal: number;
  rowsPerSecond: number;
  throttleRowsPerSecond: number;
};

type BackfillRecord = {
  domain: DomainName;
  status: BackfillRow["status"];
  phase: string | null;
  last_key: SqlRow | null;
  rows_copied: string;
  rows_total: string;
  rows_per_second: number;
  throttle_rows_per_second: number;
};

/** Every domain's backfill row, creating the missing ones as not started. */
export async function loadBackfills(control: pg.Pool): Promise<BackfillRow[]> {
  await control.query(
    `insert into data_backfills (domain) select name from domains on conflict (domain) do nothing`,
  );
  const { rows } = await control.query<BackfillRecord>(
    `select domain, status, phase, last_key, rows_copied, rows_total, rows_per_second,
            throttle_rows_per_second
       from data_backfills order by domain`,
  );
  return rows.map((row) => ({
    domain: row.domain,
    status: row.status,
    phase: row.phase,
    lastKey: row.last_key,
    rowsCopied: Number(row.rows_copied),
    rowsTotal: Number(row.rows_total),
    rowsPerSecond: row.rows_per_second,
    throttleRowsPerSecond: row.throttle_rows_per_second,
  }));
}

/**
 * Saves a chunk's checkpoint unless an operator paused the backfill meanwhile (the status in
 * the database is the operator's; the worker only moves running → complete).
 */
export async function saveBackfillProgress(control: pg.Pool, progress: BackfillRow): Promise<void> {
  await control.query(
    `update data_backfills
        set phase = $2, last_key = $3::jsonb, rows_copied = $4, rows_total = $5,
            rows_per_second = $6, updated_at = now(),
            status = case when status = 'running' then $7 else status end,
            finished_at = case when status = 'running' and $7 = 'complete' then now() else finished_at end
      where domain = $1`,
    [
      progress.domain,
      progress.phase,
      progress.lastKey === null ? null : JSON.stringify(progress.lastKey),
      progress.rowsCopied,
      progress.rowsTotal,
      progress.rowsPerSecond,
      progress.status,
    ],
  );
}

/** Starts every backfill of `domains` not started yet (the launcher's demo default). */
export async function autoStartBackfills(
  control: pg.Pool,
  domains: readonly DomainName[],
): Promise<string[]> {
  const { rows } = await control.query<{ domain: string }>(
    `update data_backfills set status = 'running', started_at = now(), updated_at = now(),
            updated_by = 'data-sync (auto start)'
      where status = 'not_started' and domain = any($1::text[]) returning domain`,
    [domains],
  );
  return rows.map((row) => row.domain);
}

export type DirectionReport = {
  pending: number;
  oldestPendingMs: number;
  applied: number;
  lagMs: number | null;
  error: string | null;
};

/** One beat of one direction: backlog, what was applied since the last beat, the last error. */
export async function reportDirection(
  control: pg.Pool,
  domain: DomainName,
  direction: Direction,
  report: DirectionReport,
): Promise<void> {
  await control.query(
    `insert into data_sync_status as s
       (domain, direction, pending, applied_total, lag_ms, oldest_pending_ms, last_applied_at,
        heartbeat_at, last_error)
     values ($1, $2, $3, $4::bigint, coalesce($5::int, 0), $6, case when $4::bigint > 0 then now() end,
             clock_timestamp(), $7)
     on conflict (domain, direction) do update set
       pending = excluded.pending,
       applied_total = s.applied_total + excluded.applied_total,
       lag_ms = coalesce($5::int, s.lag_ms),
       oldest_pending_ms = excluded.oldest_pending_ms,
       last_applied_at = coalesce(excluded.last_applied_at, s.last_applied_at),
       heartbeat_at = excluded.heartbeat_at,
       last_error = excluded.last_error`,
    [
      domain,
      direction,
      report.pending,
      report.applied,
      report.lagMs === null ? null : Math.round(report.lagMs),
      Math.round(report.oldestPendingMs),
      report.error,
    ],
  );
}

/** Keeps a change the sync could not apply, with the reason, for an operator to retry. */
export async function quarantineChange(
  control: pg.Pool,
  domain: DomainName,
  direction: Direction,
  change: Pick<CapturedChange, "tableName" | "rowKey" | "op" | "rowImage">,
  error: string,
): Promise<void> {
  await control.query(
    `insert into data_quarantine (domain, direction, table_name, row_key, op, row_image, error)
     values ($1, $2, $3, $4::jsonb, $5, $6::jsonb, $7)`,
    [
      domain,
      direction,
      change.tableName,
      JSON.stringify(change.rowKey),
      change.op,
      change.rowImage === null ? null : JSON.stringify(change.rowImage),
      error.slice(0, 2000),
    ],
  );
}

export type QuarantinedChange = {
  id: number;
  direction: Direction;
  tableName: string;
  rowKey: SqlRow;
};

/** The quarantined changes of `domain` an operator asked to retry. */
export async function retriesRequested(
  control: pg.Pool,
  domain: DomainName,
): Promise<QuarantinedChange[]> {
  const { rows } = await control.query<{
    id: string;
    direction: Direction;
    table_name: string;
    row_key: SqlRow;
  }>(
    `select id, direction, table_name, row_key from data_quarantine
      where domain = $1 and status = 'retry_requested' order by id limit 100`,
    [domain],
  );
  return rows.map((row) => ({
    id: Number(row.id),
    direction: row.direction,
    tableName: row.table_name,
    rowKey: row.row_key,
  }));
}

/** A retry's outcome: resolved, or open again with the new error. */
export async function settleRetry(
  control: pg.Pool,
  id: number,
  error: string | null,
): Promise<void> {
  await control.query(
    error === null
      ? `update data_quarantine set status = 'resolved', resolved_at = now(),
           attempts = attempts + 1, last_attempt_at = now() where id = $1`
      : `update data_quarantine set status = 'open', error = $2, attempts = attempts + 1,
           last_attempt_at = now() where id = $1`,
    error === null ? [id] : [id, error.slice(0, 2000)],
  );
}

/** The same row written on both sides within the lag, and which side's write was kept. */
export async function recordConflict(
  control: pg.Pool,
  conflict: {
    domain: DomainName;
    tableName: string;
    rowKey: SqlRow;
    winner: "legacy" | "service";
    legacyImage: SqlRow | null;
    serviceImage: SqlRow | null;
  },
): Promise<void> {
  await control.query(
    `insert into data_conflicts (domain, table_name, row_key, winner, legacy_image, service_image)
     values ($1, $2, $3::jsonb, $4, $5::jsonb, $6::jsonb)`,
    [
      conflict.domain,
      conflict.tableName,
      JSON.stringify(conflict.rowKey),
      conflict.winner,
      conflict.legacyImage === null ? null : JSON.stringify(conflict.legacyImage),
      conflict.serviceImage === null ? null : JSON.stringify(conflict.serviceImage),
    ],
  );
}

/** Takes the oldest requested verification of `domains` (one worker at a time gets it). */
export async function claimVerification(
  control: pg.Pool,
  domains: readonly DomainName[],
): Promise<{ id: number; domain: DomainName } | null> {
  const { rows } = await control.query<{ id: string; domain: DomainName }>(
    `update data_verifications set status = 'running', started_at = now()
      where id = (select id from data_verifications
                   where status = 'requested' and domain = any($1::text[])
                   order by id for update skip locked limit 1)
      returning id, domain`,
    [domains],
  );
  const [row] = rows;
  return row ? { id: Number(row.id), domain: row.domain } : null;
}

/** Asks for a verification of `domain` unless one is already waiting or running. */
export async function requestVerificationIfIdle(
  control: pg.Pool,
  domain: DomainName,
  requestedBy: string,
): Promise<void> {
  await control.query(
    `insert into data_verifications (domain, requested_by)
     select $1, $2 where not exists (
       select 1 from data_verifications where domain = $1 and status in ('requested', 'running'))`,
    [domain, requestedBy],
  );
}

export type VerificationOutcome = {
  rowsCompared: number;
  chunks: number;
  chunksMismatched: number;
  differences: number;
  rowsInFlight: number;
  details: unknown[];
  error: string | null;
};

export async function finishVerification(
  control: pg.Pool,
  id: number,
  outcome: VerificationOutcome,
): Promise<void> {
  await control.query(
    `update data_verifications
        set status = $2, finished_at = now(), rows_compared = $3, chunks = $4,
            chunks_mismatched = $5, differences = $6, details = $7::jsonb, error = $8,
            rows_in_flight = $9
      where id = $1`,
    [
      id,
      outcome.error === null ? "done" : "failed",
      outcome.rowsCompared,
      outcome.chunks,
      outcome.chunksMismatched,
      outcome.differences,
      JSON.stringify(outcome.details),
      outcome.error,
      outcome.rowsInFlight,
    ],
  );
}

/** When each domain was last verified (finished), for the schedule. */
export async function lastVerifiedAt(control: pg.Pool): Promise<Map<DomainName, Date>> {
  const { rows } = await control.query<{ domain: DomainName; at: Date }>(
    `select domain, max(coalesce(finished_at, requested_at)) as at from data_verifications
      group by domain`,
  );
  return new Map(rows.map((row) => [row.domain, row.at]));
}
