/**
 * One measurement against a URL after a warm-up, with the latency of every 2xx answer kept in an
 * HDR histogram in microseconds (autocannon's own histogram keeps whole milliseconds, too coarse
 * for a 2 ms budget), and the CPU time each process used meanwhile.
 *
 * Two generators:
 * - `closed`: autocannon, every connection sends its next request as soon as it has the answer
 *   (the measure: throughput at N connections).
 * - `paced`: requests sent at evenly spaced times at a fixed rate over a keep-alive pool of N
 *   connections (undici), so every target gets the same offered load. autocannon's own
 *   `overallRate` is not used for that: each connection sends its per-second quota back to back at
 *   the start of every second, which measures bursts, not a steady rate.
 */
import autocannon from "autocannon";
import * as hdr from "hdr-histogram-js";
import { Pool } from "undici";
import { cpuSeconds, machineCpuSeconds } from "./processes";

export type LoadSpec = {
  url: string;
  connections: number;
  durationS: number;
  warmupS: number;
  /** `paced` at this many requests/s; closed loop (as fast as possible) when absent. */
  rate?: number;
  /** Request headers sent with every request. */
  headers?: Record<string, string>;
};

export type CpuShare = {
  /** CPU seconds per wall second (1 = one core busy), per process group. */
  loadgen: number;
  proxy: number | null;
  upstream: number;
  /** The whole machine, every process (ours and others). */
  machine: number;
  /** The machine minus ours: other work on this host. */
  others: number;
};

export type Measured = {
  /** Answered requests per second (autocannon's mean of per-second counts when closed loop). */
  rps: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** 2xx answers. */
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  cpu: CpuShare;
  /** Proxy CPU microseconds per answered request, or null without a proxy. */
  proxyCpuMicrosPerRequest: number | null;
};

export type Processes = {
  /** The proxy's processes (none for the direct run). */
  proxy: () => number[];
  upstream: () => number[];
};

function histogram(): hdr.Histogram {
  return hdr.build({
    bitBucketSize: 64,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000,
    numberOfSignificantValueDigits: 3,
    autoResize: false,
    useWebAssembly: false,
  });
}

function atPercentile(h: hdr.Histogram, percentile: number): number {
  if (h.totalCount === 0) return Number.NaN;
  return Math.min(h.getValueAtPercentile(percentile), h.maxValue) / 1000;
}

const recordMs = (h: hdr.Histogram, ms: number) =>
  h.recordValue(Math.max(1, Math.round(ms * 1000)));

type Counts = { rps: number; ok: number; non2xx: number; errors: number; timeouts: number };

/** autocannon, closed loop; latencies from its `response` events (fractional milliseconds). */
async function closedLoop(spec: LoadSpec, seconds: number, latencies?: hdr.Histogram) {
  const run = autocannon({
    url: spec.url,
    connections: spec.connections,
    pipelining: 1,
    timeout: 10,
    duration: seconds,
    headers: spec.headers,
  });
  if (latencies) {
    run.on("response", (_client: unknown, status: number, _bytes: number, ms: number) => {
      if (status >= 200 && status < 300) recordMs(latencies, ms);
    });
  }
  const result = await run;
  return {
    rps: result.requests.average,
    ok: result["2xx"],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  } satisfies Counts;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Open loop at `rate` requests/s, evenly spaced, over one keep-alive pool. A request's latency
 * runs from its dispatch to the end of its answer (waiting for a free connection included).
 */
async function paced(spec: LoadSpec, rate: number, seconds: number, latencies?: hdr.Histogram) {
  const url = new URL(spec.url);
  const pool = new Pool(url.origin, { connections: spec.connections, pipelining: 1 });
  const counts: Counts = { rps: 0, ok: 0, non2xx: 0, errors: 0, timeouts: 0 };
  const inFlight = new Set<Promise<void>>();
  const path = `${url.pathname}${url.search}`;
  const send = () => {
    const started = performance.now();
    const call = pool
      .request({
        method: "GET",
        path,
        headers: spec.headers,
        headersTimeout: 10_000,
        bodyTimeout: 10_000,
      })
      .then(async (response) => {
        await response.body.arrayBuffer();
        if (response.statusCode >= 200 && response.statusCode < 300) {
          counts.ok += 1;
          if (latencies) recordMs(latencies, performance.now() - started);
        } else counts.non2xx += 1;
      })
      .catch((error: { code?: string }) => {
        if (error.code?.includes("TIMEOUT")) counts.timeouts += 1;
        else counts.errors += 1;
      })
      .finally(() => inFlight.delete(call));
    inFlight.add(call);
  };
  const interval = 1000 / rate;
  const start = performance.now();
  const end = start + seconds * 1000;
  let due = start;
  while (due < end) {
    const now = performance.now();
    while (due <= now && due < end) {
      send();
      due += interval;
    }
    await sleep(Math.max(0, Math.min(due, end) - performance.now() - 0.5));
  }
  await Promise.all(inFlight);
  const elapsed = (performance.now() - start) / 1000;
  await pool.close();
  counts.rps = counts.ok / elapsed;
  return counts;
}

/**
 * Warm-up, then the measured run. `atStart` runs between the two (e.g. to reset the gateway's
 * runtime metrics), before the CPU counters are read.
 */
export async function measure(
  spec: LoadSpec,
  processes: Processes,
  atStart?: () => Promise<void>,
): Promise<Measured> {
  const generate = (seconds: number, latencies?: hdr.Histogram) =>
    spec.rate ? paced(spec, spec.rate, seconds, latencies) : closedLoop(spec, seconds, latencies);
  if (spec.warmupS > 0) await generate(spec.warmupS);
  await atStart?.();

  const latencies = histogram();
  const proxyPids = processes.proxy();
  const upstreamPids = processes.upstream();
  const before = {
    wall: performance.now(),
    loadgen: process.cpuUsage(),
    proxy: cpuSeconds(proxyPids),
    upstream: cpuSeconds(upstreamPids),
    machine: machineCpuSeconds(),
  };
  const counts = await generate(spec.durationS, latencies);
  const wall = (performance.now() - before.wall) / 1000;
  const loadgen = process.cpuUsage(before.loadgen);
  const proxySeconds = cpuSeconds(proxyPids) - before.proxy;
  const machine = machineCpuSeconds();

  const hasProxy = proxyPids.length > 0;
  const cpu = {
    loadgen: (loadgen.user + loadgen.system) / 1e6 / wall,
    proxy: hasProxy ? proxySeconds / wall : null,
    upstream: (cpuSeconds(upstreamPids) - before.upstream) / wall,
    machine: (machine.busy - before.machine.busy) / wall,
  };
  const others = Math.max(0, cpu.machine - cpu.loadgen - (cpu.proxy ?? 0) - cpu.upstream);
  const measured: Measured = {
    ...counts,
    p50Ms: atPercentile(latencies, 50),
    p99Ms: atPercentile(latencies, 99),
    maxMs: latencies.totalCount ? latencies.maxValue / 1000 : Number.NaN,
    cpu: { ...cpu, others },
    proxyCpuMicrosPerRequest: hasProxy && counts.ok > 0 ? (proxySeconds * 1e6) / counts.ok : null,
  };
  latencies.destroy();
  return measured;
}
