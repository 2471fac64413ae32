import { TRPCError } from "@trpc/server";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  DOMAIN_NAMES,
  type DomainName,
  MIGRATION_STATES,
  type MigrationState,
} from "@/lib/contracts/domains";
import { auditLog } from "@/server/db/schema/audit";
import { domains, migrationEvents } from "@/server/db/schema/migration";
import { type ControlFixture, createControlFixture } from "@/server/testing/control-fixture";

let fx: ControlFixture;
beforeAll(async () => {
  fx = await createControlFixture();
  // Healthy shadow parity everywhere, so that shadow → canary is judged on the state machine alone.
  for (const domain of DOMAIN_NAMES) await fx.setParity(domain, 400, 1);
});
afterAll(() => fx?.close());

/** Puts a domain directly into a state (test set-up only; bypasses the state machine). */
async function place(domain: DomainName, state: MigrationState) {
  const weight = state === "canary" ? 10 : state === "migrated" ? 100 : 0;
  await fx.db.execute(
    sql`update domains set state = ${state}, canary_weight = ${weight}, version = version + 1 where name = ${domain}`,
  );
  const { domain: row } = await fx.operator.migration.get({ domain });
  return row;
}

async function counts() {
  const [events] = await fx.db.select({ n: sql<number>`count(*)::int` }).from(migrationEvents);
  const [audits] = await fx.db.select({ n: sql<number>`count(*)::int` }).from(auditLog);
  return { events: events?.n ?? 0, audits: audits?.n ?? 0 };
}

const legal = new Set(["legacy>shadow", "shadow>canary", "canary>canary", "canary>migrated"]);

// The data gate has its own tests (server/data/data-gate.test.ts): here the data is ready.
beforeEach(() => fx.dataReady());

describe("migration.transition through the router, against PostgreSQL", () => {
  beforeEach(() => place("learning", "legacy"));

  for (const from of MIGRATION_STATES) {
    for (const to of MIGRATION_STATES) {
      const isLegal = legal.has(`${from}>${to}`);
      it(`${from} → ${to} ${isLegal ? "is applied with history and audit" : "is refused and changes nothing"}`, async () => {
        const before = await place("learning", from);
        // parity counts from the shadow's own start (learning went to shadow in earlier cases)
        if (from === "shadow") await fx.setParity("learning", 400, 1);
        const countsBefore = await counts();
        const call = fx.operator.migration.transition({
          domain: "learning",
          to,
          weight: to === "canary" ? 30 : undefined,
          reason: `test ${from} to ${to}`,
          expectedVersion: before.version,
        });
        if (isLegal) {
          const after = await call;
          expect(after).toMatchObject({
            state: to,
            version: before.version + 1,
            updatedBy: "test-operator",
          });
          expect(await counts()).toEqual({
            events: countsBefore.events + 1,
            audits: countsBefore.audits + 1,
          });
          const { history } = await fx.viewer.migration.get({ domain: "learning" });
          expect(history[0]).toMatchObject({
            fromState: from,
            toState: to,
            actor: "test-operator",
            reason: `test ${from} to ${to}`,
          });
        } else {
          await expect(call).rejects.toMatchObject({ code: "BAD_REQUEST" });
          const { domain: unchanged } = await fx.viewer.migration.get({ domain: "learning" });
          expect(unchanged).toEqual(before);
          expect(await counts()).toEqual(countsBefore);
        }
      });
    }
  }

  it("rolls back from every non-legacy state, and refuses a rollback of legacy", async () => {
    for (const from of ["shadow", "canary", "migrated"] as const) {
      await place("passport", from);
      const after = await fx.operator.migration.rollback({
        domain: "passport",
        reason: "error budget",
      });
      expect(after).toMatchObject({ state: "legacy", canaryWeight: 0 });
    }
    await expect(
      fx.operator.migration.rollback({ domain: "passport", reason: "again" }),
    ).rejects.toThrowError(/already on legacy/);
  });

  it("writes an audit row with actor, before and after for each mutation", async () => {
    const start = await place("governance", "shadow");
    await fx.admin.migration.transition({
      domain: "governance",
      to: "canary",
      weight: 5,
      reason: "parity is good",
      expectedVersion: start.version,
    });
    await fx.operator.migration.rollback({ domain: "governance", reason: "latency" });
    const { items } = await fx.viewer.audit.list({ target: "domain:governance", limit: 10 });
    expect(items.slice(0, 2)).toMatchObject([
      {
        actor: "test-operator",
        action: "migration.rollback",
        before: { state: "canary", weight: 5 },
        after: { state: "legacy", weight: 0, reason: "latency" },
      },
      {
        actor: "test-admin",
        action: "migration.transition",
        before: { state: "shadow", weight: 0, version: start.version },
        after: { state: "canary", weight: 5, version: start.version + 1, reason: "parity is good" },
      },
    ]);
  });

  it("lets exactly one of two concurrent writers win; the loser changes nothing", async () => {
    const start = await place("marketplace", "shadow");
    const countsBefore = await counts();
    const results = await Promise.allSettled([
      fx.operator.migration.transition({
        domain: "marketplace",
        to: "canary",
        weight: 10,
        reason: "writer A",
        expectedVersion: start.version,
      }),
      fx.admin.migration.transition({
        domain: "marketplace",
        to: "canary",
        weight: 50,
        reason: "writer B",
        expectedVersion: start.version,
      }),
    ]);
    const won = results.filter((r) => r.status === "fulfilled");
    const lost = results.filter((r) => r.status === "rejected");
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    const error = (lost[0] as PromiseRejectedResult).reason;
    expect(error).toBeInstanceOf(TRPCError);
    expect(error).toMatchObject({ code: "CONFLICT" });
    expect(error.message).toMatch(/reload and try again/);

    const { domain, history } = await fx.viewer.migration.get({ domain: "marketplace" });
    expect(domain.version).toBe(start.version + 1);
    const winner = (won[0] as PromiseFulfilledResult<typeof domain>).value;
    expect(domain.canaryWeight).toBe(winner.canaryWeight);
    expect(history[0]?.toWeight).toBe(winner.canaryWeight);
    expect(await counts()).toEqual({
      events: countsBefore.events + 1,
      audits: countsBefore.audits + 1,
    });
  });

  it("refuses a stale version even without a race", async () => {
    const start = await place("identity", "legacy");
    await expect(
      fx.operator.migration.transition({
        domain: "identity",
        to: "shadow",
        reason: "stale",
        expectedVersion: start.version - 1,
      }),
    ).rejects.toMatchObject({ code: "CONFLICT" });
  });

  it("keeps state and weight consistent in the database itself", async () => {
    await expect(
      fx.pool.query(
        "update domains set state = 'canary', canary_weight = 0 where name = 'identity'",
      ),
    ).rejects.toThrowError(/domains_weight_matches_state/);
    const [row] = await fx.db.select().from(domains).where(sql`name = 'identity'`);
    expect(row?.state).not.toBe("canary");
  });
});

