import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { databaseUrlFor } from "@/lib/config/parse-env";
import { dropDatabase, ensureDatabase, migrateDatabase } from "@/lib/db/admin";
import { seedControl } from "@/scripts/launcher/databases";

/** The console's production build on a keiko_control of its own: all the wall and board read. */
export type WallBenchStack = {
  url: string;
  admin: { username: string; password: string };
  keyPrefix: string;
  redisUrl: string;
  stop: () => Promise<void>;
};

const SERVER_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

async function waitForHttp(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url);
      if (response.status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  throw new Error(`${url} did not answer within ${timeoutMs / 1000} s`);
}

/** Starts `next start` from KEIKO_NEXT_DIST_DIR (default .next-wall) on `port`. */
export async function startWallBenchStack(port: number): Promise<WallBenchStack> {
  const runId = `${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;
  const database = `keiko_bench_${runId}_control`;
  const controlUrl = databaseUrlFor(SERVER_URL, database);
  const admin = { username: "bench-admin", password: "bench-admin-password-01" };
  await ensureDatabase(SERVER_URL, database);
  await migrateDatabase(controlUrl, "control");
  await seedControl(controlUrl, admin);
  const keyPrefix = `bench:wall:${runId}:`;
  const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    process.execPath,
    ["node_modules/next/dist/bin/next", "start", "-p", String(port), "-H", "127.0.0.1"],
    {
      // its own process group: `next start` runs the server in a child that must stop with it
      detached: true,
      stdio: ["ignore", "ignore", "inherit"],
      env: {
        ...process.env,
        NODE_ENV: "production",
        NEXT_TELEMETRY_DISABLED: "1",
        KEIKO_NEXT_DIST_DIR: process.env.KEIKO_NEXT_DIST_DIR ?? ".next-wall",
        DATABASE_URL: SERVER_URL,
        CONTROL_DATABASE: database,
        REDIS_URL: redisUrl,
        KEIKO_KEY_PREFIX: keyPrefix,
        NEXTAUTH_SECRET: randomBytes(32).toString("hex"),
        NEXTAUTH_URL: url,
      },
    },
  );
  await waitForHttp(`${url}/login`, 120_000);
  return {
    url,
    admin,
    keyPrefix,
    redisUrl,
    async stop() {
      await new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(null);
        child.once("exit", resolve);
        if (child.pid) process.kill(-child.pid, "SIGTERM");
      });
      await dropDatabase(SERVER_URL, database).catch(() => undefined);
    },
  };
}
