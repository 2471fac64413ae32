import { execFile } from "node:child_process";
import net from "node:net";
import { promisify } from "node:util";
import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { USER_REGISTERED_V1 } from "@/lib/contracts/identity";
import { defineContractHandler } from "@/lib/events/contract-handler";
import { parseContractEnvelope } from "@/lib/events/contract-parsers";
import { DLQ_FIELD } from "@/lib/events/dead-letter";
import { createEventConsumer, type EventConsumerOptions } from "@/lib/events/event-consumer";
import { NonRetryableEventError, RetryableEventError } from "@/lib/events/event-errors";
import type { EventHandler } from "@/lib/events/event-handler";
import { createHandlerRegistry } from "@/lib/events/handler-registry";
import { relayOutboxBatch } from "@/lib/events/outbox-relay";
import { publishManyInTransaction } from "@/lib/events/publish";
import { fieldsToRecord } from "@/lib/events/stream-entry";
import { deadLetterKey, eventStreamKey, failureHashKey } from "@/lib/events/stream-keys";
import { createEventsHarness, userRegistered, waitFor } from "@/lib/events/testing/harness";
import type { OutboxEvent } from "@/lib/events/transport-event";

const run = promisify(execFile);
let h: Awaited<ReturnType<typeof createEventsHarness>>;
let counter = 0;

beforeAll(async () => {
  h = await createEventsHarness();
  await h.db.execute(sql`create table test_effects (event_id text not null, prefix text not null)`);
});
afterAll(async () => {
  await h?.close();
});

/** A Redis prefix of its own for one test, under the harness prefix (cleaned up with it). */
function testPrefix(): string {
  counter += 1;
  return `${h.prefix}${counter}:`;
}

async function publishAndRelay(prefix: string, events: OutboxEvent[]): Promise<void> {
  await h.db.transaction((tx) => publishManyInTransaction(tx, events));
  while ((await relayOutboxBatch({ pool: h.pool, redis: h.redis, prefix })) > 0) {}
}

/** A handler of identity.UserRegistered that writes one effect row in the handler transaction. */
function recordingHandler(prefix: string, calls: string[], fail?: (id: string) => Error | null) {
  return defineContractHandler(USER_REGISTERED_V1, async (event, { tx }) => {
    calls.push(event.event_id);
    await tx.execute(
      sql`insert into test_effects (event_id, prefix) values (${event.event_id}, ${prefix})`,
    );
    const error = fail?.(event.event_id);
    if (error) throw error;
  });
}

function consumerFor(
  prefix: string,
  handlers: EventHandler[],
  overrides: Partial<EventConsumerOptions> = {},
) {
  return createEventConsumer({
    redis: h.redis,
    db: h.db,
    prefix,
    group: "reputation",
    consumer: "consumer-1",
    aggregateTypes: ["user"],
    registry: createHandlerRegistry(handlers),
    parseEnvelope: parseContractEnvelope,
    blockMs: 50,
    retry: { baseMs: 30, maxMs: 120, maxDeliveries: 3 },
    reclaimIntervalMs: 20,
    ...overrides,
  });
}

async function effects(prefix: string): Promise<Map<string, number>> {
  const result = await h.db.execute<{ event_id: string; n: number }>(
    sql`select event_id, count(*)::int as n from test_effects where prefix = ${prefix} group by event_id`,
  );
  return new Map(result.rows.map((row) => [row.event_id, row.n]));
}

async function pendingCount(prefix: string, group = "reputation"): Promise<number> {
  const summary = (await h.redis.xpending(eventStreamKey(prefix, "user"), group)) as [number];
  return summary[0];
}

async function deadLetters(prefix: string) {
  const entries = await h.redis.xrange(deadLetterKey(prefix, "user"), "-", "+");
  return entries.map(([id, fields]) => ({ id, fields: fieldsToRecord(fields) }));
}

