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

describe("outbox relay configuration with one URL per database (DATABASE_URLS)", () => {
  const identity =
    "postgres://relay:s3cret@identity.db.example:20184/keiko_identity?sslmode=require";
  const learning = "postgresql://relay:an0ther@learning.db.example:20185/keiko_learning";

  it("takes each named database's own URL and the rest from DATABASE_URL's server", () => {
    const config = loadOutboxRelayConfig({
      DATABASE_URL: "postgres://postgres@127.0.0.1:5432/postgres",
      OUTBOX_DATABASES: "keiko_identity,keiko_learning,keiko_passport",
      DATABASE_URLS: `keiko_identity=${identity},\n keiko_learning=${learning}`,
    });
    expect(config.databases).toEqual([
      { name: "keiko_identity", url: identity },
      { name: "keiko_learning", url: learning },
      { name: "keiko_passport", url: "postgres://postgres@127.0.0.1:5432/keiko_passport" },
    ]);
    expect(config).not.toHaveProperty("DATABASE_URLS");
  });

  it("needs no DATABASE_URL when DATABASE_URLS names every relayed database", () => {
    const config = loadOutboxRelayConfig({
      OUTBOX_DATABASES: "keiko_identity,keiko_learning",
      DATABASE_URLS: `keiko_identity=${identity},keiko_learning=${learning}`,
    });
    expect(config.databases.map((d) => d.url)).toEqual([identity, learning]);
  });

  it("names the databases that have neither a URL nor a server", () => {
    expect(() =>
      loadOutboxRelayConfig({
        OUTBOX_DATABASES: "keiko_identity,keiko_learning,keiko_passport",
        DATABASE_URLS: `keiko_identity=${identity}`,
      }),
    ).toThrow(
      /^invalid configuration: DATABASE_URL: is required \(the PostgreSQL server URL\) unless DATABASE_URLS names every database; missing: keiko_learning, keiko_passport$/,
    );
  });

  it.each([
    [
      `keiko_identity=mysql://relay:s3cret@h/keiko_identity`,
      "keiko_identity: must start with postgres://",
    ],
    [`keiko_identity=postgres://relay:s3cret@h:5432`, "keiko_identity: must end with /<database>"],
    [
      "keiko_identity=postgres://relay:s3c,ret@h/keiko_identity",
      "keiko_identity: is not a URL (percent-encode ',' and '@' in passwords); DATABASE_URLS: entry 2: expected <database>=postgres://…",
    ],
    [`keiko_identity=not a url s3cret`, "keiko_identity: is not a URL"],
    [`Keiko-Identity=${identity}`, "entry 1: expected <database>=postgres://…"],
    [`keiko_identity=${identity},keiko_identity=${identity}`, "keiko_identity is named twice"],
  ])(
    "refuses DATABASE_URLS=%s with one line that names the variable, not the password",
    (value, message) => {
      let thrown: unknown;
      try {
        loadOutboxRelayConfig({ OUTBOX_DATABASES: "keiko_identity", DATABASE_URLS: value });
      } catch (error) {
        thrown = error;
      }
      const text = String((thrown as Error | undefined)?.message);
      expect(text.startsWith(`invalid configuration: DATABASE_URLS: ${message}`), text).toBe(true);
      expect(text).not.toContain("\n");
      expect(text).not.toContain("s3c");
    },
  );

  it("refuses a URL for a database it does not relay (a misspelt name)", () => {
    expect(() =>
      loadOutboxRelayConfig({
        DATABASE_URL: "postgres://postgres@127.0.0.1:5432/postgres",
        OUTBOX_DATABASES: "keiko_identity",
        DATABASE_URLS: `keiko_identiy=${identity}`,
      }),
    ).toThrow(
      /^invalid configuration: DATABASE_URLS: names keiko_identiy, not among this process's databases \(keiko_identity\)$/,
    );
  });
});
