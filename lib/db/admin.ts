import path from "node:path";
import { drizzle } from "drizzle-orm/node-postgres";
import { migrate } from "drizzle-orm/node-postgres/migrator";
import pg from "pg";
import { databaseUrlFor } from "@/lib/config/parse-env";

const identifier = /^[a-z_][a-z0-9_]*$/;

function assertIdentifier(name: string): void {
  if (!identifier.test(name)) throw new Error(`not a safe database name: ${name}`);
}

/** Creates the database if it does not exist. `serverUrl` may name any database on the server. */
export async function ensureDatabase(serverUrl: string, name: string): Promise<boolean> {
  assertIdentifier(name);
  const client = new pg.Client({ connectionString: databaseUrlFor(serverUrl, "postgres") });
  await client.connect();
  try {
    const found = await client.query("select 1 from pg_database where datname = $1", [name]);
    if (found.rowCount) return false;
    await client.query(`create database "${name}"`);
    return true;
  } finally {
    await client.end();
  }
}

/**
 * Drops the database: sessions still closing get up to `graceMs` to leave, the rest are closed.
 * Used by tests for their own databases.
 */
export async function dropDatabase(serverUrl: string, name: string, graceMs = 0): Promise<void> {
  assertIdentifier(name);
  const client = new pg.Client({ connectionString: databaseUrlFor(serverUrl, "postgres") });
  await client.connect();
  try {
    // Connections still closing (a pool just ended) leave by themselves within the grace; only
    // what remains is terminated, so a closing client is not sent an error nobody listens to.
    const deadline = Date.now() + graceMs;
    while (Date.now() < deadline) {
      const { rows } = await client.query<{ n: number }>(
        "select count(*)::int as n from pg_stat_activity where datname = $1",
        [name],
      );
      if ((rows[0]?.n ?? 0) === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await client.query(`drop database if exists "${name}" with (force)`);
  } finally {
    await client.end();
  }
}

/** Applies the generated migrations of `drizzle/<folder>` to the database at `databaseUrl`. */
export async function migrateDatabase(databaseUrl: string, folder: string): Promise<void> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  try {
    await migrate(drizzle(pool), {
      migrationsFolder: path.join(process.cwd(), "drizzle", folder),
    });
  } finally {
    await pool.end();
  }
}
