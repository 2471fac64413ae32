import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ServiceClaims } from "@/lib/auth/service-claims";
import { createCaller } from "@/server/routers/index";
import { type ControlFixture, createControlFixture } from "@/server/testing/control-fixture";
import { createContext } from "@/server/trpc";

let fx: ControlFixture;
beforeAll(async () => {
  fx = await createControlFixture();
  await fx.dataReady();
});
afterAll(() => fx?.close());

const guardClaims: ServiceClaims = {
  sub: "slo-guard",
  iss: "keiko-platform",
  aud: "control-plane",
  iat: 0,
  exp: 0,
  service_type: "worker",
  permissions: ["migration:rollback", "rollout:promote"],
};
const guard = () => createCaller(createContext(fx.db, fx.bus, null, guardClaims));

async function row(domain: "learning" | "passport") {
  const { rows } = await fx.pool.query(
    "select state, canary_weight, version, write_fence, updated_at, updated_by from domains where name = $1",
    [domain],
  );
  return rows[0];
}

async function counts() {
  const { rows } = await fx.pool.query(
    `select (select count(*)::int from migration_events) as events,
            (select count(*)::int from audit_log) as audits`,
  );
  return rows[0];
}

/** legacy → shadow → canary 10 % through the operators' router, as in production. */
async function toCanary(domain: "learning" | "passport") {
  let version = (await row(domain)).version as number;
  await fx.operator.migration.transition({
    domain,
    to: "shadow",
    reason: "mirror",
    expectedVersion: version,
  });
  await fx.setParity(domain, 500, 0);
  version += 1;
  return fx.operator.migration.transition({
    domain,
    to: "canary",
    weight: 10,
    reason: "canary",
    expectedVersion: version,
  });
}

const breach = (firstSeenAt = new Date()) => ({
  requests: 120,
  errorRate: 0.4,
  p99Ms: 35,
  windowSeconds: 10,
  firstSeenAt,
});

describe("internal.rollback carries the version the guard judged", () => {
  it("changes nothing for a version that is no longer current", async () => {
    const judged = await toCanary("learning");
    // an operator moves the canary on after the guard's judgement (new version, new traffic)
    await fx.operator.migration.transition({
      domain: "learning",
      to: "canary",
      weight: 50,
      reason: "more users",
      expectedVersion: judged.version,
    });
    const before = await row("learning");
    const countsBefore = await counts();
    await expect(
      guard().internal.rollback({
        domain: "learning",
        version: judged.version,
        reason: "error rate 40.0 % > 5 % over 10 s (120 requests)",
        breach: breach(),
      }),
    ).rejects.toMatchObject({ code: "CONFLICT" });
    expect(await row("learning")).toEqual(before);
    expect(before).toMatchObject({ state: "canary", canary_weight: 50, write_fence: false });
    expect(await counts()).toEqual(countsBefore);

    // the decision on the current version is carried out
    await guard().internal.rollback({
      domain: "learning",
      version: before.version,
      reason: "error rate 40.0 % > 5 % over 10 s (120 requests)",
      breach: breach(),
    });
    expect(await row("learning")).toMatchObject({
      state: "legacy",
      version: before.version + 1,
      updated_by: "slo-guard",
    });
  });

  it("refuses a rollback without the version", async () => {
    await expect(
      guard().internal.rollback({
        domain: "passport",
        reason: "no version",
        breach: breach(),
      } as never),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });
});

describe("internal.guardState", () => {
  it("dates each domain's state from its change of state, not from a weight change", async () => {
    const canary = await toCanary("passport");
    const entered = (await guard().internal.guardState()).domains.find(
      (d) => d.domain === "passport",
    );
    expect(entered).toMatchObject({ state: "canary", version: canary.version });
    const { history } = await fx.viewer.migration.get({ domain: "passport" });
    expect(entered?.stateSince).toEqual(history[0]?.at);

    await fx.operator.migration.transition({
      domain: "passport",
      to: "canary",
      weight: 40,
      reason: "more users",
      expectedVersion: canary.version,
    });
    const moved = (await guard().internal.guardState()).domains.find(
      (d) => d.domain === "passport",
    );
    expect(moved).toMatchObject({ canaryWeight: 40, version: canary.version + 1 });
    expect(moved?.stateSince).toEqual(entered?.stateSince);
  });
});
