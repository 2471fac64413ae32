import { describe, expect, it } from "vitest";
import { loadOutboxRelayConfig } from "@/lib/events/relay-config";

describe("outbox relay configuration", () => {
  it("relays the six service databases on the DATABASE_URL server by default", () => {
    const config = loadOutboxRelayConfig({
      DATABASE_URL: "postgres://postgres@127.0.0.1:5432/postgres",
    });
    expect(config.databases.map((d) => d.name)).toEqual([
      "keiko_identity",
      "keiko_learning",
      "keiko_reputation",
      "keiko_passport",
      "keiko_governance",
      "keiko_marketplace",
    ]);
    expect(config.databases[0]?.url).toBe("postgres://postgres@127.0.0.1:5432/keiko_identity");
    expect(config).toMatchObject({
      RELAY_BATCH_SIZE: 1000,
      KEIKO_KEY_PREFIX: "",
      STREAM_RETENTION_MS: 3_600_000,
    });
  });

  it("stops with one line naming every bad variable", () => {
    expect(() =>
      loadOutboxRelayConfig({
        DATABASE_URL: "mysql://x",
        RELAY_BATCH_SIZE: "many",
        OUTBOX_DATABASES: "Bad-Name",
      }),
    ).toThrow(
      /^invalid configuration: DATABASE_URL: must start with postgres:\/\/; OUTBOX_DATABASES\.0: database names are a-z, 0-9, _; RELAY_BATCH_SIZE: .*$/,
    );
  });
});
