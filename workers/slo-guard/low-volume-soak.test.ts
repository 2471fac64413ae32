import { describe, expect, it } from "vitest";
import { redisScope } from "@/lib/events/testing/redis-scope";
import { median, runLowVolumeSoak } from "./testing/low-volume-soak";

/** The soak of bench/slo-guard/soak.ts (ten minutes there), shortened. */
const SOAK_MS = 25_000;
const BREACHES = 3;

// runLowVolumeSoak picks and cleans its own prefix; the scope's stays empty.
const { client: redis } = redisScope();

describe("slo-guard under low-volume traffic (shortened soak)", () => {
  it(
    "makes no rollback of a healthy canary with occasional slow requests, and still rolls back a real breach in under a second",
    async () => {
      const result = await runLowVolumeSoak({ redis, soakMs: SOAK_MS, breaches: BREACHES });
      console.info(
        `low-volume soak (${result.soakSeconds} s): ${result.requests} requests, ` +
          `${result.slowRequests} slow, ${result.errors} errors, ${result.rollbacks} rollbacks; ` +
          `breach → rollback ${result.breaches.map((b) => b.breachToRollbackMs).join(", ")} ms; ` +
          `first failing request → rollback ${result.breaches.map((b) => b.injectedToReturnedMs).join(", ")} ms`,
      );
      // 10 requests/s, a slow request (4 × the p99 limit) every 6–14 s: healthy, never rolled back
      expect(result.requests).toBeGreaterThanOrEqual(SOAK_MS / 100 - 10);
      expect(result.slowRequests).toBeGreaterThanOrEqual(1);
      expect(result.shadowCopies).toBeGreaterThan(0);
      expect(result.rollbacks).toBe(0);
      // every outage is rolled back, the guard acting on the first snapshot that proves it
      expect(result.breaches).toHaveLength(BREACHES);
      for (const breach of result.breaches) {
        expect(breach.detectionToRollbackMs).toBeLessThan(1_000);
        expect(breach.injectedToReturnedMs).toBeLessThan(4_000);
      }
      expect(median(result.breaches.map((b) => b.breachToRollbackMs))).toBeLessThan(1_000);
    },
    SOAK_MS + 60_000,
  );
});
