import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ControlFixture, createControlFixture } from "@/server/testing/control-fixture";
import { findActiveOperator, seedAdmin, verifyCredentials } from "./operator-service";

let fx: ControlFixture;
beforeAll(async () => {
  fx = await createControlFixture();
});
afterAll(() => fx?.close());

describe("operators", () => {
  it("an admin creates an operator who can then sign in; the password is stored as argon2id", async () => {
    const created = await fx.admin.operators.create({
      username: "ada",
      displayName: "Ada Lovelace",
      role: "operator",
      password: "analytical engine 1843",
    });
    expect(created).toMatchObject({ username: "ada", role: "operator", disabled: false });
    expect(created).not.toHaveProperty("passwordHash");
    const rows = await fx.pool.query("select password_hash from operators where username = 'ada'");
    expect(rows.rows[0].password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);

    expect(await verifyCredentials(fx.db, "ada", "analytical engine 1843")).toMatchObject({
      username: "ada",
      role: "operator",
    });
    expect(await verifyCredentials(fx.db, "ada", "wrong password here")).toBeNull();
    expect(await verifyCredentials(fx.db, "nobody", "analytical engine 1843")).toBeNull();
  });

  it("changing a role takes effect on the next request; disabling ends the session", async () => {
    const [ada] = (await fx.admin.operators.list()).filter((o) => o.username === "ada");
    if (!ada) throw new Error("ada missing");
    await fx.admin.operators.update({ username: "ada", role: "viewer" });
    expect(await findActiveOperator(fx.db, ada.id)).toMatchObject({ role: "viewer" });

    await fx.admin.operators.update({ username: "ada", disabled: true });
    expect(await findActiveOperator(fx.db, ada.id)).toBeNull();
    expect(await verifyCredentials(fx.db, "ada", "analytical engine 1843")).toBeNull();

    await fx.admin.operators.update({
      username: "ada",
      disabled: false,
      password: "a brand new passphrase",
    });
    expect(await verifyCredentials(fx.db, "ada", "analytical engine 1843")).toBeNull();
    expect(await verifyCredentials(fx.db, "ada", "a brand new passphrase")).not.toBeNull();

    const { items } = await fx.admin.audit.list({ target: "operator:ada", limit: 10 });
    expect(items.map((r) => [r.actor, r.action, r.after])).toEqual([
      ["test-admin", "operator.update", { role: "viewer", disabled: false, passwordReset: true }],
      ["test-admin", "operator.update", { role: "viewer", disabled: true }],
      ["test-admin", "operator.update", { role: "viewer", disabled: false }],
      ["test-admin", "operator.create", { role: "operator", displayName: "Ada Lovelace" }],
    ]);
  });

  it("ignores ids that are not uuids", async () => {
    expect(await findActiveOperator(fx.db, "'; select 1 --")).toBeNull();
  });

  it("seeds the first admin only when there is no operator yet", async () => {
    expect(await seedAdmin(fx.db, "admin", "another long password")).toBe(false);
  });
});
