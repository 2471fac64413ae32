import { z } from "zod";
import { DatabaseUrlsSchema, resolveDatabaseUrls } from "@/lib/config/database-urls";
import { parseEnv } from "@/lib/config/parse-env";

const positiveInt = (fallback: number, max: number) =>
  z.coerce.number().int().min(1).max(max).default(fallback);

/** Environment of the outbox relay worker (workers/outbox-relay.ts). */
export const OutboxRelayEnvSchema = z.object({
  /** The server of every relayed database that DATABASE_URLS does not name. */
  DATABASE_URL: z
    .string()
    .refine((v) => /^postgres(ql)?:\/\//.test(v), "must start with postgres://")
    .optional(),
  /** `<database>=<url>` pairs: the relayed databases that live on other servers (database-urls.ts). */
  DATABASE_URLS: DatabaseUrlsSchema,
  /** Comma-separated databases whose `outbox` this process relays (one relay loop set each). */
  OUTBOX_DATABASES: z
    .string()
    .default(
      "keiko_identity,keiko_learning,keiko_reputation,keiko_passport,keiko_governance,keiko_marketplace",
    )
    .transform((v) =>
      v
        .split(",")
        .map((name) => name.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().regex(/^[a-z_][a-z0-9_]*$/, "database names are a-z, 0-9, _")).min(1)),
  REDIS_URL: z
    .string()
    .refine((v) => /^rediss?:\/\//.test(v), "must start with redis://")
    .default("redis://127.0.0.1:6379"),
  KEIKO_KEY_PREFIX: z
    .string()
    .regex(/^[a-z0-9:_-]*$/, "may use a-z, 0-9, ':', '_' and '-'")
    .default(""),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  RELAY_BATCH_SIZE: positiveInt(1000, 10_000),
  RELAY_CONCURRENCY: positiveInt(2, 16),
  RELAY_IDLE_DELAY_MS: positiveInt(100, 60_000),
  /** Outbox rows are deleted this long after every consumer group confirmed them. */
  OUTBOX_RETENTION_MS: positiveInt(24 * 3600 * 1000, 90 * 24 * 3600 * 1000),
  /** Every this often the relay checks Redis' generation, requeues lost rows, confirms delivered ones. */
  REDIS_GUARD_INTERVAL_MS: positiveInt(1_000, 60_000),
  /** Every this often dead letters are counted, to report how many a Redis loss took. */
  DEAD_LETTER_COUNT_INTERVAL_MS: positiveInt(10_000, 3_600_000),
  /** Every this often, streams are trimmed to what every group acked (and past the retention). */
  STREAM_TRIM_INTERVAL_MS: positiveInt(60_000, 24 * 3600 * 1000),
  STREAM_RETENTION_MS: z.coerce.number().int().min(0).default(3_600_000),
});

/** The relay worker's configuration, with one URL per relayed database. */
export type OutboxRelayConfig = Omit<z.infer<typeof OutboxRelayEnvSchema>, "DATABASE_URLS"> & {
  databases: Array<{ name: string; url: string }>;
};

/** Reads the relay's configuration once; a bad value throws one line naming the variable. */
export function loadOutboxRelayConfig(env: Record<string, string | undefined>): OutboxRelayConfig {
  const { DATABASE_URLS, ...parsed } = parseEnv(OutboxRelayEnvSchema, env);
  const urls = resolveDatabaseUrls(parsed.OUTBOX_DATABASES, {
    serverUrl: parsed.DATABASE_URL,
    urls: DATABASE_URLS,
  });
  return {
    ...parsed,
    databases: parsed.OUTBOX_DATABASES.map((name) => ({ name, url: urls[name] as string })),
  };
}
