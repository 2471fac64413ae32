import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ensureConsumerGroup } from "@/lib/events/consumer-group";
import {
  confirmDeliveredOutbox,
  getUnconfirmedOutbox,
  requeueLostOutbox,
} from "@/lib/events/outbox-confirm";
import { relayOutboxBatch } from "@/lib/events/outbox-relay";
import { publishManyInTransaction } from "@/lib/events/publish";
import { generationKey, readGeneration } from "@/lib/events/redis-generation";
import { createRedisLossGuard } from "@/lib/events/redis-loss-guard";
import { eventStreamKey } from "@/lib/events/stream-keys";
import {
  createEventsHarness,
  deleteKeys,
  uniquePrefix,
  userRegistered,
} from "@/lib/events/testing/harness";

// The shared Redis: each test has its own prefix, and a "loss" deletes only that prefix's keys.
let h: Awaited<ReturnType<typeof createEventsHarness>>;
let prefix: string;

beforeAll(async () => {
  h = await createEventsHarness();
});
afterAll(async () => {
  await h?.close();
});
beforeEach(async () => {
  prefix = `${h.prefix}${uniquePrefix()}`;
  await h.pool.query("truncate outbox, redis_generations restart identity");
});

async function publishAndRelay(count: number): Promise<void> {
  const events = Array.from({ length: count }, () => userRegistered());
  await h.db.transaction((tx) => publishManyInTransaction(tx, events));
  while ((await relayOutboxBatch({ pool: h.pool, redis: h.redis, prefix })) > 0) {}
}

async function readAndAck(group: string, count: number): Promise<void> {
  const stream = eventStreamKey(prefix, "user");
  const reply = (await h.redis.xreadgroup(
    "GROUP",
    group,
    "c",
    "COUNT",
    count,
    "STREAMS",
    stream,
    ">",
  )) as Array<[string, Array<[string, string[]]>]> | null;
  const ids = reply?.[0]?.[1].map(([id]) => id) ?? [];
  if (ids.length > 0) await h.redis.xack(stream, group, ...ids);
}

const groups = [
  { group: "a", aggregateTypes: ["user"] },
  { group: "b", aggregateTypes: ["user"] },
];

describe("delivery confirmation", () => {
  it("confirms only what every group, declared ones included, has acked", async () => {
    await publishAndRelay(10);
    const confirm = () => confirmDeliveredOutbox({ pool: h.pool, redis: h.redis, prefix, groups });
    // Neither group exists yet: a declared group that is missing needs everything.
    expect(await confirm()).toBe(0);
    const stream = eventStreamKey(prefix, "user");
    await ensureConsumerGroup(h.redis, stream, "a");
    await readAndAck("a", 10);
    expect(await confirm()).toBe(0);
    await ensureConsumerGroup(h.redis, stream, "b");
    await readAndAck("b", 4);
    expect(await confirm()).toBe(4);
    await readAndAck("b", 6);
    expect(await confirm()).toBe(6);
    expect(await getUnconfirmedOutbox(h.pool)).toEqual({
      unconfirmed: 0,
      oldestUnconfirmedAgeMs: null,
    });
  });

  it("confirms at once on a stream nobody consumes", async () => {
    await publishAndRelay(3);
    expect(await confirmDeliveredOutbox({ pool: h.pool, redis: h.redis, prefix, groups: [] })).toBe(
      3,
    );
  });

  it("requeues unconfirmed rows of another generation only", async () => {
    await publishAndRelay(6);
    const generation = (await readGeneration(h.redis, prefix)) as string;
    await h.pool.query("update outbox set confirmed_at = now() where id <= 2");
    expect(await requeueLostOutbox(h.pool, generation)).toBe(0);
    expect(await requeueLostOutbox(h.pool, "another")).toBe(4);
    const rows = await h.pool.query(
      "select count(*)::int as unsent from outbox where sent_at is null and stream_id is null",
    );
    expect(rows.rows[0]).toEqual({ unsent: 4 });
  });

  it("notices a loss of this prefix's keys, recreates the groups and sends the lost rows again", async () => {
    const guard = createRedisLossGuard({
      redis: h.redis,
      prefix,
      databases: [{ name: "events", pool: h.pool }],
      groups,
      deadLetterCountIntervalMs: 0,
    });
    await publishAndRelay(5);
    const before = await guard.check();
    expect(before).toMatchObject({ loss: null, requeued: {}, confirmed: 0 });
    expect(await h.redis.exists(generationKey(prefix))).toBe(1);

    await deleteKeys(h.redis, prefix);
    const after = await guard.check();
    expect(after.generation).not.toBe(before.generation);
    expect(after.loss).toMatchObject({ previousGeneration: before.generation, lostDeadLetters: 0 });
    expect(after.requeued).toEqual({ events: 5 });
    const stream = eventStreamKey(prefix, "user");
    const info = (await h.redis.xinfo("GROUPS", stream)) as string[][];
    expect(info.map((fields) => fields[1]).sort()).toEqual(["a", "b"]);

    while ((await relayOutboxBatch({ pool: h.pool, redis: h.redis, prefix })) > 0) {}
    expect(await h.redis.xlen(stream)).toBe(5);
    const tagged = await h.pool.query(
      "select distinct redis_generation from outbox where sent_at is not null",
    );
    expect(tagged.rows).toEqual([{ redis_generation: after.generation }]);
    await deleteKeys(h.redis, prefix);
  });
});
