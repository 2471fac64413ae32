import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ControlFixture, createControlFixture } from "@/server/testing/control-fixture";

let fx: ControlFixture;
beforeAll(async () => {
  fx = await createControlFixture();
});
afterAll(() => fx?.close());

type Who = "anonymous" | "viewer" | "operator" | "admin";
type Outcome = "ok" | "UNAUTHORIZED" | "FORBIDDEN";

/** Each mutation, called as each kind of caller; `run` makes a fresh valid call. */
const mutations: Array<{
  name: string;
  expect: Record<Who, Outcome>;
  run: (caller: ControlFixture["viewer"], who: Who) => Promise<unknown>;
}> = [
  {
    name: "migration.transition",
    expect: { anonymous: "UNAUTHORIZED", viewer: "FORBIDDEN", operator: "ok", admin: "ok" },
    run: async (caller, who) => {
      const domain = who === "admin" ? "reputation" : "identity";
      const { domain: row } = await fx.admin.migration.get({ domain });
      return caller.migration.transition({
        domain,
        to: "shadow",
        reason: `as ${who}`,
        expectedVersion: row.version,
      });
    },
  },
  {
    name: "migration.rollback",
    expect: { anonymous: "UNAUTHORIZED", viewer: "FORBIDDEN", operator: "ok", admin: "ok" },
    run: (caller, who) =>
      caller.migration.rollback({
        domain: who === "admin" ? "reputation" : "identity",
        reason: `as ${who}`,
      }),
  },
  {
    name: "operators.create",
    expect: { anonymous: "UNAUTHORIZED", viewer: "FORBIDDEN", operator: "FORBIDDEN", admin: "ok" },
    run: (caller, who) =>
      caller.operators.create({
        username: `made-by-${who}`,
        displayName: "New person",
        role: "viewer",
        password: "a long enough password",
      }),
  },
  {
    name: "operators.update",
    expect: { anonymous: "UNAUTHORIZED", viewer: "FORBIDDEN", operator: "FORBIDDEN", admin: "ok" },
    run: (caller) => caller.operators.update({ username: "test-viewer", role: "viewer" }),
  },
];

describe("every mutation checks the caller's role on the server", () => {
  for (const mutation of mutations) {
    for (const who of ["anonymous", "viewer", "operator", "admin"] as const) {
      const outcome = mutation.expect[who];
      it(`${mutation.name} as ${who} → ${outcome}`, async () => {
        const caller = who === "anonymous" ? fx.anonymous : fx[who];
        const call = mutation.run(caller, who);
        if (outcome === "ok") await expect(call).resolves.toBeDefined();
        else await expect(call).rejects.toMatchObject({ code: outcome });
      });
    }
  }

  it("refuses every query without a session and explains why", async () => {
    await expect(fx.anonymous.migration.list()).rejects.toMatchObject({
      code: "UNAUTHORIZED",
      message: "sign in to continue",
    });
    await expect(fx.anonymous.audit.list({})).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    await expect(fx.viewer.operators.list()).rejects.toMatchObject({
      code: "FORBIDDEN",
      message: "this needs the admin role; you are viewer",
    });
    expect(await fx.anonymous.operators.me()).toBeNull();
  });

  it("audits refused calls not at all: nothing changed, nothing written", async () => {
    const { items } = await fx.admin.audit.list({ limit: 200 });
    expect(items.some((r) => r.actor === "test-viewer")).toBe(false);
  });
});
