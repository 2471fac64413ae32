import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "@/lib/config/parse-env";
import { loadLauncherConfig } from "./config";
import { consoleArgs } from "./console-app";

describe("loadLauncherConfig", () => {
  it("uses the local defaults when nothing is set", () => {
    const config = loadLauncherConfig({ PATH: "/usr/bin" }, "/repo");
    expect(config).toMatchObject({
      port: 3000,
      host: "127.0.0.1",
      databaseUrl: undefined,
      redisUrl: undefined,
      nextauthUrl: "http://localhost:3000",
      nextauthSecret: undefined,
      adminUsername: "admin",
      adminPassword: undefined,
      forceEmbedded: false,
      dataDir: path.resolve("/repo", ".data"),
      searchPath: "/usr/bin",
    });
  });

  it("binds the console to loopback unless HOST says otherwise", () => {
    expect(loadLauncherConfig({}, "/r").host).toBe("127.0.0.1");
    const open = loadLauncherConfig({ HOST: "0.0.0.0" }, "/r");
    expect(open.host).toBe("0.0.0.0");
    expect(consoleArgs({ root: process.cwd(), port: 3000, host: open.host }).slice(-4)).toEqual([
      "-p",
      "3000",
      "-H",
      "0.0.0.0",
    ]);
    expect(consoleArgs({ root: process.cwd(), port: 3000, host: "127.0.0.1" }).at(-1)).toBe(
      "127.0.0.1",
    );
  });

  it("derives NEXTAUTH_URL from PORT and treats empty values as unset", () => {
    const config = loadLauncherConfig(
      { PORT: "3999", DATABASE_URL: "", KEIKO_EMBEDDED: "1" },
      "/r",
    );
    expect(config.nextauthUrl).toBe("http://localhost:3999");
    expect(config.databaseUrl).toBeUndefined();
    expect(config.forceEmbedded).toBe(true);
  });

  it("keeps the given URLs, secret and admin", () => {
    const config = loadLauncherConfig(
      {
        DATABASE_URL: "postgres://u:p@db:5432/postgres",
        REDIS_URL: "redis://cache:6379",
        NEXTAUTH_URL: "https://console.example",
        NEXTAUTH_SECRET: "x".repeat(32),
        KEIKO_ADMIN_USERNAME: "root-op",
        KEIKO_ADMIN_PASSWORD: "a long enough password",
      },
      "/r",
    );
    expect(config).toMatchObject({
      databaseUrl: "postgres://u:p@db:5432/postgres",
      redisUrl: "redis://cache:6379",
      nextauthUrl: "https://console.example",
      adminUsername: "root-op",
      adminPassword: "a long enough password",
    });
  });

  it.each([
    [{ PORT: "abc" }, "PORT"],
    [{ PORT: "70000" }, "PORT"],
    [{ DATABASE_URL: "mysql://x" }, "DATABASE_URL"],
    [{ REDIS_URL: "http://x" }, "REDIS_URL"],
    [{ NEXTAUTH_SECRET: "short" }, "NEXTAUTH_SECRET"],
    [{ KEIKO_ADMIN_PASSWORD: "short" }, "KEIKO_ADMIN_PASSWORD"],
    [{ KEIKO_ADMIN_USERNAME: "Bad Name" }, "KEIKO_ADMIN_USERNAME"],
    [{ KEIKO_EMBEDDED: "maybe" }, "KEIKO_EMBEDDED"],
  ])("rejects %o with one line naming %s", (env, name) => {
    let error: unknown;
    try {
      loadLauncherConfig(env, "/r");
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain(`${name}:`);
    expect(message).not.toContain("\n");
  });

  it("does not echo a bad password back", () => {
    expect(() => loadLauncherConfig({ KEIKO_ADMIN_PASSWORD: "tiny-secret" }, "/r")).toThrow(
      /^(?!.*tiny-secret).*$/,
    );
  });
});
