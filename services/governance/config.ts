import { loadServiceEnv } from "@/lib/config/service";

/** governance's configuration (DESIGN.md: port 8105, database keiko_governance). */
export const GOVERNANCE_SERVICE = {
  name: "governance",
  database: "keiko_governance",
  port: 8105,
} as const;

export function loadGovernanceConfig() {
  return loadServiceEnv(GOVERNANCE_SERVICE);
}
