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

  it("keeps only the operator id in the token and exposes it on the session", async () => {
    const options = await optionsWith({});
    const token = await options.callbacks?.jwt?.({
      token: {},
      user: { id: "00000000-0000-4000-8000-000000000001" },
    } as never);
    expect(token).toEqual({ operatorId: "00000000-0000-4000-8000-000000000001" });
    const session = await options.callbacks?.session?.({
      session: { expires: "x" },
      token,
    } as never);
    expect(session).toMatchObject({ operatorId: "00000000-0000-4000-8000-000000000001" });
  });
});
