import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databaseUrlFor } from "@/lib/config/parse-env";
import { DOMAIN_NAMES, type DomainName } from "@/lib/contracts/domains";
import { createTestDatabase, testServerUrl } from "@/lib/testing/test-database";
import {
  type AppliedRoles,
  applyRolePlans,
  dropRoles,
  everyRoleUrl,
  type PlatformDatabases,
  type PlatformRole,
  platformRolePlans,
  type RolePlan,
} from "./database-roles";

const serverUrl = testServerUrl();
// Roles are cluster-wide: this file's own prefix keeps it apart from the launcher's and others'.
const prefix = `keiko_t${randomBytes(3).toString("hex")}_`;
const created: Array<{ name: string; drop(): Promise<unknown> }> = [];
let databases: PlatformDatabases & { services: Record<DomainName, string> };
let plans: RolePlan[];
let applied: AppliedRoles;
const passwords = new Map<string, string>();
const clients: pg.Client[] = [];

async function database(folder: string): Promise<string> {
  const made = await createTestDatabase(folder);
  created.push(made);
  return made.name;
}

beforeAll(async () => {
  const services = {} as Record<DomainName, string>;
  for (const domain of DOMAIN_NAMES) services[domain] = await database(domain);
  databases = { control: await database("control"), legacy: await database("legacy"), services };
  plans = platformRolePlans(databases, prefix);
  const passwordOf = async (role: string) => {
    const password = randomBytes(18).toString("base64url");
    passwords.set(role, password);
    return password;
  };
  applied = await applyRolePlans(serverUrl, plans, passwordOf);
}, 120_000);

afterAll(async () => {
  await Promise.all(clients.map((client) => client.end().catch(() => undefined)));
  for (const made of created) await made.drop();
  await dropRoles(
    serverUrl,
    plans.map((plan) => plan.role),
  );
}, 60_000);

/** A connection as `role` to `database`, with the role's own password. */
async function connect(role: PlatformRole, database: string): Promise<pg.Client> {
  const url = everyRoleUrl(applied)[role];
  const client = new pg.Client({ connectionString: databaseUrlFor(url, database) });
  client.on("error", () => undefined);
  clients.push(client);
  await client.connect();
  return client;
}

