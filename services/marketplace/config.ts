import { loadServiceEnv } from "@/lib/config/service";

/** marketplace's configuration (DESIGN.md: port 8106, database keiko_marketplace). */
export const MARKETPLACE_SERVICE = {
  name: "marketplace",
  database: "keiko_marketplace",
  port: 8106,
} as const;

export function loadMarketplaceConfig() {
  return loadServiceEnv(MARKETPLACE_SERVICE);
}
