import { setTimeout as sleep } from "node:timers/promises";
import type pg from "pg";
import type { Cleanups } from "./cleanups";
import { backendPids, cpuWindow } from "./cpu";
import { type FenceRun, runFences } from "./fence";
import { fmt, median, percentile } from "./figures";
import { createHeartbeatRows, type DirectionLag, measureLag } from "./lag";
import { watchServer } from "./server-watch";
import { type StackDatabases, startIdentityStack } from "./stack";
import { MAX_IN_FLIGHT, snapshot, startWriteLoad, type WriteLoad } from "./write-load";

const LAG_WINDOWS = 3;
const CANARY_WEIGHT = 50;
const WARM_UP_MAX_MS = 20_000;

/**
 * Until the stack keeps pace with the load (a second with ≥ 95 % of the offered writes answered
 * and under a quarter second's worth in flight), at least 3 s, at most WARM_UP_MAX_MS.
 */
async function warmUp(load: WriteLoad, rate: number): Promise<number> {
  const started = Date.now();
  await sleep(2_000);
  let answered = snapshot(load.counts).created;
  while (Date.now() - started < WARM_UP_MAX_MS) {
    await sleep(1_000);
    const now = snapshot(load.counts).created;
    if (now - answered >= rate * 0.95 && load.inFlight() < rate / 4) break;
    answered = now;
  }
  return Date.now() - started;
}

/**
 * Parts 2 and 4: the identity stack as child processes, `writesPerSecond` registrations through
 * the gateway with identity in canary 50 %; the lag each way in LAG_WINDOWS windows, then the
 * rollback's write fence `fenceRuns` times under the same load.
 */
export async function gatewayPhase(options: {
  serverUrl: string;
  controlUrl: string;
  databases: StackDatabases;
  allDatabases: readonly string[];
  pools: { legacy: pg.Pool; identity: pg.Pool };
  redisUrl: string;
  keyPrefix: string;
  secret: string;
  writesPerSecond: number;
  lagSeconds: number;
  fenceRuns: number;
  cleanups: Cleanups;
}) {
  const rate = options.writesPerSecond;
  const notes: string[] = [];
  const stack = await startIdentityStack({ ...options, weight: CANARY_WEIGHT });
  const load = startWriteLoad(stack.gatewayUrl, rate);
  options.cleanups.add("write load", () => load.stop());
  const warmUpMs = await warmUp(load, rate);
  notes.push(
    `gateway load: ${rate} registrations/s offered, identity in canary ${CANARY_WEIGHT} %; warm-up ` +
      `${fmt(warmUpMs / 1000, 1)} s${warmUpMs >= WARM_UP_MAX_MS ? " (the stack had not kept pace by then)" : ""}`,
  );

  const { legacy, identity } = options.pools;
  const heartbeats = await createHeartbeatRows(legacy, identity);
  const cpu = cpuWindow({
    ...Object.fromEntries(stack.children.map((child) => [child.name, [child.pid]])),
    "PostgreSQL (our databases)": await backendPids(options.serverUrl, options.allDatabases),
  });
  const server = watchServer(options.serverUrl, options.allDatabases);
  const lagWindows: DirectionLag[][] = [];
  for (let window = 1; window <= LAG_WINDOWS; window += 1) {
    const before = snapshot(load.counts);
    const started = performance.now();
    lagWindows.push(await measureLag(legacy, identity, heartbeats, options.lagSeconds));
    const seconds = (performance.now() - started) / 1000;
    const after = snapshot(load.counts);
    const latencies = load.counts.latencies.slice(before.latencies);
    const achieved = (after.created - before.created) / seconds;
    notes.push(
      `lag window ${window}: the gateway answered ${fmt(achieved)} registrations/s with 201, ` +
        `${after.refused - before.refused} other answers, ${after.errors - before.errors} errors, ` +
        `${after.skipped - before.skipped} not sent (${MAX_IN_FLIGHT} in flight); 201 latency ` +
        `p50 ${fmt(median(latencies), 1)} ms, p99 ${fmt(percentile(latencies, 99), 1)} ms` +
        (achieved < rate * 0.95 ? ` — WARNING: behind the offered ${rate}/s` : ""),
    );
  }
  notes.push(`during the lag windows: ${await server()}`);
  notes.push(`CPU during the lag windows, in cores: ${cpu()}`);

  const fences: FenceRun[] = await runFences({
    controlUrl: options.controlUrl,
    runs: options.fenceRuns,
    weight: CANARY_WEIGHT,
    settleMs: 2_000,
    counts: load.counts,
  });
  await load.stop();
  notes.push(
    `writes taken, by side: ${[...load.counts.created].map(([side, n]) => `${side} ${n}`).join(", ")}`,
  );
  for (const child of stack.children) {
    if (child.done) notes.push(`WARNING: ${child.name} exited during the run:\n${child.tail()}`);
  }
  return { lagWindows, fences, notes };
}
