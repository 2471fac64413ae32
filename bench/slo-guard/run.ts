/**
 * slo-guard benchmark: `npx tsx bench/slo-guard/run.ts` (PostgreSQL and Redis on localhost, or
 * TEST_DATABASE_URL / TEST_REDIS_URL). Two parts, BENCH_PARTS=guard,full by default:
 *
 * guard — the guard alone, BENCH_RUNS (15) rollbacks per scenario: a synthetic gateway records
 *   200 requests/s to learning's new service in the gateway's real RollingStats and publishes with
 *   the real StatsPublisher every 500 ms; the real slo-guard loop and tRPC client; a stand-in
 *   control plane on the real tRPC wire format (BENCH_MUTATION_DELAY_MS adds a delay per call).
 *   Scenarios: every request fails (an outage), and 30 % of them; the policy allows 5 % over 10 s.
 *   Printed: first failing request → rollback call returned (includes the time the errors need
 *   to push the window over 5 %, which depends on the error share, not on the guard); the
 *   start of the breach (its first second in breach, or the last snapshot that showed the
 *   window healthy if later) → returned (the issue's measure); arrival of the snapshot showing
 *   the breach → returned (the guard's own latency).
 *
 * full — the whole path, BENCH_FULL_RUNS (8) rollbacks per fault (bench/slo-guard/full-path.ts):
 *   client traffic through the real gateway, the real control-plane router and database, the
 *   gateway's route reload on the rollback's notification. Printed: start of the breach (as in
 *   part 1) → traffic back on legacy, measured on the client requests.
 *
 * Errors begin after a healthy warm-up of random length, so at any phase of the gateway's
 * publication (every 500 ms, the gateway's default). The real console (Next.js) is not started: the control plane's router
 * is served by the same fetch adapter, without Next.js around it.
 */
import { Redis } from "ioredis";
import pino from "pino";
import { deleteKeys, uniquePrefix } from "@/lib/events/testing/harness";
import { subscribeGatewayStats } from "@/lib/resilience/stats-publisher";
import { createControlPlaneClient } from "@/workers/slo-guard/control-plane";
import { type GuardActionEvent, startSloGuard } from "@/workers/slo-guard/guard-loop";
import { guardDomain, startFakeControlPlane } from "@/workers/slo-guard/testing/fake-control-plane";
import { startSyntheticGateway } from "@/workers/slo-guard/testing/synthetic-gateway";
import { runFullPath } from "./full-path";

const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const FULL_RUNS = Number(process.env.BENCH_FULL_RUNS ?? 8);
const MUTATION_DELAY_MS = Number(process.env.BENCH_MUTATION_DELAY_MS ?? 0);
const GATEWAY_RELOAD_BOUND_MS = 1_000;
const TARGET_MS = 3_000;
const SECRET = "slo-guard-bench-secret-0123456789abcdef";

