import { describe, expect, it } from "vitest";
import { verifyServiceToken } from "@/lib/auth/verify-service-token";
import { testServiceKey } from "@/lib/testing/contract-target";
import { loadGatewayConfig } from "./config";
import { ServiceTokens } from "./service-tokens";

describe("service tokens", () => {
  it("reuse a token for most of its life, one per audience and domain, then issue a new one", async () => {
    let now = Date.parse("2026-11-27T10:00:00Z");
    const tokens = new ServiceTokens(testServiceKey, () => now);
    const first = await tokens.tokenFor("legacy-runtime", "identity");
    expect(await tokens.tokenFor("legacy-runtime", "identity")).toBe(first);
    expect(await tokens.tokenFor("legacy-runtime", "learning")).not.toBe(first);
    expect(await tokens.tokenFor("identity", "identity")).not.toBe(first);
    const verified = await verifyServiceToken(first, {
      key: testServiceKey,
      audience: "legacy-runtime",
      permission: "identity:write",
      now: new Date(now),
    });
    expect(verified.ok && verified.claims).toMatchObject({
      sub: "api-gateway",
      service_type: "gateway",
      permissions: ["identity:read", "identity:write"],
    });
    now += 44_000;
    expect(await tokens.tokenFor("legacy-runtime", "identity")).toBe(first);
    now += 2_000;
    const renewed = await tokens.tokenFor("legacy-runtime", "identity");
    expect(renewed).not.toBe(first);
    // the one handed out last is still valid for a call that takes its time
    const later = await verifyServiceToken(renewed, {
      key: testServiceKey,
      audience: "legacy-runtime",
      now: new Date(now + 50_000),
    });
    expect(later.ok).toBe(true);
  });
});

describe("gateway configuration", () => {
  const env = {
    DATABASE_URL: "postgres://postgres@db:5432/postgres",
    SERVICE_TOKEN_SECRET: "a-shared-secret-of-at-least-32-chars!!",
  };

  it("defaults to port 8080 and the keiko_control database", () => {
    const config = loadGatewayConfig(env);
    expect(config.port).toBe(8080);
    expect(config.databaseUrl).toBe("postgres://postgres@db:5432/keiko_control");
    expect(config.GATEWAY_SHADOW_CONCURRENCY).toBe(32);
    expect(loadGatewayConfig({ ...env, CONTROL_DATABASE: "other" }).databaseUrl).toMatch(
      /\/other$/,
    );
  });

  it("names the bad variable in one line", () => {
    expect(() => loadGatewayConfig({ ...env, GATEWAY_BODY_LIMIT_BYTES: "lots" })).toThrow(
      /^invalid configuration: GATEWAY_BODY_LIMIT_BYTES: must be a whole number/,
    );
    expect(() =>
      loadGatewayConfig({ DATABASE_URL: env.DATABASE_URL, SERVICE_JWKS_URL: "https://x/j" }),
    ).toThrow(/SERVICE_TOKEN_SECRET: is required/);
  });
});
