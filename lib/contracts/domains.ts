import { z } from "zod";

/** The six domains that leave the monolith, in DESIGN.md order. */
export const DOMAIN_NAMES = [
  "identity",
  "learning",
  "reputation",
  "passport",
  "governance",
  "marketplace",
] as const;

export const DomainNameSchema = z.enum(DOMAIN_NAMES, {
  error: (issue) =>
    `unknown domain ${JSON.stringify(issue.input)}; expected one of ${DOMAIN_NAMES.join(", ")}`,
});
export type DomainName = z.infer<typeof DomainNameSchema>;

export const MIGRATION_STATES = ["legacy", "shadow", "canary", "migrated"] as const;
export const MigrationStateSchema = z.enum(MIGRATION_STATES);
export type MigrationState = z.infer<typeof MigrationStateSchema>;

/** Local default port of each domain's new service (DESIGN.md). */
export const DEFAULT_SERVICE_PORTS: Record<DomainName, number> = {
  identity: 8101,
  learning: 8102,
  reputation: 8103,
  passport: 8104,
  governance: 8105,
  marketplace: 8106,
};

export const DEFAULT_LEGACY_PORT = 8090;

/**
 * Forward moves of the migration (DESIGN.md): legacy → shadow → canary (weight) → migrated; a
 * canary may change its weight in place. Rollback to legacy is allowed from every other state.
 */
export const NEXT_STATES: Record<MigrationState, readonly MigrationState[]> = {
  legacy: ["shadow"],
  shadow: ["canary"],
  canary: ["canary", "migrated"],
  migrated: [],
};

/** Share (0–100) of a domain's client traffic answered by its new service; shadow copies don't count. */
export function trafficOnNewService(domain: {
  state: MigrationState;
  canaryWeight: number;
}): number {
  if (domain.state === "migrated") return 100;
  if (domain.state === "canary") return domain.canaryWeight;
  return 0;
}

/** The PostgreSQL channel the control plane notifies, in the transaction of every change of a domain; the payload is its name. */
export const ROUTES_CHANNEL = "keiko_routes";
