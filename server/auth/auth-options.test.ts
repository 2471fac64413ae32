import { afterEach, describe, expect, it, vi } from "vitest";

const base = {
  DATABASE_URL: "postgres://postgres@127.0.0.1:5432/postgres",
  NEXTAUTH_SECRET: "s".repeat(40),
  SESSION_MAX_AGE_SECONDS: "600",
};

/** authOptions() reads the environment once per module instance: load a fresh one per case. */
async function optionsWith(env: Record<string, string>) {
  vi.resetModules();
  for (const [k, v] of Object.entries({ ...base, ...env })) vi.stubEnv(k, v);
  const { authOptions } = await import("./auth-options");
  return authOptions();
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("auth options", () => {
  it("offers credentials only, with expiring JWT sessions", async () => {
    const options = await optionsWith({});
    expect(options.providers.map((p) => p.id)).toEqual(["credentials"]);
    expect(options.session).toMatchObject({ strategy: "jwt", maxAge: 600 });
    expect(options.jwt?.maxAge).toBe(600);
  });

  it("adds the OIDC provider when it is configured", async () => {
    const options = await optionsWith({
      OIDC_ISSUER: "https://sso.example.org/realms/keiko/",
      OIDC_CLIENT_ID: "keiko-console",
      OIDC_CLIENT_SECRET: "not-a-real-secret",
    });
    expect(options.providers.map((p) => p.id)).toEqual(["credentials", "oidc"]);
    const oidc = options.providers[1] as unknown as { wellKnown: string; checks: string[] };
    expect(oidc.wellKnown).toBe(
      "https://sso.example.org/realms/keiko/.well-known/openid-configuration",
    );
    expect(oidc.checks).toEqual(["pkce", "state"]);
  });

  it("makes cookies Secure behind https, or as SECURE_COOKIES says", async () => {
    expect((await optionsWith({})).useSecureCookies).toBe(false);
    expect((await optionsWith({ NEXTAUTH_URL: "http://localhost:3000" })).useSecureCookies).toBe(
      false,
    );
    expect(
      (await optionsWith({ NEXTAUTH_URL: "https://keiko.example.org" })).useSecureCookies,
    ).toBe(true);
    expect(
      (await optionsWith({ NEXTAUTH_URL: "https://keiko.example.org", SECURE_COOKIES: "0" }))
        .useSecureCookies,
    ).toBe(false);
    expect((await optionsWith({ SECURE_COOKIES: "1" })).useSecureCookies).toBe(true);
  });

  it("leaves a token as it is between sign-ins", async () => {
    const options = await optionsWith({});
    const token = { operatorId: "00000000-0000-4000-8000-000000000001", sid: "x" };
    expect(await options.callbacks?.jwt?.({ token } as never)).toEqual(token);
  });
});
