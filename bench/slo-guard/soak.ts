/**
 * slo-guard low-volume soak: `npx tsx bench/slo-guard/soak.ts` (Redis on localhost, or
 * TEST_REDIS_URL). SOAK_SECONDS (600) of 10 requests/s to learning's new service, healthy, with
 * one slow request (2 s; the policy allows p99 500 ms) every 6–14 s and one error every 20–40 s,
 * right after a shadow whose copies failed; then SOAK_BREACHES (5) real outages, each on a fresh
 * canary. Scenario: workers/slo-guard/testing/low-volume-soak.ts (a shortened run is
 * workers/slo-guard/low-volume-soak.test.ts). Prints the rollbacks of the soak (must be 0) and
 * each breach's times; exits 1 if either target is missed.
 */
import { Redis } from "ioredis";
import { median, runLowVolumeSoak } from "@/workers/slo-guard/testing/low-volume-soak";

const SOAK_SECONDS = Number(process.env.SOAK_SECONDS ?? 600);
const BREACHES = Number(process.env.SOAK_BREACHES ?? 5);
const TARGET_MS = 1_000;

function row(label: string, values: number[]): void {
  console.log(
    `  ${label.padEnd(56)} median ${String(Math.round(median(values))).padStart(5)} ms   ` +
      `max ${String(Math.round(Math.max(...values))).padStart(5)} ms`,
  );
}

const redis = new Redis(process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379");
try {
  console.log(
    `slo-guard low-volume soak: ${SOAK_SECONDS} s at 10 requests/s (one 2 s request every 6–14 s, ` +
      `one error every 20–40 s; policy 5 %, p99 500 ms, 20 requests, 10 s), then ${BREACHES} outages\n`,
  );
  const result = await runLowVolumeSoak({
    redis,
    soakMs: SOAK_SECONDS * 1000,
    breaches: BREACHES,
    log: (line) => console.log(line),
  });
  console.log(
    `\nsoak: ${result.soakSeconds} s, ${result.requests} requests, ${result.slowRequests} slow, ` +
      `${result.errors} errors (and ${result.shadowCopies} failing shadow copies before the canary): ` +
      `${result.rollbacks} rollbacks (target 0: ${result.rollbacks === 0 ? "met" : "MISSED"})`,
  );
  console.log(`\nreal breaches (every request fails), ${result.breaches.length} runs`);
  row(
    "first failing request → rollback call returned",
    result.breaches.map((b) => b.injectedToReturnedMs),
  );
  row(
    "snapshot showing the breach → rollback returned",
    result.breaches.map((b) => b.detectionToRollbackMs),
  );
  const breachToRollback = result.breaches.map((b) => b.breachToRollbackMs);
  row("start of breach → rollback call returned", breachToRollback);
  const med = median(breachToRollback);
  console.log(
    `\nbreach-to-rollback median ${Math.round(med)} ms (target < ${TARGET_MS} ms: ${med < TARGET_MS ? "met" : "MISSED"})`,
  );
  process.exitCode = result.rollbacks === 0 && med < TARGET_MS ? 0 : 1;
} finally {
  redis.disconnect();
}
