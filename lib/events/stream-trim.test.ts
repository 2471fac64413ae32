import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureConsumerGroup } from "@/lib/events/consumer-group";
import { eventStreamKey } from "@/lib/events/stream-keys";
import { trimAllStreams, trimStream } from "@/lib/events/stream-trim";
import { deleteKeys, testRedisUrl, uniquePrefix } from "@/lib/events/testing/harness";

let redis: Redis;
let prefix: string;

beforeAll(() => {
  redis = new Redis(testRedisUrl());
  prefix = uniquePrefix();
});
afterAll(async () => {
  await deleteKeys(redis, prefix);
  redis.disconnect();
});

async function addEntries(stream: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1)
    ids.push((await redis.xadd(stream, "*", "n", String(i))) as string);
  return ids;
}

async function read(stream: string, group: string, count: number): Promise<string[]> {
  const reply = (await redis.xreadgroup(
    "GROUP",
    group,
    "c",
    "COUNT",
    count,
    "STREAMS",
    stream,
    ">",
  )) as Array<[string, Array<[string, string[]]>]> | null;
  return reply?.[0]?.[1].map(([id]) => id) ?? [];
}

describe("stream trimming", () => {
  it("never trims past what every group has acked", async () => {
    const stream = eventStreamKey(prefix, "user");
    await ensureConsumerGroup(redis, stream, "fast");
    await ensureConsumerGroup(redis, stream, "slow");
    const ids = await addEntries(stream, 10);
    // fast: read and acked all 10. slow: read 6, acked the first 3 (4–6 pending), 7–10 unread.
    await redis.xack(stream, "fast", ...(await read(stream, "fast", 10)));
    const slow = await read(stream, "slow", 6);
    await redis.xack(stream, "slow", ...slow.slice(0, 3));

    const result = await trimStream(redis, prefix, "user", { retentionMs: 0, exact: true });
    expect(result).toMatchObject({ trimmed: 3, minId: ids[3] });
    expect((await redis.xrange(stream, "-", "+")).map(([id]) => id)).toEqual(ids.slice(3));

    // slow acks its pending entries but has not read 7–10: those stay.
    await redis.xack(stream, "slow", ...slow.slice(3));
    expect((await trimStream(redis, prefix, "user", { retentionMs: 0, exact: true })).trimmed).toBe(
      3,
    );
    expect((await redis.xrange(stream, "-", "+")).map(([id]) => id)).toEqual(ids.slice(6));
  });

  it("keeps entries younger than the retention even when acked, and streams without groups", async () => {
    const stream = eventStreamKey(prefix, "proposal");
    await ensureConsumerGroup(redis, stream, "g");
    await addEntries(stream, 5);
    await redis.xack(stream, "g", ...(await read(stream, "g", 5)));
    expect(
      (await trimStream(redis, prefix, "proposal", { retentionMs: 60_000, exact: true })).trimmed,
    ).toBe(0);

    const lonely = eventStreamKey(prefix, "booking");
    await addEntries(lonely, 3);
    const all = await trimAllStreams(redis, prefix, { retentionMs: 0, exact: true });
    expect(all.find((r) => r.aggregateType === "booking")).toMatchObject({
      trimmed: 0,
      minId: null,
    });
    expect(all.find((r) => r.aggregateType === "proposal")).toMatchObject({ trimmed: 5 });
    expect(await redis.xlen(lonely)).toBe(3);
  });
});
