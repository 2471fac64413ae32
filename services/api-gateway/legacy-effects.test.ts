import { describe, expect, it } from "vitest";
import type { DomainName, MigrationState } from "@/lib/contracts/domains";
import { legacyEffectsOf } from "./legacy-effects";
import { type DomainRoute, routeTableOf } from "./route-table";

function tableWith(states: Partial<Record<DomainName, MigrationState>>) {
  const routes = Object.entries(states).map(
    ([name, state]) =>
      ({
        name,
        state,
        pathPrefix: `/api/${name}`,
        legacyUrl: new URL("http://127.0.0.1:1"),
        serviceUrl: new URL("http://127.0.0.1:2"),
        canaryWeight: 0,
        writeFence: false,
      }) as unknown as DomainRoute,
  );
  return routeTableOf(routes);
}

describe("the legacy-effects header the gateway sends a new service", () => {
  it("names every domain on legacy or shadow, and one the table does not know", () => {
    const value = legacyEffectsOf(
      tableWith({
        identity: "migrated",
        learning: "canary",
        reputation: "shadow",
        passport: "legacy",
        governance: "migrated",
      }),
    );
    expect(value).toBe("reputation,passport,marketplace");
  });

  it("is empty, so not sent, when every domain is on its service", () => {
    const value = legacyEffectsOf(
      tableWith({
        identity: "migrated",
        learning: "canary",
        reputation: "canary",
        passport: "migrated",
        governance: "migrated",
        marketplace: "canary",
      }),
    );
    expect(value).toBe("");
  });

  it("follows a new route table snapshot at once (a domain moved)", () => {
    const states = { identity: "migrated", learning: "migrated", reputation: "shadow" } as const;
    const before = legacyEffectsOf(tableWith({ ...states, passport: "legacy" }));
    const after = legacyEffectsOf(tableWith({ ...states, passport: "canary" }));
    expect(before).toBe("reputation,passport,governance,marketplace");
    expect(after).toBe("reputation,governance,marketplace");
  });
});
