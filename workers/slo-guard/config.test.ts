import { describe, expect, it } from "vitest";
import { loadSloGuardConfig } from "./config";

const SECRET = "s".repeat(32);

describe("slo-guard configuration", () => {
  it("has defaults for everything but the service token secret", () => {
    expect(loadSloGuardConfig({ SERVICE_TOKEN_SECRET: SECRET })).toEqual({
      CONTROL_PLANE_URL: "http://127.0.0.1:3000",
      REDIS_URL: "redis://127.0.0.1:6379",
      KEIKO_KEY_PREFIX: "",
      SERVICE_TOKEN_SECRET: SECRET,
      GUARD_INTERVAL_MS: 250,
      LOG_LEVEL: "info",
    });
  });

  it("refuses bad values with one line naming each variable", () => {
    const attempt = (env: Record<string, string>) => () =>
      loadSloGuardConfig({ SERVICE_TOKEN_SECRET: SECRET, ...env });
    expect(() => loadSloGuardConfig({})).toThrow(
      /^invalid configuration: SERVICE_TOKEN_SECRET: is required/,
    );
    expect(attempt({ SERVICE_TOKEN_SECRET: "short" })).toThrow(
      "SERVICE_TOKEN_SECRET: must be at least 32 characters",
    );
    expect(attempt({ GUARD_INTERVAL_MS: "fast" })).toThrow(/GUARD_INTERVAL_MS: must be a number/);
    expect(attempt({ GUARD_INTERVAL_MS: "0" })).toThrow("GUARD_INTERVAL_MS: must be at least 10");
    expect(attempt({ CONTROL_PLANE_URL: "ftp://x" })).toThrow(
      /^invalid configuration: CONTROL_PLANE_URL: must be an http\(s\) URL/,
    );
    expect(attempt({ REDIS_URL: "localhost:6379" })).toThrow("REDIS_URL: must start with redis://");
    expect(attempt({ LOG_LEVEL: "loud", KEIKO_KEY_PREFIX: "A B" })).toThrow(
      /KEIKO_KEY_PREFIX: .*; LOG_LEVEL: /,
    );
    try {
      loadSloGuardConfig({ GUARD_INTERVAL_MS: "x" });
    } catch (error) {
      expect(String((error as Error).message)).not.toContain("\n");
    }
  });
});
