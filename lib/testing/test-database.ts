import { randomBytes } from "node:crypto";
import { databaseUrlFor } from "@/lib/config/parse-env";
import { dropDatabase, ensureDatabase, migrateDatabase } from "@/lib/db/admin";

/** The PostgreSQL server tests use: TEST_DATABASE_URL, else DATABASE_URL, else localhost. */
export function testServerUrl(): string {
  return (
    process.env.TEST_DATABASE_URL ??
    process.env.DATABASE_URL ??
    "postgres://postgres@127.0.0.1:5432/postgres"
  );
}

/**
 * Creates a uniquely named database with the migrations of `drizzle/<folder>` applied.
 * `drop()` removes it; every test file owns its database, so files run in parallel.
 */
export async function createTestDatabase(folder: string) {
  const serverUrl = testServerUrl();
  const name = `keiko_test_${folder}_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;
  await ensureDatabase(serverUrl, name);
  const url = databaseUrlFor(serverUrl, name);
  await migrateDatabase(url, folder);
  return { name, url, drop: () => dropDatabase(serverUrl, name, 2_000) };
}
