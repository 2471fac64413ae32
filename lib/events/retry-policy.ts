import { z } from "zod";

/**
 * When an unacked entry is delivered again: after `baseMs` idle, doubling per delivery up to
 * `maxMs`; after `maxDeliveries` deliveries it goes to the dead-letter queue.
 */
export const RetryPolicySchema = z.object({
  baseMs: z.number().int().min(1).default(5_000),
  maxMs: z.number().int().min(1).default(300_000),
  maxDeliveries: z.number().int().min(1).max(1000).default(5),
});
export type RetryPolicy = z.infer<typeof RetryPolicySchema>;

/** The idle time an entry delivered `deliveries` times must reach before its next delivery. */
export function retryDelayMs(deliveries: number, policy: RetryPolicy): number {
  const exponent = Math.max(0, Math.min(deliveries - 1, 30));
  return Math.min(policy.baseMs * 2 ** exponent, policy.maxMs);
}

/**
 * The longest an entry can keep coming back through retries: every backoff up to the last
 * delivery, plus `perDeliveryMs` (the handler deadline) for each delivery. An inbox row must be
 * kept longer than this, or a late redelivery would run its handler again.
 */
export function redeliveryWindowMs(policy: RetryPolicy, perDeliveryMs: number): number {
  let total = perDeliveryMs * policy.maxDeliveries;
  for (let deliveries = 1; deliveries < policy.maxDeliveries; deliveries += 1) {
    total += retryDelayMs(deliveries, policy);
  }
  return total;
}
