import { describe, expect, it } from "vitest";
import { ConfigError } from "@/lib/config/parse-env";
import { loadLegacyRuntimeConfig } from "./config";

const base = {
  DATABASE_URL: "postgres://postgres@127.0.0.1:5432/postgres",
  SERVICE_TOKEN_SECRET: "s".repeat(32),
};

describe("legacy-runtime configuration", () => {
  it("reads the control database's URL, optional (empty is unset)", () => {
    const control = "postgres://postgres@127.0.0.1:5432/keiko_control";
    expect(loadLegacyRuntimeConfig({ ...base, CONTROL_DATABASE_URL: control })).toMatchObject({
      CONTROL_DATABASE_URL: control,
      databaseUrl: "postgres://postgres@127.0.0.1:5432/keiko_legacy",
      port: 8090,
    });
    expect(loadLegacyRuntimeConfig(base).CONTROL_DATABASE_URL).toBeUndefined();
    expect(
      loadLegacyRuntimeConfig({ ...base, CONTROL_DATABASE_URL: " " }).CONTROL_DATABASE_URL,
    ).toBeUndefined();
  });

  it("names a bad value in one line, with the other variables' problems", () => {
    const attempt = () =>
      loadLegacyRuntimeConfig({ ...base, PORT: "0", CONTROL_DATABASE_URL: "keiko_control" });
    expect(attempt).toThrowError(ConfigError);
    expect(attempt).toThrowError(
      "invalid configuration: PORT: must be between 1 and 65535; CONTROL_DATABASE_URL: must be a postgres:// URL of the control database (keiko_control)",
    );
  });
});
