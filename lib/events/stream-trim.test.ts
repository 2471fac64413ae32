import { describe, expect, it } from "vitest";
import { ensureConsumerGroup } from "@/lib/events/consumer-group";
import { eventStreamKey } from "@/lib/events/stream-keys";
import { trimAllStreams, trimStream } from "@/lib/events/stream-trim";
import { redisScope } from "@/lib/events/testing/redis-scope";

const { client: redis, prefix } = redisScope();

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

  it("keeps every entry for a declared group that joins late, which then reads them all", async () => {
    const stream = eventStreamKey(prefix, "interaction");
    const groups = [
      { group: "early", aggregateTypes: ["interaction"] },
      { group: "late", aggregateTypes: ["interaction", "user"] },
    ];
    await ensureConsumerGroup(redis, stream, "early");
    const ids = await addEntries(stream, 10);
    await redis.xack(stream, "early", ...(await read(stream, "early", 10)));

    // "late" has no consumer yet: the trim creates its group at 0 and trims nothing.
    const result = await trimStream(redis, prefix, "interaction", {
      retentionMs: 0,
      exact: true,
      groups,
    });
    expect(result).toMatchObject({ trimmed: 0, minId: "0-1" });
    expect(await redis.xlen(stream)).toBe(10);

    // Its consumer starts (ensureConsumerGroup at 0 finds the group) and gets every entry.
    await ensureConsumerGroup(redis, stream, "late");
    const late = await read(stream, "late", 100);
    expect(late).toEqual(ids);
    await redis.xack(stream, "late", ...late.slice(0, 4));
    const after = await trimStream(redis, prefix, "interaction", {
      retentionMs: 0,
      exact: true,
      groups,
    });
    expect(after).toMatchObject({ trimmed: 4, minId: ids[4] });

    // Without the declaration a group that comes late starts from what is left: nothing here.
    const other = eventStreamKey(prefix, "session");
    await ensureConsumerGroup(redis, other, "early");
    await addEntries(other, 5);
    await redis.xack(other, "early", ...(await read(other, "early", 5)));
    expect(
      (await trimStream(redis, prefix, "session", { retentionMs: 0, exact: true })).trimmed,
    ).toBe(5);
    await ensureConsumerGroup(redis, other, "undeclared");
    expect(await read(other, "undeclared", 100)).toEqual([]);
  });
});
