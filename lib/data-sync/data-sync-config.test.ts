import { describe, expect, it } from "vitest";
import { loadDataSyncConfig } from "@/lib/data-sync/data-sync-config";

const server = "postgres://postgres@127.0.0.1:5432/postgres";
const managed = (database: string) =>
  `postgres://sync:p4ssw0rd@${database.replace(/_/g, "-")}.db.example:20184/${database}?sslmode=require`;

describe("data sync configuration", () => {
  it("finds every database on the DATABASE_URL server by default", () => {
    const config = loadDataSyncConfig({ DATABASE_URL: server });
    expect(config.controlUrl).toBe("postgres://postgres@127.0.0.1:5432/keiko_control");
    expect(config.legacyUrl).toBe("postgres://postgres@127.0.0.1:5432/keiko_legacy");
    expect(config.serviceUrls.marketplace).toBe(
      "postgres://postgres@127.0.0.1:5432/keiko_marketplace",
    );
    expect(config).not.toHaveProperty("DATABASE_URLS");
  });

  it("keeps SERVICE_DATABASES' renamed databases on the server", () => {
    const config = loadDataSyncConfig({
      DATABASE_URL: server,
      LEGACY_DATABASE: "legacy_copy",
      SERVICE_DATABASES: "learning=learning_copy",
    });
    expect(config.legacyUrl).toBe("postgres://postgres@127.0.0.1:5432/legacy_copy");
    expect(config.serviceUrls.learning).toBe("postgres://postgres@127.0.0.1:5432/learning_copy");
    expect(config.serviceUrls.identity).toBe("postgres://postgres@127.0.0.1:5432/keiko_identity");
  });

  it("takes one full URL per database from DATABASE_URLS, with no DATABASE_URL needed", () => {
    const databases = [
      "keiko_control",
      "keiko_legacy",
      "keiko_identity",
      "keiko_learning",
      "keiko_reputation",
      "keiko_passport",
      "keiko_governance",
      "keiko_marketplace",
    ];
    const config = loadDataSyncConfig({
      DATABASE_URLS: databases.map((name) => `${name}=${managed(name)}`).join("\n"),
    });
    expect(config.controlUrl).toBe(managed("keiko_control"));
    expect(config.legacyUrl).toBe(managed("keiko_legacy"));
    expect(config.serviceUrls).toEqual({
      identity: managed("keiko_identity"),
      learning: managed("keiko_learning"),
      reputation: managed("keiko_reputation"),
      passport: managed("keiko_passport"),
      governance: managed("keiko_governance"),
      marketplace: managed("keiko_marketplace"),
    });
  });

  it("mixes: the databases DATABASE_URLS names on their servers, the rest on DATABASE_URL's", () => {
    const config = loadDataSyncConfig({
      DATABASE_URL: server,
      SERVICE_DATABASES: "identity=identity_eu",
      DATABASE_URLS: `identity_eu=${managed("identity_eu")}`,
    });
    expect(config.serviceUrls.identity).toBe(managed("identity_eu"));
    expect(config.serviceUrls.learning).toBe("postgres://postgres@127.0.0.1:5432/keiko_learning");
  });

  it("names the databases that have neither a URL nor a server", () => {
    expect(() =>
      loadDataSyncConfig({ DATABASE_URLS: `keiko_control=${managed("keiko_control")}` }),
    ).toThrow(
      /^invalid configuration: DATABASE_URL: is required \(the PostgreSQL server URL\) unless DATABASE_URLS names every database; missing: keiko_legacy, keiko_identity, .*keiko_marketplace$/,
    );
  });

  it.each([
    [
      { DATABASE_URL: "mysql://x" },
      /^invalid configuration: DATABASE_URL: must start with postgres:\/\/$/,
    ],
    [
      { DATABASE_URL: server, DATABASE_URLS: "keiko_legacy=https://sync:p4ssw0rd@h/keiko_legacy" },
      /^invalid configuration: DATABASE_URLS: keiko_legacy: must start with postgres:\/\/$/,
    ],
    [
      { DATABASE_URL: server, DATABASE_URLS: `keiko_legasy=${managed("keiko_legacy")}` },
      /^invalid configuration: DATABASE_URLS: names keiko_legasy, not among this process's databases \(keiko_control, keiko_legacy, .*\)$/,
    ],
    [
      { DATABASE_URL: server, SERVICE_DATABASES: "billing=keiko_billing" },
      /^invalid configuration: SERVICE_DATABASES: expected <domain>=<database>, got "billing=keiko_billing"$/,
    ],
    [
      { DATABASE_URL: server, DATA_SYNC_DOMAINS: "identity,billing", DATABASE_URLS: "x" },
      /^invalid configuration: DATABASE_URLS: entry 1: expected <database>=postgres:\/\/…, .*; DATA_SYNC_DOMAINS\.1: unknown domain "billing".*$/,
    ],
  ])("refuses %o with one line naming the variable and no password", (env, message) => {
    let thrown: unknown;
    try {
      loadDataSyncConfig(env);
    } catch (error) {
      thrown = error;
    }
    const text = String((thrown as Error | undefined)?.message);
    expect(text).toMatch(message);
    expect(text).not.toContain("p4ssw0rd");
  });
});
