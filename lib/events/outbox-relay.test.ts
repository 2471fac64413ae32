import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseEvent } from "@/lib/contracts/events/registry";
import {
  getOutboxBacklog,
  pruneSentOutbox,
  relayOutboxBatch,
  startOutboxRelay,
} from "@/lib/events/outbox-relay";
import { publishInTransaction, publishManyInTransaction } from "@/lib/events/publish";
import { readGeneration } from "@/lib/events/redis-generation";
import { fieldsToRecord } from "@/lib/events/stream-entry";
import { eventStreamKey } from "@/lib/events/stream-keys";
import { createEventsHarness, userRegistered } from "@/lib/events/testing/harness";

let h: Awaited<ReturnType<typeof createEventsHarness>>;

beforeAll(async () => {
  h = await createEventsHarness();
});
afterAll(async () => {
  await h?.close();
});

async function streamEntries(aggregateType: string) {
  const entries = await h.redis.xrange(eventStreamKey(h.prefix, aggregateType), "-", "+");
  return entries.map(([, fields]) => fieldsToRecord(fields));
}

describe("outbox publish and relay", () => {
  it("publishes only what commits, as valid envelopes on events:<aggregate_type>", async () => {
    const kept = userRegistered();
    const rolledBack = userRegistered();
    await h.db.transaction(async (tx) => publishInTransaction(tx, kept));
    await expect(
      h.db.transaction(async (tx) => {
        await publishInTransaction(tx, rolledBack);
        throw new Error("the state change failed");
      }),
    ).rejects.toThrow("the state change failed");

    expect(await relayOutboxBatch({ pool: h.pool, redis: h.redis, prefix: h.prefix })).toBe(1);
    expect(await relayOutboxBatch({ pool: h.pool, redis: h.redis, prefix: h.prefix })).toBe(0);

    const entries = await streamEntries("user");
    expect(entries).toHaveLength(1);
    const entry = entries[0];
    expect(entry?.event_id).toBe(kept.event_id);
    expect(entry?.event_type).toBe("identity.UserRegistered");
    const parsed = parseEvent(JSON.parse(entry?.payload ?? "null"));
    expect(parsed.ok).toBe(true);
    expect(JSON.parse(entry?.payload ?? "null")).toEqual(kept);
    expect(await getOutboxBacklog(h.pool)).toEqual({ unsent: 0, oldestUnsentAgeMs: null });
  });

  it("refuses an aggregate type that cannot be a key name, in the producer's transaction", async () => {
    await expect(
      h.db.transaction((tx) =>
        publishInTransaction(tx, userRegistered({ aggregate_type: "Bad Type" })),
      ),
    ).rejects.toThrow(/snake_case/);
  });

  it("lets several relays run at once without sending a row twice", async () => {
    await h.redis.del(eventStreamKey(h.prefix, "user"));
    const events = Array.from({ length: 3000 }, () => userRegistered());
    for (let i = 0; i < events.length; i += 500) {
      await h.db.transaction((tx) => publishManyInTransaction(tx, events.slice(i, i + 500)));
    }
    expect((await getOutboxBacklog(h.pool)).unsent).toBe(3000);
    const relays = [1, 2, 3].map(() =>
      startOutboxRelay({
        pool: h.pool,
        redis: h.redis,
        prefix: h.prefix,
        batchSize: 100,
        concurrency: 2,
        idleDelayMs: 20,
      }),
    );
    const deadline = Date.now() + 20_000;
    while ((await getOutboxBacklog(h.pool)).unsent > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await Promise.all(relays.map((relay) => relay.stop()));

    const entries = await streamEntries("user");
    expect(entries).toHaveLength(3000);
    expect(new Set(entries.map((entry) => entry.event_id)).size).toBe(3000);
  });

  it("prunes rows confirmed past their retention and keeps unsent and unconfirmed ones", async () => {
    await h.db.transaction((tx) => publishInTransaction(tx, userRegistered()));
    await h.db.execute(
      sql`update outbox set sent_at = now() - interval '2 days', confirmed_at = now() - interval '2 days'
          where sent_at is not null and id > 1`,
    );
    await h.db.execute(sql`update outbox set sent_at = now() - interval '2 days' where id = 1`);
    const deleted = await pruneSentOutbox(h.pool, { olderThanMs: 24 * 3600 * 1000 });
    expect(deleted).toBe(3000);
    const rows = await h.pool.query(
      "select count(*)::int as n, count(sent_at)::int as sent from outbox",
    );
    // Row 1 was sent but no group confirmed it: Redis may still lose it, so it stays.
    expect(rows.rows[0]).toEqual({ n: 2, sent: 1 });
  });

  it("records each row's entry id and the Redis generation it went to", async () => {
    while ((await relayOutboxBatch({ pool: h.pool, redis: h.redis, prefix: h.prefix })) > 0) {}
    const event = userRegistered();
    await h.db.transaction((tx) => publishInTransaction(tx, event));
    expect(await relayOutboxBatch({ pool: h.pool, redis: h.redis, prefix: h.prefix })).toBe(1);
    const row = await h.pool.query(
      "select stream_id, redis_generation from outbox where event_id = $1",
      [event.event_id],
    );
    const entries = await h.redis.xrange(eventStreamKey(h.prefix, "user"), "-", "+");
    const entry = entries.find(([, fields]) => fieldsToRecord(fields).event_id === event.event_id);
    expect(row.rows[0]).toEqual({
      stream_id: entry?.[0],
      redis_generation: await readGeneration(h.redis, h.prefix),
    });
    expect(row.rows[0]?.redis_generation).toMatch(/^[0-9a-f-]{36}$/);
  });
});
