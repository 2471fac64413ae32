import { describe, expect, it } from "vitest";
import { DEAD_LETTER_JOB_INDEX_MAX, indexDeadLetterJob } from "@/lib/events/dlq-bulk-job";
import { redisScope } from "@/lib/events/testing/redis-scope";

const { client: redis, prefix } = redisScope();
const DAY_MS = 24 * 3600 * 1000;

describe("bulk-job index", () => {
  it("drops ids whose records expired and keeps at most the newest N, with a TTL", async () => {
    const key = `${prefix}console:dlq-jobs`;
    const now = Date.now();
    const members: Array<string | number> = [];
    for (let i = 0; i < 300; i++) members.push(now - 2 * DAY_MS - i, `expired-${i}`);
    for (let i = 1; i <= DEAD_LETTER_JOB_INDEX_MAX + 200; i++) members.push(now - i, `recent-${i}`);
    await redis.zadd(key, ...members);

    const options = { nowMs: now, maxAgeMs: DAY_MS };
    await indexDeadLetterJob(redis.multi(), key, { id: "new", startedAtMs: now }, options).exec();

    expect(await redis.zcard(key)).toBe(DEAD_LETTER_JOB_INDEX_MAX);
    expect(await redis.zrevrange(key, 0, 1)).toEqual(["new", "recent-1"]);
    expect(await redis.zrange(key, "0", "0")).toEqual([`recent-${DEAD_LETTER_JOB_INDEX_MAX - 1}`]);
    const ttl = await redis.pttl(key);
    expect(ttl).toBeGreaterThan(DAY_MS - 60_000);
    expect(ttl).toBeLessThanOrEqual(DAY_MS);

    // A job saved again (a step) stays, whatever its age; the others are cut to the cap.
    const old = { id: "recent-900", startedAtMs: now - 900 };
    await indexDeadLetterJob(redis.pipeline(), key, old, { ...options, maxEntries: 3 }).exec();
    expect(await redis.zrevrange(key, 0, -1)).toEqual(["new", "recent-1", "recent-900"]);
  });
});
