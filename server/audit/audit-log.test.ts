import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ControlFixture, createControlFixture } from "@/server/testing/control-fixture";
import { recordAudit } from "./audit-log";

let fx: ControlFixture;
beforeAll(async () => {
  fx = await createControlFixture();
  await fx.operator.migration.transition({
    domain: "learning",
    to: "shadow",
    reason: "history to protect",
    expectedVersion: 1,
  });
});
afterAll(() => fx?.close());

describe("audit_log and migration_events are append-only in the database", () => {
  for (const table of ["audit_log", "migration_events"]) {
    it(`${table}: UPDATE is rejected`, async () => {
      await expect(fx.pool.query(`update ${table} set actor = 'mallory'`)).rejects.toThrowError(
        new RegExp(`${table} is append-only: UPDATE is not allowed`),
      );
    });
    it(`${table}: DELETE is rejected`, async () => {
      await expect(fx.pool.query(`delete from ${table}`)).rejects.toThrowError(
        /append-only: DELETE is not allowed/,
      );
    });
    it(`${table}: TRUNCATE is rejected`, async () => {
      await expect(fx.pool.query(`truncate ${table} cascade`)).rejects.toThrowError(
        /append-only: TRUNCATE is not allowed/,
      );
    });
  }

  it("still has every row afterwards", async () => {
    const rows = await fx.db.execute(
      sql`select actor from audit_log where action = 'migration.transition'`,
    );
    expect(rows.rows).toEqual([{ actor: "test-operator" }]);
  });
});

describe("audit.list", () => {
  it("filters by actor, action and time and pages with a cursor", async () => {
    for (let i = 0; i < 7; i++) {
      await recordAudit(fx.db, { actor: "pager", action: "test.page", target: `item:${i}` });
    }
    const first = await fx.viewer.audit.list({ actor: "pager", limit: 3 });
    expect(first.items.map((r) => r.target)).toEqual(["item:6", "item:5", "item:4"]);
    const second = await fx.viewer.audit.list({
      actor: "pager",
      limit: 3,
      cursor: first.nextCursor,
    });
    expect(second.items.map((r) => r.target)).toEqual(["item:3", "item:2", "item:1"]);
    const third = await fx.viewer.audit.list({
      actor: "pager",
      limit: 3,
      cursor: second.nextCursor,
    });
    expect(third.items.map((r) => r.target)).toEqual(["item:0"]);
    expect(third.nextCursor).toBeUndefined();

    const byAction = await fx.viewer.audit.list({ action: "migration.transition", limit: 50 });
    expect(byAction.items.every((r) => r.action === "migration.transition")).toBe(true);
    expect(byAction.items).toHaveLength(1);

    const future = await fx.viewer.audit.list({ from: new Date(Date.now() + 60_000), limit: 50 });
    expect(future.items).toEqual([]);
    const past = await fx.viewer.audit.list({ to: new Date(Date.now() - 3600_000), limit: 50 });
    expect(past.items).toEqual([]);

    const facets = await fx.viewer.audit.facets();
    expect(facets.actors).toEqual(expect.arrayContaining(["pager", "system", "test-operator"]));
  });
});
