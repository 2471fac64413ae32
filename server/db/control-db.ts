import { consoleEnv } from "@/lib/config/console";
import { type ControlDb, createControlDb } from "./client";

// One pool per console process, kept across hot reloads in development.
const holder = globalThis as unknown as { keikoControlDb?: ControlDb };

/** The console's shared handle on keiko_control, opened on first use. */
export function controlDb(): ControlDb {
  holder.keikoControlDb ??= createControlDb(consoleEnv().controlDatabaseUrl).db;
  return holder.keikoControlDb;
}
