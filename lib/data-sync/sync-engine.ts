import type { DomainName } from "@/lib/contracts/domains";
import { processMetrics } from "@/lib/observability/process-metrics";
import { syncMetrics } from "@/lib/observability/sync-metrics";
import { backfillTotal, copyChunk } from "./backfill";
import { backlogOf } from "./change-log";
import {
  autoStartBackfills,
  type BackfillRow,
  claimVerification,
  type Direction,
  finishVerification,
  lastVerifiedAt,
  loadBackfills,
  reportDirection,
  requestVerificationIfIdle,
  retriesRequested,
  saveBackfillProgress,
  settleRetry,
} from "./control-store";
import { type DomainSides, endsOf } from "./domain-sides";
import { rowsWithKeys } from "./key-range";
import { writeRows } from "./row-writer";
import { streamBatch } from "./stream-direction";
import { type VerifyOptions, verifyDomain } from "./verifier";

export const DIRECTIONS: readonly Direction[] = ["legacy_to_service", "service_to_legacy"];

export type EngineOptions = {
  batchSize: number;
  chunkSize: number;
  /** Batches per direction and tick before the loop moves on to the next domain. */
  maxBatchesPerTick: number;
  autoBackfill: boolean;
  verifyIntervalMs: number;
  verify: VerifyOptions;
  log: {
    info(object: unknown, message: string): void;
    warn(object: unknown, message: string): void;
  };
};

const NOTHING_COMPARED = {
  rowsCompared: 0,
  chunks: 0,
  chunksMismatched: 0,
  differences: 0,
  rowsInFlight: 0,
  details: [],
};

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The data sync of every domain, one tick at a time: drain both directions, retry what an
 * operator asked for, copy one backfill chunk, then report; verifications run beside it, one at a
 * time. One engine per platform: the loop's order is what makes backfill and stream gap-free.
 */
export class SyncEngine {
  #verifying: Promise<void> | null = null;
  #lastChunkAt = new Map<DomainName, number>();

  constructor(
    private readonly sides: ReadonlyMap<DomainName, DomainSides>,
    private readonly control: DomainSides["control"],
    private readonly options: EngineOptions,
  ) {}

  /** One pass over every domain; returns true if anything was left to do (run again at once). */
  async tick(): Promise<boolean> {
    if (this.options.autoBackfill) {
      const started = await autoStartBackfills(this.control, [...this.sides.keys()]);
      if (started.length > 0) this.options.log.info({ domains: started }, "backfills started");
    }
    const backfills = new Map((await loadBackfills(this.control)).map((b) => [b.domain, b]));
    let busy = false;
    for (const [domain, sides] of this.sides) {
      busy = (await this.#streamDomain(domain, sides)) || busy;
      await this.#retryQuarantined(domain, sides);
      const backfill = backfills.get(domain);
      if (backfill?.status === "running")
        busy = (await this.#backfillChunk(sides, backfill)) || busy;
    }
    await this.#scheduleVerifications(backfills);
    this.#startVerification();
    return busy;
  }

  /** Resolves when the verification in flight (if any) is done. */
  async idle(): Promise<void> {
    await this.#verifying;
  }

  async #streamDomain(domain: DomainName, sides: DomainSides): Promise<boolean> {
    let more = false;
    for (const direction of DIRECTIONS) {
      const ends = endsOf(sides, direction);
      let applied = 0;
      let lagMs: number | null = null;
      let error: string | null = null;
      try {
        for (let batch = 0; batch < this.options.maxBatchesPerTick; batch += 1) {
          const result = await streamBatch(sides, ends, this.options.batchSize);
          applied += result.applied;
          if (result.lagMs !== null) lagMs = Math.max(lagMs ?? 0, result.lagMs);
          if (!result.more) break;
          if (batch === this.options.maxBatchesPerTick - 1) more = true;
        }
      } catch (caught) {
        error = messageOf(caught);
        this.options.log.warn({ err: caught, domain, direction }, "sync batch failed; retrying");
      }
      try {
        const tables = sides.translator.tables.map(
          (t) => (direction === "legacy_to_service" ? t.legacy : t.service).table,
        );
        const backlog = await backlogOf(ends.source, tables);
        const gauges = syncMetrics(processMetrics("data-sync"));
        gauges.pending.set({ domain, direction }, backlog.pending);
        // no change applied this pass: the lag is 0 if none waits, else unchanged until one is
        if (lagMs !== null || backlog.pending === 0) {
          gauges.lag.set({ domain, direction }, (lagMs ?? 0) / 1000);
        }
        await reportDirection(this.control, domain, direction, {
          pending: backlog.pending,
          oldestPendingMs: backlog.oldestMs,
          applied,
          lagMs,
          error,
        });
      } catch (caught) {
        this.options.log.warn({ err: caught, domain, direction }, "cannot report sync status");
      }
    }
    return more;
  }

  /** Applies the current source row of each change an operator asked to retry. */
  async #retryQuarantined(domain: DomainName, sides: DomainSides): Promise<void> {
    const retries = await retriesRequested(this.control, domain);
    for (const retry of retries) {
      const ends = endsOf(sides, retry.direction);
      const phaseTable = sides.translator.tables.find(
        (t) => ends.sourceSide(t).table === retry.tableName,
      );
      if (!phaseTable) {
        await settleRetry(
          this.control,
          retry.id,
          `the table ${retry.tableName} is not synced by ${domain}`,
        );
        continue;
      }
      try {
        const [current] = await rowsWithKeys(ends.source, ends.sourceSide(phaseTable), [
          retry.rowKey,
        ]);
        const side = ends.targetSide(phaseTable);
        const write = current
          ? {
              side,
              kind: "upsert" as const,
              row: ends.translate(phaseTable, current),
              ref: retry.id,
            }
          : { side, kind: "delete" as const, row: retry.rowKey, ref: retry.id };
        const [failure] = await writeRows(ends.target, ends.targetColumns, [write]);
        await settleRetry(this.control, retry.id, failure ? failure.error : null);
      } catch (error) {
        await settleRetry(this.control, retry.id, messageOf(error));
      }
    }
  }

