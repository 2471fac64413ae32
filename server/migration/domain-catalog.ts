import {
  DEFAULT_LEGACY_PORT,
  DEFAULT_SERVICE_PORTS,
  DOMAIN_NAMES,
  type DomainName,
} from "@/lib/contracts/domains";
import type { ControlDb } from "@/server/db/client";
import { domains } from "@/server/db/schema/migration";

const displayNames: Record<DomainName, string> = {
  identity: "Identity",
  learning: "Learning",
  reputation: "Reputation",
  passport: "Passport",
  governance: "Governance",
  marketplace: "Marketplace",
};

export type UpstreamHosts = { legacyHost: string; serviceHost: string };

/** The six domains with their local default upstreams; every domain starts on legacy. */
export function defaultDomains(
  hosts: UpstreamHosts = { legacyHost: "127.0.0.1", serviceHost: "127.0.0.1" },
) {
  return DOMAIN_NAMES.map((name) => ({
    name,
    displayName: displayNames[name],
    pathPrefix: `/api/${name}`,
    legacyUrl: `http://${hosts.legacyHost}:${DEFAULT_LEGACY_PORT}`,
    serviceUrl: `http://${hosts.serviceHost}:${DEFAULT_SERVICE_PORTS[name]}`,
  }));
}

/** Inserts the domains that are missing; never touches a domain that already exists. */
export async function seedDomains(db: ControlDb): Promise<number> {
  const inserted = await db
    .insert(domains)
    .values(defaultDomains())
    .onConflictDoNothing({ target: domains.name })
    .returning({ name: domains.name });
  return inserted.length;
}