describe("event consumer", () => {
  it("runs each event once in the handler's transaction with the inbox, then acks", async () => {
    const prefix = testPrefix();
    const events = Array.from({ length: 250 }, () => userRegistered());
    await publishAndRelay(prefix, events);
    // A relay duplicate (same event id twice on the stream) and an event no handler wants.
    await publishAndRelay(prefix, [events[0] as OutboxEvent]);
    const calls: string[] = [];
    const consumer = consumerFor(prefix, [recordingHandler(prefix, calls)], {
      batchSize: 64,
      retry: { baseMs: 5_000 },
    });
    consumer.start();
    await waitFor("all entries acked", async () => {
      const info = (await h.redis.call(
        "XINFO",
        "GROUPS",
        eventStreamKey(prefix, "user"),
      )) as unknown[][];
      const group = info[0] as unknown[];
      return group[group.indexOf("entries-read") + 1] === 251 && (await pendingCount(prefix)) === 0;
    });
    await consumer.stop();

    const done = await effects(prefix);
    expect(done.size).toBe(250);
    expect([...done.values()].every((n) => n === 1)).toBe(true);
    expect(calls).toHaveLength(250);
    expect(consumer.stats).toMatchObject({ processed: 250, duplicates: 1, deadLettered: 0 });
    const inbox = await h.db.execute<{ n: number }>(
      sql`select count(*)::int as n from inbox where consumer_group = 'reputation' and event_id in ${events.map((e) => e.event_id)}`,
    );
    expect(inbox.rows[0]?.n).toBe(250);
    // A departed consumer with nothing pending leaves the group's consumer list.
    const consumers = (await h.redis.call(
      "XINFO",
      "CONSUMERS",
      eventStreamKey(prefix, "user"),
      "reputation",
    )) as unknown[];
    expect(consumers).toHaveLength(0);
  });

  it("keeps a slow batch claimed while its consumer lives: no other consumer takes it over", async () => {
    const prefix = testPrefix();
    await publishAndRelay(
      prefix,
      Array.from({ length: 20 }, () => userRegistered()),
    );
    const calls: string[] = [];
    const slow = defineContractHandler(USER_REGISTERED_V1, async (event) => {
      calls.push(event.event_id);
      await new Promise((resolve) => setTimeout(resolve, 50)); // 20 × 50 ms ≫ the 200 ms retry delay
    });
    const retry = { baseMs: 200, maxMs: 200, maxDeliveries: 5 };
    const first = consumerFor(prefix, [slow], { retry });
    const second = consumerFor(prefix, [slow], { retry, consumer: "consumer-2" });
    let finished = false;
    const firstRead = first.pollOnce().finally(() => {
      finished = true;
    });
    // Meanwhile the second consumer keeps looking for entries idle past the retry delay.
    while (!finished) {
      await second.reclaimOnce();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(await firstRead).toBe(20);
    expect(await pendingCount(prefix)).toBe(0);
    expect(calls).toHaveLength(20);
    expect(new Set(calls).size).toBe(20);
    expect(second.stats.processed + second.stats.duplicates).toBe(0);
  });

  it("does not count a delivery against the events when the database itself is down", async () => {
    const prefix = testPrefix();
    const event = userRegistered();
    await publishAndRelay(prefix, [event]);
    const url = new URL(h.databaseUrl);
    url.pathname = "/keiko_no_such_database";
    const downPool = new pg.Pool({ connectionString: url.toString(), max: 1 });
    const calls: string[] = [];
    const retry = { baseMs: 20, maxMs: 20, maxDeliveries: 1 };
    try {
      const broken = consumerFor(prefix, [recordingHandler(prefix, calls)], {
        db: drizzle(downPool),
        retry,
      });
      await expect(broken.pollOnce()).rejects.toThrow(/keiko_no_such_database/);
    } finally {
      await downPool.end();
    }
    const pending = (await h.redis.call(
      "XPENDING",
      eventStreamKey(prefix, "user"),
      "reputation",
      "-",
      "+",
      10,
    )) as Array<[string, string, number, number]>;
    expect(pending.map((entry) => entry[3])).toEqual([0]);
    // With maxDeliveries 1, a counted delivery would now be dead-lettered; it is processed instead.
    await new Promise((resolve) => setTimeout(resolve, 30));
    const healthy = consumerFor(prefix, [recordingHandler(prefix, calls)], { retry });
    expect(await healthy.reclaimOnce()).toBe(1);
    expect(calls).toEqual([event.event_id]);
    expect(await deadLetters(prefix)).toHaveLength(0);
    expect(await pendingCount(prefix)).toBe(0);
  });

  it("acks events of types the group has no handler for, without running anything", async () => {
    const prefix = testPrefix();
    await publishAndRelay(prefix, [userRegistered()]);
    const consumer = consumerFor(prefix, []);
    while ((await consumer.pollOnce()) > 0) {}
    expect(consumer.stats.ignored).toBe(1);
    expect(await pendingCount(prefix)).toBe(0);
  });

  it("dead-letters a handler that always throws after N deliveries, with the original acked", async () => {
    const prefix = testPrefix();
    const poison = userRegistered();
    const good = userRegistered();
    await publishAndRelay(prefix, [poison, good]);
    const calls: string[] = [];
    const handler = recordingHandler(prefix, calls, (id) =>
      id === poison.event_id ? new Error("reputation store unreachable") : null,
    );
    const consumer = consumerFor(prefix, [handler], { onError: () => undefined });
    consumer.start();
    await waitFor(
      "the poison event in the DLQ",
      async () => (await deadLetters(prefix)).length === 1,
    );
    await waitFor("nothing pending", async () => (await pendingCount(prefix)) === 0);
    await consumer.stop();

    expect(calls.filter((id) => id === poison.event_id)).toHaveLength(3);
    const [dead] = await deadLetters(prefix);
    expect(dead?.fields).toMatchObject({
      event_id: poison.event_id,
      [DLQ_FIELD.error]: "Error: reputation store unreachable",
      [DLQ_FIELD.reason]: "max_deliveries",
      [DLQ_FIELD.group]: "reputation",
      [DLQ_FIELD.deliveries]: "3",
      [DLQ_FIELD.stream]: eventStreamKey(prefix, "user"),
    });
    const original = await h.redis.xrange(eventStreamKey(prefix, "user"), "-", "+");
    expect(original.map(([id]) => id)).toContain(dead?.fields[DLQ_FIELD.id]);
    // The good event of the same batch was not held back, and the poison one left no effect.
    expect(await effects(prefix)).toEqual(new Map([[good.event_id, 1]]));
    expect(await h.redis.hlen(failureHashKey(prefix, "user", "reputation"))).toBe(0);
  });

  it("retries with backoff and succeeds once the fault is gone", async () => {
    const prefix = testPrefix();
    const event = userRegistered();
    await publishAndRelay(prefix, [event]);
    const calls: string[] = [];
    const deliveredAt: number[] = [];
    const handler = recordingHandler(prefix, calls, () => {
      deliveredAt.push(Date.now());
      return deliveredAt.length < 3 ? new RetryableEventError("lock timeout") : null;
    });
    const consumer = consumerFor(prefix, [handler], {
      retry: { baseMs: 200, maxMs: 2000, maxDeliveries: 5 },
      onError: () => undefined,
    });
    consumer.start();
    await waitFor(
      "the event processed",
      async () => (await effects(prefix)).get(event.event_id) === 1,
    );
    await waitFor("nothing pending", async () => (await pendingCount(prefix)) === 0);
    await consumer.stop();
    expect(deliveredAt).toHaveLength(3);
    const [first = 0, second = 0, third = 0] = deliveredAt;
    // The idle clock starts at the claim, a little before the handler runs (up to some tens of
    // ms on a loaded machine): allow 50 ms. Without backoff the gaps would be one reclaim tick.
    expect(second - first).toBeGreaterThanOrEqual(150);
    expect(third - second).toBeGreaterThanOrEqual(350); // doubled
    expect(await deadLetters(prefix)).toHaveLength(0);
    expect(await h.redis.hlen(failureHashKey(prefix, "user", "reputation"))).toBe(0);
  });

  it("dead-letters a non-retryable failure at once", async () => {
    const prefix = testPrefix();
    const event = userRegistered();
    await publishAndRelay(prefix, [event]);
    const calls: string[] = [];
    const handler = recordingHandler(
      prefix,
      calls,
      () => new NonRetryableEventError("user banned"),
    );
    const consumer = consumerFor(prefix, [handler]);
    await consumer.pollOnce();
    expect(calls).toHaveLength(1);
    const [dead] = await deadLetters(prefix);
    expect(dead?.fields).toMatchObject({
      [DLQ_FIELD.reason]: "non_retryable",
      [DLQ_FIELD.deliveries]: "1",
      [DLQ_FIELD.error]: "NonRetryableEventError: user banned",
    });
    expect(await pendingCount(prefix)).toBe(0);
  });

  it("sends malformed entries written with redis-cli to the DLQ at once", async () => {
    const prefix = testPrefix();
    const stream = eventStreamKey(prefix, "user");
    const cli = (...args: string[]) => run("redis-cli", ["-u", h.redisUrl, ...args]);
    await cli("XADD", stream, "*", "payload", "{not json");
    await cli("XADD", stream, "*", "foo", "bar");
    const wrongData = userRegistered({ data: { user_id: "not-a-uuid" } });
    await cli(
      "XADD",
      stream,
      "*",
      "event_id",
      wrongData.event_id,
      "payload",
      JSON.stringify(wrongData),
    );
    await cli(
      "XADD",
      stream,
      "*",
      "payload",
      JSON.stringify({ ...userRegistered(), event_type: "x.Unknown" }),
    );
    const calls: string[] = [];
    const consumer = consumerFor(prefix, [recordingHandler(prefix, calls)]);
    await consumer.pollOnce();

    expect(calls).toHaveLength(0);
    const dead = await deadLetters(prefix);
    expect(dead.map((d) => [d.fields[DLQ_FIELD.reason], d.fields[DLQ_FIELD.deliveries]])).toEqual([
      ["invalid_entry", "1"],
      ["invalid_entry", "1"],
      ["invalid_event", "1"],
      ["invalid_event", "1"],
    ]);
    expect(dead[0]?.fields[DLQ_FIELD.error]).toMatch(/^invalid JSON in payload/);
    expect(dead[0]?.fields.payload).toBe("{not json");
    expect(dead[1]?.fields).toMatchObject({
      foo: "bar",
      [DLQ_FIELD.error]: "invalid entry: no payload field",
    });
    expect(dead[2]?.fields[DLQ_FIELD.error]).toMatch(/^invalid_data: .*data\.user_id/);
    expect(dead[3]?.fields[DLQ_FIELD.error]).toMatch(/^unknown_event_type/);
    expect(await pendingCount(prefix)).toBe(0);
  });

  it("recovers from a read that hangs: the watchdog drops the connection and reads again", async () => {
    const prefix = testPrefix();
    // A TCP proxy to the real Redis that can stop forwarding: a half-open connection.
    let frozen = false;
    const sockets: net.Socket[] = [];
    const proxy = net.createServer((client) => {
      const upstream = net.connect(6379, "127.0.0.1");
      sockets.push(client, upstream);
      client.on("data", (chunk) => {
        if (!frozen) upstream.write(chunk);
      });
      upstream.on("data", (chunk) => {
        if (!frozen) client.write(chunk);
      });
      const close = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on("error", close).on("close", close);
      upstream.on("error", close).on("close", close);
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    const port = (proxy.address() as net.AddressInfo).port;
    const { Redis } = await import("ioredis");
    const viaProxy = new Redis({ port, host: "127.0.0.1", maxRetriesPerRequest: null });
    try {
      const calls: string[] = [];
      const consumer = consumerFor(prefix, [recordingHandler(prefix, calls)], {
        redis: viaProxy,
        blockMs: 100,
        watchdogMs: 400,
      });
      await consumer.pollOnce(); // creates the group, opens the blocking connection
      frozen = true;
      const hung = consumer.pollOnce();
      await new Promise((resolve) => setTimeout(resolve, 50));
      frozen = false;
      // The request was swallowed while frozen: only the watchdog ends this read.
      const started = Date.now();
      expect(await hung).toBe(0);
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(consumer.stats.watchdogResets).toBe(1);
      const event = userRegistered();
      await publishAndRelay(prefix, [event]);
      expect(await consumer.pollOnce()).toBe(1);
      expect(calls).toEqual([event.event_id]);
      await consumer.stop();
    } finally {
      viaProxy.disconnect();
      for (const socket of sockets) socket.destroy();
      proxy.close();
    }
  });
});
