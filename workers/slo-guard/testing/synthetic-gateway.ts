import type { Redis } from "ioredis";
import type { DomainName } from "@/lib/contracts/domains";
import { CircuitBreakerRegistry } from "@/lib/resilience/circuit-breakers";
import { RollingStats } from "@/lib/resilience/rolling-stats";
import { StatsPublisher } from "@/lib/resilience/stats-publisher";
import { upstreamKey } from "@/lib/resilience/upstream-key";

/**
 * The statistics side of an API gateway without the proxying: synthetic requests to one domain's
 * new service are recorded in the gateway's real RollingStats, and the real StatsPublisher puts a
 * snapshot on Redis every second (SET … EX 10 and PUBLISH), at its own phase, as a gateway would.
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
  const perTick = Math.max(1, Math.round((options.requestsPerSecond ?? 200) / 100));
  let errorShare = 0;
  let latencyMs = 20;
  let recorded = 0;
  let errors = 0;

  const traffic = setInterval(() => {
    for (let i = 0; i < perTick; i++) {
      recorded += 1;
      // Deterministic spread of errors: exactly `errorShare` of the requests fail.
      const isError = Math.floor(recorded * errorShare) > Math.floor((recorded - 1) * errorShare);
      if (isError) errors += 1;
      stats.record(key, latencyMs, isError);
    }
  }, 10);
  const publisher = new StatsPublisher({
    redis: options.redis,
    prefix: options.prefix,
    gatewayId: options.gatewayId ?? "synthetic-gateway",
    breakers,
    stats,
    intervalMs: options.publishIntervalMs ?? 1_000,
  }).start();

  return {
    /** From now on, this share (0–1) of the requests fails. */
    setErrorShare(share: number): void {
      errorShare = share;
    },
    setLatencyMs(ms: number): void {
      latencyMs = ms;
    },
    get recorded() {
      return { requests: recorded, errors };
    },
    async stop(): Promise<void> {
      clearInterval(traffic);
      await publisher.stop();
    },
  };
}

export type SyntheticGateway = ReturnType<typeof startSyntheticGateway>;
