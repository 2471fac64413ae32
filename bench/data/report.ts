import type { BackfillRun } from "./backfill";
import type { FenceRun } from "./fence";
import { fmt, median, printTable, runsAndMedian, verdict } from "./figures";
import type { DirectionLag } from "./lag";
import type { VerifyRun } from "./verify";

export const TARGETS = {
  backfillToPipe: 0.5,
  lagP99Ms: 500,
  verifierToBackfill: 1,
  fenceMs: 2_000,
} as const;

export type Results = {
  pipeQuiet: { rows: number; ms: number }[];
  pipeLive: { rows: number; ms: number }[];
  backfills: BackfillRun[];
  verifications: VerifyRun[];
  /** One entry per window, both directions in each. */
  lagWindows: DirectionLag[][];
  fences: FenceRun[];
};

const rate = (run: { rows: number; ms: number }) => (run.rows / run.ms) * 1000;

/** The summary: each figure (median of its runs) against its baseline or target, with the ratio. */
export function printSummary(results: Results): void {
  const pipe = median(results.pipeQuiet.map(rate));
  const pipeLive = median(results.pipeLive.map(rate));
  const backfill = median(results.backfills.map(rate));
  const verifier = median(results.verifications.map(rate));
  const rows: string[][] = [];
  const backfillRatio = backfill / pipe;
  rows.push([
    "1. backfill rows/s, stream live",
    fmt(backfill),
    `COPY pipe ${fmt(pipe)} rows/s; ≥ ${TARGETS.backfillToPipe}×`,
    `${fmt(backfillRatio, 3)}×`,
    verdict(backfillRatio >= TARGETS.backfillToPipe),
  ]);
  rows.push([
    "   (same, vs the pipe with writer + stream live)",
    fmt(backfill),
    `COPY pipe ${fmt(pipeLive)} rows/s`,
    `${fmt(backfill / pipeLive, 3)}×`,
    "info",
  ]);
  for (const direction of ["legacy → service", "service → legacy"]) {
    const windows = results.lagWindows.map((w) => w.find((d) => d.direction === direction));
    const p50 = median(windows.map((d) => d?.p50Ms ?? Number.NaN));
    const p99 = median(windows.map((d) => d?.p99Ms ?? Number.NaN));
    rows.push([
      `2. sync lag ${direction} p50 / p99`,
      `${fmt(p50)} / ${fmt(p99)} ms`,
      `p99 ≤ ${TARGETS.lagP99Ms} ms`,
      `${fmt(p99 / TARGETS.lagP99Ms, 2)}×`,
      verdict(p99 <= TARGETS.lagP99Ms),
    ]);
  }
  rows.push([
    "3. verifier rows/s, stream live",
    fmt(verifier),
    `backfill ${fmt(backfill)} rows/s; ≥ ${TARGETS.verifierToBackfill}×`,
    `${fmt(verifier / backfill, 2)}×`,
    verdict(verifier / backfill >= TARGETS.verifierToBackfill),
  ]);
  const fences = results.fences.map((f) => f.fenceMs);
  const fenceMax = Math.max(...fences);
  rows.push([
    "4. rollback write fence p50 / max",
    `${fmt(median(fences))} / ${fmt(fenceMax)} ms`,
    `< ${TARGETS.fenceMs} ms`,
    `${fmt(fenceMax / TARGETS.fenceMs, 2)}× (max)`,
    verdict(fenceMax < TARGETS.fenceMs),
  ]);
  console.log(
    "\nSummary (medians of the runs listed below; ratio = measured ÷ baseline or target)",
  );
  printTable(["figure", "measured", "baseline / target", "ratio", "verdict"], rows);
}

/** Every run behind the summary. */
export function printRuns(results: Results): void {
  console.log("\nRuns");
  console.log(
    `  COPY pipe, quiet                rows/s: ${runsAndMedian(results.pipeQuiet.map(rate))}`,
  );
  console.log(
    `  COPY pipe, writer + stream live rows/s: ${runsAndMedian(results.pipeLive.map(rate))}`,
  );
  console.log(
    `  backfill, writer + stream live  rows/s: ${runsAndMedian(results.backfills.map(rate))}` +
      ` (rows ${results.backfills.map((b) => fmt(b.rows)).join(" / ")},` +
      ` quarantined ${results.backfills.map((b) => b.quarantined).join(" / ")})`,
  );
  console.log(
    `  verifier, writer + stream live  rows/s: ${runsAndMedian(results.verifications.map(rate))}` +
      ` (rows ${results.verifications.map((v) => fmt(v.rows)).join(" / ")}, differences left` +
      ` ${results.verifications.map((v) => v.differences).join(" / ")}, chunks rechecked` +
      ` ${results.verifications.map((v) => v.mismatchedChunks).join(" / ")})`,
  );
  results.lagWindows.forEach((window, index) => {
    for (const d of window) {
      console.log(
        `  lag window ${index + 1} ${d.direction}: p50 ${fmt(d.p50Ms)} ms, p99 ${fmt(d.p99Ms)} ms,` +
          ` max ${fmt(d.maxMs)} ms (${d.arrived} of ${d.written} heartbeats arrived)`,
      );
    }
  });
  results.fences.forEach((f, index) => {
    console.log(
      `  rollback ${index + 1}: fence ${fmt(f.fenceMs)} ms (audit), rollbackDomain call ${fmt(f.callMs)} ms,` +
        ` drained ${f.drained}${f.note ? ` (${f.note})` : ""}, ${f.fenced} writes answered 503`,
    );
  });
}
