import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compareResponses } from "@/lib/parity/compare-responses";
import { recordParity } from "@/lib/parity/parity-store";
import { readBreakerOverrides } from "@/lib/resilience/breaker-overrides";
import { CircuitBreakerRegistry } from "@/lib/resilience/circuit-breakers";
import { RollingStats } from "@/lib/resilience/rolling-stats";
import { StatsPublisher } from "@/lib/resilience/stats-publisher";
import { upstreamKey } from "@/lib/resilience/upstream-key";
import { type ControlFixture, createControlFixture } from "@/server/testing/control-fixture";

let fx: ControlFixture;
beforeAll(async () => {
  fx = await createControlFixture();
});
afterAll(() => fx?.close());

describe("gateway router", () => {
  it("shows what the gateways published: per upstream volume, errors and breaker state", async () => {
    expect((await fx.viewer.gateway.stats()).upstreams).toEqual([]);
    const stats = new RollingStats();
    for (let i = 0; i < 10; i++) stats.record(upstreamKey("learning", "service"), 5 + i, i < 3);
    const publisher = new StatsPublisher({
      redis: fx.bus.redis,
      prefix: fx.bus.prefix,
      gatewayId: "gw-test",
      breakers: new CircuitBreakerRegistry(),
      stats,
    });
    await publisher.publishOnce();
    const read = await fx.viewer.gateway.stats();
    expect(read.upstreams).toEqual([
      expect.objectContaining({
        domain: "learning",
        side: "service",
        window: expect.objectContaining({ requests: 10, errors: 3 }),
        breaker: expect.objectContaining({ state: "closed" }),
      }),
    ]);
  });

  it("shows a domain's parity with its mismatch samples", async () => {
    const diff = compareResponses(
      { status: 200, body: { id: "a", score: 40 } },
      { status: 200, body: { id: "b", score: 41 } },
      ["id"],
    );
    await recordParity(fx.bus.redis, fx.bus.prefix, "reputation", diff, {
      method: "GET",
      path: "/api/reputation/v1/scores/x",
      legacyStatus: 200,
      serviceStatus: 200,
      legacyBody: { id: "a", score: 40 },
      serviceBody: { id: "b", score: 41 },
    } as never);
    const report = await fx.viewer.gateway.parity({ domain: "reputation" });
    expect(report).toMatchObject({ mismatched: 1, compared: 1, percent: 0 });
    expect(report.samples[0]?.diffs).toEqual([
      expect.objectContaining({ path: "body.score", legacy: 40, service: 41 }),
    ]);
  });

  it("lets only an admin force a breaker, audited, and hands it back", async () => {
    const input = {
      domain: "learning" as const,
      side: "service" as const,
      mode: "open" as const,
      reason: "drain the canary",
    };
    await expect(fx.operator.gateway.forceBreaker(input)).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    await fx.admin.gateway.forceBreaker(input);
    expect(await readBreakerOverrides(fx.bus.redis, fx.bus.prefix)).toEqual({
      "learning:service": "open",
    });
    await fx.admin.gateway.forceBreaker({ ...input, mode: null, reason: "recovered" });
    expect(await readBreakerOverrides(fx.bus.redis, fx.bus.prefix)).toEqual({});
    const { items } = await fx.viewer.audit.list({ target: "breaker:learning:service", limit: 5 });
    expect(items.map((r) => r.action)).toEqual(["breaker.release", "breaker.force-open"]);
  });
});
