import { z } from "zod";
import { loadServiceEnvWith, ServiceEnvSchema } from "@/lib/config/service";

/** legacy-runtime's configuration (DESIGN.md: port 8090, database keiko_legacy). */
export const LEGACY_RUNTIME_SERVICE = {
  name: "legacy-runtime",
  database: "keiko_legacy",
  port: 8090,
} as const;

/** Every service's variables, and the control database the runtime reads domain states from. */
export const LegacyRuntimeEnvSchema = ServiceEnvSchema.safeExtend({
  /**
   * keiko_control's URL: the runtime applies a cross-domain effect only while the consuming
   * domain is on legacy or shadow (docs/decisions/0011). Unset: it applies every effect.
   */
  CONTROL_DATABASE_URL: z
    .string()
    .trim()
    .transform((value) => (value === "" ? undefined : value))
    .optional()
    .refine(
      (value) => value === undefined || /^postgres(ql)?:\/\/[^/]/.test(value),
      "must be a postgres:// URL of the control database (keiko_control)",
    ),
});

export type LegacyRuntimeConfig = ReturnType<typeof loadLegacyRuntimeConfig>;

export function loadLegacyRuntimeConfig(env?: Record<string, string | undefined>) {
  return loadServiceEnvWith(LEGACY_RUNTIME_SERVICE, LegacyRuntimeEnvSchema, env);
}
