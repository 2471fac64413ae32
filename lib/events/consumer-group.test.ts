import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { USER_REGISTERED_V1 } from "@/lib/contracts/identity";
import { defineContractHandler } from "@/lib/events/contract-handler";
import { parseContractEnvelope } from "@/lib/events/contract-parsers";
import { createEventConsumer, type EventConsumerOptions } from "@/lib/events/event-consumer";
import { createHandlerRegistry } from "@/lib/events/handler-registry";
import { relayOutboxBatch } from "@/lib/events/outbox-relay";
import { publishManyInTransaction } from "@/lib/events/publish";
import { replyRecord } from "@/lib/events/redis-replies";
import { encodeEntry } from "@/lib/events/stream-entry";
import { eventStreamKey } from "@/lib/events/stream-keys";
import {
  createEventsHarness,
  deleteKeys,
  userRegistered,
  waitFor,
} from "@/lib/events/testing/harness";
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

async function publishAndRelay(prefix: string, events: OutboxEvent[]): Promise<void> {
  await h.db.transaction((tx) => publishManyInTransaction(tx, events));
  while ((await relayOutboxBatch({ pool: h.pool, redis: h.redis, prefix })) > 0) {}
}

/** What an outbox re-publish after a Redis loss does: the same event on the stream again. */
async function publishAgain(prefix: string, event: OutboxEvent): Promise<void> {
  await h.redis.xadd(
    eventStreamKey(prefix, "user"),
    "*",
    ...encodeEntry(event.event_id, event.event_type, JSON.stringify(event)),
  );
}

async function effects(prefix: string): Promise<Map<string, number>> {
  const result = await h.db.execute<{ event_id: string; n: number }>(
    sql`select event_id, count(*)::int as n from test_effects where prefix = ${prefix} group by event_id`,
  );
  return new Map(result.rows.map((row) => [row.event_id, row.n]));
}

async function groupNames(prefix: string): Promise<string[]> {
  const groups = (await h.redis.call(
    "XINFO",
    "GROUPS",
    eventStreamKey(prefix, "user"),
  )) as unknown[];
  return groups.map((group) => String(replyRecord(group).name));
}

function consumerFor(prefix: string, overrides: Partial<EventConsumerOptions> = {}) {
  const handler = defineContractHandler(USER_REGISTERED_V1, async (event, { tx }) => {
    await tx.execute(
      sql`insert into test_effects (event_id, prefix) values (${event.event_id}, ${prefix})`,
    );
  });
  const errors: unknown[] = [];
  const warnings: string[] = [];
  const consumer = createEventConsumer({
    redis: h.redis,
    db: h.db,
    prefix,
    group: "reputation",
    consumer: "consumer-1",
    aggregateTypes: ["user"],
    registry: createHandlerRegistry([handler]),
    parseEnvelope: parseContractEnvelope,
    blockMs: 100,
    retry: { baseMs: 30, maxMs: 60, maxDeliveries: 3 },
    reclaimIntervalMs: 20,
    onError: (error) => errors.push(error),
    onWarning: (message) => warnings.push(message),
    ...overrides,
  });
  return { consumer, errors, warnings };
}

describe("a consumer whose group Redis lost (NOGROUP)", () => {
  it("recreates its group at 0, reads what was published again, and the inbox skips duplicates", async () => {
    const prefix = testPrefix();
    // `$`: a group created the first time starts at the end; a recreated one must not.
    const { consumer, errors, warnings } = consumerFor(prefix, { startId: "$" });
    expect(await consumer.pollOnce()).toBe(0);
    const first = userRegistered();
    await publishAndRelay(prefix, [first]);
    expect(await consumer.pollOnce()).toBe(1);

    // Redis loses this test's keys (as a restart without persistence would lose all of them);
    // the outbox publishes the first event again, and a new event arrives.
    await deleteKeys(h.redis, prefix);
    await publishAgain(prefix, first);
    const second = userRegistered();
    await publishAndRelay(prefix, [second]);

    expect(await consumer.pollOnce()).toBe(0); // NOGROUP: the group is recreated, no error
    expect(await groupNames(prefix)).toEqual(["reputation"]);
    expect(await consumer.pollOnce()).toBe(2);
    expect(await effects(prefix)).toEqual(
      new Map([
        [first.event_id, 1],
        [second.event_id, 1],
      ]),
    );
    expect(consumer.stats).toMatchObject({ processed: 2, duplicates: 1, groupsRecreated: 1 });
    expect(errors).toEqual([]);
    expect(warnings).toEqual([
      "consumer group reputation was gone (Redis lost it) and was recreated at 0",
    ]);

    // The reclaimer meets the loss first just as well.
    await h.redis.xgroup("DESTROY", eventStreamKey(prefix, "user"), "reputation");
    expect(await consumer.reclaimOnce()).toBe(0);
    expect(await groupNames(prefix)).toEqual(["reputation"]);
    expect(consumer.stats.groupsRecreated).toBe(2);
  });

  it("goes on when the stream is deleted under its blocked read, without errors or spinning", async () => {
    const prefix = testPrefix();
    const { consumer, errors } = consumerFor(prefix);
    consumer.start();
    const first = userRegistered();
    await publishAndRelay(prefix, [first]);
    await waitFor("the first event processed", async () => (await effects(prefix)).size === 1);

    // The blocked XREADGROUP is answered `UNBLOCKED the stream key no longer exists`.
    await deleteKeys(h.redis, prefix);
    await waitFor("the group recreated", () => consumer.stats.groupsRecreated === 1);
    await publishAgain(prefix, first);
    const second = userRegistered();
    await publishAndRelay(prefix, [second]);
    await waitFor("the new event processed", async () => (await effects(prefix)).size === 2);
    await waitFor("the duplicate skipped", () => consumer.stats.duplicates === 1);
    await consumer.stop();

    expect([...(await effects(prefix)).values()]).toEqual([1, 1]);
    expect(errors).toEqual([]);
    expect(consumer.stats.groupsRecreated).toBe(1);
  });
});
