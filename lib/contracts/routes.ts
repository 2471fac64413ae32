import type { DomainName } from "@/lib/contracts/domains";
import { GOVERNANCE_ROUTES } from "@/lib/contracts/governance";
import { IDENTITY_ROUTES } from "@/lib/contracts/identity";
import { LEARNING_ROUTES } from "@/lib/contracts/learning";
import { MARKETPLACE_ROUTES } from "@/lib/contracts/marketplace";
import { PASSPORT_ROUTES } from "@/lib/contracts/passport";
import { REPUTATION_ROUTES } from "@/lib/contracts/reputation";
import type { RouteContract } from "@/lib/contracts/route";

/** Every domain's route table, for code that serves or tests all six (the legacy runtime). */
export const DOMAIN_ROUTES = {
  identity: IDENTITY_ROUTES,
  learning: LEARNING_ROUTES,
  reputation: REPUTATION_ROUTES,
  passport: PASSPORT_ROUTES,
  governance: GOVERNANCE_ROUTES,
  marketplace: MARKETPLACE_ROUTES,
} as const satisfies Record<DomainName, Record<string, RouteContract>>;

/** A route with its table name, e.g. `identity.registerUser`. */
export type NamedRoute = { name: string; route: RouteContract };

/** All routes of all domains as a flat list, in DESIGN.md order. */
export function allRoutes(): NamedRoute[] {
  return Object.entries(DOMAIN_ROUTES).flatMap(([domain, table]) =>
    Object.entries(table).map(([key, route]) => ({ name: `${domain}.${key}`, route })),
  );
}
