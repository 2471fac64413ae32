import { randomBytes, randomUUID } from "node:crypto";
import { drizzle } from "drizzle-orm/node-postgres";
import { Redis } from "ioredis";
import pg from "pg";
import type { EventsDatabase } from "@/lib/events/events-database";
import type { OutboxEvent } from "@/lib/events/transport-event";
import { createTestDatabase } from "@/lib/testing/test-database";

/** The Redis server tests use: TEST_REDIS_URL, else localhost. */
export function testRedisUrl(): string {
  return process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
}

/** A key prefix no other test uses. */
export function uniquePrefix(): string {
  return `test:${Date.now().toString(36)}${randomBytes(4).toString("hex")}:`;
}

/** Deletes every key under `prefix`: SCAN (never KEYS), then UNLINK. */
export async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== "0");
}

/** A database with outbox and inbox (drizzle/events_test), its pool, drizzle handle and Redis. */
export async function createEventsHarness() {
  const database = await createTestDatabase("events_test");
  const pool = new pg.Pool({ connectionString: database.url, max: 8 });
  const db: EventsDatabase = drizzle(pool);
  const redis = new Redis(testRedisUrl());
  const prefix = uniquePrefix();
  return {
    databaseUrl: database.url,
    redisUrl: testRedisUrl(),
    pool,
    db,
    redis,
    prefix,
    async close() {
      await deleteKeys(redis, prefix);
      redis.disconnect();
      await pool.end();
      await database.drop();
    },
  };
}

/** A valid `identity.UserRegistered` v1 envelope (lib/contracts/identity.ts). */
export function userRegistered(overrides: Partial<OutboxEvent> = {}): OutboxEvent {
  const userId = randomUUID();
  return {
    event_id: randomUUID(),
    event_type: "identity.UserRegistered",
    aggregate_id: userId,
    aggregate_type: "user",
    event_version: 1,
    occurred_at: new Date().toISOString(),
    data: {
      user_id: userId,
      did: `did:key:z6Mk${randomBytes(8).toString("hex")}`,
      display_name: "Ada",
      roles: ["student"],
      registered_at: new Date().toISOString(),
    },
    metadata: {
      traceparent: `00-${randomBytes(16).toString("hex")}-${randomBytes(8).toString("hex")}-01`,
      correlation_id: randomUUID(),
      producer: "identity",
    },
    ...overrides,
  };
}

/** Polls `check` until it returns true or `timeoutMs` passes (then throws `what`). */
export async function waitFor(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}
