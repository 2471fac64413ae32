import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { USER_REGISTERED_V1 } from "@/lib/contracts/identity";
import { defineContractHandler } from "@/lib/events/contract-handler";
import { parseContractEnvelope } from "@/lib/events/contract-parsers";
import { DLQ_FIELD } from "@/lib/events/dead-letter";
import { createEventConsumer, type EventConsumerOptions } from "@/lib/events/event-consumer";
import type { EventHandler } from "@/lib/events/event-handler";
import { createHandlerRegistry } from "@/lib/events/handler-registry";
import { relayOutboxBatch } from "@/lib/events/outbox-relay";
import { publishManyInTransaction } from "@/lib/events/publish";
import { fieldsToRecord } from "@/lib/events/stream-entry";
import { deadLetterKey, eventStreamKey } from "@/lib/events/stream-keys";
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

async function publishAndRelay(prefix: string, events: OutboxEvent[]): Promise<void> {
  await h.db.transaction((tx) => publishManyInTransaction(tx, events));
  while ((await relayOutboxBatch({ pool: h.pool, redis: h.redis, prefix })) > 0) {}
}

async function effects(prefix: string): Promise<Map<string, number>> {
  const result = await h.db.execute<{ event_id: string; n: number }>(
    sql`select event_id, count(*)::int as n from test_effects where prefix = ${prefix} group by event_id`,
  );
  return new Map(result.rows.map((row) => [row.event_id, row.n]));
}

async function pendingCount(prefix: string): Promise<number> {
  const summary = (await h.redis.xpending(eventStreamKey(prefix, "user"), "reputation")) as [
    number,
  ];
  return summary[0];
}

async function deadLetters(prefix: string) {
  const entries = await h.redis.xrange(deadLetterKey(prefix, "user"), "-", "+");
  return entries.map(([, fields]) => fieldsToRecord(fields));
}

/** Writes one effect row per event in the handler's transaction, then runs `then` for it. */
function effectHandler(prefix: string, then: (eventId: string) => Promise<void>): EventHandler {
  return defineContractHandler(USER_REGISTERED_V1, async (event, { tx }) => {
    await tx.execute(
      sql`insert into test_effects (event_id, prefix) values (${event.event_id}, ${prefix})`,
    );
    await then(event.event_id);
  });
}

function consumerFor(
  prefix: string,
  handler: EventHandler,
  overrides: Partial<EventConsumerOptions>,
) {
  return createEventConsumer({
    redis: h.redis,
    db: h.db,
    prefix,
    group: "reputation",
    consumer: "consumer-1",
    aggregateTypes: ["user"],
    registry: createHandlerRegistry([handler]),
    parseEnvelope: parseContractEnvelope,
    blockMs: 50,
    // A retry delay well above the heartbeat period (a third of it), even on a loaded machine.
    retry: { baseMs: 150, maxMs: 150, maxDeliveries: 2 },
    reclaimIntervalMs: 20,
    handlerDeadlineMs: 300,
    onError: () => undefined,
    ...overrides,
  });
}

