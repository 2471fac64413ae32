import { z } from "zod";
import { parseEnv } from "@/lib/config/parse-env";

/** Environment of the slo-guard worker (workers/slo-guard.ts). */
export const SloGuardEnvSchema = z.object({
  CONTROL_PLANE_URL: z
    .url({ protocol: /^https?$/, error: "must be an http(s) URL, e.g. http://127.0.0.1:3000" })
    .default("http://127.0.0.1:3000"),
  REDIS_URL: z
    .string()
    .refine((v) => /^rediss?:\/\//.test(v), "must start with redis://")
    .default("redis://127.0.0.1:6379"),
  KEIKO_KEY_PREFIX: z
    .string()
    .regex(/^[a-z0-9:_-]*$/, "may use a-z, 0-9, ':', '_' and '-'")
    .default(""),
  SERVICE_TOKEN_SECRET: z
    .string({ error: "is required (the shared secret that signs service tokens)" })
    .min(32, "must be at least 32 characters"),
  /** How often the guard re-evaluates without a new snapshot (hold timers, stale gateways). */
  GUARD_INTERVAL_MS: z.coerce
    .number({ error: "must be a number of milliseconds" })
    .int("must be a whole number of milliseconds")
    .min(10, "must be at least 10")
    .max(60_000, "must be at most 60000")
    .default(250),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});
export type SloGuardConfig = z.infer<typeof SloGuardEnvSchema>;

/** Reads the guard's configuration once; a bad value throws one line naming the variable. */
export function loadSloGuardConfig(
  // biome-ignore lint/style/noProcessEnv: the guard's one reader of its environment
  env: Record<string, string | undefined> = process.env,
): SloGuardConfig {
  return parseEnv(SloGuardEnvSchema, env);
}
