import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { USER_REGISTERED_V1 } from "@/lib/contracts/identity";
import { defineContractHandler } from "@/lib/events/contract-handler";
import { parseContractEnvelope } from "@/lib/events/contract-parsers";
import { createEventConsumer } from "@/lib/events/event-consumer";
import { createHandlerRegistry } from "@/lib/events/handler-registry";
import { getOutboxBacklog, relayOutboxBatch } from "@/lib/events/outbox-relay";
import { publishManyInTransaction } from "@/lib/events/publish";
import { fieldsToRecord } from "@/lib/events/stream-entry";
import { eventStreamKey } from "@/lib/events/stream-keys";
import { startChild } from "@/lib/events/testing/child-process";
import { createEventsHarness, userRegistered, waitFor } from "@/lib/events/testing/harness";
import type { OutboxEvent } from "@/lib/events/transport-event";

let h: Awaited<ReturnType<typeof createEventsHarness>>;
let counter = 0;

beforeAll(async () => {
  h = await createEventsHarness();
  await h.db.execute(sql`create table test_effects (event_id text not null, prefix text not null)`);
});
afterAll(async () => {
  await h?.close();
});

function testPrefix(): string {
  counter += 1;
  return `${h.prefix}${counter}:`;
}

async function publish(events: OutboxEvent[]): Promise<void> {
  await h.db.transaction((tx) => publishManyInTransaction(tx, events));
}

async function effectCounts(prefix: string): Promise<number[]> {
  const result = await h.db.execute<{ n: number }>(
    sql`select count(*)::int as n from test_effects where prefix = ${prefix} group by event_id`,
  );
  return result.rows.map((row) => row.n);
}

async function pendingOf(prefix: string, group: string): Promise<number> {
  return ((await h.redis.xpending(eventStreamKey(prefix, "user"), group)) as [number])[0];
}

/** The in-process consumer that takes over after the child is killed. */
function survivor(prefix: string, group: string) {
  const handler = defineContractHandler(USER_REGISTERED_V1, async (event, { tx }) => {
    await tx.execute(
      sql`insert into test_effects (event_id, prefix) values (${event.event_id}, ${prefix})`,
    );
  });
  return createEventConsumer({
    redis: h.redis,
    db: h.db,
    prefix,
    group,
    consumer: "survivor",
    aggregateTypes: ["user"],
    registry: createHandlerRegistry([handler]),
    parseEnvelope: parseContractEnvelope,
    batchSize: 50,
    blockMs: 50,
    retry: { baseMs: 200, maxMs: 200, maxDeliveries: 5 },
    reclaimIntervalMs: 50,
  });
}

function childConfig(prefix: string, group: string, extra: Record<string, unknown> = {}) {
  return {
    databaseUrl: h.databaseUrl,
    redisUrl: h.redisUrl,
    prefix,
    group,
    consumer: "doomed",
    batchSize: 50,
    handlerDelayMs: 5,
    ...extra,
  };
}

describe("faults", () => {
  it("SIGKILL of a consumer in the middle of a batch: every event processed exactly once in effect", async () => {
    const prefix = testPrefix();
    await publish(Array.from({ length: 300 }, () => userRegistered()));
    while ((await relayOutboxBatch({ pool: h.pool, redis: h.redis, prefix })) > 0) {}

    const child = startChild("consumer-child.ts", childConfig(prefix, "passport"));
    // First batch (50) committed and acked; kill in the middle of the second one.
    await child.waitForLines((lines) => lines.filter((l) => l.startsWith("handled")).length >= 75);
    await child.kill();
    expect(child.lines.filter((l) => l === "committed")).toHaveLength(1);
    expect((await effectCounts(prefix)).length).toBe(50); // the open transaction rolled back
    expect(await pendingOf(prefix, "passport")).toBe(50); // delivered to the dead child, unacked

    const consumer = survivor(prefix, "passport");
    consumer.start();
    await waitFor("all 300 processed", async () => (await effectCounts(prefix)).length === 300);
    await waitFor("nothing pending", async () => (await pendingOf(prefix, "passport")) === 0);
    await consumer.stop();

    const counts = await effectCounts(prefix);
    expect(counts).toHaveLength(300);
    expect(counts.every((n) => n === 1)).toBe(true);
    expect(consumer.stats.processed).toBe(250);
  });

  it("SIGKILL of a consumer after its commit and before its ack: the inbox absorbs the redelivery", async () => {
    const prefix = testPrefix();
    await publish(Array.from({ length: 120 }, () => userRegistered()));
    while ((await relayOutboxBatch({ pool: h.pool, redis: h.redis, prefix })) > 0) {}

    const child = startChild(
      "consumer-child.ts",
      childConfig(prefix, "learning", { hangAfterCommit: true, handlerDelayMs: 0 }),
    );
    await child.waitForLines((lines) => lines.includes("committed"));
    await child.kill();
    expect((await effectCounts(prefix)).length).toBe(50);
    expect(await pendingOf(prefix, "learning")).toBe(50); // committed, never acked

    const consumer = survivor(prefix, "learning");
    consumer.start();
    await waitFor("all 120 processed", async () => (await effectCounts(prefix)).length === 120);
    await waitFor("nothing pending", async () => (await pendingOf(prefix, "learning")) === 0);
    await consumer.stop();

    expect((await effectCounts(prefix)).every((n) => n === 1)).toBe(true);
    expect(consumer.stats).toMatchObject({ processed: 70, duplicates: 50 });
  });

  it("SIGKILL of the relay between XADD and marking sent: duplicates are absorbed by the inbox", async () => {
    const prefix = testPrefix();
    const events = Array.from({ length: 200 }, () => userRegistered());
    await publish(events);

    const relay = startChild("relay-child.ts", {
      databaseUrl: h.databaseUrl,
      redisUrl: h.redisUrl,
      prefix,
      batchSize: 200,
    });
    await relay.waitForLines((lines) => lines.includes("xadded 200"));
    await relay.kill();
    const stream = eventStreamKey(prefix, "user");
    expect(await h.redis.xlen(stream)).toBe(200);
    expect((await getOutboxBacklog(h.pool)).unsent).toBe(200); // the mark never committed

    // Another relay sends the same rows again.
    while ((await relayOutboxBatch({ pool: h.pool, redis: h.redis, prefix })) > 0) {}
    expect(await h.redis.xlen(stream)).toBe(400);
    const ids = (await h.redis.xrange(stream, "-", "+")).map(([, f]) => fieldsToRecord(f).event_id);
    expect(new Set(ids).size).toBe(200);

    const consumer = survivor(prefix, "governance");
    consumer.start();
    await waitFor("all entries acked", async () => {
      const groups = (await h.redis.call("XINFO", "GROUPS", stream)) as unknown[][];
      const g = groups[0] ?? [];
      return (
        g[g.indexOf("entries-read") + 1] === 400 && (await pendingOf(prefix, "governance")) === 0
      );
    });
    await consumer.stop();

    const counts = await effectCounts(prefix);
    expect(counts).toHaveLength(200);
    expect(counts.every((n) => n === 1)).toBe(true);
    expect(consumer.stats).toMatchObject({ processed: 200, duplicates: 200 });
  });
});
