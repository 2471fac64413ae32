import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compareResponses } from "@/lib/parity/compare-responses";
import {
  PARITY_WINDOW_SECONDS,
  readParityWindow,
  recordParity,
  writeParityCounts,
} from "@/lib/parity/parity-store";
import { type ControlFixture, createControlFixture } from "@/server/testing/control-fixture";

let fx: ControlFixture;
beforeAll(async () => {
  fx = await createControlFixture();
  await fx.dataReady();
});
afterAll(() => fx?.close());

const match = compareResponses(
  { status: 200, body: { a: 1 } },
  { status: 200, body: { a: 1 } },
  [],
);
const mismatch = compareResponses(
  { status: 200, body: { a: 1 } },
  { status: 200, body: { a: 2 } },
  [],
);

/** Pairs compared by the gateway at `at` (now unless told). */
async function compared(
  domain: "governance" | "passport",
  n: number,
  matching: boolean,
  at?: Date,
) {
  for (let i = 0; i < n; i += 1) {
    await recordParity(fx.bus.redis, fx.bus.prefix, domain, matching ? match : mismatch, {
      method: "GET",
      path: `/api/${domain}/v1/x`,
      legacyStatus: 200,
      serviceStatus: 200,
      at,
    });
  }
}

async function version(domain: "governance" | "passport"): Promise<number> {
  return (await fx.viewer.migration.get({ domain })).domain.version;
}

describe("the parity gate's window", () => {
  it("ignores comparisons from before the domain entered shadow", async () => {
    // A first shadow that went badly, then a rollback: 300 comparisons, a third of them wrong.
    await fx.operator.migration.transition({
      domain: "governance",
      to: "shadow",
      reason: "first shadow",
      expectedVersion: await version("governance"),
    });
    const earlier = new Date(Date.now() - 2_000);
    await compared("governance", 200, true, earlier);
    await compared("governance", 100, false, earlier);
    await fx.operator.migration.rollback({
      domain: "governance",
      reason: "mismatches",
      expectedVersion: await version("governance"),
    });
    // the service is fixed and shadows again: 240 clean comparisons since
    await fx.operator.migration.transition({
      domain: "governance",
      to: "shadow",
      reason: "fixed, shadow again",
      expectedVersion: await version("governance"),
    });
    await compared("governance", 150, true);
    const toCanary = async () =>
      fx.operator.migration.transition({
        domain: "governance",
        to: "canary",
        weight: 5,
        reason: "parity is good now",
        expectedVersion: await version("governance"),
      });
    // lifetime totals would say 350 matched of 450 (77.8 %): the gate counts this shadow's 150
    await expect(toCanary()).rejects.toThrowError(
      /parity of governance is measured over 150 compared requests; 200 are needed before a canary \(comparisons since \S+Z; /,
    );
    await compared("governance", 90, true);
    await expect(toCanary()).resolves.toMatchObject({ state: "canary", canaryWeight: 5 });
    const { items } = await fx.viewer.audit.list({ target: "domain:governance", limit: 1 });
    expect(items[0]?.after).toMatchObject({ parity: { matched: 240, mismatched: 0 } });
  });

  it("counts only the recent window, even without a recorded entry into shadow", async () => {
    const second = Math.floor(Date.now() / 1000);
    const now = new Date(second * 1000);
    const { redis, prefix } = fx.bus;
    await writeParityCounts(redis, prefix, "passport", { matched: 500, mismatched: 0 }, now);
    await compared("passport", 3, false, new Date(now.getTime() + 1_000));
    expect(await readParityWindow(redis, prefix, "passport", { since: null, now })).toMatchObject({
      matched: 500,
      mismatched: 0,
    });
    const later = new Date(now.getTime() + 2_000);
    expect(
      await readParityWindow(redis, prefix, "passport", { since: null, now: later }),
    ).toMatchObject({ matched: 500, mismatched: 3 });
    // an hour on, what was compared then is out of the window
    const hourOn = new Date(now.getTime() + PARITY_WINDOW_SECONDS * 1000);
    expect(
      await readParityWindow(redis, prefix, "passport", { since: null, now: hourOn }),
    ).toMatchObject({ matched: 0, mismatched: 3 });
    // and with an entry into shadow after the 500, only what came after it
    expect(
      await readParityWindow(redis, prefix, "passport", {
        since: new Date(now.getTime() + 1_000),
        now: later,
      }),
    ).toMatchObject({ matched: 0, mismatched: 3 });
  });
});
