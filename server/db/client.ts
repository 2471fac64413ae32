import { drizzle, type NodePgDatabase } from "drizzle-orm/node-postgres";
import pg from "pg";

export type ControlDb = NodePgDatabase;

/** A drizzle handle on keiko_control and the pool behind it (close the pool to shut down). */
export function createControlDb(url: string, max = 10): { db: ControlDb; pool: pg.Pool } {
  const pool = new pg.Pool({ connectionString: url, max });
  return { db: drizzle(pool), pool };
}
