import { loadServiceEnv } from "@/lib/config/service";

/** legacy-runtime's configuration (DESIGN.md: port 8090, database keiko_legacy). */
export const LEGACY_RUNTIME_SERVICE = {
  name: "legacy-runtime",
  database: "keiko_legacy",
  port: 8090,
} as const;

export function loadLegacyRuntimeConfig() {
  return loadServiceEnv(LEGACY_RUNTIME_SERVICE);
}
