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
