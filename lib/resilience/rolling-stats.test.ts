import { describe, expect, it } from "vitest";
import { RollingStats } from "@/lib/resilience/rolling-stats";

function clock(startMs: number) {
  const state = { now: startMs };
  return {
    now: () => state.now,
    advance(ms: number) {
      state.now += ms;
    },
  };
}

const T0 = 1_700_000_000_000; // a whole second

describe("rolling stats", () => {
  it("gives p50/p95/p99 within 1 % and counts errors", () => {
    const time = clock(T0);
    const stats = new RollingStats({ now: time.now });
    for (let ms = 1; ms <= 1000; ms += 1) stats.record("learning:service", ms, ms % 10 === 0);
    const { window } = stats.snapshot("learning:service");
    expect(window.requests).toBe(1000);
    expect(window.errors).toBe(100);
    expect(window.errorRate).toBeCloseTo(0.1, 10);
    expect(window.p50Ms).toBeGreaterThan(495);
    expect(window.p50Ms).toBeLessThan(505);
    expect(window.p95Ms).toBeGreaterThan(940);
    expect(window.p95Ms).toBeLessThan(960);
    expect(window.p99Ms).toBeGreaterThan(980);
    expect(window.p99Ms).toBeLessThan(1000);
  });

  it("keeps sub-millisecond latencies", () => {
    const stats = new RollingStats({ now: clock(T0).now });
    for (let i = 0; i < 100; i += 1) stats.record("k", 0.25, false);
    expect(stats.snapshot("k").window.p99Ms).toBeCloseTo(0.25, 2);
  });

  it("has 60 one-second points, oldest first, the current second last", () => {
    const time = clock(T0 + 300);
    const stats = new RollingStats({ now: time.now });
    stats.record("k", 10, false);
    time.advance(1_000);
    stats.record("k", 20, true);
    stats.record("k", 40, false);
    const { series } = stats.snapshot("k");
    expect(series).toHaveLength(60);
    const nowSecond = T0 / 1000 + 1;
    expect(series[0]?.t).toBe(nowSecond - 59);
    expect(series.at(-1)).toMatchObject({ t: nowSecond, requests: 2, errors: 1 });
    expect(series.at(-1)?.p99Ms).toBeCloseTo(40, 0);
    expect(series.at(-2)).toMatchObject({ t: nowSecond - 1, requests: 1, errors: 0 });
    expect(series.at(-2)?.p99Ms).toBeCloseTo(10, 0);
    expect(series.slice(0, 58).every((point) => point.requests === 0)).toBe(true);
  });

  it("drops seconds that leave the 60-second window", () => {
    const time = clock(T0);
    const stats = new RollingStats({ now: time.now });
    for (let i = 0; i < 10; i += 1) stats.record("k", 900, true);
    time.advance(30_000);
    for (let i = 0; i < 5; i += 1) stats.record("k", 10, false);
    let window = stats.snapshot("k").window;
    expect(window).toMatchObject({ requests: 15, errors: 10 });
    expect(window.p99Ms).toBeGreaterThan(890);

    time.advance(29_999); // still inside: T0's second is the oldest of the 60
    expect(stats.snapshot("k").window.requests).toBe(15);
    time.advance(1); // T0's second leaves the window
    window = stats.snapshot("k").window;
    expect(window).toMatchObject({ requests: 5, errors: 0, errorRate: 0 });
    expect(window.p99Ms).toBeLessThan(11);

    time.advance(120_000);
    window = stats.snapshot("k").window;
    expect(window).toEqual({
      requests: 0,
      errors: 0,
      errorRate: 0,
      p50Ms: 0,
      p95Ms: 0,
      p99Ms: 0,
    });
    // The emptied histograms record again correctly.
    stats.record("k", 5, false);
    expect(stats.snapshot("k").window).toMatchObject({ requests: 1, p50Ms: 5 });
  });

  it("answers zeros for an unknown key and prunes idle keys", () => {
    const time = clock(T0);
    const stats = new RollingStats({ now: time.now });
    expect(stats.snapshot("nobody").window.requests).toBe(0);
    expect(stats.snapshot("nobody").series).toHaveLength(60);
    stats.record("a", 1, false);
    stats.record("b", 1, false);
    time.advance(40_000);
    stats.record("b", 1, false);
    time.advance(30_000);
    stats.prune();
    expect(stats.keys()).toEqual(["b"]);
  });

  it("records in O(1): 200k samples over many keys stay fast", () => {
    const time = clock(T0);
    const stats = new RollingStats({ now: time.now });
    const started = performance.now();
    for (let i = 0; i < 200_000; i += 1) {
      if (i % 1_000 === 0) time.advance(100);
      stats.record(`k${i % 12}`, (i % 500) + 0.5, i % 50 === 0);
    }
    const elapsed = performance.now() - started;
    expect(stats.snapshot("k0").window.requests).toBeGreaterThan(0);
    // Generous bound for a shared 2-core machine; typically ~100 ms.
    expect(elapsed).toBeLessThan(2_000);
  });
});

describe("short-circuited calls", () => {
  it("count as requests and errors without touching the latency percentiles", () => {
    let now = 1_000_000;
    const stats = new RollingStats({ now: () => now });
    for (let i = 0; i < 10; i++) stats.record("learning:service", 20, false);
    for (let i = 0; i < 10; i++) stats.record("learning:service", null, true);
    now += 10;
    const { window } = stats.snapshot("learning:service");
    expect(window).toMatchObject({ requests: 20, errors: 10, errorRate: 0.5 });
    expect(window.p50Ms).toBeGreaterThan(19);
  });
});
