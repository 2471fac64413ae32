import type { SQL } from "drizzle-orm";
import type { NodePgDatabase } from "drizzle-orm/node-postgres";

/**
 * Runs a counting query that selects one integer column named `n`
 * (e.g. ``sql`select count(*)::int as n from outbox` ``) and returns it, or 0 without a row.
 */
export async function countRows(db: NodePgDatabase, query: SQL): Promise<number> {
  const result = await db.execute<{ n: number }>(query);
  return result.rows[0]?.n ?? 0;
}