describe("the parity gate on shadow → canary", () => {
  const toCanary = async (caller: ControlFixture["operator"], overrideParity?: boolean) => {
    const start = await place("reputation", "shadow");
    return caller.migration.transition({
      domain: "reputation",
      to: "canary",
      weight: 5,
      reason: "parity check",
      expectedVersion: start.version,
      overrideParity,
    });
  };

  it("refuses parity below the threshold and says what was measured", async () => {
    await fx.setParity("reputation", 300, 10);
    await expect(toCanary(fx.operator)).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining(
        "parity of reputation is 96.77 % over 310 requests, below the 99 %",
      ),
    });
    const { domain } = await fx.viewer.migration.get({ domain: "reputation" });
    expect(domain.state).toBe("shadow");
  });

  it("refuses too few compared requests", async () => {
    await fx.setParity("reputation", 50, 0);
    await expect(toCanary(fx.operator)).rejects.toThrowError(
      /measured over 50 compared requests; 200 are needed/,
    );
  });

  it("lets only an admin override, and audits the override with the measured parity", async () => {
    await fx.setParity("reputation", 10, 5);
    await expect(toCanary(fx.operator, true)).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(toCanary(fx.admin, true)).resolves.toMatchObject({
      state: "canary",
      canaryWeight: 5,
    });
    const { items } = await fx.viewer.audit.list({ target: "domain:reputation", limit: 1 });
    expect(items[0]?.after).toMatchObject({
      parity: { matched: 10, mismatched: 5 },
      parityOverridden: true,
    });
  });

  it("lets a healthy canary through", async () => {
    await fx.setParity("reputation", 990, 9);
    await expect(toCanary(fx.operator)).resolves.toMatchObject({ state: "canary" });
  });
});

describe("route change notifications", () => {
  it("notifies keiko_routes with the domain on commit, and not for a refused change", async () => {
    const client = await fx.pool.connect();
    const received: string[] = [];
    client.on("notification", (n) => received.push(`${n.channel}:${n.payload}`));
    await client.query("listen keiko_routes");
    try {
      const start = await place("identity", "legacy");
      await fx.operator.migration.transition({
        domain: "identity",
        to: "shadow",
        reason: "notify me",
        expectedVersion: start.version,
      });
      await expect(
        fx.operator.migration.transition({
          domain: "identity",
          to: "migrated",
          reason: "illegal",
          expectedVersion: start.version + 1,
        }),
      ).rejects.toMatchObject({ code: "BAD_REQUEST" });
      await expect.poll(() => received, { timeout: 2_000 }).toEqual(["keiko_routes:identity"]);
    } finally {
      await client.query("unlisten *");
      client.release();
    }
  });
});
