import { describe, expect, it } from "vitest";
import { redisScope } from "@/lib/events/testing/redis-scope";
import {
  type BreakerOverrides,
  clearBreakerOverride,
  readBreakerOverrides,
  setBreakerOverride,
  watchBreakerOverrides,
} from "@/lib/resilience/breaker-overrides";
import { CircuitBreakerRegistry } from "@/lib/resilience/circuit-breakers";
import { breakerOverridesKey, gatewayControlChannel } from "@/lib/resilience/redis-keys";

const scope = redisScope({ per: "test" });

describe("breaker overrides", () => {
  it("round-trips set, read and clear, and announces each change", async () => {
    const { client: redis, prefix } = scope;
    const subscriber = redis.duplicate();
    const messages: unknown[] = [];
    subscriber.on("message", (_channel: string, message: string) =>
      messages.push(JSON.parse(message)),
    );
    await subscriber.subscribe(gatewayControlChannel(prefix));
    try {
      expect(await readBreakerOverrides(redis, prefix)).toEqual({});
      await setBreakerOverride(redis, prefix, "learning", "service", "open");
      await setBreakerOverride(redis, prefix, "identity", "legacy", "closed");
      expect(await readBreakerOverrides(redis, prefix)).toEqual({
        "identity:legacy": "closed",
        "learning:service": "open",
      });
      await clearBreakerOverride(redis, prefix, "learning", "service");
      expect(await readBreakerOverrides(redis, prefix)).toEqual({ "identity:legacy": "closed" });
      await expect.poll(() => messages.length).toBe(3);
      expect(messages).toEqual([
        { type: "breaker-override", key: "learning:service", mode: "open" },
        { type: "breaker-override", key: "identity:legacy", mode: "closed" },
        { type: "breaker-override", key: "learning:service", mode: null },
      ]);
    } finally {
      await subscriber.quit();
    }
  });

  it("skips fields and values that are not overrides", async () => {
    const { client: redis, prefix } = scope;
    await redis.hset(breakerOverridesKey(prefix), {
      "learning:service": "open",
      "nowhere:service": "open",
      "identity:legacy": "sideways",
    });
    expect(await readBreakerOverrides(redis, prefix)).toEqual({ "learning:service": "open" });
  });

  it("watch delivers the current set, then every change, and feeds a registry", async () => {
    const { client: redis, prefix } = scope;
    await setBreakerOverride(redis, prefix, "passport", "service", "open");
    const seen: BreakerOverrides[] = [];
    const registry = new CircuitBreakerRegistry();
    const watch = await watchBreakerOverrides(
      redis,
      prefix,
      (overrides) => {
        seen.push(overrides);
        registry.applyOverrides(overrides);
      },
      { resyncMs: 60_000 },
    );
    try {
      expect(seen).toEqual([{ "passport:service": "open" }]);
      expect(registry.status("passport", "service")).toMatchObject({
        state: "open",
        forced: "open",
      });

      await setBreakerOverride(redis, prefix, "governance", "legacy", "closed");
      await expect.poll(() => seen.length).toBe(2);
      expect(seen[1]).toEqual({ "governance:legacy": "closed", "passport:service": "open" });

      await clearBreakerOverride(redis, prefix, "passport", "service");
      await expect.poll(() => seen.length).toBe(3);
      expect(registry.status("passport", "service")).toMatchObject({
        state: "closed",
        forced: null,
      });
      expect(registry.status("governance", "legacy").forced).toBe("closed");
    } finally {
      await watch.close();
    }
  });

  it("the periodic re-read catches a change whose message was missed", async () => {
    const { client: redis, prefix } = scope;
    const seen: BreakerOverrides[] = [];
    const watch = await watchBreakerOverrides(redis, prefix, (overrides) => seen.push(overrides), {
      resyncMs: 50,
    });
    try {
      expect(seen).toEqual([{}]);
      // Written without the announcement.
      await redis.hset(breakerOverridesKey(prefix), "marketplace:service", "open");
      await expect.poll(() => seen.length, { timeout: 2_000 }).toBe(2);
      expect(seen[1]).toEqual({ "marketplace:service": "open" });
    } finally {
      await watch.close();
    }
    // No callback after close.
    await redis.hset(breakerOverridesKey(prefix), "marketplace:legacy", "open");
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(seen).toHaveLength(2);
  });
});
