import { z } from "zod";
import { DomainNameSchema, MigrationStateSchema } from "./domains";

/**
 * The control plane's internal API for workers/slo-guard (tRPC procedures `internal.*`, called
 * with a service JWT: aud `control-plane`, service_type `worker`). The guard reads everything it
 * needs in one call and acts through the same state machine as the operators.
 */
export const SloPolicySchema = z.object({
  domain: DomainNameSchema,
  /** Largest acceptable share of errors (5xx and timeouts) of the new service, 0–1. */
  maxErrorRate: z.number().min(0).max(1),
  /** Largest acceptable p99 latency of the new service, in ms. */
  maxP99Ms: z.number().int().min(1).max(60_000),
  /** Below this many requests in the window, nothing is judged. */
  minRequests: z.number().int().min(1).max(1_000_000),
  /** Seconds of the rolling window the rule looks at (1–60). */
  windowSeconds: z.number().int().min(1).max(60),
  enabled: z.boolean(),
  version: z.number().int().positive(),
});
export type SloPolicy = z.infer<typeof SloPolicySchema>;

export const RolloutStatusSchema = z.enum([
  "running",
  "paused",
  "completed",
  "aborted",
  "rolled_back",
]);
export type RolloutStatus = z.infer<typeof RolloutStatusSchema>;

export const RolloutPlanSchema = z.object({
  id: z.uuid(),
  domain: DomainNameSchema,
  /** Canary weights in order, e.g. [1, 5, 25, 50, 100]; after the last hold the domain is migrated. */
  steps: z.array(z.number().int().min(1).max(100)).min(1).max(20),
  /** Seconds to hold each step (same length as steps). */
  holdSeconds: z.array(z.number().int().min(1).max(86_400)).min(1).max(20),
  /** Index into steps of the weight in force. */
  currentStep: z.number().int().min(0),
  status: RolloutStatusSchema,
  stepStartedAt: z.date(),
  createdBy: z.string(),
});
export type RolloutPlan = z.infer<typeof RolloutPlanSchema>;

export const GuardDomainSchema = z.object({
  domain: DomainNameSchema,
  state: MigrationStateSchema,
  canaryWeight: z.number().int(),
  version: z.number().int(),
  /**
   * When the domain entered its current state: the guard judges no traffic from before it (the
   * last seconds of a shadow, or of a previous canary, are not this canary's).
   */
  stateSince: z.date(),
  policy: SloPolicySchema,
  plan: RolloutPlanSchema.nullable(),
});
export const GuardStateSchema = z.object({ domains: z.array(GuardDomainSchema), at: z.date() });
export type GuardState = z.infer<typeof GuardStateSchema>;

/** What the guard measured when it acted: written into the reason and the audit row. */
export const BreachSchema = z.object({
  requests: z.number().int().nonnegative(),
  errorRate: z.number().min(0).max(1),
  p99Ms: z.number().nonnegative(),
  windowSeconds: z.number().int().positive(),
  /** When the breach was first seen (the start of the measured breach-to-rollback time). */
  firstSeenAt: z.date(),
});
export type Breach = z.infer<typeof BreachSchema>;

export const GuardRollbackInputSchema = z.object({
  domain: DomainNameSchema,
  /** The domain's version the guard judged: a decision on a version no longer current changes nothing. */
  version: z.number().int().positive(),
  reason: z.string().min(3).max(500),
  breach: BreachSchema,
});

export const GuardPromoteInputSchema = z.object({
  domain: DomainNameSchema,
  planId: z.uuid(),
  /** The step the guard saw as current: a stale promote is refused. */
  fromStep: z.number().int().min(0),
});
