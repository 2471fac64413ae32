import { describe, expect, it } from "vitest";
import { redisScope } from "@/lib/events/testing/redis-scope";
import { compareResponses } from "@/lib/parity/compare-responses";
import {
  PARITY_SAMPLE_LIMIT,
  PARITY_WINDOW_SECONDS,
  parityCountsKey,
  paritySamplesKey,
  parityWindowKey,
  readParity,
  recordParity,
  resetParity,
} from "@/lib/parity/parity-store";

const scope = redisScope({ per: "test" });

const matching = compareResponses(
  { status: 200, body: { a: 1 } },
  { status: 200, body: { a: 1 } },
  [],
);

function mismatch(n: number) {
  return compareResponses(
    { status: 200, body: { n, title: "legacy" } },
    { status: 200, body: { n, title: "service" } },
    [],
  );
}

describe("parity store", () => {
  it("counts matches and mismatches and keeps a sample of each mismatch with its diff", async () => {
    const { client: redis, prefix } = scope;
    for (let i = 0; i < 3; i += 1) {
      await recordParity(redis, prefix, "learning", matching, {
        method: "GET",
        path: "/api/learning/v1/interactions",
        legacyStatus: 200,
        serviceStatus: 200,
      });
    }
    await recordParity(redis, prefix, "learning", mismatch(1), {
      method: "GET",
      path: "/api/learning/v1/interactions/abc?x=1",
      route: "learning.getInteraction",
      legacyStatus: 200,
      serviceStatus: 200,
      legacyBody: { n: 1, title: "legacy" },
      serviceBody: { n: 1, title: "service" },
      traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
      at: new Date("2026-03-01T12:00:00.000Z"),
    });

    const report = await readParity(redis, prefix, "learning");
    expect(report).toEqual({
      domain: "learning",
      matched: 3,
      mismatched: 1,
      compared: 4,
      percent: 75,
      invalidSamples: 0,
      samples: [
        {
          at: "2026-03-01T12:00:00.000Z",
          method: "GET",
          path: "/api/learning/v1/interactions/abc?x=1",
          route: "learning.getInteraction",
          legacyStatus: 200,
          serviceStatus: 200,
          diffs: [{ path: "body.title", kind: "changed", legacy: "legacy", service: "service" }],
          truncated: false,
          legacyBody: '{"n":1,"title":"legacy"}',
          serviceBody: '{"n":1,"title":"service"}',
          traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
        },
      ],
    });
  });

  it("writes the keys and fields every reader expects (totals, window seconds with expiry, samples)", async () => {
    const { client: redis, prefix } = scope;
    const at = new Date("2026-03-01T12:00:30.000Z");
    const second = Math.floor(at.getTime() / 1000);
    const input = { method: "GET", path: "/p", legacyStatus: 200, serviceStatus: 200, at };
    await recordParity(redis, prefix, "learning", matching, input);
    await recordParity(redis, prefix, "learning", mismatch(1), input);

    expect(await redis.hgetall(parityCountsKey(prefix, "learning"))).toEqual({
      matched: "1",
      mismatched: "1",
    });
    const window = parityWindowKey(prefix, "learning", Math.floor(second / 60));
    expect(window).toBe(`${prefix}parity:learning:window:${Math.floor(second / 60)}`);
    expect(await redis.hgetall(window)).toEqual({ [`${second}:m`]: "1", [`${second}:x`]: "1" });
    const ttl = await redis.ttl(window);
    expect(ttl).toBeGreaterThan(PARITY_WINDOW_SECONDS);
    expect(ttl).toBeLessThanOrEqual(PARITY_WINDOW_SECONDS + 120);
    expect(await redis.lrange(paritySamplesKey(prefix, "learning"), 0, -1)).toHaveLength(1);
    expect(await redis.ttl(paritySamplesKey(prefix, "learning"))).toBe(-1);
  });

  it("bounds the samples to the newest 50", async () => {
    const { client: redis, prefix } = scope;
    for (let n = 0; n < 60; n += 1) {
      await recordParity(redis, prefix, "identity", mismatch(n), {
        method: "GET",
        path: `/api/identity/v1/users/${n}`,
        legacyStatus: 200,
        serviceStatus: 200,
      });
    }
    expect(await redis.llen(paritySamplesKey(prefix, "identity"))).toBe(PARITY_SAMPLE_LIMIT);
    const report = await readParity(redis, prefix, "identity");
    expect(report).toMatchObject({ matched: 0, mismatched: 60, compared: 60, percent: 0 });
    expect(report.samples).toHaveLength(50);
    expect(report.samples[0]?.path).toBe("/api/identity/v1/users/59");
    expect(report.samples[49]?.path).toBe("/api/identity/v1/users/10");
    expect((await readParity(redis, prefix, "identity", { sampleLimit: 5 })).samples).toHaveLength(
      5,
    );
  });

  it("reads all six domains, counts unreadable samples, and resets one domain", async () => {
    const { client: redis, prefix } = scope;
    await recordParity(redis, prefix, "passport", matching, {
      method: "GET",
      path: "/p",
      legacyStatus: 200,
      serviceStatus: 200,
    });
    await redis.lpush(paritySamplesKey(prefix, "passport"), "not json", '{"at":"yesterday"}');
    const all = await readParity(redis, prefix);
    expect(all.map((report) => report.domain)).toEqual([
      "identity",
      "learning",
      "reputation",
      "passport",
      "governance",
      "marketplace",
    ]);
    expect(all[0]).toMatchObject({ matched: 0, mismatched: 0, compared: 0, percent: null });
    expect(all[3]).toMatchObject({ matched: 1, percent: 100, samples: [], invalidSamples: 2 });

    await resetParity(redis, prefix, "passport");
    expect(await readParity(redis, prefix, "passport")).toMatchObject({
      matched: 0,
      mismatched: 0,
      percent: null,
      samples: [],
      invalidSamples: 0,
    });
  });
});
