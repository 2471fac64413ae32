import type { Redis } from "ioredis";
import pino from "pino";
import { deleteKeys, uniquePrefix } from "@/lib/events/testing/harness";
import { subscribeGatewayStats } from "@/lib/resilience/stats-publisher";
import { createControlPlaneClient } from "../control-plane";
import { type GuardActionEvent, startSloGuard } from "../guard-loop";
import { guardDomain, startFakeControlPlane } from "./fake-control-plane";
import { startSyntheticGateway } from "./synthetic-gateway";

/**
 * The low-volume soak (bench/slo-guard/soak.ts; shortened in low-volume-soak.test.ts): learning
 * enters a canary right after a shadow whose copies failed and were slow; then 10 requests/s,
 * healthy (20 ms), with one slow request (2 s, four times the p99 limit) every 6–14 s and one
 * error every 20–40 s, for `soakMs`. The real guard loop, tRPC client, RollingStats and
 * StatsPublisher on real Redis; the control plane is the wire-compatible stand-in. The guard must
 * not roll back. Then `breaches` real outages (every request fails), each on a fresh canary: each
 * must be rolled back, and how fast is measured.
 */
export type LowVolumeSoakOptions = {
  redis: Redis;
  soakMs: number;
  breaches: number;
  requestsPerSecond?: number;
  /** Progress lines (none unless given). */
  log?: (line: string) => void;
};

export type BreachSample = {
  /** First failing request → the rollback call returned. */
  injectedToReturnedMs: number;
  /** Start of the breach (`firstSeenAt`) → the rollback call returned (the measure). */
  breachToRollbackMs: number;
  /** The snapshot that showed the breach → the rollback call returned (detection to rollback). */
  detectionToRollbackMs: number;
};

export type LowVolumeSoakResult = {
  soakSeconds: number;
  requests: number;
  slowRequests: number;
  errors: number;
  shadowCopies: number;
  /** Rollbacks during the healthy soak (must be 0). */
  rollbacks: number;
  breaches: BreachSample[];
};

const SECRET = "slo-guard-soak-secret-0123456789abcdef";
const SLOW_MS = 2_000;
/** The default production policy (drizzle/control 0002). */
const POLICY = { maxErrorRate: 0.05, maxP99Ms: 500, minRequests: 20, windowSeconds: 10 };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const between = (min: number, max: number) => min + Math.random() * (max - min);

