import { describe, expect, it } from "vitest";
import { ConsoleEnvSchema } from "./console";
import { ConfigError, databaseUrlFor, parseEnv } from "./parse-env";

const good = {
  DATABASE_URL: "postgres://postgres@127.0.0.1:5432/postgres",
  NEXTAUTH_SECRET: "x".repeat(32),
};

describe("console configuration", () => {
  it("applies defaults", () => {
    const env = parseEnv(ConsoleEnvSchema, good);
    expect(env).toMatchObject({
      CONTROL_DATABASE: "keiko_control",
      SESSION_MAX_AGE_SECONDS: 28_800,
    });
  });

  it("names every bad variable in one line", () => {
    const attempt = () =>
      parseEnv(ConsoleEnvSchema, { DATABASE_URL: "mysql://x", NEXTAUTH_SECRET: "short" });
    expect(attempt).toThrowError(ConfigError);
    expect(attempt).toThrowError(
      "invalid configuration: DATABASE_URL: must start with postgres://; NEXTAUTH_SECRET: must be at least 32 characters",
    );
  });

  it("wants all three OIDC variables or none", () => {
    expect(() =>
      parseEnv(ConsoleEnvSchema, { ...good, OIDC_ISSUER: "https://sso.example" }),
    ).toThrowError(
      /OIDC_ISSUER: set all of OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET or none/,
    );
    const sso = parseEnv(ConsoleEnvSchema, {
      ...good,
      OIDC_ISSUER: "https://sso.example",
      OIDC_CLIENT_ID: "keiko",
      OIDC_CLIENT_SECRET: "s3cret",
    });
    expect(sso.OIDC_DEFAULT_ROLE).toBe("viewer");
  });

  it("refuses sessions that never expire", () => {
    expect(() =>
      parseEnv(ConsoleEnvSchema, { ...good, SESSION_MAX_AGE_SECONDS: "99999999" }),
    ).toThrowError(/SESSION_MAX_AGE_SECONDS/);
  });

  it("derives a database URL on the same server", () => {
    expect(databaseUrlFor("postgres://u:p@db:5432/postgres?sslmode=require", "keiko_control")).toBe(
      "postgres://u:p@db:5432/keiko_control?sslmode=require",
    );
  });
});
