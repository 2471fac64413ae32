import { desc, eq } from "drizzle-orm";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROUTES_CHANNEL } from "@/lib/contracts/domains";
import { auditLog } from "@/server/db/schema/audit";
import { migrationEvents } from "@/server/db/schema/migration";
import { type ControlFixture, createControlFixture } from "@/server/testing/control-fixture";

let fx: ControlFixture;
/** A connection that LISTENs as the gateway does, and what it heard. */
let listener: pg.Client;
const heard: string[] = [];

beforeAll(async () => {
  fx = await createControlFixture();
  listener = new pg.Client({ connectionString: fx.database.url });
  await listener.connect();
  listener.on("notification", (message) => {
    if (message.channel === ROUTES_CHANNEL) heard.push(message.payload ?? "");
  });
  await listener.query(`listen ${ROUTES_CHANNEL}`);
});
afterAll(async () => {
  await listener?.end();
  await fx?.close();
});

async function current(domain: "reputation" | "learning") {
  return (await fx.viewer.migration.get({ domain })).domain;
}

async function audits() {
  return fx.db
    .select()
    .from(auditLog)
    .where(eq(auditLog.action, "migration.shadow_percent"))
    .orderBy(desc(auditLog.id));
}

describe("migration.setShadowPercent", () => {
  it("changes the share, bumps the version, audits the actor and reason, and tells the gateways", async () => {
    const before = await current("reputation");
    expect(before.shadowPercent).toBe(100);
    const events = (await fx.db.select().from(migrationEvents)).length;
    heard.length = 0;

    const updated = await fx.operator.migration.setShadowPercent({
      domain: "reputation",
      percent: 10,
      reason: "the legacy runtime is busy this week",
      expectedVersion: before.version,
    });

    expect(updated).toMatchObject({
      shadowPercent: 10,
      version: before.version + 1,
      state: before.state,
      canaryWeight: before.canaryWeight,
    });
    const [audit] = await audits();
    expect(audit).toMatchObject({
      actor: fx.people.operator.username,
      target: "domain:reputation",
      before: { shadowPercent: 100, version: before.version },
      after: {
        shadowPercent: 10,
        version: before.version + 1,
        reason: "the legacy runtime is busy this week",
      },
    });
    // no routing change: the migration history is untouched
    expect(await fx.db.select().from(migrationEvents)).toHaveLength(events);
    await expect.poll(() => heard, { timeout: 2_000 }).toContain("reputation");
  });

  it("lets one of two operators saving from the same version win; the other gets a conflict", async () => {
    const before = await current("learning");
    const save = (percent: number) =>
      fx.operator.migration.setShadowPercent({
        domain: "learning",
        percent,
        reason: `set to ${percent}`,
        expectedVersion: before.version,
      });
    const results = await Promise.allSettled([save(30), save(60)]);
    const won = results.filter((r) => r.status === "fulfilled");
    const lost = results.filter((r) => r.status === "rejected");
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect((lost[0] as PromiseRejectedResult).reason).toMatchObject({ code: "CONFLICT" });
    const after = await current("learning");
    expect(after.version).toBe(before.version + 1);
    expect([30, 60]).toContain(after.shadowPercent);
    // put it back for the tests below
    await fx.operator.migration.setShadowPercent({
      domain: "learning",
      percent: 100,
      reason: "back to every request",
      expectedVersion: after.version,
    });
  });

  it("refuses a stale version and changes nothing", async () => {
    const before = await current("learning");
    await expect(
      fx.operator.migration.setShadowPercent({
        domain: "learning",
        percent: 50,
        reason: "an old form",
        expectedVersion: before.version - 1 || before.version + 1,
      }),
    ).rejects.toMatchObject({ code: "CONFLICT", message: expect.stringMatching(/reload/) });
    expect(await current("learning")).toEqual(before);
  });

  it("refuses a share outside 0–100 or not whole, with a message a person understands", async () => {
    const { version } = await current("learning");
    for (const [percent, message] of [
      [101, "percent must be between 0 and 100"],
      [-1, "percent must be between 0 and 100"],
      [12.5, "percent must be a whole number"],
    ] as const) {
      await expect(
        fx.operator.migration.setShadowPercent({
          domain: "learning",
          percent,
          reason: "testing the edge",
          expectedVersion: version,
        }),
      ).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining(message) });
    }
    expect((await current("learning")).shadowPercent).toBe(100);
  });

  it("refuses a change that changes nothing", async () => {
    const { version, shadowPercent } = await current("learning");
    await expect(
      fx.operator.migration.setShadowPercent({
        domain: "learning",
        percent: shadowPercent,
        reason: "the same again",
        expectedVersion: version,
      }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", message: /already mirrors 100 %/ });
  });
});
