import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseContractEnvelope } from "@/lib/events/contract-parsers";
import { DLQ_FIELD, moveToDeadLetter } from "@/lib/events/dead-letter";
import { listDeadLetterQueues } from "@/lib/events/dlq-browse";
import { createEventConsumer } from "@/lib/events/event-consumer";
import { createHandlerRegistry } from "@/lib/events/handler-registry";
import { fieldsToRecord } from "@/lib/events/stream-entry";
import { deadLetterKey, eventStreamKey } from "@/lib/events/stream-keys";
import { createEventsHarness } from "@/lib/events/testing/harness";

let h: Awaited<ReturnType<typeof createEventsHarness>>;
let counter = 0;

beforeAll(async () => {
  h = await createEventsHarness();
});
afterAll(async () => {
  await h?.close();
});

function testPrefix(): string {
  counter += 1;
  return `${h.prefix}${counter}:`;
}

/** Writes `n` entries no consumer can decode (each goes to the DLQ at once), numbered from `from`. */
async function writeMalformed(prefix: string, from: number, n: number): Promise<void> {
  for (let i = from; i < from + n; i++) {
    await h.redis.xadd(eventStreamKey(prefix, "user"), "*", "payload", `{broken ${i}`);
  }
}

async function deadLetterPayloads(prefix: string): Promise<string[]> {
  const entries = await h.redis.xrange(deadLetterKey(prefix, "user"), "-", "+");
  return entries.map(([, fields]) => fieldsToRecord(fields).payload ?? "");
}

describe("dead-letter cap", () => {
  it("caps each dead-letter stream, warns at 80 % and at the cap, and shows it to the console", async () => {
    const prefix = testPrefix();
    const warnings: Array<{ message: string; details: Record<string, unknown> }> = [];
    const consumer = createEventConsumer({
      redis: h.redis,
      db: h.db,
      prefix,
      group: "reputation",
      consumer: "consumer-1",
      aggregateTypes: ["user"],
      registry: createHandlerRegistry([]),
      parseEnvelope: parseContractEnvelope,
      blockMs: 50,
      deadLetterMaxLength: 10,
      onWarning: (message, details) => warnings.push({ message, details }),
    });
    const drain = async () => {
      while ((await consumer.pollOnce()) > 0) {}
    };

    await writeMalformed(prefix, 0, 7);
    await drain();
    expect(warnings).toEqual([]);
    expect(await listDeadLetterQueues(h.redis, prefix)).toEqual([
      expect.objectContaining({ length: 7, maxLength: 10, dropped: 0, nearCap: false }),
    ]);

    await writeMalformed(prefix, 7, 1);
    await drain();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toMatch(/dlq:events:user is over 80 % of its cap/);
    expect(warnings[0]?.details).toMatchObject({ length: 8, maxLength: 10, dropped: 0 });
    expect(await listDeadLetterQueues(h.redis, prefix)).toEqual([
      expect.objectContaining({ length: 8, maxLength: 10, dropped: 0, nearCap: true }),
    ]);

    // Past the cap: the oldest dead letters go, counted; the warning says so.
    await writeMalformed(prefix, 8, 5);
    await drain();
    expect(await h.redis.xlen(deadLetterKey(prefix, "user"))).toBe(10);
    expect(await deadLetterPayloads(prefix)).toEqual(
      Array.from({ length: 10 }, (_, i) => `{broken ${i + 3}`),
    );
    expect(warnings.at(-1)?.message).toMatch(/is at its cap: the oldest dead letters are dropped/);
    expect(await listDeadLetterQueues(h.redis, prefix)).toEqual([
      expect.objectContaining({ length: 10, maxLength: 10, dropped: 3, nearCap: true }),
    ]);
    expect(consumer.stats.deadLettered).toBe(13);
    // The originals were acked all the same.
    const pending = (await h.redis.xpending(eventStreamKey(prefix, "user"), "reputation")) as [
      number,
    ];
    expect(pending[0]).toBe(0);
  });

  it("applies the default cap when none is given and reports each stream's usage", async () => {
    const prefix = testPrefix();
    const stream = eventStreamKey(prefix, "user");
    const id = (await h.redis.xadd(stream, "*", "payload", "{x")) as string;
    const usage = await moveToDeadLetter(h.redis, prefix, [
      {
        aggregateType: "user",
        stream,
        id,
        fields: { payload: "{x" },
        error: "invalid entry",
        reason: "invalid_entry",
        group: "reputation",
        consumer: "c",
        deliveries: 1,
      },
    ]);
    expect(usage).toEqual([
      {
        aggregateType: "user",
        key: deadLetterKey(prefix, "user"),
        length: 1,
        maxLength: 100_000,
        dropped: 0,
      },
    ]);
    const [entry] = await h.redis.xrange(deadLetterKey(prefix, "user"), "-", "+");
    expect(fieldsToRecord(entry?.[1])[DLQ_FIELD.reason]).toBe("invalid_entry");
  });
});
