import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databaseUrlFor } from "@/lib/config/parse-env";
import {
  applyRolePlans,
  type PlatformRole,
  platformRolePlans,
  type RolePlan,
} from "./database-roles";
import { CONTROL_DATABASE, prepareDatabases, seedControl } from "./databases";
import { embeddedPostgresEntry, embeddedPostgresUrl, runningPostmaster } from "./embedded-postgres";
import { pickPort } from "./free-port";
import { postgresAnswers } from "./probes";
import { randomSecret } from "./secret-file";
import { Supervisor } from "./supervisor";

let dir: string;
const supervisors: Supervisor[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "keiko-embedded-pg-"));
  // As root the cluster runs as the `postgres` user, which must be able to reach its folder.
  await chmod(dir, 0o755);
});

afterAll(async () => {
  for (const supervisor of supervisors) await supervisor.stopAll();
  await rm(dir, { recursive: true, force: true });
});

async function query(url: string, sql: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

describe("embedded PostgreSQL", () => {
  it("initialises, serves the launcher's databases and seeds, stops, and restarts on the same data", async () => {
    const dataDir = path.join(dir, "postgres");
    const password = randomSecret(18);
    const port = await pickPort(0);
    const url = embeddedPostgresUrl(port, password);
    const sigintListeners = process.listenerCount("SIGINT");

    const first = new Supervisor(() => {});
    supervisors.push(first);
    const cluster = await first.start(
      embeddedPostgresEntry({ dataDir, port, password, write: () => {} }),
    );
    // Its package's own SIGINT hook (which would call process.exit) must not be left behind.
    expect(process.listenerCount("SIGINT")).toBe(sigintListeners);
    expect(await runningPostmaster(dataDir)).toBe(cluster.pid);
    expect(await postgresAnswers(embeddedPostgresUrl(port, "wrong-password"))).toBe(false);

    const prepared = await prepareDatabases(url, process.cwd(), [
      CONTROL_DATABASE,
      "keiko_identity",
    ]);
    expect(prepared).toEqual({
      created: [CONTROL_DATABASE, "keiko_identity"],
      migrated: [CONTROL_DATABASE, "keiko_identity"],
    });
    const controlUrl = databaseUrlFor(url, CONTROL_DATABASE);
    const admin = { username: "admin", password: randomSecret(18) };
    expect(await seedControl(controlUrl, admin)).toEqual({ domainsAdded: 6, adminCreated: true });
    expect(await seedControl(controlUrl, admin)).toEqual({ domainsAdded: 0, adminCreated: false });
    expect(await query(controlUrl, "select username, role from operators")).toEqual([
      { username: "admin", role: "admin" },
    ]);

    // The platform's roles work the same on the embedded cluster (scram-sha-256, PostgreSQL 18).
    const plans: RolePlan[] = [
      ...platformRolePlans().filter((plan) => plan.key === "console" || plan.key === "identity"),
      {
        key: "data-sync",
        role: "keiko_data_sync",
        setsReplicationRole: true,
        access: [{ database: "keiko_identity", tables: [{ privileges: ["select"], all: true }] }],
      },
    ];
    const roles = await applyRolePlans(url, plans, async (role) => `${role}-${password}`);
    expect(roles.superuserFallback).toEqual([]);
    const urlOf = (key: PlatformRole) => roles.urls[key] ?? expect.fail(`no role for ${key}`);
    const identityUrl = databaseUrlFor(urlOf("identity"), "keiko_identity");
    expect(await query(identityUrl, "select count(*)::int as n from users")).toEqual([{ n: 0 }]);
    expect(await postgresAnswers(identityUrl.replace(password, "wrong"), 500)).toBe(false);
    expect(await postgresAnswers(databaseUrlFor(urlOf("identity"), CONTROL_DATABASE))).toBe(false);
    const consoleUrl = databaseUrlFor(urlOf("console"), CONTROL_DATABASE);
    await expect(query(consoleUrl, "set session_replication_role = replica")).rejects.toThrow(
      /permission denied/,
    );
    await expect(query(consoleUrl, "truncate audit_log")).rejects.toThrow(/permission denied/);
    await query(
      databaseUrlFor(urlOf("data-sync"), "keiko_identity"),
      "set session_replication_role = replica",
    );

    await first.stopAll();
    expect(cluster.hasExited()).toBe(true);
    expect(await runningPostmaster(dataDir)).toBeUndefined();
    expect(await postgresAnswers(url, 500)).toBe(false);

    const second = new Supervisor(() => {});
    supervisors.push(second);
    await second.start(embeddedPostgresEntry({ dataDir, port, password, write: () => {} }));
    expect(await prepareDatabases(url, process.cwd(), [CONTROL_DATABASE])).toEqual({
      created: [],
      migrated: [CONTROL_DATABASE],
    });
    expect(await query(controlUrl, "select count(*)::int as n from domains")).toEqual([{ n: 6 }]);
    await second.stopAll();
  }, 90_000);
});
