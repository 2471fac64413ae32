import pg from "pg";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "@/lib/testing/test-database";
import { SyncLock } from "./sync-lock";

let database: Awaited<ReturnType<typeof createTestDatabase>>;
const locks: SyncLock[] = [];
const silent = pino({ level: "silent" });

beforeAll(async () => {
  database = await createTestDatabase("control");
});
afterAll(async () => {
  for (const lock of locks) await lock.close();
  await database?.drop();
});

function lockOn(): SyncLock {
  const lock = new SyncLock(database.url, silent, 100);
  locks.push(lock);
  lock.start();
  return lock;
}

describe("SyncLock", () => {
  it("lets one worker sync at a time; the other takes over when the first goes", async () => {
    const first = lockOn();
    await expect.poll(() => first.held).toBe(true);
    const second = lockOn();
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(second.held).toBe(false);
    await first.close();
    await expect.poll(() => second.held, { timeout: 3_000 }).toBe(true);
  });

  it("stops syncing when its connection is lost, and holds the lock again once it is back", async () => {
    const lock = locks.find((l) => l.held) ?? lockOn();
    await expect.poll(() => lock.held).toBe(true);
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    await admin.query(
      "select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and application_name = 'keiko-data-sync'",
      [database.name],
    );
    await admin.end();
    await expect.poll(() => lock.held, { timeout: 3_000, interval: 5 }).toBe(false);
    await expect.poll(() => lock.held, { timeout: 3_000 }).toBe(true);
  });
});
