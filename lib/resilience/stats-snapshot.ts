import { z } from "zod";
import { DomainNameSchema } from "@/lib/contracts/domains";
import { UpstreamKeySchema, UpstreamSideSchema } from "@/lib/resilience/upstream-key";

export type { UpstreamKey, UpstreamSide } from "@/lib/resilience/upstream-key";
export { UpstreamSideSchema } from "@/lib/resilience/upstream-key";

/** What a breaker reports: cockatiel's states, with an operator isolation shown as `open`. */
export const BreakerStateSchema = z.enum(["closed", "open", "half-open"]);
export type BreakerState = z.infer<typeof BreakerStateSchema>;

/** An operator override of a breaker, or null when it runs automatically. */
export const BreakerForceSchema = z.enum(["open", "closed"]);
export type BreakerForce = z.infer<typeof BreakerForceSchema>;

/** Totals over the rolling window (60 s); latencies in milliseconds, 0 when there was no request. */
export const RollingWindowSchema = z.object({
  requests: z.number().int().nonnegative(),
  errors: z.number().int().nonnegative(),
  /** errors / requests, 0..1; 0 when there was no request. */
  errorRate: z.number().min(0).max(1),
  p50Ms: z.number().nonnegative(),
  p95Ms: z.number().nonnegative(),
  p99Ms: z.number().nonnegative(),
});
export type RollingWindow = z.infer<typeof RollingWindowSchema>;

/** One second of the window, for charts. */
export const RollingPointSchema = z.object({
  /** Epoch second the bucket starts at. */
  t: z.number().int(),
  requests: z.number().int().nonnegative(),
  errors: z.number().int().nonnegative(),
  p99Ms: z.number().nonnegative(),
  /**
   * The second's latencies, HdrHistogram compressed base64 (latency-histogram.ts), so that a
   * window's percentile is taken over the union of its seconds; absent when none was recorded.
   */
  latency: z.string().max(20_000).optional(),
});
export type RollingPoint = z.infer<typeof RollingPointSchema>;

export const BreakerSnapshotSchema = z.object({
  state: BreakerStateSchema,
  forced: BreakerForceSchema.nullable(),
  /** When the breaker entered its current state (ISO). */
  since: z.iso.datetime(),
});
export type BreakerSnapshot = z.infer<typeof BreakerSnapshotSchema>;

/** A window and its per-second series, e.g. the shadow copies sent to a new service. */
export const RollingSeriesSchema = z.object({
  window: RollingWindowSchema,
  series: z.array(RollingPointSchema),
});

export const UpstreamStatsSchema = z.object({
  domain: DomainNameSchema,
  side: UpstreamSideSchema,
  /** Client traffic only: what the clients of this upstream got. */
  window: RollingWindowSchema,
  /** The last 60 seconds, oldest first, the current (partial) second last. */
  series: z.array(RollingPointSchema),
  /**
   * Shadow copies sent to this new service (never answered to a client), kept apart so that
   * the last seconds of a shadow are not judged as canary traffic; absent when there were none.
   */
  shadow: RollingSeriesSchema.optional(),
  breaker: BreakerSnapshotSchema,
});
export type UpstreamStats = z.infer<typeof UpstreamStatsSchema>;

export const BreakerTransitionSchema = z.object({
  key: UpstreamKeySchema,
  from: BreakerStateSchema,
  to: BreakerStateSchema,
  at: z.iso.datetime(),
});
export type BreakerTransition = z.infer<typeof BreakerTransitionSchema>;

/**
 * What one gateway publishes every second (Redis key and channel in redis-keys.ts); parsed by
 * the console and the slo-guard.
 */
export const GatewayStatsSnapshotSchema = z.object({
  gatewayId: z.string().min(1),
  at: z.iso.datetime(),
  upstreams: z.array(UpstreamStatsSchema),
  /** Breaker transitions since this gateway's previous snapshot. */
  transitions: z.array(BreakerTransitionSchema),
});
export type GatewayStatsSnapshot = z.infer<typeof GatewayStatsSnapshotSchema>;
