import { Redis } from "ioredis";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { DomainName } from "@/lib/contracts/domains";
import { redisScope } from "@/lib/events/testing/redis-scope";
import { compareResponses, type ParityComparison } from "@/lib/parity/compare-responses";
import { ParityBatcher } from "@/lib/parity/parity-batcher";
import {
  PARITY_SAMPLE_LIMIT,
  type ParitySampleInput,
  readParity,
  recordParity,
} from "@/lib/parity/parity-store";

const scope = redisScope({ per: "test" });
afterEach(() => {
  vi.restoreAllMocks();
});

const matching = compareResponses(
  { status: 200, body: { a: 1 } },
  { status: 200, body: { a: 1 } },
  [],
);

function mismatch(n: number): ParityComparison {
  return compareResponses(
    { status: 200, body: { n, title: "legacy" } },
    { status: 200, body: { n, title: "service" } },
    [],
  );
}

type Pair = { domain: DomainName; result: ParityComparison; sample: ParitySampleInput };

/**
 * Pairs over two domains and three minutes (so several window keys), with more mismatches of one
 * domain than the sample list keeps.
 */
function pairs(): Pair[] {
  const start = Date.UTC(2026, 2, 1, 12, 0, 50);
  return Array.from({ length: 180 }, (_, i) => {
    const domain: DomainName = i % 3 === 0 ? "learning" : "identity";
    const result = domain === "learning" || i % 2 === 0 ? mismatch(i) : matching;
    return {
      domain,
      result,
      sample: {
        method: "GET",
        path: `/api/${domain}/v1/things/${i}`,
        route: null,
        legacyStatus: 200,
        serviceStatus: 200,
        legacyBody: { n: i, title: "legacy" },
        serviceBody: { n: i, title: "service" },
        traceId: null,
        at: new Date(start + i * 700),
      },
    };
  });
}