describe("handler deadline", () => {
  it("dead-letters a hung handler after its deliveries, rolls it back, and the group goes on", async () => {
    const prefix = testPrefix();
    const hung = userRegistered();
    const before = [userRegistered(), userRegistered()];
    await publishAndRelay(prefix, [hung, ...before]);
    const hungCalls: number[] = [];
    const otherRuns: number[] = [];
    const handler = effectHandler(prefix, async (eventId) => {
      if (eventId !== hung.event_id) {
        otherRuns.push(Date.now());
        return;
      }
      hungCalls.push(Date.now());
      await new Promise(() => undefined); // never settles
    });
    const consumer = consumerFor(prefix, handler, { handlerDeadlineMs: 500 });
    consumer.start();
    await waitFor("the hung handler's first call", () => hungCalls.length > 0);
    // Published while the handler hangs: read once the deadline has freed the group.
    const after = [userRegistered(), userRegistered(), userRegistered()];
    await publishAndRelay(prefix, after);
    await waitFor("every other event processed", async () => {
      const done = await effects(prefix);
      return [...before, ...after].every((event) => done.get(event.event_id) === 1);
    });
    await waitFor(
      "the hung event dead-lettered",
      async () => (await deadLetters(prefix)).length === 1,
    );
    await waitFor("nothing pending", async () => (await pendingCount(prefix)) === 0);
    await consumer.stop();

    const [dead] = await deadLetters(prefix);
    expect(dead).toMatchObject({
      event_id: hung.event_id,
      [DLQ_FIELD.reason]: "deadline",
      [DLQ_FIELD.deliveries]: "2",
    });
    expect(dead?.[DLQ_FIELD.error]).toMatch(
      /^HandlerDeadlineError: .* did not finish within 500 ms/,
    );
    expect(hungCalls).toHaveLength(2);
    // The events published during the first hang ran while the retry hung again, not after it.
    const [deadEntry] = await h.redis.xrange(deadLetterKey(prefix, "user"), "-", "+");
    const deadLetteredAt = Number(deadEntry?.[0].split("-")[0]);
    expect(Math.max(...otherRuns)).toBeLessThan(deadLetteredAt);
    // Its effect row was written before it hung, in the transaction that was rolled back.
    const done = await effects(prefix);
    expect(done.has(hung.event_id)).toBe(false);
    expect(done.size).toBe(5);
    expect(consumer.stats).toMatchObject({ deadlines: 2, deadLettered: 1, processed: 5 });
    const inbox = await h.db.execute<{ n: number }>(
      sql`select count(*)::int as n from inbox where consumer_group = 'reputation' and event_id = ${hung.event_id}`,
    );
    expect(inbox.rows[0]?.n).toBe(0);
  });

  it("sets statement_timeout in the handler's transaction only", async () => {
    const prefix = testPrefix();
    const event = userRegistered();
    await publishAndRelay(prefix, [event]);
    const seen: string[] = [];
    const handler = defineContractHandler(USER_REGISTERED_V1, async (_event, { tx }) => {
      const result = await tx.execute<{ statement_timeout: string }>(sql`show statement_timeout`);
      seen.push(String(result.rows[0]?.statement_timeout));
    });
    const consumer = consumerFor(prefix, handler, { handlerDeadlineMs: 1_234 });
    expect(await consumer.pollOnce()).toBe(1);
    expect(seen).toEqual(["1234ms"]);
    // SET LOCAL: the pool's connections are back to the server default afterwards.
    const after = await h.db.execute<{ statement_timeout: string }>(sql`show statement_timeout`);
    expect(after.rows[0]?.statement_timeout).toBe("0");
  });

  it("stops a handler stuck in a long statement: no effect, no backend left running", async () => {
    const prefix = testPrefix();
    const slow = userRegistered();
    const fine = userRegistered();
    await publishAndRelay(prefix, [slow, fine]);
    const recording = effectHandler(prefix, async () => undefined);
    const handler = defineContractHandler(USER_REGISTERED_V1, async (event, context) => {
      await recording.handle(event, context);
      if (event.event_id === slow.event_id) {
        await context.tx.execute(sql`select pg_sleep(20) as keiko_deadline_test`);
      }
    });
    const consumer = consumerFor(prefix, handler, { handlerDeadlineMs: 400 });
    const started = Date.now();
    consumer.start();
    await waitFor(
      "the slow event dead-lettered",
      async () => (await deadLetters(prefix)).length === 1,
    );
    await waitFor("nothing pending", async () => (await pendingCount(prefix)) === 0);
    const elapsed = Date.now() - started;
    await consumer.stop();

    expect(elapsed).toBeLessThan(10_000);
    expect((await deadLetters(prefix))[0]?.[DLQ_FIELD.reason]).toBe("deadline");
    expect(await effects(prefix)).toEqual(new Map([[fine.event_id, 1]]));
    const database = new URL(h.databaseUrl).pathname.slice(1);
    await waitFor(
      "no backend still sleeping",
      async () => {
        const running = await h.db.execute<{ n: number }>(
          sql`select count(*)::int as n from pg_stat_activity
            where datname = ${database} and query like '%keiko_deadline_test%'
              and query not like '%pg_stat_activity%'`,
        );
        return running.rows[0]?.n === 0;
      },
      3_000,
    );
  });
});
