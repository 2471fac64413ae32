import type { Redis } from "ioredis";
import type { DomainName } from "@/lib/contracts/domains";
import type {
  BreakerTransitionEvent,
  CircuitBreakerRegistry,
} from "@/lib/resilience/circuit-breakers";
import { gatewayStatsChannel, gatewayStatsKey } from "@/lib/resilience/redis-keys";
import type { RollingStats } from "@/lib/resilience/rolling-stats";
import {
  type BreakerSnapshot,
  type BreakerState,
  type BreakerTransition,
  type GatewayStatsSnapshot,
  GatewayStatsSnapshotSchema,
  type RollingPoint,
  type UpstreamStats,
} from "@/lib/resilience/stats-snapshot";
import {
  parseUpstreamKey,
  shadowStatsKey,
  type UpstreamKey,
  type UpstreamSide,
  upstreamKey,
} from "@/lib/resilience/upstream-key";

/** Seconds a gateway's snapshot outlives its last publication (a dead gateway drops out). */
export const GATEWAY_STATS_TTL_SECONDS = 10;

// A burst of flapping breakers between two snapshots must not grow memory without bound.
const MAX_PENDING_TRANSITIONS = 1_000;

export interface StatsPublisherOptions {
  redis: Redis;
  prefix: string;
  gatewayId: string;
  breakers: CircuitBreakerRegistry;
  /** Keyed by upstream key (`upstreamKey(domain, side)`); other keys are ignored. */
  stats: RollingStats;
  /** Upstreams listed even before their first request (e.g. every routed domain, both sides). */
  upstreams?: () => ReadonlyArray<{ domain: DomainName; side: UpstreamSide }>;
  intervalMs?: number;
  now?: () => number;
  /** A failed publication (Redis down); the next tick tries again. */
  onError?: (error: unknown) => void;
}

function withoutLatency({ latency: _latency, ...point }: RollingPoint): RollingPoint {
  return point;
}

/** The snapshot of this moment: every known upstream's window, series and breaker. */
export function buildGatewayStatsSnapshot(input: {
  gatewayId: string;
  breakers: CircuitBreakerRegistry;
  stats: RollingStats;
  upstreams?: ReadonlyArray<{ domain: DomainName; side: UpstreamSide }>;
  transitions: readonly BreakerTransitionEvent[];
  at: Date;
}): GatewayStatsSnapshot {
  const keys = new Set<UpstreamKey>();
  for (const upstream of input.upstreams ?? [])
    keys.add(upstreamKey(upstream.domain, upstream.side));
  for (const key of input.stats.keys()) {
    const parsed = parseUpstreamKey(key);
    if (parsed) keys.add(upstreamKey(parsed.domain, parsed.side));
  }
  for (const status of input.breakers.statuses()) keys.add(status.key);
  const recorded = new Set(input.stats.keys());
  const upstreams: UpstreamStats[] = [...keys].sort().map((key) => {
    const { domain, side } = parseUpstreamKey(key) as { domain: DomainName; side: UpstreamSide };
    const rolling = input.stats.snapshot(key);
    const breaker = input.breakers.status(domain, side);
    const shadowKey = shadowStatsKey(domain);
    const shadow =
      side === "service" && recorded.has(shadowKey) ? input.stats.snapshot(shadowKey) : null;
    return {
      domain,
      side,
      window: rolling.window,
      // only the new service's histograms are read (slo-guard): legacy's would double the size
      series: side === "service" ? rolling.series : rolling.series.map(withoutLatency),
      ...(shadow && { shadow: { window: shadow.window, series: shadow.series } }),
      breaker: {
        state: breaker.state,
        forced: breaker.forced,
        since: breaker.since.toISOString(),
      },
    };
  });
  return {
    gatewayId: input.gatewayId,
    at: input.at.toISOString(),
    upstreams,
    transitions: input.transitions.map((event) => ({
      key: event.key,
      from: event.from,
      to: event.to,
      at: event.at.toISOString(),
    })),
  };
}

/**
 * Publishes this gateway's snapshot every second: `SET <prefix>gateway:stats:<id> <json> EX 10`
 * and `PUBLISH <prefix>gateway:stats <json>`, with the breaker transitions since the last one.
 */
export class StatsPublisher {
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<unknown> | null = null;
  private pending: BreakerTransitionEvent[] = [];
  private readonly stopListening: () => void;

