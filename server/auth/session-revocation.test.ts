import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConsoleRoutes, CookieJar, startConsoleRoutes } from "./testing/console-harness";

const PASSWORD = "correct horse battery staple";
let routes: ConsoleRoutes;

beforeAll(async () => {
  routes = await startConsoleRoutes();
});
afterAll(() => routes?.close());

async function signedIn(username: string, password = PASSWORD) {
  const { response, jar } = await routes.signIn(username, password);
  expect(response.status).toBe(200);
  expect(await routes.me(jar)).toMatchObject({ username });
  return jar;
}

describe("sessions end on the server", () => {
  it("a cookie replayed after sign-out is refused", async () => {
    const jar = await signedIn("test-operator");
    const replayed = jar.copy();
    const out = await routes.signOut(jar);
    expect(out.status).toBe(200);
    expect(await routes.me(replayed)).toBeNull();
    const mutation = await routes.callTrpc("migration.transition", {
      jar: replayed,
      mutation: true,
      input: { domain: "learning", to: "shadow", reason: "replayed cookie", expectedVersion: 1 },
    });
    expect(mutation.status).toBe(401);
    const audit = await routes.fx.admin.audit.list({ action: "session.end", limit: 5 });
    expect(audit.items[0]).toMatchObject({
      actor: "test-operator",
      target: "operator:test-operator",
    });
  });

  it("signing out ends only that session; the others go on", async () => {
    const laptop = await signedIn("test-viewer");
    const phone = await signedIn("test-viewer");
    await routes.signOut(laptop.copy());
    expect(await routes.me(laptop)).toBeNull();
    expect(await routes.me(phone)).toMatchObject({ username: "test-viewer" });
  });

  it("a password reset, a disable + re-enable and a role change each end existing sessions", async () => {
    await routes.fx.admin.operators.create({
      username: "grace",
      displayName: "Grace Hopper",
      role: "operator",
      password: PASSWORD,
    });
    let jar = await signedIn("grace");
    await routes.fx.admin.operators.update({
      username: "grace",
      password: "a new long passphrase",
    });
    expect(await routes.me(jar)).toBeNull();

    jar = await signedIn("grace", "a new long passphrase");
    await routes.fx.admin.operators.update({ username: "grace", disabled: true });
    await routes.fx.admin.operators.update({ username: "grace", disabled: false });
    expect(await routes.me(jar)).toBeNull();

    jar = await signedIn("grace", "a new long passphrase");
    await routes.fx.admin.operators.update({ username: "grace", role: "viewer" });
    expect(await routes.me(jar)).toBeNull();
    // a fresh sign-in works and carries the new role
    expect(await routes.me(await signedIn("grace", "a new long passphrase"))).toMatchObject({
      role: "viewer",
    });

    const { items } = await routes.fx.admin.audit.list({
      target: "operator:grace",
      action: "operator.update",
      limit: 10,
    });
    expect(items.map((r) => (r.after as { sessionsEnded?: number }).sessionsEnded)).toEqual([
      1,
      undefined, // re-enable: the disable had ended it already
      1,
      1,
    ]);
  });

  it("sessions still expire", async () => {
    const jar = await signedIn("test-admin");
    await routes.fx.pool.query(
      "update operator_sessions set expires_at = now() - interval '1 second' where ended_at is null",
    );
    expect(await routes.me(jar)).toBeNull();
  });

  it("a forged or foreign cookie names no one", async () => {
    const jar = new CookieJar();
    jar.cookies.set("next-auth.session-token", { value: "not-a-token", attributes: "" });
    expect(await routes.me(jar)).toBeNull();
  });
});
