import { beforeAll, describe, expect, it } from "vitest";
import { getDeadLetter, listDeadLetterQueues, listDeadLetters } from "@/lib/events/dlq-browse";
import { seedDeadLetters } from "@/lib/events/testing/dead-letters";
import { userRegistered } from "@/lib/events/testing/harness";
import { redisScope } from "@/lib/events/testing/redis-scope";

const { client: redis, prefix } = redisScope();
let ids: string[];
const events = Array.from({ length: 230 }, (_, i) =>
  userRegistered(i % 10 === 0 ? { event_type: "identity.UserRenamed" } : {}),
);

beforeAll(async () => {
  ids = await seedDeadLetters(redis, prefix, events, (i) => ({
    error: i % 3 === 0 ? "Error: Reputation store TIMEOUT" : "ZodError: bad data",
    group: i % 2 === 0 ? "reputation" : "passport",
  }));
});

describe("dead-letter browsing", () => {
  it("pages newest first with a cursor until the end, each entry once", async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await listDeadLetters(redis, prefix, {
        aggregateType: "user",
        cursor,
        limit: 50,
      });
      expect(page.total).toBe(230);
      expect(page.scanned).toBeLessThanOrEqual(50);
      seen.push(...page.entries.map((e) => e.id));
      cursor = page.nextCursor ?? undefined;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(5);
    expect(seen).toEqual([...ids].reverse());
  });

  it("pages oldest first and reads an entry's details", async () => {
    const page = await listDeadLetters(redis, prefix, {
      aggregateType: "user",
      order: "oldest",
      limit: 2,
    });
    expect(page.entries.map((e) => e.id)).toEqual(ids.slice(0, 2));
    const entry = page.entries[0];
    const event = events[0];
    expect(entry).toMatchObject({
      eventId: event?.event_id,
      eventType: "identity.UserRenamed",
      error: "Error: Reputation store TIMEOUT",
      group: "reputation",
      deliveries: 5,
      reason: "max_deliveries",
      originalStream: `${prefix}events:user`,
      replayCount: 0,
      traceId: String(event?.metadata.traceparent).split("-")[1],
    });
    expect(JSON.parse(entry?.payload ?? "")).toEqual(event);
    expect(await getDeadLetter(redis, prefix, "user", ids[0] as string)).toEqual(entry);
    expect(await getDeadLetter(redis, prefix, "user", "1-0")).toBeNull();
  });

  it("filters by event type, error text (case-insensitive), group and time", async () => {
    const byType = await listDeadLetters(redis, prefix, {
      aggregateType: "user",
      filter: { eventType: "identity.UserRenamed" },
      limit: 100,
    });
    expect(byType.entries).toHaveLength(23);
    expect(byType.nextCursor).toBeNull();

    const byError = await listDeadLetters(redis, prefix, {
      aggregateType: "user",
      filter: { errorContains: "store timeout", group: "passport" },
      limit: 100,
    });
    // i % 3 === 0 and i odd: i = 3, 9, 15, … < 230
    expect(byError.entries).toHaveLength(38);
    expect(
      byError.entries.every((e) => e.group === "passport" && e.error.includes("TIMEOUT")),
    ).toBe(true);

    const future = await listDeadLetters(redis, prefix, {
      aggregateType: "user",
      filter: { since: Date.now() + 60_000 },
    });
    expect(future.entries).toHaveLength(0);
    const past = await listDeadLetters(redis, prefix, {
      aggregateType: "user",
      filter: { until: new Date(Date.now() + 60_000).toISOString() },
      limit: 10,
    });
    expect(past.entries).toHaveLength(10);
  });

  it("stops a filtered page after maxScan entries, with a cursor to go on", async () => {
    const page = await listDeadLetters(redis, prefix, {
      aggregateType: "user",
      filter: { eventType: "identity.UserRenamed" },
      limit: 100,
      maxScan: 25,
    });
    expect(page.scanned).toBe(25);
    expect(page.entries.length).toBeLessThan(100);
    expect(page.nextCursor).toBe(ids[230 - 25]);
  });

  it("lists the queues", async () => {
    expect(await listDeadLetterQueues(redis, prefix)).toEqual([
      {
        aggregateType: "user",
        key: `${prefix}dlq:events:user`,
        length: 230,
        maxLength: null,
        dropped: 0,
        nearCap: false,
      },
    ]);
  });
});