  constructor(private readonly options: StatsPublisherOptions) {
    this.stopListening = options.breakers.onTransition((event) => {
      if (this.pending.length >= MAX_PENDING_TRANSITIONS) this.pending.shift();
      this.pending.push(event);
    });
  }

  /** Starts the 1-second ticks (the timer does not keep the process alive). */
  start(): this {
    if (this.timer) return this;
    this.timer = setInterval(() => {
      // A slow Redis must not pile up publications.
      if (this.inFlight) return;
      this.inFlight = this.publishOnce()
        .catch((error: unknown) => this.options.onError?.(error))
        .finally(() => {
          this.inFlight = null;
        });
    }, this.options.intervalMs ?? 1_000);
    this.timer.unref();
    return this;
  }

  /** Builds and publishes one snapshot now; transitions are kept for the next try on failure. */
  async publishOnce(): Promise<GatewayStatsSnapshot> {
    const transitions = this.pending;
    this.pending = [];
    const snapshot = buildGatewayStatsSnapshot({
      gatewayId: this.options.gatewayId,
      breakers: this.options.breakers,
      stats: this.options.stats,
      upstreams: this.options.upstreams?.(),
      transitions,
      at: new Date((this.options.now ?? Date.now)()),
    });
    const json = JSON.stringify(snapshot);
    const { redis, prefix, gatewayId } = this.options;
    try {
      const replies = await redis
        .multi()
        .set(gatewayStatsKey(prefix, gatewayId), json, "EX", GATEWAY_STATS_TTL_SECONDS)
        .publish(gatewayStatsChannel(prefix), json)
        .exec();
      const failed = replies?.find(([error]) => error !== null);
      if (!replies || failed) throw failed?.[0] ?? new Error("stats publication was discarded");
    } catch (error) {
      this.pending = [...transitions, ...this.pending].slice(-MAX_PENDING_TRANSITIONS);
      throw error;
    }
    return snapshot;
  }

