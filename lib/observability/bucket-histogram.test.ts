import { Histogram, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { BucketHistogram } from "./bucket-histogram";

const config = {
  name: "demo_duration_seconds",
  help: "Duration of demo calls",
  buckets: [0.001, 0.01, 0.1, 1],
};
const LABELS = ["domain", "outcome"] as const;

/** The same observations into prom-client's Histogram and into a BucketHistogram. */
function both() {
  const theirs = new Registry();
  const ours = new Registry();
  for (const registry of [theirs, ours]) registry.setDefaultLabels({ service: "demo" });
  const histogram = new Histogram({ ...config, labelNames: LABELS, registers: [theirs] });
  const bucketed = new BucketHistogram({ ...config, labelNames: LABELS, registers: [ours] });
  return { theirs, ours, histogram, bucketed };
}

describe("a histogram for hot paths", () => {
  it("renders exactly what prom-client's Histogram renders for the same observations", async () => {
    const { theirs, ours, histogram, bucketed } = both();
    const kept = bucketed.series({ domain: "learning", outcome: "200" });
    // on a bound, between bounds, past the last bound, zero
    for (const value of [0, 0.001, 0.0015, 0.01, 0.5, 1, 3, 42]) {
      histogram.observe({ domain: "learning", outcome: "200" }, value);
      kept.observe(value);
    }
    histogram.labels({ domain: "identity", outcome: "timeout" }).observe(0.2);
    bucketed.observe({ domain: "identity", outcome: "timeout" }, 0.2);
    expect(await ours.metrics()).toBe(await theirs.metrics());
    expect(await ours.getMetricsAsJSON()).toEqual(await theirs.getMetricsAsJSON());
  });

  it("finds the kept series again, and keeps it valid across a reset", async () => {
    const { ours, bucketed } = both();
    const kept = bucketed.series({ domain: "learning", outcome: "200" });
    expect(bucketed.series({ domain: "learning", outcome: "200" })).toBe(kept);
    kept.observe(0.005);
    ours.resetMetrics();
    expect(await ours.metrics()).not.toContain("demo_duration_seconds_count{");
    kept.observe(0.05);
    const text = await ours.metrics();
    expect(text).toContain(
      'demo_duration_seconds_count{service="demo",domain="learning",outcome="200"} 1',
    );
    expect(text).toContain(
      'demo_duration_seconds_bucket{le="0.01",service="demo",domain="learning",outcome="200"} 0',
    );
    expect(text).toContain(
      'demo_duration_seconds_bucket{le="0.1",service="demo",domain="learning",outcome="200"} 1',
    );
  });

  it("ignores a value that is no number, as a metric must not turn NaN", async () => {
    const { ours, bucketed } = both();
    const kept = bucketed.series({ domain: "learning", outcome: "200" });
    kept.observe(Number.NaN);
    kept.observe(Number.POSITIVE_INFINITY);
    kept.observe(0.5);
    const text = await ours.metrics();
    expect(text).toContain(
      'demo_duration_seconds_count{service="demo",domain="learning",outcome="200"} 1',
    );
    expect(text).toContain(
      'demo_duration_seconds_sum{service="demo",domain="learning",outcome="200"} 0.5',
    );
  });
});
