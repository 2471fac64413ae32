import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import { Redis } from "ioredis";
import pg from "pg";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { USER_REGISTERED_V1 } from "@/lib/contracts/identity";
import { defineContractHandler } from "@/lib/events/contract-handler";
import { parseContractEnvelope } from "@/lib/events/contract-parsers";
import { createEventConsumer, type EventConsumer } from "@/lib/events/event-consumer";
import type { EventsDatabase } from "@/lib/events/events-database";
import { createHandlerRegistry } from "@/lib/events/handler-registry";
import { getUnconfirmedOutbox } from "@/lib/events/outbox-confirm";
import { getOutboxBacklog, relayOutboxBatch, startOutboxRelay } from "@/lib/events/outbox-relay";
import { publishManyInTransaction } from "@/lib/events/publish";
import { readGeneration } from "@/lib/events/redis-generation";
import { createRedisLossGuard } from "@/lib/events/redis-loss-guard";
import { seedDeadLetters } from "@/lib/events/testing/dead-letters";
import { uniquePrefix, userRegistered, waitFor } from "@/lib/events/testing/harness";
import { startPrivateRedis } from "@/lib/events/testing/private-redis";
import { createTestDatabase } from "@/lib/testing/test-database";

// FLUSHALL runs only on a redis-server of this file's own (other tests share 127.0.0.1:6379).
let server: Awaited<ReturnType<typeof startPrivateRedis>>;
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let pool: pg.Pool;
let db: EventsDatabase;
let redis: Redis;
let prefix: string;

const GROUPS = [
  { group: "alpha", aggregateTypes: ["user"] },
  { group: "beta", aggregateTypes: ["user"] },
];

beforeAll(async () => {
  server = await startPrivateRedis();
  database = await createTestDatabase("events_test");
  pool = new pg.Pool({ connectionString: database.url, max: 10 });
  db = drizzle(pool);
  await pool.query("create table test_effects (event_id text not null, grp text not null)");
  redis = new Redis(server.url);
});
afterAll(async () => {
  redis?.disconnect();
  await pool?.end();
  await database?.drop();
  await server?.stop();
});
beforeEach(async () => {
  prefix = uniquePrefix();
  await pool.query("truncate outbox, inbox, test_effects, redis_generations");
});

const consumers: EventConsumer[] = [];
afterEach(async () => {
  await Promise.all(consumers.splice(0).map((consumer) => consumer.stop()));
});

function consumer(group: string, afterCommit?: () => Promise<void>): EventConsumer {
  const handler = defineContractHandler(USER_REGISTERED_V1, async (event, { tx }) => {
    await tx.execute(sql`insert into test_effects values (${event.event_id}, ${group})`);
  });
  const created = createEventConsumer({
    redis,
    db,
    prefix,
    group,
    consumer: `${group}-1`,
    aggregateTypes: ["user"],
    registry: createHandlerRegistry([handler]),
    parseEnvelope: parseContractEnvelope,
    batchSize: 50,
    blockMs: 50,
    retry: { baseMs: 200, maxMs: 400, maxDeliveries: 5 },
    afterCommit,
  });
  consumers.push(created);
  return created;
}

async function publish(count: number): Promise<string[]> {
  const events = Array.from({ length: count }, () => userRegistered());
  await db.transaction((tx) => publishManyInTransaction(tx, events));
  return events.map((event) => event.event_id);
}

async function relayAll(): Promise<void> {
  while ((await relayOutboxBatch({ pool, redis, prefix, batchSize: 100 })) > 0) {}
}

/** Per group: effect rows and distinct events among them. */
async function effectCounts(): Promise<Record<string, { rows: number; events: number }>> {
  const result = await pool.query<{ grp: string; rows: number; events: number }>(
    `select grp, count(*)::int as rows, count(distinct event_id)::int as events
     from test_effects group by grp order by grp`,
  );
  return Object.fromEntries(result.rows.map((r) => [r.grp, { rows: r.rows, events: r.events }]));
}

function guardFor() {
  return createRedisLossGuard({
    redis,
    prefix,
    databases: [{ name: "events", pool }],
    groups: GROUPS,
    deadLetterCountIntervalMs: 0,
  });
}

