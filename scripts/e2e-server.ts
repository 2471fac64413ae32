/**
 * The stack Playwright drives: a fresh uniquely named keiko_control, migrated and seeded, and the
 * console's production build on E2E_PORT. The database is dropped when Playwright stops us;
 * databases left by a killed run are dropped at the next start.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { databaseUrlFor } from "@/lib/config/parse-env";
import { dropDatabase, ensureDatabase, migrateDatabase } from "@/lib/db/admin";
import { E2E_ADMIN, E2E_SESSION_SECONDS } from "../e2e/credentials";
import { seedControl } from "./launcher/databases";

const serverUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const port = Number(process.env.E2E_PORT ?? 3100);
const database = `keiko_e2e_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;
const staleAfterMs = 2 * 3600_000;

async function dropStaleDatabases(): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrlFor(serverUrl, "postgres") });
  await client.connect();
  const { rows } = await client.query<{ datname: string }>(
    "select datname from pg_database where datname like 'keiko_e2e_%'",
  );
  await client.end();
  for (const { datname } of rows) {
    const createdAt = Number.parseInt(datname.split("_")[2] ?? "", 36);
    if (Number.isFinite(createdAt) && Date.now() - createdAt > staleAfterMs) {
      await dropDatabase(serverUrl, datname);
    }
  }
}

await dropStaleDatabases();
await ensureDatabase(serverUrl, database);
await migrateDatabase(databaseUrlFor(serverUrl, database), "control");
await seedControl(databaseUrlFor(serverUrl, database), E2E_ADMIN);

const next = spawn("npx", ["next", "start", "-p", String(port), "-H", "127.0.0.1"], {
  stdio: "inherit",
  env: {
    ...process.env,
    NODE_ENV: "production",
    NEXT_TELEMETRY_DISABLED: "1",
    DATABASE_URL: serverUrl,
    CONTROL_DATABASE: database,
    NEXTAUTH_SECRET: randomBytes(32).toString("hex"),
    NEXTAUTH_URL: `http://127.0.0.1:${port}`,
    SESSION_MAX_AGE_SECONDS: String(E2E_SESSION_SECONDS),
  },
});

let stopping = false;
async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  next.kill("SIGTERM");
  await new Promise((resolve) =>
    next.exitCode === null ? next.once("exit", resolve) : resolve(null),
  );
  await dropDatabase(serverUrl, database).catch(() => undefined);
  process.exit(code);
}
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const)
  process.on(signal, () => void stop(0));
next.on("exit", (code) => void stop(code ?? 1));
