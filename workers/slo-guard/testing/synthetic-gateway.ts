import type { Redis } from "ioredis";
import type { DomainName } from "@/lib/contracts/domains";
import { CircuitBreakerRegistry } from "@/lib/resilience/circuit-breakers";
import { RollingStats } from "@/lib/resilience/rolling-stats";
import { StatsPublisher } from "@/lib/resilience/stats-publisher";
import { shadowStatsKey, upstreamKey } from "@/lib/resilience/upstream-key";

/**
 * The statistics side of an API gateway without the proxying: synthetic requests to one domain's
 * new service are recorded in the gateway's real RollingStats, and the real StatsPublisher puts a
 * snapshot on Redis every 500 ms (SET … EX 10 and PUBLISH), at its own phase, as a gateway would.
 */
export type SyntheticGatewayOptions = {
  redis: Redis;
  prefix: string;
  domain: DomainName;
  gatewayId?: string;
  /** Requests per second to the new service (recorded in ticks of 10 ms). */
  requestsPerSecond?: number;
  publishIntervalMs?: number;
};

export function startSyntheticGateway(options: SyntheticGatewayOptions) {
  const stats = new RollingStats();
  const breakers = new CircuitBreakerRegistry();
  const key = upstreamKey(options.domain, "service");
  // Paced by the clock, not by the ticks (timers drift): 10 requests/s is one every 100 ms.
  const perMs = (options.requestsPerSecond ?? 200) / 1000;
  const startedAt = performance.now();
  let errorShare = 0;
  let latencyMs = 20;
  let slowPending: number[] = [];
  let failPending = 0;
  let recorded = 0;
  let errors = 0;
  let slowRecorded = 0;
  let shadow: {
    perMs: number;
    since: number;
    sent: number;
    errorShare: number;
    latencyMs: number;
  } | null = null;
  let shadowRecorded = 0;

  const traffic = setInterval(() => {
    const now = performance.now();
    const due = Math.floor((now - startedAt) * perMs);
    while (recorded < due) {
      recorded += 1;
      // Deterministic spread of errors: exactly `errorShare` of the requests fail.
      let isError = Math.floor(recorded * errorShare) > Math.floor((recorded - 1) * errorShare);
      if (!isError && failPending > 0) {
        failPending -= 1;
        isError = true;
      }
      if (isError) errors += 1;
      const slow = slowPending.shift();
      if (slow !== undefined) slowRecorded += 1;
      stats.record(key, slow ?? latencyMs, isError);
    }
    if (shadow) {
      const shadowDue = Math.floor((now - shadow.since) * shadow.perMs);
      while (shadow.sent < shadowDue) {
        shadow.sent += 1;
        shadowRecorded += 1;
        stats.record(
          shadowStatsKey(options.domain),
          shadow.latencyMs,
          Math.random() < shadow.errorShare,
        );
      }
    }
  }, 10);
  const publisher = new StatsPublisher({
    redis: options.redis,
    prefix: options.prefix,
    gatewayId: options.gatewayId ?? "synthetic-gateway",
    breakers,
    stats,
    // the gateway's default GATEWAY_STATS_PUBLISH_MS
    intervalMs: options.publishIntervalMs ?? 500,
  }).start();

  return {
    /** From now on, this share (0–1) of the requests fails. */
    setErrorShare(share: number): void {
      errorShare = share;
    },
    setLatencyMs(ms: number): void {
      latencyMs = ms;
    },
    /** The next `count` requests take `ms` each (an occasional slow request). */
    slowRequests(count: number, ms: number): void {
      slowPending = [...slowPending, ...Array.from({ length: count }, () => ms)];
    },
    /** The next `count` requests fail (an occasional error). */
    failRequests(count: number): void {
      failPending += count;
    },
    /** Shadow copies to the new service, recorded apart as the gateway records them (null: none). */
    setShadowTraffic(
      traffic: { requestsPerSecond: number; errorShare: number; latencyMs: number } | null,
    ): void {
      shadow = traffic && {
        perMs: traffic.requestsPerSecond / 1000,
        since: performance.now(),
        sent: 0,
        errorShare: traffic.errorShare,
        latencyMs: traffic.latencyMs,
      };
    },
    get recorded() {
      return { requests: recorded, errors, slow: slowRecorded, shadow: shadowRecorded };
    },
    async stop(): Promise<void> {
      clearInterval(traffic);
      await publisher.stop();
    },
  };
}

export type SyntheticGateway = ReturnType<typeof startSyntheticGateway>;
