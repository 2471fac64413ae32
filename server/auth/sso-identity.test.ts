import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConsoleRoutes, CookieJar, startConsoleRoutes } from "./testing/console-harness";
import { type FakeIdentity, startFakeOidcProvider } from "./testing/fake-oidc-provider";

let routes: ConsoleRoutes;
let provider: Awaited<ReturnType<typeof startFakeOidcProvider>>;

beforeAll(async () => {
  provider = await startFakeOidcProvider("keiko-console");
  routes = await startConsoleRoutes({
    OIDC_ISSUER: provider.issuer,
    OIDC_CLIENT_ID: "keiko-console",
    OIDC_CLIENT_SECRET: "not-a-real-secret",
    OIDC_DEFAULT_ROLE: "viewer",
  });
  await routes.fx.admin.operators.create({
    username: "admin",
    displayName: "Local administrator",
    role: "admin",
    password: "the local admin's password",
  });
});
afterAll(async () => {
  await routes?.close();
  await provider?.close();
});

/** The whole SSO round trip through next-auth's routes: sign-in, provider, callback. */
async function signInWithSso(identity: FakeIdentity) {
  provider.signInNext(identity);
  const jar = new CookieJar();
  const csrf = await routes.callAuth("csrf", { method: "GET", jar });
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const started = await routes.callAuth("signin/oidc", {
    jar,
    form: { csrfToken, callbackUrl: `${routes.origin}/`, json: "true" },
  });
  const { url } = (await started.json()) as { url: string };
  const authorize = new URL(url);
  expect(authorize.origin).toBe(provider.issuer);
  const state = authorize.searchParams.get("state") ?? "";
  const callback = await routes.callAuth(
    `callback/oidc?code=test-code&state=${encodeURIComponent(state)}`,
    { method: "GET", jar },
  );
  return { jar, location: callback.headers.get("location") ?? "" };
}

describe("SSO operators are keyed by issuer and subject", () => {
  it("an SSO user whose preferred_username is `admin` does not become the local admin", async () => {
    const { rows: local } = await routes.fx.pool.query(
      "select id from operators where username = 'admin'",
    );
    const { jar } = await signInWithSso({
      sub: "sso-subject-1",
      preferred_username: "admin",
      name: "Someone at the IdP",
    });
    const me = await routes.me(jar);
    expect(me).toMatchObject({ username: "admin-sso", role: "viewer" });
    expect(me?.id).not.toBe(local[0].id);
    const admins = await routes.fx.pool.query(
      "select username, oidc_issuer, oidc_subject, password_hash from operators where username in ('admin', 'admin-sso') order by username",
    );
    expect(admins.rows).toEqual([
      expect.objectContaining({ username: "admin", oidc_issuer: null, oidc_subject: null }),
      {
        username: "admin-sso",
        oidc_issuer: provider.issuer,
        oidc_subject: "sso-subject-1",
        password_hash: null,
      },
    ]);
    const { items } = await routes.fx.admin.audit.list({ target: "operator:admin-sso", limit: 5 });
    expect(items.map((r) => [r.actor, r.action])).toContainEqual(["oidc", "operator.create"]);
  });

  it("the same subject is the same operator, whatever name it brings next time", async () => {
    const { jar } = await signInWithSso({ sub: "sso-subject-1", preferred_username: "root" });
    expect(await routes.me(jar)).toMatchObject({ username: "admin-sso" });
  });

  it("admins manage an SSO operator like any other: role, disable; no password to reset", async () => {
    const { jar } = await signInWithSso({ sub: "sso-subject-1" });
    await routes.fx.admin.operators.update({ username: "admin-sso", role: "operator" });
    expect(await routes.me(jar)).toBeNull(); // the role change ended the session
    const again = await signInWithSso({ sub: "sso-subject-1" });
    expect(await routes.me(again.jar)).toMatchObject({ role: "operator" });

    await routes.fx.admin.operators.update({ username: "admin-sso", disabled: true });
    expect(await routes.me(again.jar)).toBeNull();
    const refused = await signInWithSso({ sub: "sso-subject-1" });
    expect(refused.location).toMatch(/error=AccessDenied/);
    expect(await routes.me(refused.jar)).toBeNull();

    await expect(
      routes.fx.admin.operators.update({ username: "admin-sso", password: "a password for sso" }),
    ).rejects.toThrow(/signs in with single sign-on/);
    const listed = await routes.fx.admin.operators.list();
    expect(listed.find((o) => o.username === "admin-sso")).toMatchObject({
      oidcIssuer: provider.issuer,
      disabled: true,
    });
  });
});
