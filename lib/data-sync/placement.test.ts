import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DOMAIN_NAMES, type DomainName, type MigrationState } from "@/lib/contracts/domains";
import type { EventMetadata } from "@/lib/contracts/events/envelope";
import { NonRetryableEventError } from "@/lib/events/event-errors";
import { createTestDatabase } from "@/lib/testing/test-database";
import {
  DomainPlacement,
  EFFECTS_APPLIED,
  effectAppliedByProducer,
  effectsLegacyApplies,
  LEGACY_APPLIES_EVERY_EFFECT,
  withEffectsApplied,
  withoutEffectsApplied,
} from "./placement";

const silent = { warn: () => {} };
let control: Awaited<ReturnType<typeof createTestDatabase>>;
let client: pg.Client;
const placements: DomainPlacement[] = [];

beforeAll(async () => {
  control = await createTestDatabase("control");
  client = new pg.Client({ connectionString: control.url });
  await client.connect();
  for (const [index, name] of DOMAIN_NAMES.entries()) {
    await client.query(
      `insert into domains (name, display_name, path_prefix, legacy_url, service_url)
       values ($1, $1, $2, 'http://127.0.0.1:8090', $3)`,
      [name, `/api/${name}`, `http://127.0.0.1:${8101 + index}`],
    );
  }
});

afterAll(async () => {
  for (const placement of placements) await placement.close();
  await client?.end();
  await control?.drop();
});

/** Moves a domain as the control plane does: the row, then the notification, in one transaction. */
async function move(domain: DomainName, state: MigrationState, notify = true) {
  const weight = { legacy: 0, shadow: 0, canary: 25, migrated: 100 }[state];
  await client.query("begin");
  await client.query("update domains set state = $2, canary_weight = $3 where name = $1", [
    domain,
    state,
    weight,
  ]);
  if (notify) await client.query("select pg_notify('keiko_routes', $1)", [domain]);
  await client.query("commit");
}

async function startPlacement(databaseUrl = control.url) {
  // a long safety-net interval: what these tests see comes from the notifications
  const placement = new DomainPlacement({ databaseUrl, reloadIntervalMs: 600_000, logger: silent });
  placements.push(placement);
  await placement.start();
  return placement;
}

describe("DomainPlacement", () => {
  it("lets legacy apply every effect without a control database, and before the first load", () => {
    for (const domain of DOMAIN_NAMES) {
      expect(LEGACY_APPLIES_EVERY_EFFECT.legacyAppliesEffectsOf(domain)).toBe(true);
    }
    const unstarted = new DomainPlacement({ databaseUrl: control.url, logger: silent });
    expect(unstarted.loaded).toBe(false);
    expect(DOMAIN_NAMES.every((domain) => unstarted.legacyAppliesEffectsOf(domain))).toBe(true);
  });

  it("loads at start and follows keiko_routes: legacy and shadow apply, canary and migrated do not", async () => {
    await move("passport", "shadow");
    await move("reputation", "canary");
    await move("identity", "migrated");
    const placement = await startPlacement();
    expect(placement.loaded).toBe(true);
    expect(effectsLegacyApplies(placement, [...DOMAIN_NAMES])).toEqual([
      "learning",
      "passport",
      "governance",
      "marketplace",
    ]);

    await move("passport", "canary");
    await expect.poll(() => placement.legacyAppliesEffectsOf("passport")).toBe(false);
    await move("reputation", "legacy");
    await expect.poll(() => placement.legacyAppliesEffectsOf("reputation")).toBe(true);
    expect(placement.stateOf("identity")).toBe("migrated");
    await move("passport", "legacy");
    await move("identity", "legacy");
  });

  it("reconnects after losing its connection and reads what changed meanwhile", async () => {
    const placement = await startPlacement();
    const reloads = placement.reloads;
    // a change without a notification (as if sent while it was away): the reconnect reads it
    await move("learning", "canary", false);
    expect(placement.legacyAppliesEffectsOf("learning")).toBe(true);
    await client.query(
      `select pg_terminate_backend(pid) from pg_stat_activity
       where datname = $1 and application_name = 'keiko-effect-placement'`,
      [control.name],
    );
    await expect
      .poll(() => placement.legacyAppliesEffectsOf("learning"), { timeout: 5_000 })
      .toBe(false);
    expect(placement.reloads).toBeGreaterThan(reloads);
    // and it listens again
    await move("learning", "legacy");
    await expect.poll(() => placement.legacyAppliesEffectsOf("learning")).toBe(true);
  });

  it("keeps legacy applying every effect while the control database does not answer", async () => {
    const placement = await startPlacement("postgres://postgres@127.0.0.1:1/keiko_control");
    expect(placement.loaded).toBe(false);
    expect(DOMAIN_NAMES.every((domain) => placement.legacyAppliesEffectsOf(domain))).toBe(true);
  });
});

describe("effects_applied in event metadata", () => {
  const metadata: EventMetadata = { correlation_id: "c-1", producer: "legacy-runtime" };

  it("records the producer's decision and leaves it out of the effects' own events", () => {
    const decided = withEffectsApplied(metadata, ["reputation"]);
    expect(decided).toEqual({ ...metadata, [EFFECTS_APPLIED]: ["reputation"] });
    expect(effectAppliedByProducer(decided, "reputation")).toBe(true);
    expect(effectAppliedByProducer(decided, "passport")).toBe(false);
    expect(effectAppliedByProducer(withEffectsApplied(metadata, []), "reputation")).toBe(false);
    expect(withoutEffectsApplied(decided)).toEqual(metadata);
  });

  it("leaves every effect to the consumers of an event that lists none", () => {
    expect(effectAppliedByProducer(metadata, "passport")).toBe(false);
  });

  it("sends an event with a malformed list to the dead-letter queue", () => {
    const broken = { ...metadata, [EFFECTS_APPLIED]: "passport" };
    expect(() => effectAppliedByProducer(broken, "passport")).toThrowError(NonRetryableEventError);
  });
});
