import pg from "pg";
import { databaseUrlFor } from "@/lib/config/parse-env";
import { DOMAIN_NAMES, type DomainName } from "@/lib/contracts/domains";

/**
 * Least privilege in PostgreSQL (docs/decisions/0013-database-roles.md): one login role per
 * process kind, each limited to the databases and tables it uses. The superuser stays with the
 * launcher and migrations.
 */

/** The processes that connect to PostgreSQL, each with a role of its own. */
export type PlatformRole =
  | "console"
  | "gateway"
  | "slo-guard"
  | "legacy-runtime"
  | DomainName
  | "outbox-relay"
  | "data-sync";

export const PLATFORM_ROLES: readonly PlatformRole[] = [
  "console",
  "gateway",
  "slo-guard",
  "legacy-runtime",
  ...DOMAIN_NAMES,
  "outbox-relay",
  "data-sync",
];

/**
 * The databases of one platform (the launcher's, or a test's uniquely named ones). A stack
 * without some services (e2e) leaves them out, and their roles with them.
 */
export type PlatformDatabases = {
  control: string;
  legacy: string;
  services: Partial<Record<DomainName, string>>;
};

export const DEFAULT_DATABASES: PlatformDatabases = {
  control: "keiko_control",
  legacy: "keiko_legacy",
  services: Object.fromEntries(DOMAIN_NAMES.map((d) => [d, `keiko_${d}`])) as Record<
    DomainName,
    string
  >,
};

type Privilege = "select" | "insert" | "update" | "delete";
const READ: Privilege[] = ["select"];
const APPEND: Privilege[] = ["select", "insert"];
const WRITE: Privilege[] = ["select", "insert", "update", "delete"];

/** Table privileges in one database: on every table but `except`, on named tables, or on a prefix. */
export type TableGrant = { privileges: Privilege[] } & (
  | { all: true; except?: string[] }
  | { tables: string[] }
  | { prefix: string }
);

export type DatabaseAccess = {
  database: string;
  tables: TableGrant[];
  /** CREATE TEMPORARY TABLE (the data sync stages a backfill chunk in one). */
  temporary?: boolean;
};

/** One login role and everything it may do; nothing else is granted to it. */
export type RolePlan = {
  key: PlatformRole;
  role: string;
  access: DatabaseAccess[];
  /** `SET session_replication_role` (PostgreSQL 15+: GRANT SET ON PARAMETER). */
  setsReplicationRole?: boolean;
};

/** History tables whose rows are never rewritten (drizzle/control/0001): append-only grants too. */
export const APPEND_ONLY_TABLES = ["audit_log", "migration_events", "timeline_events"];
/** What the relay reads and marks in each producer's database (lib/events). */
export const RELAY_TABLES = ["outbox", "redis_generations"];

/** keiko_<name>_app for a database owner's role, keiko_<name> for a reader or worker. */
export function roleName(key: PlatformRole, prefix = "keiko_"): string {
  const base =
    key === "console"
      ? "control_app"
      : key === "legacy-runtime"
        ? "legacy_app"
        : (DOMAIN_NAMES as readonly string[]).includes(key)
          ? `${key}_app`
          : key.replace(/-/g, "_");
  return `${prefix}${base}`;
}

