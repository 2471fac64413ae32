import { z } from "zod";
import { parseEnv } from "@/lib/config/parse-env";

const MillisecondsSchema = z.coerce
  .number({ error: () => "must be a number of milliseconds" })
  .int("must be a whole number of milliseconds")
  .min(0, "must be 0 or more");

/** How every process stops (decision 0015); the same variables in every process. */
export const LifecycleSettingsSchema = z
  .object({
    /** Readiness answers 503 this long before a server drains, so the load balancer stops sending. */
    SHUTDOWN_DELAY_MS: MillisecondsSchema.default(3_000),
    /** The whole stop must fit in this; past it the process exits 1. */
    SHUTDOWN_TIMEOUT_MS: MillisecondsSchema.min(1_000, "must be at least 1000").default(10_000),
    /** A worker's admin server (/healthz, /readyz, /metrics); unset: an ephemeral port, logged. */
    ADMIN_PORT: z.coerce
      .number({ error: () => "must be a port number" })
      .int("must be a port number")
      .min(0, "must be between 0 and 65535")
      .max(65535, "must be between 0 and 65535")
      .default(0),
    /** The address a worker's admin server binds (a service binds its own HOST). */
    HOST: z.string().default("127.0.0.1"),
  })
  .refine((s) => s.SHUTDOWN_DELAY_MS < s.SHUTDOWN_TIMEOUT_MS, {
    message: "must be below SHUTDOWN_TIMEOUT_MS",
    path: ["SHUTDOWN_DELAY_MS"],
  });

export type LifecycleSettings = z.infer<typeof LifecycleSettingsSchema>;

/** Reads the lifecycle variables once, at start; a bad value throws a one-line ConfigError. */
export function loadLifecycleSettings(
  // biome-ignore lint/style/noProcessEnv: the lifecycle's variables, parsed once per process
  env: Record<string, string | undefined> = process.env,
): LifecycleSettings {
  return parseEnv(LifecycleSettingsSchema, env);
}

/** How long requests in flight may run once draining starts: what the bound leaves, less 1 s. */
export function drainGraceMs(settings: LifecycleSettings): number {
  return Math.max(500, settings.SHUTDOWN_TIMEOUT_MS - settings.SHUTDOWN_DELAY_MS - 1_000);
}
