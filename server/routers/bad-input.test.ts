import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ControlFixture, createControlFixture } from "@/server/testing/control-fixture";

let fx: ControlFixture;
beforeAll(async () => {
  fx = await createControlFixture();
});
afterAll(() => fx?.close());

/** Everything a mutation could touch, to prove a refused call changed nothing. */
async function snapshot() {
  const result = await fx.db.execute(sql`
    select (select json_agg(d order by name) from domains d) as domains,
           (select count(*) from migration_events) as events,
           (select count(*) from audit_log) as audits,
           (select json_agg(o order by username) from operators o) as operators`);
  return result.rows[0];
}

const long = "x".repeat(5_000);
const valid = {
  domain: "learning",
  to: "shadow",
  reason: "valid reason",
  expectedVersion: 1,
} as const;

/** Sends what the types forbid, as a client that ignores them would. */
const untyped = (value: unknown): never => value as never;

const cases: Array<{ name: string; call: () => Promise<unknown>; message: RegExp }> = [
  {
    name: "transition: weight as a string",
    call: () => fx.operator.migration.transition({ ...valid, to: "canary", weight: untyped("10") }),
    message: /weight must be a number/,
  },
  {
    name: "transition: weight above 100",
    call: () => fx.operator.migration.transition({ ...valid, to: "canary", weight: 150 }),
    message: /weight must be between 0 and 100/,
  },
  {
    name: "transition: negative weight",
    call: () => fx.operator.migration.transition({ ...valid, to: "canary", weight: -1 }),
    message: /weight must be between 0 and 100/,
  },
  {
    name: "transition: fractional weight",
    call: () => fx.operator.migration.transition({ ...valid, to: "canary", weight: 12.5 }),
    message: /whole number/,
  },
  {
    name: "transition: unknown domain",
    call: () => fx.operator.migration.transition({ ...valid, domain: untyped("payments") }),
    message: /unknown domain "payments"; expected one of identity, learning/,
  },
  {
    name: "transition: unknown state",
    call: () => fx.operator.migration.transition({ ...valid, to: untyped("half-migrated") }),
    message: /to: /,
  },
  {
    name: "transition: empty reason",
    call: () => fx.operator.migration.transition({ ...valid, reason: "   " }),
    message: /give a reason of at least 3 characters/,
  },
  {
    name: "transition: missing reason",
    call: () => fx.operator.migration.transition({ ...valid, reason: untyped(undefined) }),
    message: /a reason is required/,
  },
  {
    name: "transition: oversized reason",
    call: () => fx.operator.migration.transition({ ...valid, reason: long }),
    message: /at most 500 characters/,
  },
  {
    name: "transition: version as a string",
    call: () => fx.operator.migration.transition({ ...valid, expectedVersion: untyped("1") }),
    message: /expectedVersion must be a number/,
  },
  {
    name: "transition: not an object",
    call: () => fx.operator.migration.transition(untyped("learning")),
    message: /expected object/,
  },
  {
    name: "rollback: unknown domain",
    call: () => fx.operator.migration.rollback({ domain: untyped("../../etc"), reason: "because" }),
    message: /unknown domain/,
  },
  {
    name: "rollback: empty reason",
    call: () => fx.operator.migration.rollback({ domain: "learning", reason: "" }),
    message: /give a reason/,
  },
  {
    name: "rollback: oversized reason",
    call: () => fx.operator.migration.rollback({ domain: "learning", reason: long }),
    message: /at most 500 characters/,
  },
  {
    name: "operators.create: short password",
    call: () =>
      fx.admin.operators.create({
        username: "newbie",
        displayName: "N",
        role: "viewer",
        password: "short",
      }),
    message: /at least 12 characters/,
  },
  {
    name: "operators.create: bad username",
    call: () =>
      fx.admin.operators.create({
        username: "Robert'); DROP TABLE",
        displayName: "N",
        role: "viewer",
        password: "long enough password",
      }),
    message: /username may use/,
  },
  {
    name: "operators.create: oversized display name",
    call: () =>
      fx.admin.operators.create({
        username: "newbie",
        displayName: long,
        role: "viewer",
        password: "long enough password",
      }),
    message: /at most 100 characters/,
  },
  {
    name: "operators.create: unknown role",
    call: () =>
      fx.admin.operators.create({
        username: "newbie",
        displayName: "N",
        role: untyped("root"),
        password: "long enough password",
      }),
    message: /role must be one of viewer, operator, admin/,
  },
  {
    name: "operators.update: nothing to change",
    call: () => fx.admin.operators.update({ username: "test-viewer" }),
    message: /nothing to change/,
  },
  {
    name: "operators.update: disabled as a string",
    call: () => fx.admin.operators.update({ username: "test-viewer", disabled: untyped("yes") }),
    message: /disabled/,
  },
  {
    name: "dlq.get: an id whose parts exceed a stream id's 64 bits",
    call: () => fx.viewer.dlq.get({ aggregateType: "user", id: "99999999999999999999-0" }),
    message: /a dead-letter id's parts are at most 18446744073709551615/,
  },
  {
    name: "dlq.replay: one id of twenty 9s among good ones",
    call: () =>
      fx.operator.dlq.replay({
        aggregateType: "user",
        ids: ["1700000000000-0", "99999999999999999999-99999999999999999999"],
      }),
    message: /at most 18446744073709551615/,
  },
];

describe("bad input gets a clear BAD_REQUEST and changes nothing", () => {
  for (const c of cases) {
    it(c.name, async () => {
      const before = await snapshot();
      const error = await c.call().then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ code: "BAD_REQUEST" });
      expect((error as Error).message).toMatch(c.message);
      expect(await snapshot()).toEqual(before);
    });
  }

  it("refuses operations on what does not exist with NOT_FOUND", async () => {
    await expect(
      fx.admin.operators.update({ username: "nobody-here", role: "viewer" }),
    ).rejects.toMatchObject({ code: "NOT_FOUND", message: "no operator named nobody-here" });
  });

  it("refuses a duplicate operator with CONFLICT", async () => {
    await expect(
      fx.admin.operators.create({
        username: "test-viewer",
        displayName: "Again",
        role: "viewer",
        password: "long enough password",
      }),
    ).rejects.toMatchObject({ code: "CONFLICT" });
  });

  it("refuses an admin lowering their own role or disabling themself", async () => {
    await expect(
      fx.admin.operators.update({ username: "test-admin", role: "viewer" }),
    ).rejects.toThrowError(/cannot lower your own role/);
    await expect(
      fx.admin.operators.update({ username: "test-admin", disabled: true }),
    ).rejects.toThrowError(/disable yourself/);
  });
});
