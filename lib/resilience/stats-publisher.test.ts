import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { uniquePrefix } from "@/lib/events/testing/harness";
import { redisScope } from "@/lib/events/testing/redis-scope";
import { CircuitBreakerRegistry } from "@/lib/resilience/circuit-breakers";
import { gatewayStatsKey } from "@/lib/resilience/redis-keys";
import { RollingStats } from "@/lib/resilience/rolling-stats";
import {
  GATEWAY_STATS_TTL_SECONDS,
  readGatewayStats,
  StatsPublisher,
  startStatsPublisher,
  subscribeGatewayStats,
} from "@/lib/resilience/stats-publisher";
import {
  type GatewayStatsSnapshot,
  GatewayStatsSnapshotSchema,
} from "@/lib/resilience/stats-snapshot";

const scope = redisScope({ per: "test" });

function gateway(gatewayId: string) {
  const { client: redis, prefix } = scope;
  const breakers = new CircuitBreakerRegistry({
    settings: { opening: { kind: "consecutive", failures: 1 }, halfOpenAfterMs: 60_000 },
  });
  const stats = new RollingStats();
  const publisher = new StatsPublisher({
    redis,
    prefix,
    gatewayId,
    breakers,
    stats,
    upstreams: () => [{ domain: "identity", side: "legacy" }],
  });
  return { breakers, stats, publisher };
}

describe("stats publisher", () => {
  it("writes a snapshot the schema parses, with a TTL, and publishes it on the channel", async () => {
    const { client: redis, prefix } = scope;
    const { breakers, stats, publisher } = gateway("gw-a");
    const received: GatewayStatsSnapshot[] = [];
    const subscription = await subscribeGatewayStats(redis, prefix, (snapshot) =>
      received.push(snapshot),
    );
    try {
      for (let i = 0; i < 20; i += 1) stats.record("learning:service", 10 + i, i < 5);
      stats.record("not an upstream key", 1, false);
      await breakers.execute("learning", "service", async () => {
        throw new Error("down");
      });

      const published = await publisher.publishOnce();
      const raw = await redis.get(gatewayStatsKey(prefix, "gw-a"));
      const stored = GatewayStatsSnapshotSchema.parse(JSON.parse(raw ?? "null"));
      expect(stored).toEqual(published);
      const ttl = await redis.ttl(gatewayStatsKey(prefix, "gw-a"));
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(GATEWAY_STATS_TTL_SECONDS);

      expect(stored.gatewayId).toBe("gw-a");
      expect(stored.upstreams.map(({ domain, side }) => `${domain}:${side}`)).toEqual([
        "identity:legacy",
        "learning:service",
      ]);
      const learning = stored.upstreams[1];
      expect(learning?.window).toMatchObject({ requests: 20, errors: 5, errorRate: 0.25 });
      expect(learning?.series).toHaveLength(60);
      expect(learning?.breaker).toMatchObject({ state: "open", forced: null });
      expect(stored.transitions).toMatchObject([
        { key: "learning:service", from: "closed", to: "open" },
      ]);

      // Transitions are reported once.
      const next = await publisher.publishOnce();
      expect(next.transitions).toEqual([]);

      await expect.poll(() => received.length).toBe(2);
      expect(received[0]).toEqual(published);
    } finally {
      await subscription.close();
      await publisher.stop();
    }
  });

  it("publishes every interval once started", async () => {
    const { client: redis, prefix } = scope;
    const breakers = new CircuitBreakerRegistry();
    const stats = new RollingStats();
    const publisher = startStatsPublisher({
      redis,
      prefix,
      gatewayId: "gw-ticking",
      breakers,
      stats,
      intervalMs: 50,
    });
    try {
      stats.record("passport:service", 3, false);
      await expect
        .poll(async () => redis.get(gatewayStatsKey(prefix, "gw-ticking")), { timeout: 2_000 })
        .not.toBeNull();
      const first = GatewayStatsSnapshotSchema.parse(
        JSON.parse((await redis.get(gatewayStatsKey(prefix, "gw-ticking"))) as string),
      );
      await sleep(120);
      const later = GatewayStatsSnapshotSchema.parse(
        JSON.parse((await redis.get(gatewayStatsKey(prefix, "gw-ticking"))) as string),
      );
      expect(later.at >= first.at).toBe(true);
      expect(later.upstreams[0]?.window.requests).toBe(1);
    } finally {
      await publisher.stop();
    }
  });

  it("readGatewayStats merges every gateway's latest snapshot and skips invalid ones", async () => {
    const { client: redis, prefix } = scope;
    const a = gateway("gw-1");
    const b = gateway("gw-2");
    for (let i = 0; i < 10; i += 1) a.stats.record("learning:service", 5, i === 0);
    for (let i = 0; i < 30; i += 1) b.stats.record("learning:service", 50, i < 3);
    b.breakers.force("learning", "service", "open");
    await a.publisher.publishOnce();
    await b.publisher.publishOnce();
    await redis.set(gatewayStatsKey(prefix, "gw-broken"), '{"gatewayId":"gw-broken"}', "EX", 10);

    const merged = await readGatewayStats(redis, prefix);
    expect(merged.gateways.map((g) => g.gatewayId).sort()).toEqual(["gw-1", "gw-2"]);
    expect(merged.invalidKeys).toEqual([gatewayStatsKey(prefix, "gw-broken")]);
    const learning = merged.upstreams.find((u) => u.domain === "learning" && u.side === "service");
    expect(learning?.window).toMatchObject({ requests: 40, errors: 4, errorRate: 0.1 });
    expect(learning?.window.p99Ms).toBeGreaterThan(49);
    expect(learning?.series.at(-1)?.requests).toBe(40);
    expect(learning?.breaker).toMatchObject({ state: "open", forced: "open" });
    expect(learning?.breakers.map((breaker) => breaker.gatewayId).sort()).toEqual(["gw-1", "gw-2"]);
    expect(merged.transitions).toMatchObject([
      { gatewayId: "gw-2", key: "learning:service", from: "closed", to: "open" },
    ]);
    await a.publisher.stop();
    await b.publisher.stop();
  });

  it("reads nothing for a prefix no gateway publishes under", async () => {
    const { client: redis } = scope;
    const merged = await readGatewayStats(redis, uniquePrefix());
    expect(merged).toEqual({
      at: null,
      gateways: [],
      upstreams: [],
      transitions: [],
      invalidKeys: [],
    });
  });
});