  /** Stops the ticks and waits for a publication in flight. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.stopListening();
    await this.inFlight;
  }
}

/** A started StatsPublisher. */
export function startStatsPublisher(options: StatsPublisherOptions): StatsPublisher {
  return new StatsPublisher(options).start();
}

/** One upstream across every gateway. */
export interface MergedUpstreamStats extends UpstreamStats {
  /** Each gateway's own view of this upstream's breaker. */
  breakers: Array<BreakerSnapshot & { gatewayId: string }>;
}

/** Every live gateway's latest snapshot, and their sum per upstream. */
export interface MergedGatewayStats {
  /** Time of the newest snapshot, or null when no gateway published within the TTL. */
  at: string | null;
  gateways: GatewayStatsSnapshot[];
  /**
   * Requests and errors are summed; latency percentiles are the maximum over gateways (an upper
   * bound: percentiles cannot be merged exactly); `breaker` is the worst state of any gateway.
   */
  upstreams: MergedUpstreamStats[];
  /**
   * Transitions in each gateway's latest snapshot only (the last second); to see every
   * transition, follow the channel with subscribeGatewayStats.
   */
  transitions: Array<BreakerTransition & { gatewayId: string }>;
  /** Keys whose value was not a valid snapshot. */
  invalidKeys: string[];
}

const STATE_SEVERITY: Record<BreakerState, number> = { closed: 0, "half-open": 1, open: 2 };

function mergeSeries(a: RollingPoint[], b: RollingPoint[]): RollingPoint[] {
  const byT = new Map<number, RollingPoint>();
  for (const point of [...a, ...b]) {
    const seen = byT.get(point.t);
    byT.set(
      point.t,
      seen
        ? {
            t: point.t,
            requests: seen.requests + point.requests,
            errors: seen.errors + point.errors,
            p99Ms: Math.max(seen.p99Ms, point.p99Ms),
          }
        : withoutLatency(point),
    );
  }
  return [...byT.values()].sort((x, y) => x.t - y.t).slice(-60);
}

function mergeUpstream(merged: MergedUpstreamStats, next: UpstreamStats): void {
  const requests = merged.window.requests + next.window.requests;
  const errors = merged.window.errors + next.window.errors;
  merged.window = {
    requests,
    errors,
    errorRate: requests === 0 ? 0 : errors / requests,
    p50Ms: Math.max(merged.window.p50Ms, next.window.p50Ms),
    p95Ms: Math.max(merged.window.p95Ms, next.window.p95Ms),
    p99Ms: Math.max(merged.window.p99Ms, next.window.p99Ms),
  };
  merged.series = mergeSeries(merged.series, next.series);
  if (STATE_SEVERITY[next.breaker.state] > STATE_SEVERITY[merged.breaker.state]) {
    merged.breaker = { ...next.breaker };
  } else if (merged.breaker.forced === null && next.breaker.forced !== null) {
    merged.breaker = { ...merged.breaker, forced: next.breaker.forced };
  }
}

/**
 * Reads every gateway's latest snapshot (SCAN `<prefix>gateway:stats:*`), parses each with
 * GatewayStatsSnapshotSchema, and merges them per upstream.
 */
export async function readGatewayStats(redis: Redis, prefix: string): Promise<MergedGatewayStats> {
  const pattern = `${gatewayStatsKey(prefix, "").replace(/[*?[\]\\]/g, "\\$&")}*`;
  const keys = new Set<string>();
  let cursor = "0";
  do {
    const [next, found] = await redis.scan(
      cursor,
      "MATCH",
      pattern,
      "COUNT",
      1000,
      "TYPE",
      "string",
    );
    cursor = next;
    for (const key of found) keys.add(key);
  } while (cursor !== "0");
  const sortedKeys = [...keys].sort();
  const values = sortedKeys.length === 0 ? [] : await redis.mget(...sortedKeys);

  const gateways: GatewayStatsSnapshot[] = [];
  const invalidKeys: string[] = [];
  values.forEach((value, index) => {
    if (value === null) return; // expired between SCAN and MGET
    let json: unknown;
    try {
      json = JSON.parse(value);
    } catch {
      invalidKeys.push(sortedKeys[index] as string);
      return;
    }
    const parsed = GatewayStatsSnapshotSchema.safeParse(json);
    if (parsed.success) gateways.push(parsed.data);
    else invalidKeys.push(sortedKeys[index] as string);
  });

  const upstreams = new Map<UpstreamKey, MergedUpstreamStats>();
  const transitions: MergedGatewayStats["transitions"] = [];
  for (const gateway of gateways) {
    for (const upstream of gateway.upstreams) {
      const key = upstreamKey(upstream.domain, upstream.side);
      const own = { ...upstream.breaker, gatewayId: gateway.gatewayId };
      const merged = upstreams.get(key);
      if (merged) {
        mergeUpstream(merged, upstream);
        merged.breakers.push(own);
      } else {
        upstreams.set(key, {
          ...upstream,
          window: { ...upstream.window },
          series: upstream.series.map((point) => ({ ...point })),
          breaker: { ...upstream.breaker },
          breakers: [own],
        });
      }
    }
    for (const transition of gateway.transitions) {
      transitions.push({ ...transition, gatewayId: gateway.gatewayId });
    }
  }
  transitions.sort((a, b) => a.at.localeCompare(b.at));
  const at = gateways.reduce<string | null>(
    (latest, gateway) => (latest === null || gateway.at > latest ? gateway.at : latest),
    null,
  );
  return {
    at,
    gateways,
    upstreams: [...upstreams.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, u]) => u),
    transitions,
    invalidKeys,
  };
}

/**
 * Follows `<prefix>gateway:stats` on a duplicate connection (SUBSCRIBE blocks it) and hands
 * every valid snapshot to `onSnapshot`; invalid messages go to `onInvalid`.
 */
export async function subscribeGatewayStats(
  redis: Redis,
  prefix: string,
  onSnapshot: (snapshot: GatewayStatsSnapshot) => void,
  onInvalid?: (message: string, error: unknown) => void,
): Promise<{ close(): Promise<void> }> {
  const subscriber = redis.duplicate();
  const channel = gatewayStatsChannel(prefix);
  subscriber.on("message", (from: string, message: string) => {
    if (from !== channel) return;
    let parsed: ReturnType<typeof GatewayStatsSnapshotSchema.safeParse>;
    try {
      parsed = GatewayStatsSnapshotSchema.safeParse(JSON.parse(message));
    } catch (error) {
      onInvalid?.(message, error);
      return;
    }
    if (parsed.success) onSnapshot(parsed.data);
    else onInvalid?.(message, parsed.error);
  });
  await subscriber.subscribe(channel);
  return {
    async close() {
      await subscriber.quit().catch(() => subscriber.disconnect());
    },
  };
}
