/**
 * The gateway's own view of a measured run, from its Prometheus endpoint (prom-client's default
 * Node metrics): event-loop delay over the run (prom-client resets that histogram on every
 * scrape, so a scrape at the start bounds the window), garbage-collection pauses and shadow
 * copies by result (counters, read as differences: what a shadow row really mirrored).
 */

/**
 * prom-client samples the delay with a 10 ms timer (eventLoopMonitoringPrecision) and reports
 * the time between its ticks, so an idle loop reads 10 ms; the interval is taken off.
 */
const SAMPLING_INTERVAL_MS = 10;

type Samples = Map<string, number>;

const MIRRORS = "gateway_shadow_mirrors_total";

/**
 * `name`, `name:kind` (the GC kind label) or `mirrors:<domain>:<result>` → value, for the series
 * this module reads.
 */
function parseMetrics(text: string): Samples {
  const samples: Samples = new Map();
  for (const line of text.split("\n")) {
    if (line.startsWith(`${MIRRORS}{`)) {
      const domain = /domain="([^"]+)"/.exec(line)?.[1];
      const result = /result="([^"]+)"/.exec(line)?.[1];
      const value = /\}\s+(\S+)/.exec(line)?.[1];
      if (domain && result && value) samples.set(`mirrors:${domain}:${result}`, Number(value));
      continue;
    }
    if (!line.startsWith("nodejs_eventloop_lag") && !line.startsWith("nodejs_gc_duration_seconds"))
      continue;
    const match = /^([a-z_0-9]+)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!match?.[1] || match[3] === undefined) continue;
    if (match[2]?.includes("le=")) continue;
    const kind = /kind="([^"]+)"/.exec(match[2] ?? "")?.[1];
    samples.set(kind ? `${match[1]}:${kind}` : match[1], Number(match[3]));
  }
  return samples;
}

async function scrape(baseUrl: string): Promise<Samples> {
  const response = await fetch(`${baseUrl}/metrics`);
  return parseMetrics(await response.text());
}

export type RuntimeWindow = {
  /** Call at the start of the measured run. */
  start(): Promise<void>;
  /** Call at its end: one line describing event-loop delay and GC over the run. */
  finish(): Promise<string>;
};

const GC_KINDS = ["minor", "major", "incremental", "weakcb"] as const;

export function gatewayRuntimeWindow(baseUrl: string): RuntimeWindow {
  let before: Samples = new Map();
  return {
    async start() {
      before = await scrape(baseUrl);
    },
    async finish() {
      const after = await scrape(baseUrl);
      const ms = (name: string) =>
        Math.max(0, (after.get(name) ?? Number.NaN) * 1000 - SAMPLING_INTERVAL_MS).toFixed(1);
      const gc = GC_KINDS.flatMap((kind) => {
        const count =
          (after.get(`nodejs_gc_duration_seconds_count:${kind}`) ?? 0) -
          (before.get(`nodejs_gc_duration_seconds_count:${kind}`) ?? 0);
        const seconds =
          (after.get(`nodejs_gc_duration_seconds_sum:${kind}`) ?? 0) -
          (before.get(`nodejs_gc_duration_seconds_sum:${kind}`) ?? 0);
        return count > 0 ? [`${count} ${kind} ${(seconds * 1000).toFixed(0)} ms`] : [];
      });
      const mirrors = [...after]
        .filter(([key]) => key.startsWith("mirrors:"))
        .map(
          ([key, value]) => [key.slice("mirrors:".length), value - (before.get(key) ?? 0)] as const,
        )
        .filter(([, count]) => count > 0)
        .map(([what, count]) => `${what.replace(":", " ")} ${count}`);
      return (
        `event-loop delay (beyond the ${SAMPLING_INTERVAL_MS} ms sampling tick) p50 ${ms("nodejs_eventloop_lag_p50_seconds")} ms, ` +
        `p99 ${ms("nodejs_eventloop_lag_p99_seconds")} ms, max ${ms("nodejs_eventloop_lag_max_seconds")} ms; ` +
        `GC: ${gc.join(", ") || "none"}` +
        (mirrors.length > 0 ? `; shadow copies: ${mirrors.join(", ")}` : "")
      );
    },
  };
}