  async #backfillChunk(sides: DomainSides, backfill: BackfillRow): Promise<boolean> {
    const domain = sides.translator.domain;
    const throttle = backfill.throttleRowsPerSecond;
    const last = this.#lastChunkAt.get(domain) ?? 0;
    if (throttle > 0 && Date.now() - last < (this.options.chunkSize / throttle) * 1000)
      return false;
    const chunkSize =
      throttle > 0 ? Math.min(this.options.chunkSize, throttle) : this.options.chunkSize;
    try {
      const started = performance.now();
      const progress =
        backfill.rowsTotal === 0 && backfill.rowsCopied === 0
          ? { ...backfill, rowsTotal: await backfillTotal(sides) }
          : backfill;
      const { progress: next, copied } = await copyChunk(sides, progress, chunkSize);
      const seconds = (performance.now() - started) / 1000;
      const rate = seconds > 0 ? copied / seconds : 0;
      next.rowsPerSecond =
        progress.rowsPerSecond > 0 ? progress.rowsPerSecond * 0.7 + rate * 0.3 : rate;
      next.rowsTotal = Math.max(next.rowsTotal, next.rowsCopied);
      await saveBackfillProgress(this.control, next);
      this.#lastChunkAt.set(domain, Date.now());
      if (next.status === "complete") {
        this.options.log.info({ domain, rows: next.rowsCopied }, "backfill complete");
        await requestVerificationIfIdle(this.control, domain, "data-sync (backfill complete)");
        return false;
      }
      return true;
    } catch (error) {
      this.options.log.warn({ err: error, domain }, "backfill chunk failed; retrying");
      return false;
    }
  }

  async #scheduleVerifications(backfills: ReadonlyMap<DomainName, BackfillRow>): Promise<void> {
    const last = await lastVerifiedAt(this.control);
    for (const [domain, backfill] of backfills) {
      if (backfill.status !== "complete" || !this.sides.has(domain)) continue;
      const at = last.get(domain)?.getTime() ?? 0;
      if (Date.now() - at >= this.options.verifyIntervalMs) {
        await requestVerificationIfIdle(this.control, domain, "data-sync (schedule)");
      }
    }
  }

  #startVerification(): void {
    if (this.#verifying) return;
    this.#verifying = (async () => {
      const claimed = await claimVerification(this.control, [...this.sides.keys()]);
      const sides = claimed && this.sides.get(claimed.domain);
      if (!claimed || !sides) return;
      try {
        const report = await verifyDomain(sides, this.options.verify);
        await finishVerification(this.control, claimed.id, {
          rowsCompared: report.rowsCompared,
          chunks: report.chunks,
          chunksMismatched: report.chunksMismatched,
          differences: report.differences.length,
          rowsInFlight: report.inFlight,
          details: report.differences.slice(0, this.options.verify.maxDetails),
          error: null,
        });
        this.options.log.info(
          {
            domain: claimed.domain,
            rows: report.rowsCompared,
            differences: report.differences.length,
          },
          "verification done",
        );
      } catch (error) {
        await finishVerification(this.control, claimed.id, {
          ...NOTHING_COMPARED,
          error: messageOf(error),
        });
      }
    })()
      .catch((error) => this.options.log.warn({ err: error }, "verification failed"))
      .finally(() => {
        this.#verifying = null;
      });
  }
}
