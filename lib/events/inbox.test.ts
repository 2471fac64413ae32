import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseContractEnvelope } from "@/lib/events/contract-parsers";
import { createEventConsumer, type EventConsumerOptions } from "@/lib/events/event-consumer";
import { createHandlerRegistry } from "@/lib/events/handler-registry";
import { pruneInbox } from "@/lib/events/inbox";
import { createEventsHarness, waitFor } from "@/lib/events/testing/harness";

let h: Awaited<ReturnType<typeof createEventsHarness>>;
let counter = 0;
const HOUR_MS = 3600 * 1000;

beforeAll(async () => {
  h = await createEventsHarness();
});
afterAll(async () => {
  await h?.close();
});

/** A consumer group name no other test uses (the inbox table is shared in this file). */
function testGroup(): string {
  counter += 1;
  return `group-${counter}`;
}

/** Inserts inbox rows of `group` processed `ageMs` ago; returns their event ids. */
async function inboxRows(group: string, n: number, ageMs: number): Promise<string[]> {
  const ids = Array.from({ length: n }, () => crypto.randomUUID());
  await h.db.execute(
    sql`insert into inbox (consumer_group, event_id, processed_at)
        select ${group}, unnest(${sql.param(ids)}::text[]),
               now() - make_interval(secs => ${ageMs}::double precision / 1000)`,
  );
  return ids;
}

async function remaining(group: string): Promise<number> {
  const result = await h.db.execute<{ n: number }>(
    sql`select count(*)::int as n from inbox where consumer_group = ${group}`,
  );
  return result.rows[0]?.n ?? -1;
}

function consumerFor(group: string, overrides: Partial<EventConsumerOptions> = {}) {
  return createEventConsumer({
    redis: h.redis,
    db: h.db,
    prefix: `${h.prefix}${group}:`,
    group,
    consumer: "consumer-1",
    aggregateTypes: ["user"],
    registry: createHandlerRegistry([]),
    parseEnvelope: parseContractEnvelope,
    blockMs: 50,
    ...overrides,
  });
}

describe("inbox pruning", () => {
  it("deletes in batches the rows older than the retention, of the one group only", async () => {
    const group = testGroup();
    const other = testGroup();
    await inboxRows(group, 25, 3 * HOUR_MS);
    const recent = await inboxRows(group, 4, 60_000);
    await inboxRows(other, 6, 3 * HOUR_MS);
    expect(await pruneInbox(h.db, { olderThanMs: 2 * HOUR_MS, group, batchSize: 10 })).toBe(25);
    expect(await remaining(group)).toBe(recent.length);
    expect(await remaining(other)).toBe(6);
  });

  it("runs on the consumer's schedule with the configured retention", async () => {
    const group = testGroup();
    await inboxRows(group, 12, 3 * HOUR_MS);
    await inboxRows(group, 3, 60_000);
    const consumer = consumerFor(group, {
      inboxRetentionMs: 2 * HOUR_MS,
      inboxPruneIntervalMs: 50,
    });
    consumer.start();
    await waitFor("old inbox rows pruned", async () => (await remaining(group)) === 3);
    await consumer.stop();
    expect(consumer.stats.inboxPruned).toBe(12);
    expect(await consumer.pruneInboxOnce()).toBe(0);
  });

  it("refuses a retention that does not outlive every redelivery", () => {
    expect(() =>
      consumerFor(testGroup(), {
        retry: { baseMs: 1_000, maxMs: 10_000, maxDeliveries: 5 },
        handlerDeadlineMs: 30_000,
        // 4 backoffs (1 + 2 + 4 + 8 s) and 5 deadlines (150 s) = 165 s
        inboxRetentionMs: 165_000,
      }),
    ).toThrow(/inbox retention 165000 ms must exceed the redelivery window 165000 ms/);
    expect(() =>
      consumerFor(testGroup(), {
        retry: { baseMs: 1_000, maxMs: 10_000, maxDeliveries: 5 },
        handlerDeadlineMs: 30_000,
        inboxRetentionMs: 165_001,
      }),
    ).not.toThrow();
  });
});
