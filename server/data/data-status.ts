import { and, desc, eq, lt, sql } from "drizzle-orm";
import type { DataHealth } from "@/lib/contracts/data-sync";
import type { DomainName } from "@/lib/contracts/domains";
import type { ControlDb } from "@/server/db/client";
import {
  dataBackfills,
  dataConflicts,
  dataQuarantine,
  dataSyncStatus,
  dataVerifications,
  type QuarantineStatus,
  type SyncDirection,
} from "@/server/db/schema/data-sync";
import { domains } from "@/server/db/schema/migration";

type Reader = Pick<ControlDb, "select" | "selectDistinctOn">;

/** A worker beat older than this means the data sync is not running. */
export const SYNC_STALE_MS = 5_000;

export type DirectionStatus = {
  direction: SyncDirection;
  pending: number;
  lagMs: number;
  oldestPendingMs: number;
  appliedTotal: number;
  lastAppliedAt: Date | null;
  heartbeatAt: Date;
  stale: boolean;
  lastError: string | null;
};

export type DomainDataStatus = {
  domain: DomainName;
  backfill: {
    status: "not_started" | "running" | "paused" | "complete";
    phase: string | null;
    rowsCopied: number;
    rowsTotal: number;
    percent: number;
    rowsPerSecond: number;
    etaSeconds: number | null;
    throttleRowsPerSecond: number;
    startedAt: Date | null;
    finishedAt: Date | null;
    updatedBy: string;
  };
  directions: DirectionStatus[];
  lastVerification: typeof dataVerifications.$inferSelect | null;
  verificationInFlight: boolean;
  openQuarantine: number;
  conflicts: number;
  maxLagMs: number;
  verificationMaxAgeSeconds: number;
  health: DataHealth;
  /** One line a person reads at a glance, e.g. "verified 3 min ago, lag 40 ms". */
  summary: string;
};

const NOT_STARTED = {
  status: "not_started" as const,
  phase: null,
  rowsCopied: 0,
  rowsTotal: 0,
  rowsPerSecond: 0,
  throttleRowsPerSecond: 0,
  startedAt: null,
  finishedAt: null,
  updatedBy: "system",
};

