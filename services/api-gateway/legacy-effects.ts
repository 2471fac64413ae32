import type { DomainName, MigrationState } from "@/lib/contracts/domains";
import { domainsOnLegacy } from "@/lib/data-sync/placement";
import type { RouteTable } from "./route-table";

/** Computed once per route table snapshot (tables are immutable), not once per request. */
const valueByTable = new WeakMap<RouteTable, string>();

/**
 * The value that tells a new service, on every call, which consuming domains are on legacy or
 * shadow now (`x-keiko-legacy-effects`; empty, so not sent, when none): the service stamps them
 * on the events of the write, and legacy applies their effects, so each domain's aggregates have
 * one writer (decision 0011). Set after the client's own x-keiko-* headers are dropped: only the
 * gateway names them.
 */
export function legacyEffectsOf(table: RouteTable): string {
  let value = valueByTable.get(table);
  if (value === undefined) {
    const states = new Map<DomainName, MigrationState>(
      table.routes.map((route) => [route.name, route.state]),
    );
    value = domainsOnLegacy(states).join(",");
    valueByTable.set(table, value);
  }
  return value;
}
