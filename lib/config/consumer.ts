import { z } from "zod";
import { parseEnv } from "./parse-env";

const DAY_MS = 24 * 3600 * 1000;

const ms = (fallback: number, max = DAY_MS) =>
  z.coerce.number().int().min(1).max(max).default(fallback);

/**
 * Settings of an event consumer process: retries (lib/events/retry-policy.ts), the handler
 * deadline, the dead-letter cap and the inbox retention (lib/events/consumer-options.ts).
 */
export const ConsumerEnvSchema = z.object({
  CONSUMER_RETRY_BASE_MS: ms(5_000),
  CONSUMER_RETRY_MAX_MS: ms(300_000),
  CONSUMER_MAX_DELIVERIES: z.coerce.number().int().min(1).max(1000).default(5),
  CONSUMER_HANDLER_DEADLINE_MS: ms(30_000, 3600 * 1000),
  CONSUMER_DLQ_MAX_LENGTH: z.coerce.number().int().min(10).max(100_000_000).default(100_000),
  CONSUMER_INBOX_RETENTION_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 3650)
    .default(168),
  CONSUMER_INBOX_PRUNE_INTERVAL_MS: ms(3_600_000),
});

/** The consumer options these variables set. */
export function loadConsumerEnv(env: Record<string, string | undefined> = process.env) {
  const parsed = parseEnv(ConsumerEnvSchema, env);
  return {
    retry: {
      baseMs: parsed.CONSUMER_RETRY_BASE_MS,
      maxMs: parsed.CONSUMER_RETRY_MAX_MS,
      maxDeliveries: parsed.CONSUMER_MAX_DELIVERIES,
    },
    handlerDeadlineMs: parsed.CONSUMER_HANDLER_DEADLINE_MS,
    deadLetterMaxLength: parsed.CONSUMER_DLQ_MAX_LENGTH,
    inboxRetentionMs: parsed.CONSUMER_INBOX_RETENTION_HOURS * 3600 * 1000,
    inboxPruneIntervalMs: parsed.CONSUMER_INBOX_PRUNE_INTERVAL_MS,
  };
}