function ago(at: Date, now: number): string {
  const seconds = Math.max(0, Math.round((now - at.getTime()) / 1000));
  if (seconds < 90) return `${seconds} s ago`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min ago`;
  return `${Math.round(seconds / 3600)} h ago`;
}

/** The worst lag of both directions: the oldest change still waiting, or the last one's. */
export function worstLagMs(directions: readonly DirectionStatus[]): number {
  return Math.max(
    0,
    ...directions.map((d) => Math.max(d.oldestPendingMs, d.pending > 0 ? d.lagMs : 0)),
  );
}

function healthOf(status: Omit<DomainDataStatus, "health" | "summary">, now: number) {
  const { backfill, directions, lastVerification } = status;
  const lag = worstLagMs(directions);
  const verifiedAgo = lastVerification?.finishedAt ? ago(lastVerification.finishedAt, now) : null;
  const down = directions.length === 0 || directions.some((d) => d.stale);
  const pick = (health: DataHealth, summary: string) => ({ health, summary });
  if (backfill.status === "not_started") return pick("not_started", "backfill not started");
  if (down) return pick("sync_down", "the data sync is not running");
  if (backfill.status === "paused")
    return pick("paused", `backfill paused at ${backfill.percent.toFixed(0)} %`);
  if (backfill.status === "running")
    return pick("backfilling", `backfill ${backfill.percent.toFixed(0)} %`);
  if (lastVerification?.status === "done" && lastVerification.differences > 0) {
    return pick(
      "differences",
      `${lastVerification.differences} differences (verified ${verifiedAgo})`,
    );
  }
  if (lag > status.maxLagMs) return pick("lagging", `lagging ${(lag / 1000).toFixed(1)} s`);
  if (lastVerification?.status !== "done" || !lastVerification.finishedAt) {
    return pick("unverified", `not verified yet, lag ${lag} ms`);
  }
  const age = (now - lastVerification.finishedAt.getTime()) / 1000;
  if (age > status.verificationMaxAgeSeconds)
    return pick("unverified", `last verified ${verifiedAgo}, lag ${lag} ms`);
  return pick("verified", `verified ${verifiedAgo}, lag ${lag} ms`);
}

/** Everything the data panel and the gates know of every domain (or one), from keiko_control. */
export async function dataStatus(db: Reader, only?: DomainName): Promise<DomainDataStatus[]> {
  const now = Date.now();
  const domainRows = await db
    .select({
      name: domains.name,
      maxLagMs: domains.dataMaxLagMs,
      maxAge: domains.dataVerificationMaxAgeSeconds,
    })
    .from(domains)
    .where(only ? eq(domains.name, only) : undefined)
    .orderBy(domains.name);
  const backfills = await db.select().from(dataBackfills);
  const directions = await db.select().from(dataSyncStatus);
  const latest = await db
    .selectDistinctOn([dataVerifications.domain])
    .from(dataVerifications)
    .where(sql`${dataVerifications.status} in ('done', 'failed')`)
    .orderBy(dataVerifications.domain, desc(dataVerifications.id));
  const inFlight = await db
    .select({ domain: dataVerifications.domain })
    .from(dataVerifications)
    .where(sql`${dataVerifications.status} in ('requested', 'running')`);
  const quarantined = await db
    .select({ domain: dataQuarantine.domain, n: sql<number>`count(*)::int` })
    .from(dataQuarantine)
    .where(sql`${dataQuarantine.status} <> 'resolved'`)
    .groupBy(dataQuarantine.domain);
  const conflicts = await db
    .select({ domain: dataConflicts.domain, n: sql<number>`count(*)::int` })
    .from(dataConflicts)
    .groupBy(dataConflicts.domain);

  return domainRows.map((row) => {
    const backfillRow = backfills.find((b) => b.domain === row.name);
    const backfill = { ...NOT_STARTED, ...backfillRow };
    const percent =
      backfill.status === "complete"
        ? 100
        : backfill.rowsTotal > 0
          ? Math.min(100, (backfill.rowsCopied / backfill.rowsTotal) * 100)
          : 0;
    const remaining = Math.max(0, backfill.rowsTotal - backfill.rowsCopied);
    const etaSeconds =
      backfill.status === "running" && backfill.rowsPerSecond > 0
        ? Math.round(remaining / backfill.rowsPerSecond)
        : null;
    const dirs: DirectionStatus[] = directions
      .filter((d) => d.domain === row.name)
      .map((d) => ({
        direction: d.direction,
        pending: d.pending,
        lagMs: d.lagMs,
        oldestPendingMs: d.oldestPendingMs,
        appliedTotal: d.appliedTotal,
        lastAppliedAt: d.lastAppliedAt,
        heartbeatAt: d.heartbeatAt,
        stale: now - d.heartbeatAt.getTime() > SYNC_STALE_MS,
        lastError: d.lastError,
      }));
    const base = {
      domain: row.name,
      backfill: {
        status: backfill.status,
        phase: backfill.phase,
        rowsCopied: backfill.rowsCopied,
        rowsTotal: backfill.rowsTotal,
        percent,
        rowsPerSecond: backfill.rowsPerSecond,
        etaSeconds,
        throttleRowsPerSecond: backfill.throttleRowsPerSecond,
        startedAt: backfill.startedAt,
        finishedAt: backfill.finishedAt,
        updatedBy: backfill.updatedBy,
      },
      directions: dirs,
      lastVerification: latest.find((v) => v.domain === row.name) ?? null,
      verificationInFlight: inFlight.some((v) => v.domain === row.name),
      openQuarantine: quarantined.find((q) => q.domain === row.name)?.n ?? 0,
      conflicts: conflicts.find((c) => c.domain === row.name)?.n ?? 0,
      maxLagMs: row.maxLagMs,
      verificationMaxAgeSeconds: row.maxAge,
    };
    return { ...base, ...healthOf(base, now) };
  });
}

/** Quarantined changes of a domain, newest first, keyset-paged by id. */
export async function listQuarantine(
  db: Reader,
  input: { domain: DomainName; status: QuarantineStatus | "all"; cursor?: number; limit: number },
) {
  const rows = await db
    .select()
    .from(dataQuarantine)
    .where(
      and(
        eq(dataQuarantine.domain, input.domain),
        input.status === "all" ? undefined : eq(dataQuarantine.status, input.status),
        input.cursor ? lt(dataQuarantine.id, input.cursor) : undefined,
      ),
    )
    .orderBy(desc(dataQuarantine.id))
    .limit(input.limit + 1);
  const page = rows.slice(0, input.limit);
  return { items: page, nextCursor: rows.length > input.limit ? page.at(-1)?.id : undefined };
}

/** Conflicts of a domain, newest first, keyset-paged by id. */
export async function listConflicts(
  db: Reader,
  input: { domain: DomainName; cursor?: number; limit: number },
) {
  const rows = await db
    .select()
    .from(dataConflicts)
    .where(
      and(
        eq(dataConflicts.domain, input.domain),
        input.cursor ? lt(dataConflicts.id, input.cursor) : undefined,
      ),
    )
    .orderBy(desc(dataConflicts.id))
    .limit(input.limit + 1);
  const page = rows.slice(0, input.limit);
  return { items: page, nextCursor: rows.length > input.limit ? page.at(-1)?.id : undefined };
}
