import { describe, expect, it } from "vitest";
import { ensureConsumerGroup } from "@/lib/events/consumer-group";
import { deadLetterKey, eventStreamKey } from "@/lib/events/stream-keys";
import { getAllStreamStats, getStreamStats } from "@/lib/events/stream-stats";
import { redisScope } from "@/lib/events/testing/redis-scope";

const { client: redis, prefix } = redisScope();

describe("stream stats", () => {
  it("reports length, rate, and per group lag, pending, consumers and oldest pending age", async () => {
    const stream = eventStreamKey(prefix, "user");
    await ensureConsumerGroup(redis, stream, "reputation");
    await ensureConsumerGroup(redis, stream, "passport");
    // 10 entries a bit more than a second ago, then 20 now.
    const old = Date.now() - 1_500;
    for (let i = 0; i < 10; i += 1) await redis.xadd(stream, `${old}-${i}`, "n", String(i));
    for (let i = 0; i < 20; i += 1) await redis.xadd(stream, "*", "n", String(i));
    await redis.xadd(deadLetterKey(prefix, "user"), "*", "dlq_error", "x");
    // reputation: consumer a reads 12 and acks 2 (10 pending); passport reads nothing.
    const read = (await redis.xreadgroup(
      "GROUP",
      "reputation",
      "a",
      "COUNT",
      12,
      "STREAMS",
      stream,
      ">",
    )) as Array<[string, Array<[string, string[]]>]>;
    const readIds = read[0]?.[1].map(([id]) => id) ?? [];
    await redis.xack(stream, "reputation", ...readIds.slice(0, 2));

    const stats = await getStreamStats(redis, prefix, "user");
    expect(stats).toMatchObject({
      aggregateType: "user",
      stream,
      length: 30,
      entriesAdded: 30,
      deadLetters: 1,
    });
    // 30 entries in the last minute: under the sample size, so 30 / 60 s.
    expect(stats.ratePerSecond).toBeCloseTo(0.5, 5);
    const [passport, reputation] = stats.groups;
    expect(passport).toMatchObject({
      name: "passport",
      pending: 0,
      lag: 30,
      consumers: [],
      oldestPendingId: null,
    });
    expect(reputation).toMatchObject({
      name: "reputation",
      pending: 10,
      lag: 18,
      lastDeliveredId: readIds[11],
      oldestPendingId: readIds[2],
    });
    expect(reputation?.consumers).toEqual([{ name: "a", pending: 10, idleMs: expect.any(Number) }]);
    expect(reputation?.oldestPendingAgeMs).toBeGreaterThanOrEqual(1_400);
  });

  it("reports a missing stream as empty and lists every stream", async () => {
    expect(await getStreamStats(redis, prefix, "nothing_here")).toMatchObject({
      length: 0,
      groups: [],
      lastEntryId: null,
    });
    const all = await getAllStreamStats(redis, prefix);
    expect(all.map((s) => s.aggregateType)).toEqual(["user"]);
  });
});
