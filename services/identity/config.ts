import { loadServiceEnv } from "@/lib/config/service";

/** identity's configuration (DESIGN.md: port 8101, database keiko_identity). */
export const IDENTITY_SERVICE = {
  name: "identity",
  database: "keiko_identity",
  port: 8101,
} as const;

export function loadIdentityConfig() {
  return loadServiceEnv(IDENTITY_SERVICE);
}