/** The SQLSTATE a failing query or connection ends with. */
async function sqlState(attempt: Promise<unknown>): Promise<string> {
  try {
    await attempt;
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
  return "succeeded";
}

const INSUFFICIENT_PRIVILEGE = "42501";

/** The error of a failing query; the audit triggers raise 42501 too, so the text tells them apart. */
async function failure(attempt: Promise<unknown>): Promise<string> {
  try {
    await attempt;
  } catch (error) {
    return `${(error as { code?: string }).code}: ${(error as Error).message}`;
  }
  return "succeeded";
}

describe("platform roles", () => {
  it("are login roles without superuser, CREATEDB, CREATEROLE, REPLICATION or BYPASSRLS", async () => {
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    const { rows } = await admin.query(
      `select rolname, rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls, rolcanlogin
       from pg_roles where rolname like $1 order by rolname`,
      [`${prefix}%`],
    );
    await admin.end();
    expect(rows).toHaveLength(plans.length);
    for (const row of rows) {
      expect(row).toMatchObject({
        rolsuper: false,
        rolcreatedb: false,
        rolcreaterole: false,
        rolreplication: false,
        rolbypassrls: false,
        rolcanlogin: true,
      });
    }
    expect(applied.urls.identity).toContain(`${prefix}identity_app:`);
  });

  it("let a service use its own database and no other service's", async () => {
    const own = await connect("identity", databases.services.identity);
    await own.query(
      "insert into users (id, did, display_name, roles) values (gen_random_uuid(), 'did:keiko:ada', 'Ada', '{student}')",
    );
    expect((await own.query("select count(*)::int as n from users")).rows[0].n).toBe(1);

    expect(await sqlState(connect("identity", databases.services.learning))).toBe(
      INSUFFICIENT_PRIVILEGE,
    );
    expect(await sqlState(connect("identity", databases.control))).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await sqlState(connect("learning", databases.services.identity))).toBe(
      INSUFFICIENT_PRIVILEGE,
    );
    expect(await sqlState(own.query("create table mine (id int)"))).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await sqlState(own.query("truncate users"))).toBe(INSUFFICIENT_PRIVILEGE);
  });

  it("keep the console's role from disabling, truncating or bypassing the audit trail", async () => {
    const console = await connect("console", databases.control);
    await console.query(
      "insert into audit_log (actor, action, target) values ('ada', 'test', 'identity')",
    );
    for (const statement of [
      "alter table audit_log disable trigger audit_log_append_only",
      "alter table audit_log disable trigger all",
      "drop trigger audit_log_append_only on audit_log",
      "truncate audit_log",
      "truncate migration_events",
      "delete from audit_log",
      "update audit_log set actor = 'mallory'",
      "set session_replication_role = replica",
      "create trigger t before insert on audit_log for each row execute function reject_history_rewrite()",
    ]) {
      // the privilege system refuses, before any audit trigger could
      expect(`${statement} → ${await failure(console.query(statement))}`).toMatch(
        /→ 42501: (permission denied|must be owner)/,
      );
    }
    expect((await console.query("select count(*)::int as n from audit_log")).rows[0].n).toBe(1);
    expect(await sqlState(connect("console", databases.services.identity))).toBe(
      INSUFFICIENT_PRIVILEGE,
    );
  });

  it("give the gateway, slo-guard and legacy runtime read-only access to the route table", async () => {
    for (const role of ["gateway", "slo-guard", "legacy-runtime"] as const) {
      const control = await connect(role, databases.control);
      await control.query("select name, state from domains");
      expect(await sqlState(control.query("update domains set canary_weight = 100"))).toBe(
        INSUFFICIENT_PRIVILEGE,
      );
      expect(await sqlState(control.query("select * from operators"))).toBe(INSUFFICIENT_PRIVILEGE);
      expect(await sqlState(control.query("select * from audit_log"))).toBe(INSUFFICIENT_PRIVILEGE);
    }
  });

  it("let the relay reach the outboxes only", async () => {
    const relay = await connect("outbox-relay", databases.legacy);
    await relay.query("select id from outbox where sent_at is null");
    await relay.query("update outbox set sent_at = now() where false");
    expect(await sqlState(relay.query("select * from users"))).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await sqlState(connect("outbox-relay", databases.control))).toBe(INSUFFICIENT_PRIVILEGE);
  });

  it("let the data sync apply rows as a replica and stage chunks, but not touch the audit trail", async () => {
    expect(applied.superuserFallback).toEqual([]);
    const legacy = await connect("data-sync", databases.legacy);
    await legacy.query("begin");
    await legacy.query("set local session_replication_role = replica");
    await legacy.query("create temp table chunk (like users) on commit drop");
    await legacy.query("select count(*) from sync_changes");
    await legacy.query("rollback");

    const control = await connect("data-sync", databases.control);
    await control.query("select count(*) from data_backfills");
    await control.query("select name from domains");
    expect(await sqlState(control.query("update domains set state = 'migrated'"))).toBe(
      INSUFFICIENT_PRIVILEGE,
    );
    expect(await sqlState(control.query("insert into audit_log (actor) values ('x')"))).toBe(
      INSUFFICIENT_PRIVILEGE,
    );
    expect(await sqlState(control.query("create temp table t (id int)"))).toBe(
      INSUFFICIENT_PRIVILEGE,
    );
  });

  it("are applied idempotently, and a grant given by hand is taken back", async () => {
    const admin = new pg.Client({ connectionString: databaseUrlFor(serverUrl, databases.control) });
    await admin.connect();
    await admin.query(`grant select on operators to "${prefix}gateway"`);
    await admin.end();
    applied = await applyRolePlans(serverUrl, plans, async (role) => passwords.get(role) ?? "");
    const control = await connect("gateway", databases.control);
    expect(await sqlState(control.query("select * from operators"))).toBe(INSUFFICIENT_PRIVILEGE);
  });
});

describe("platformRolePlans", () => {
  it("leaves out the services a stack does not run, and their databases", () => {
    const partial = platformRolePlans(
      { control: "c", legacy: "l", services: { learning: "s_learning", passport: "s_passport" } },
      "keiko_x_",
    );
    expect(partial.map((plan) => plan.role)).toEqual([
      "keiko_x_control_app",
      "keiko_x_gateway",
      "keiko_x_slo_guard",
      "keiko_x_legacy_app",
      "keiko_x_learning_app",
      "keiko_x_passport_app",
      "keiko_x_outbox_relay",
      "keiko_x_data_sync",
    ]);
    const dataSync = partial.find((plan) => plan.key === "data-sync");
    expect(dataSync?.access.map((access) => access.database)).toEqual([
      "c",
      "l",
      "s_learning",
      "s_passport",
    ]);
  });
});