/** Who may do what where: the grants of every platform role. */
export function platformRolePlans(
  databases: PlatformDatabases = DEFAULT_DATABASES,
  prefix = "keiko_",
): RolePlan[] {
  const routes: DatabaseAccess = {
    database: databases.control,
    tables: [{ privileges: READ, tables: ["domains"] }],
  };
  const domains = DOMAIN_NAMES.filter((domain) => databases.services[domain] !== undefined);
  const serviceDatabases = domains.map((domain) => databases.services[domain] as string);
  const plan = (key: PlatformRole, rest: Omit<RolePlan, "key" | "role">): RolePlan => ({
    key,
    role: roleName(key, prefix),
    ...rest,
  });
  return [
    plan("console", {
      access: [
        {
          database: databases.control,
          tables: [
            { privileges: WRITE, all: true, except: APPEND_ONLY_TABLES },
            { privileges: APPEND, tables: APPEND_ONLY_TABLES },
          ],
        },
      ],
    }),
    plan("gateway", { access: [routes] }),
    plan("slo-guard", { access: [routes] }),
    plan("legacy-runtime", {
      access: [{ database: databases.legacy, tables: [{ privileges: WRITE, all: true }] }, routes],
    }),
    ...domains.map((domain) =>
      plan(domain, {
        access: [
          {
            database: databases.services[domain] as string,
            tables: [{ privileges: WRITE, all: true }],
          },
        ],
      }),
    ),
    plan("outbox-relay", {
      access: [databases.legacy, ...serviceDatabases].map((database) => ({
        database,
        tables: [{ privileges: WRITE, tables: RELAY_TABLES }],
      })),
    }),
    plan("data-sync", {
      setsReplicationRole: true,
      access: [
        {
          database: databases.control,
          tables: [
            { privileges: READ, tables: ["domains"] },
            { privileges: WRITE, prefix: "data_" },
          ],
        },
        ...[databases.legacy, ...serviceDatabases].map((database) => ({
          database,
          temporary: true,
          tables: [{ privileges: WRITE, all: true }] satisfies TableGrant[],
        })),
      ],
    }),
  ];
}

/** The URL `serverUrl` with `role` and `password` as its credentials (host, port, options kept). */
export function roleUrl(serverUrl: string, role: string, password: string): string {
  const url = new URL(serverUrl);
  url.username = role;
  url.password = encodeURIComponent(password);
  return url.toString();
}

export type AppliedRoles = {
  /** Each planned role's server URL (database `postgres`; processes pick their own database). */
  urls: Partial<Record<PlatformRole, string>>;
  /** Roles that need the superuser's URL instead (the data sync before PostgreSQL 15). */
  superuserFallback: PlatformRole[];
  serverVersion: number;
};

/** The URLs of `applied` for every role of the platform; throws if one was not planned. */
export function everyRoleUrl(applied: AppliedRoles): Record<PlatformRole, string> {
  const missing = PLATFORM_ROLES.filter((key) => applied.urls[key] === undefined);
  if (missing.length > 0) throw new Error(`no database role for ${missing.join(", ")}`);
  return applied.urls as Record<PlatformRole, string>;
}

const identifier = /^[a-z_][a-z0-9_]*$/;

function quoted(name: string): string {
  if (!identifier.test(name)) throw new Error(`not a safe SQL identifier: ${name}`);
  return `"${name}"`;
}

/**
 * Creates or updates every role of `plans` (login, no superuser, no CREATEDB/CREATEROLE/
 * REPLICATION/BYPASSRLS, password set each time) and makes its grants exactly the plan: on each
 * database of the plans, CONNECT and TEMPORARY are taken from PUBLIC and from every role of the
 * plans, then given back where the plan says so; likewise table and sequence privileges in schema
 * public. Idempotent; run after the migrations, as they may add tables. `serverUrl` must be a
 * superuser's (or a role with CREATEROLE that owns the databases).
 */
export async function applyRolePlans(
  serverUrl: string,
  plans: RolePlan[],
  passwordOf: (role: string) => Promise<string>,
): Promise<AppliedRoles> {
  const admin = new pg.Client({ connectionString: databaseUrlFor(serverUrl, "postgres") });
  await admin.connect();
  let serverVersion: number;
  const urls: Partial<Record<PlatformRole, string>> = {};
  const superuserFallback: PlatformRole[] = [];
  try {
    const version = await admin.query<{ v: string }>(
      "select current_setting('server_version_num') as v",
    );
    serverVersion = Number(version.rows[0]?.v);
    for (const plan of plans) {
      const password = await passwordOf(plan.role);
      await ensureLoginRole(admin, plan.role, password);
      urls[plan.key] = roleUrl(serverUrl, plan.role, password);
      if (serverVersion >= 150000) {
        const verb = plan.setsReplicationRole ? "grant" : "revoke";
        const direction = plan.setsReplicationRole ? "to" : "from";
        await admin.query(
          `${verb} set on parameter session_replication_role ${direction} ${quoted(plan.role)}`,
        );
      } else if (plan.setsReplicationRole) {
        superuserFallback.push(plan.key);
      }
    }
  } finally {
    await admin.end();
  }

  const databases = [...new Set(plans.flatMap((p) => p.access.map((a) => a.database)))];
  for (const database of databases) {
    await applyDatabaseGrants(serverUrl, database, plans);
  }
  return { urls, superuserFallback, serverVersion };
}