describe("events that survive Redis", () => {
  it("after FLUSHALL mid-flow, loses no effect and applies none twice, and reports lost dead letters", async () => {
    const guard = guardFor();
    const alpha = consumer("alpha");
    let flushAfterCommit = false;
    const beta = consumer("beta", async () => {
      if (!flushAfterCommit) return;
      flushAfterCommit = false;
      // Beta committed these effects and has not acked them yet when Redis loses everything.
      await redis.flushall();
    });

    await publish(200);
    await relayAll();
    const first = await guard.check();
    expect(first.loss).toBeNull();
    const g1 = await readGeneration(redis, prefix);
    expect(first.generation).toBe(g1);

    // alpha: 100 processed and acked; beta: 50.
    await alpha.pollOnce();
    await alpha.pollOnce();
    await beta.pollOnce();
    await seedDeadLetters(redis, prefix, [userRegistered(), userRegistered(), userRegistered()]);
    const second = await guard.check();
    expect(second.confirmed).toBe(50); // only what both groups acked
    expect(await getUnconfirmedOutbox(pool)).toMatchObject({ unconfirmed: 150 });

    // Beta processes 50 more, commits, then Redis is flushed before its ack.
    flushAfterCommit = true;
    await beta.pollOnce();
    expect(await redis.dbsize()).toBe(0);
    expect(await effectCounts()).toEqual({
      alpha: { rows: 100, events: 100 },
      beta: { rows: 100, events: 100 },
    });

    // Producers go on; the first relay batch finds an empty Redis and starts a new generation.
    await publish(50);
    await relayAll();
    const g2 = await readGeneration(redis, prefix);
    expect(g2).not.toBe(g1);

    const third = await guard.check();
    expect(third.loss).toMatchObject({
      previousGeneration: g1,
      generation: g2,
      lostDeadLetters: 3,
      lostDeadLettersByAggregateType: { user: 3 },
      databases: ["events"],
    });
    expect(third.requeued).toEqual({ events: 150 }); // the 200 of g1 less the 50 confirmed
    expect(guard.stats).toMatchObject({ checks: 3, losses: 1, lostDeadLetters: 3, requeued: 150 });
    const groups = (await redis.xinfo("GROUPS", `${prefix}events:user`)) as string[][];
    expect(groups.map((fields) => fields[1]).sort()).toEqual(["alpha", "beta"]);

    await relayAll();
    await waitFor("both groups to catch up", async () => {
      for (const c of [alpha, beta]) await c.pollOnce().catch(() => 0);
      const counts = await effectCounts();
      return counts.alpha?.events === 250 && counts.beta?.events === 250;
    });
    // Each group saw the 50 re-published events it had already processed, and skipped them.
    expect(await effectCounts()).toEqual({
      alpha: { rows: 250, events: 250 },
      beta: { rows: 250, events: 250 },
    });
    expect(alpha.stats.duplicates).toBe(50);
    expect(beta.stats.duplicates).toBe(50);

    await guard.check();
    expect(await getUnconfirmedOutbox(pool)).toMatchObject({ unconfirmed: 0 });
    const recorded = await pool.query(
      `select generation, previous_generation, lost_dead_letters, requeued
       from redis_generations where prefix = $1 order by seen_at`,
      [prefix],
    );
    expect(recorded.rows).toEqual([
      { generation: g1, previous_generation: null, lost_dead_letters: null, requeued: 0 },
      { generation: g2, previous_generation: g1, lost_dead_letters: 3, requeued: 150 },
    ]);

    // A second guard (another relay process) sees the same generation and reports nothing.
    const other = guardFor();
    expect((await other.check()).loss).toBeNull();
  });

  it("keeps effects exactly once with the relay, guard and consumers running through a FLUSHALL", async () => {
    const relay = startOutboxRelay({
      pool,
      redis,
      prefix,
      batchSize: 50,
      idleDelayMs: 20,
      errorDelayMs: 100,
    });
    const guard = guardFor();
    const errors: string[] = [];
    const guarding = guard.start({
      intervalMs: 50,
      onError: (error) => errors.push(`guard: ${String(error)}`),
    });
    const alpha = consumer("alpha");
    const beta = consumer("beta");
    alpha.start();
    beta.start();
    try {
      const published: string[] = [];
      for (let round = 0; round < 10; round += 1) published.push(...(await publish(20)));
      await waitFor("some effects before the loss", async () => {
        const counts = await effectCounts();
        return (counts.alpha?.events ?? 0) >= 50 && (counts.beta?.events ?? 0) >= 50;
      });
      await redis.flushall();
      for (let round = 0; round < 10; round += 1) {
        published.push(...(await publish(20)));
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await waitFor(
        "every event in both groups",
        async () => {
          const counts = await effectCounts();
          return counts.alpha?.events === 400 && counts.beta?.events === 400;
        },
        30_000,
      ).catch(async (error) => {
        const state = {
          counts: await effectCounts(),
          guard: guard.stats,
          errors,
          outbox: (
            await pool.query(
              `select redis_generation, count(*)::int as rows, count(sent_at)::int as sent,
                 count(confirmed_at)::int as confirmed from outbox group by 1`,
            )
          ).rows,
          generation: await readGeneration(redis, prefix),
        };
        throw new Error(`${String(error)}: ${JSON.stringify(state)}`);
      });
      expect(await effectCounts()).toEqual({
        alpha: { rows: 400, events: 400 },
        beta: { rows: 400, events: 400 },
      });
      expect(guard.stats.losses).toBe(1);
      expect((await getOutboxBacklog(pool)).unsent).toBe(0);
      await waitFor("every row confirmed", async () => {
        return (await getUnconfirmedOutbox(pool)).unconfirmed === 0;
      });
    } finally {
      await guarding.stop();
      await relay.stop();
    }
  }, 60_000);
});
