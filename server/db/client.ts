import { drizzle, type NodePgDatabase } from "drizzle-orm/node-postgres";
import type pg from "pg";
import { resilientPool } from "@/lib/db/pool";

/** The console has no pino logger of its own: a failed idle connection is a warning line. */
const consoleWarn = {
  warn: (fields: object, message: string) => console.warn(message, fields),
};

export type ControlDb = NodePgDatabase;

/** A drizzle handle on keiko_control and the pool behind it (close the pool to shut down). */
export function createControlDb(url: string, max = 10): { db: ControlDb; pool: pg.Pool } {
  const pool = resilientPool({ connectionString: url, max }, consoleWarn, "keiko_control");
  return { db: drizzle(pool), pool };
}
