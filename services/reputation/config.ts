import { loadServiceEnv } from "@/lib/config/service";

/** reputation's configuration (DESIGN.md: port 8103, database keiko_reputation). */
export const REPUTATION_SERVICE = {
  name: "reputation",
  database: "keiko_reputation",
  port: 8103,
} as const;

export function loadReputationConfig() {
  return loadServiceEnv(REPUTATION_SERVICE);
}