const ROLE_ATTRIBUTES =
  "login nosuperuser nocreatedb nocreaterole noreplication nobypassrls inherit";

async function ensureLoginRole(admin: pg.Client, role: string, password: string): Promise<void> {
  const literal = admin.escapeLiteral(password);
  const found = await admin.query("select 1 from pg_roles where rolname = $1", [role]);
  if (found.rowCount === 0) {
    try {
      await admin.query(`create role ${quoted(role)} with ${ROLE_ATTRIBUTES} password ${literal}`);
      return;
    } catch (error) {
      // Another launcher created it in the meantime: update it like an existing one.
      if ((error as { code?: string }).code !== "42710") throw error;
    }
  }
  await admin.query(`alter role ${quoted(role)} with ${ROLE_ATTRIBUTES} password ${literal}`);
}

/** Makes the grants of every role of `plans` on `database` exactly what the plans say. */
async function applyDatabaseGrants(
  serverUrl: string,
  database: string,
  plans: RolePlan[],
): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrlFor(serverUrl, database) });
  await client.connect();
  try {
    await client.query("begin");
    const db = quoted(database);
    await client.query(`revoke all on database ${db} from public`);
    await client.query("revoke create on schema public from public");
    const { rows } = await client.query<{ name: string }>(
      "select tablename as name from pg_tables where schemaname = 'public'",
    );
    const existing = new Set(rows.map((row) => row.name));
    for (const plan of plans) {
      const role = quoted(plan.role);
      await client.query(`revoke all on database ${db} from ${role}`);
      await client.query(`revoke all on all tables in schema public from ${role}`);
      await client.query(`revoke all on all sequences in schema public from ${role}`);
      await client.query(`revoke all on schema public from ${role}`);
      const access = plan.access.find((a) => a.database === database);
      if (!access) continue;
      await client.query(
        `grant connect${access.temporary ? ", temporary" : ""} on database ${db} to ${role}`,
      );
      await client.query(`grant usage on schema public to ${role}`);
      for (const grant of access.tables) {
        const privileges = grant.privileges.join(", ");
        for (const table of tablesOf(grant, existing)) {
          await client.query(`grant ${privileges} on table ${quoted(table)} to ${role}`);
        }
      }
      if (access.tables.some((grant) => grant.privileges.includes("insert"))) {
        // bigserial ids: nextval needs USAGE on the sequences
        await client.query(`grant usage, select on all sequences in schema public to ${role}`);
      }
    }
    await client.query("commit");
  } catch (error) {
    await client.query("rollback").catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
}

function tablesOf(grant: TableGrant, existing: Set<string>): string[] {
  if ("all" in grant) return [...existing].filter((t) => !grant.except?.includes(t)).sort();
  if ("prefix" in grant) return [...existing].filter((t) => t.startsWith(grant.prefix)).sort();
  return grant.tables.filter((t) => existing.has(t));
}

/** Drops `roles` (tests, e2e); drop the databases they were granted on first. */
export async function dropRoles(serverUrl: string, roles: string[]): Promise<void> {
  const admin = new pg.Client({ connectionString: databaseUrlFor(serverUrl, "postgres") });
  await admin.connect();
  try {
    const version = await admin.query<{ v: string }>(
      "select current_setting('server_version_num') as v",
    );
    for (const role of roles) {
      const found = await admin.query("select 1 from pg_roles where rolname = $1", [role]);
      if (found.rowCount === 0) continue;
      if (Number(version.rows[0]?.v) >= 150000) {
        await admin.query(`revoke set on parameter session_replication_role from ${quoted(role)}`);
      }
      await admin.query(`drop role ${quoted(role)}`);
    }
  } finally {
    await admin.end();
  }
}
