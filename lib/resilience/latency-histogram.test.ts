import { describe, expect, it } from "vitest";
import { CircuitBreakerRegistry } from "@/lib/resilience/circuit-breakers";
import {
  decodeLatencies,
  encodeLatencyList,
  latenciesAbove,
  latencyPercentileMs,
  latencyTotal,
  mergeLatencies,
} from "@/lib/resilience/latency-histogram";
import { RollingStats } from "@/lib/resilience/rolling-stats";
import { buildGatewayStatsSnapshot } from "@/lib/resilience/stats-publisher";
import { GatewayStatsSnapshotSchema } from "@/lib/resilience/stats-snapshot";
import { shadowStatsKey } from "@/lib/resilience/upstream-key";

const repeat = (n: number, ms: number) => Array.from({ length: n }, () => ms);

describe("latency histograms of the gateways' seconds", () => {
  it("merge exactly: the p99 of a union, not the largest p99 of its parts", () => {
    // one second with a slow request among ten, nine seconds of ten fast ones
    const slowSecond = decodeLatencies(encodeLatencyList([...repeat(9, 20), 2_000]));
    const fastSeconds = Array.from({ length: 9 }, () =>
      decodeLatencies(encodeLatencyList(repeat(10, 20))),
    );
    expect(latencyPercentileMs(slowSecond, 99)).toBeCloseTo(2_000, -2);
    const window = mergeLatencies([slowSecond, ...fastSeconds]);
    expect(latencyTotal(window)).toBe(100);
    expect(latencyPercentileMs(window, 99)).toBeCloseTo(20, 0);
    expect(latencyPercentileMs(window, 100)).toBeCloseTo(2_000, -2);
    expect(latenciesAbove(window, 500)).toBe(1);
    expect(decodeLatencies("not a histogram")).toEqual([]);
  });

  it("are published per second of the new service, and shadow copies apart from client traffic", () => {
    const stats = new RollingStats({ now: () => 1_800_000_000_500 });
    for (let i = 0; i < 10; i += 1) stats.record("learning:service", 20, false);
    for (let i = 0; i < 10; i += 1) stats.record("learning:legacy", 30, false);
    for (let i = 0; i < 5; i += 1) stats.record(shadowStatsKey("learning"), 3_000, true);
    const snapshot = GatewayStatsSnapshotSchema.parse(
      buildGatewayStatsSnapshot({
        gatewayId: "gw",
        breakers: new CircuitBreakerRegistry(),
        stats,
        transitions: [],
        at: new Date(1_800_000_000_500),
      }),
    );
    const service = snapshot.upstreams.find((u) => u.domain === "learning" && u.side === "service");
    const legacy = snapshot.upstreams.find((u) => u.domain === "learning" && u.side === "legacy");
    // clients' traffic only in the series; the shadow copies in their own
    expect(service?.window).toMatchObject({ requests: 10, errors: 0 });
    const last = service?.series.at(-1);
    expect(last).toMatchObject({ t: 1_800_000_000, requests: 10 });
    expect(latencyTotal(decodeLatencies(last?.latency ?? ""))).toBe(10);
    expect(service?.shadow?.window).toMatchObject({ requests: 5, errors: 5 });
    expect(service?.shadow?.series.at(-1)).toMatchObject({ requests: 5, errors: 5 });
    expect(legacy?.shadow).toBeUndefined();
    expect(legacy?.series.at(-1)?.latency).toBeUndefined();
    // no upstream is made of the shadow key itself
    expect(snapshot.upstreams.map((u) => `${u.domain}:${u.side}`)).toEqual([
      "learning:legacy",
      "learning:service",
    ]);
  });
});