export async function runLowVolumeSoak(
  options: LowVolumeSoakOptions,
): Promise<LowVolumeSoakResult> {
  const log = options.log ?? (() => undefined);
  const { redis } = options;
  const prefix = uniquePrefix();
  let version = 1;
  const fake = await startFakeControlPlane({
    serviceTokenSecret: SECRET,
    domains: [guardDomain("learning", { state: "shadow", version, policy: POLICY })],
  });
  const gateway = startSyntheticGateway({
    redis,
    prefix,
    domain: "learning",
    requestsPerSecond: options.requestsPerSecond ?? 10,
  });
  const actions: Array<GuardActionEvent & { returnedAt: number }> = [];
  const snapshots: number[] = [];
  const guard = await startSloGuard({
    redis,
    prefix,
    controlPlane: createControlPlaneClient({ url: fake.url, serviceTokenSecret: SECRET }),
    logger: pino({ level: "silent" }),
    intervalMs: 250,
    onAction: (event) => actions.push({ ...event, returnedAt: Date.now() }),
  });
  const watcher = await subscribeGatewayStats(redis, prefix, () => {
    snapshots.push(Date.now());
  });
  let stopped = false;
  const timers: NodeJS.Timeout[] = [];
  const every = (min: number, max: number, act: () => void) => {
    const next = () => {
      if (stopped) return;
      timers.push(
        setTimeout(
          () => {
            act();
            next();
          },
          between(min, max),
        ),
      );
    };
    next();
  };

  try {
    // the last seconds of a shadow: the copies fail and are slow, and clients see nothing of it
    gateway.setShadowTraffic({ requestsPerSecond: 10, errorShare: 0.5, latencyMs: 3_000 });
    await sleep(2_000);
    version += 1;
    fake.setDomain(
      guardDomain("learning", {
        state: "canary",
        canaryWeight: 10,
        version,
        stateSince: new Date(),
        policy: POLICY,
      }),
    );
    await sleep(300);
    gateway.setShadowTraffic(null);
    const soakStart = Date.now();
    const before = gateway.recorded;
    every(6_000, 14_000, () => gateway.slowRequests(1, SLOW_MS));
    every(20_000, 40_000, () => gateway.failRequests(1));
    let lastReport = soakStart;
    while (Date.now() - soakStart < options.soakMs) {
      await sleep(250);
      if (Date.now() - lastReport >= 60_000) {
        lastReport = Date.now();
        const r = gateway.recorded;
        log(
          `  ${Math.round((lastReport - soakStart) / 1000)} s: ${r.requests - before.requests} requests, ` +
            `${r.slow - before.slow} slow, ${r.errors - before.errors} errors, ${fake.rollbacks.length} rollbacks`,
        );
      }
    }
    stopped = true;
    for (const timer of timers) clearTimeout(timer);
    const after = gateway.recorded;
    const rollbacks = fake.rollbacks.length;
    const soakSeconds = Math.round((Date.now() - soakStart) / 1000);

    const breaches: BreachSample[] = [];
    for (let i = 0; i < options.breaches; i++) {
      if (fake.domain("learning").state !== "canary") {
        // a fresh canary after the previous breach's rollback, with a healthy start
        gateway.setErrorShare(0);
        version = fake.domain("learning").version + 1;
        fake.setDomain(
          guardDomain("learning", {
            state: "canary",
            canaryWeight: 10,
            version,
            stateSince: new Date(),
            policy: POLICY,
          }),
        );
        await sleep(3_000 + Math.random() * 1_000);
      }
      const seen = actions.length;
      const injectedAt = Date.now();
      gateway.setErrorShare(1);
      const deadline = injectedAt + 10_000;
      while (
        Date.now() < deadline &&
        !actions.slice(seen).some((a) => a.action === "rollback" && a.ok)
      ) {
        await sleep(5);
      }
      const done = actions.slice(seen).find((a) => a.action === "rollback" && a.ok);
      gateway.setErrorShare(0);
      if (done?.action !== "rollback" || !done.ok)
        throw new Error(`breach ${i + 1}: no rollback within 10 s`);
      const call = fake.rollbacks.at(-1);
      const evidence =
        snapshots.filter((t) => t <= (call?.receivedAt ?? done.returnedAt)).at(-1) ?? injectedAt;
      const sample: BreachSample = {
        injectedToReturnedMs: done.returnedAt - injectedAt,
        breachToRollbackMs: done.breachToRollbackMs,
        detectionToRollbackMs: done.returnedAt - evidence,
      };
      breaches.push(sample);
      log(
        `  breach ${i + 1}: first failing request → rolled back ${sample.injectedToReturnedMs} ms; ` +
          `start of breach → rolled back ${sample.breachToRollbackMs} ms; ` +
          `snapshot showing it → rolled back ${sample.detectionToRollbackMs} ms (${done.reason})`,
      );
    }
    return {
      soakSeconds,
      requests: after.requests - before.requests,
      slowRequests: after.slow - before.slow,
      errors: after.errors - before.errors,
      shadowCopies: after.shadow,
      rollbacks,
      breaches,
    };
  } finally {
    stopped = true;
    for (const timer of timers) clearTimeout(timer);
    await watcher.close();
    await guard.stop();
    await gateway.stop();
    await fake.close();
    await deleteKeys(redis, prefix);
  }
}

/** The median of some numbers (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}