type Sample = {
  returnedMs: number;
  guardMeasureMs: number;
  snapshotToReturnedMs: number;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

function row(label: string, values: number[]): void {
  const med = Math.round(median(values));
  const max = Math.round(Math.max(...values));
  console.log(
    `  ${label.padEnd(54)} median ${String(med).padStart(5)} ms   max ${String(max).padStart(5)} ms`,
  );
}

async function oneRun(
  redis: Redis,
  fake: Awaited<ReturnType<typeof startFakeControlPlane>>,
  run: number,
  errorShare: number,
): Promise<Sample> {
  const prefix = uniquePrefix();
  const snapshotArrivals: number[] = [];
  const watcher = await subscribeGatewayStats(redis, prefix, () => {
    snapshotArrivals.push(Date.now());
  });
  const before = fake.rollbacks.length;
  fake.setDomain(
    guardDomain("learning", {
      state: "canary",
      canaryWeight: 25,
      version: run + 1,
      policy: { maxErrorRate: 0.05, windowSeconds: 10, minRequests: 20 },
    }),
  );
  const gateway = startSyntheticGateway({
    redis,
    prefix,
    domain: "learning",
    requestsPerSecond: 200,
  });
  let rolledBack: (GuardActionEvent & { returnedAt: number }) | null = null;
  const guard = await startSloGuard({
    redis,
    prefix,
    controlPlane: createControlPlaneClient({ url: fake.url, serviceTokenSecret: SECRET }),
    logger: pino({ level: "silent" }),
    intervalMs: 250,
    onAction: (event) => {
      if (event.action === "rollback" && event.ok)
        rolledBack = { ...event, returnedAt: Date.now() };
    },
  });
  try {
    await sleep(2_500 + Math.random() * 1_000);
    if (fake.rollbacks.length > before) throw new Error("rolled back during the healthy warm-up");
    const injectedAt = Date.now();
    gateway.setErrorShare(errorShare);
    const deadline = Date.now() + 10_000;
    while (!rolledBack && Date.now() < deadline) await sleep(5);
    const done = rolledBack as (GuardActionEvent & { returnedAt: number }) | null;
    const call = fake.rollbacks[before];
    if (done?.action !== "rollback" || !done.ok || !call) {
      throw new Error(`run ${run}: no rollback within 10 s`);
    }
    // the snapshot that showed the breach: the last one to arrive before the call did
    const evidence = snapshotArrivals.filter((at) => at <= call.receivedAt).at(-1) ?? injectedAt;
    return {
      returnedMs: done.returnedAt - injectedAt,
      guardMeasureMs: done.breachToRollbackMs,
      snapshotToReturnedMs: done.returnedAt - evidence,
    };
  } finally {
    await watcher.close();
    await guard.stop();
    await gateway.stop();
    await deleteKeys(redis, prefix);
  }
}

async function guardPart(): Promise<number[]> {
  const redis = new Redis(process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379");
  const fake = await startFakeControlPlane({
    serviceTokenSecret: SECRET,
    domains: [guardDomain("learning")],
    mutationDelayMs: MUTATION_DELAY_MS,
  });
  console.log(
    `part 1, the guard alone: ${RUNS} runs per scenario; real Redis, guard loop, tRPC client, ` +
      `RollingStats and StatsPublisher; stand-in control plane (mutation delay ${MUTATION_DELAY_MS} ms)\n`,
  );
  const scenarios = [
    { label: "outage (100 % of requests fail)", errorShare: 1 },
    { label: "partial failure (30 % of requests fail)", errorShare: 0.3 },
  ];
  const results: Array<{ label: string; samples: Sample[] }> = [];
  try {
    for (const scenario of scenarios) {
      console.log(scenario.label);
      const samples: Sample[] = [];
      for (let run = 0; run < RUNS; run++) {
        const sample = await oneRun(redis, fake, results.length * RUNS + run, scenario.errorShare);
        samples.push(sample);
        console.log(
          `  run ${String(run + 1).padStart(2)}: first error → returned ${sample.returnedMs} ms; ` +
            `start of breach → returned ${sample.guardMeasureMs} ms; ` +
            `snapshot → returned ${sample.snapshotToReturnedMs} ms`,
        );
      }
      results.push({ label: scenario.label, samples });
    }
  } finally {
    await fake.close();
    redis.disconnect();
  }
  const measures: number[] = [];
  for (const { label, samples } of results) {
    console.log(`\n${label}, ${samples.length} runs`);
    row(
      "first failing request → rollback call returned",
      samples.map((s) => s.returnedMs),
    );
    row(
      "start of breach → rollback call returned",
      samples.map((s) => s.guardMeasureMs),
    );
    row(
      "snapshot showing the breach → rollback call returned",
      samples.map((s) => s.snapshotToReturnedMs),
    );
    measures.push(...samples.map((s) => s.guardMeasureMs));
  }
  return measures;
}

async function fullPart(): Promise<number[]> {
  console.log(
    `\npart 2, the whole path: ${FULL_RUNS} runs per fault; 200 requests/s through the real gateway ` +
      `(learning canary 50 %), real control-plane router and database, real guard\n`,
  );
  const results = await runFullPath(
    [
      {
        label: "slow new service (800 ms; the policy allows p99 500 ms)",
        behaviour: { delayMs: 800 },
      },
      { label: "new service answers 503 to everything", behaviour: { status: 503 } },
    ],
    FULL_RUNS,
    (line) => console.log(line),
  );
  const measures: number[] = [];
  for (const { fault, samples, missed } of results) {
    console.log(
      `\n${fault.label}, ${samples.length} runs${missed ? `, ${missed} without a rollback within 15 s` : ""}`,
    );
    if (samples.length === 0) continue;
    // With a hard failure the gateway's breaker sends canary traffic to legacy after a few
    // failures, before the window is in breach: the rollback then only makes that permanent.
    const switched = samples.filter((s) => s.breachToLegacyMs >= 0);
    const viaBreaker = samples.length - switched.length;
    row(
      "start of breach → rollback call returned",
      samples.map((s) => s.guardMeasureMs),
    );
    if (switched.length > 0) {
      row(
        "start of breach → traffic back on legacy",
        switched.map((s) => s.breachToLegacyMs),
      );
    }
    if (viaBreaker > 0) {
      console.log(
        `  in ${viaBreaker} runs the circuit breaker's fallback had put traffic on legacy before the breach`,
      );
    }
    row(
      "fault injected → last request sent to the new service",
      samples.map((s) => s.faultToLegacyMs),
    );
    row(
      "fault injected → rollback call returned",
      samples.map((s) => s.faultToRollbackMs),
    );
    const failed = samples.map((s) => s.failedRequests);
    console.log(
      `  client requests failed (5xx) before the rollback: median ${median(failed)}, max ${Math.max(...failed)}`,
    );
    const unaudited = samples.filter((s) => !s.audited).length;
    console.log(`  audit rows by slo-guard: ${samples.length - unaudited} of ${samples.length}`);
    measures.push(...switched.map((s) => s.breachToLegacyMs));
  }
  return measures;
}

async function main(): Promise<void> {
  const parts = new Set((process.env.BENCH_PARTS ?? "guard,full").split(","));
  if (parts.has("guard")) {
    const guard = await guardPart();
    const worst = Math.max(...guard) + GATEWAY_RELOAD_BOUND_MS;
    console.log(
      `\nguard alone: traffic on legacy at worst ${worst} ms after the start of breach = ` +
        `max measured ${Math.max(...guard)} ms + the gateway's reload bound ${GATEWAY_RELOAD_BOUND_MS} ms ` +
        `(target < ${TARGET_MS} ms: ${worst < TARGET_MS ? "met" : "MISSED"})`,
    );
  }
  if (parts.has("full")) {
    const full = await fullPart();
    if (full.length > 0) {
      const worst = Math.max(...full);
      console.log(
        `\nbreach-to-rollback time, whole path: start of breach → traffic back on legacy ` +
          `median ${Math.round(median(full))} ms, max ${worst} ms over the ${full.length} runs the rollback moved ` +
          `(target < ${TARGET_MS} ms: ${worst < TARGET_MS ? "met" : "MISSED"})`,
      );
    }
  }
}

await main();
