import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { databaseUrlFor } from "@/lib/config/parse-env";
import { ensureDatabase, migrateDatabase } from "@/lib/db/admin";
import { createControlDb } from "@/server/db/client";
import { seedDomains } from "@/server/migration/domain-catalog";
import { seedAdmin } from "@/server/operators/operator-service";
import { type AppliedRoles, applyRolePlans, platformRolePlans } from "./database-roles";
import { readOrCreateSecret } from "./secret-file";

/** Every database of the platform (DESIGN.md, "Data"). */
export const DATABASES = [
  "keiko_control",
  "keiko_legacy",
  "keiko_identity",
  "keiko_learning",
  "keiko_reputation",
  "keiko_passport",
  "keiko_governance",
  "keiko_marketplace",
] as const;

export const CONTROL_DATABASE = "keiko_control";

/** `drizzle/<short name>` holds the migrations of `keiko_<short name>`. */
export function migrationFolder(database: string): string {
  return database.replace(/^keiko_/, "");
}

export type PreparedDatabases = { created: string[]; migrated: string[] };

/**
 * Creates the missing databases and applies the migrations of each one that has a folder under
 * `drizzle/`. `root` must be the working directory: migrateDatabase() resolves folders from it.
 */
export async function prepareDatabases(
  serverUrl: string,
  root: string,
  databases: readonly string[] = DATABASES,
): Promise<PreparedDatabases> {
  const created: string[] = [];
  const migrated: string[] = [];
  for (const database of databases) {
    if (await ensureDatabase(serverUrl, database)) created.push(database);
    const folder = migrationFolder(database);
    if (existsSync(path.join(root, "drizzle", folder))) {
      await migrateDatabase(databaseUrlFor(serverUrl, database), folder);
      migrated.push(database);
    }
  }
  return { created, migrated };
}

/**
 * Creates or updates the platform's PostgreSQL roles and their grants (database-roles.ts), after
 * the migrations. Each role's generated password is kept in `<dataDir>/postgres-roles/<role>`
 * (0600), like the launcher's other secrets; with trust authentication it is set all the same.
 */
export async function prepareRoles(serverUrl: string, dataDir: string): Promise<AppliedRoles> {
  const folder = path.join(dataDir, "postgres-roles");
  await mkdir(folder, { recursive: true, mode: 0o700 });
  return applyRolePlans(serverUrl, platformRolePlans(), (role) =>
    readOrCreateSecret(path.join(folder, role), 24),
  );
}

export type SeedResult = { domainsAdded: number; adminCreated: boolean };

/** Adds the six domains and, if there is no operator yet, the first admin. */
export async function seedControl(
  controlUrl: string,
  admin: { username: string; password: string },
): Promise<SeedResult> {
  const { db, pool } = createControlDb(controlUrl, 2);
  try {
    const domainsAdded = await seedDomains(db);
    const adminCreated = await seedAdmin(db, admin.username, admin.password);
    return { domainsAdded, adminCreated };
  } finally {
    await pool.end();
  }
}