/** Every key under `keyPrefix` with its content (prefix removed) and whether it expires. */
async function dump(keyPrefix: string): Promise<Record<string, unknown>> {
  const { client: redis } = scope;
  const out: Record<string, unknown> = {};
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${keyPrefix}*`, "COUNT", 1000);
    cursor = next;
    for (const key of keys) {
      const type = await redis.type(key);
      const content = type === "hash" ? await redis.hgetall(key) : await redis.lrange(key, 0, -1);
      const ttl = await redis.ttl(key);
      out[key.slice(keyPrefix.length)] = { type, content, expires: ttl > 0 };
    }
  } while (cursor !== "0");
  return out;
}

function silentLog() {
  return { warn: vi.fn(), info: vi.fn() };
}

/** Counts MULTIs and the most of them executing at once. */
function countMultis(client: Redis) {
  const counts = { multis: 0, inFlight: 0, maxInFlight: 0 };
  const original = client.multi.bind(client);
  vi.spyOn(client, "multi").mockImplementation(((...args: Parameters<Redis["multi"]>) => {
    const transaction = original(...args);
    const exec = transaction.exec.bind(transaction);
    counts.multis += 1;
    transaction.exec = (async () => {
      counts.inFlight += 1;
      counts.maxInFlight = Math.max(counts.maxInFlight, counts.inFlight);
      try {
        return await exec();
      } finally {
        counts.inFlight -= 1;
      }
    }) as typeof transaction.exec;
    return transaction;
  }) as Redis["multi"]);
  return counts;
}

describe("parity batcher", () => {
  it("leaves the same keys, fields, samples and expiries as one recordParity per pair", async () => {
    const { client: redis, prefix } = scope;
    const single = `${prefix}single:`;
    const batched = `${prefix}batched:`;
    for (const pair of pairs()) {
      await recordParity(redis, single, pair.domain, pair.result, pair.sample);
    }
    const batcher = new ParityBatcher({ redis, prefix: batched, logger: silentLog() });
    for (const pair of pairs()) batcher.add(pair.domain, pair.result, pair.sample);
    await batcher.flush();

    const expected = await dump(single);
    expect(Object.keys(expected)).toHaveLength(2 + 2 + 3 * 2); // counts, samples, 3 minute keys each
    expect(await dump(batched)).toEqual(expected);
    const identity = await readParity(redis, batched, "identity");
    expect(identity).toMatchObject({ matched: 60, mismatched: 60 });
    const learning = await readParity(redis, batched, "learning");
    expect(learning).toMatchObject({ matched: 0, mismatched: 60 });
    expect(learning.samples).toHaveLength(PARITY_SAMPLE_LIMIT);
  });

  it("writes thousands of pairs in a few MULTIs, one at a time", async () => {
    const { client: redis, prefix } = scope;
    const counts = countMultis(redis);
    const batcher = new ParityBatcher({
      redis,
      prefix,
      logger: silentLog(),
      flushMs: 10_000,
      maxPending: 1_000,
    });
    for (let i = 0; i < 2_500; i += 1) {
      batcher.add("identity", i % 10 === 0 ? mismatch(i) : matching, {
        method: "GET",
        path: `/p/${i}`,
        legacyStatus: 200,
        serviceStatus: 200,
      });
    }
    await batcher.flush();
    // one at the 1,000th pair, one for the 1,500 added while it was in flight
    expect(counts.multis).toBe(2);
    expect(counts.maxInFlight).toBe(1);
    expect(await readParity(redis, prefix, "identity", { sampleLimit: 0 })).toMatchObject({
      matched: 2_250,
      mismatched: 250,
    });
  });

  it("writes on its timer without being asked", async () => {
    const { client: redis, prefix } = scope;
    const counts = countMultis(redis);
    const batcher = new ParityBatcher({ redis, prefix, logger: silentLog(), flushMs: 50 });
    for (let i = 0; i < 20; i += 1) {
      batcher.add("passport", matching, {
        method: "GET",
        path: "/p",
        legacyStatus: 200,
        serviceStatus: 200,
      });
    }
    expect(counts.multis).toBe(0);
    await expect
      .poll(async () => (await readParity(redis, prefix, "passport")).matched, { timeout: 2_000 })
      .toBe(20);
    expect(counts.multis).toBe(1);
    expect(batcher.pending).toBe(0);
  });

  it("flush() writes what is pending at once (shutdown)", async () => {
    const { client: redis, prefix } = scope;
    const batcher = new ParityBatcher({ redis, prefix, logger: silentLog(), flushMs: 60_000 });
    batcher.add("governance", mismatch(1), {
      method: "POST",
      path: "/g",
      legacyStatus: 201,
      serviceStatus: 201,
    });
    await batcher.flush();
    expect(await readParity(redis, prefix, "governance")).toMatchObject({
      mismatched: 1,
      samples: [{ method: "POST", path: "/g" }],
    });
  });

  it("keeps every count through a Redis outage, logs it once, and writes it all once back", async () => {
    const { client: redis, prefix } = scope;
    const own = new Redis(scope.url, { maxRetriesPerRequest: 1 });
    const logger = silentLog();
    const batcher = new ParityBatcher({ redis: own, prefix, logger, flushMs: 20 });
    try {
      await own.ping();
      own.disconnect();
      const sample = (n: number): ParitySampleInput => ({
        method: "GET",
        path: `/r/${n}`,
        legacyStatus: 200,
        serviceStatus: 200,
      });
      for (let n = 0; n < 5; n += 1) batcher.add("reputation", matching, sample(n));
      await batcher.flush();
      expect(batcher.pending).toBe(5);
      for (let n = 0; n < 60; n += 1) batcher.add("reputation", mismatch(n), sample(n));
      await batcher.flush();
      // several ticks fail meanwhile
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(batcher.pending).toBe(65);
      expect(logger.warn).toHaveBeenCalledTimes(1);
      expect(await readParity(redis, prefix, "reputation")).toMatchObject({ matched: 0 });

      await own.connect();
      await expect
        .poll(async () => (await readParity(redis, prefix, "reputation")).compared, {
          timeout: 2_000,
        })
        .toBe(65);
      const report = await readParity(redis, prefix, "reputation");
      expect(report).toMatchObject({ matched: 5, mismatched: 60 });
      expect(report.samples).toHaveLength(PARITY_SAMPLE_LIMIT);
      expect(report.samples[0]?.path).toBe("/r/59");
      expect(report.samples[49]?.path).toBe("/r/10");
      expect(batcher.pending).toBe(0);
      expect(logger.info).toHaveBeenCalledWith({ pairs: 65 }, "parity writes recovered");
    } finally {
      own.disconnect();
    }
  });
});
