import { z } from "zod";
import { parseEnv } from "./parse-env";

const ms = (fallback: number) =>
  z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 3600 * 1000)
    .default(fallback);

/** Retry settings of an event consumer process (lib/events/retry-policy.ts explains them). */
export const ConsumerEnvSchema = z.object({
  CONSUMER_RETRY_BASE_MS: ms(5_000),
  CONSUMER_RETRY_MAX_MS: ms(300_000),
  CONSUMER_MAX_DELIVERIES: z.coerce.number().int().min(1).max(1000).default(5),
});

export function loadConsumerEnv(env: Record<string, string | undefined> = process.env) {
  const parsed = parseEnv(ConsumerEnvSchema, env);
  return {
    baseMs: parsed.CONSUMER_RETRY_BASE_MS,
    maxMs: parsed.CONSUMER_RETRY_MAX_MS,
    maxDeliveries: parsed.CONSUMER_MAX_DELIVERIES,
  };
}
