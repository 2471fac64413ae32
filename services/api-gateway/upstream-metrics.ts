import type { BucketHistogram, HistogramSeries } from "@/lib/observability/bucket-histogram";

/** The series of one upstream and traffic: by status code, and by failure reason. */
type Outcomes = { byStatus: HistogramSeries[]; byReason: Map<string, HistogramSeries> };

/**
 * `gateway_upstream_request_duration_seconds` with its labelled series looked up once per
 * (domain, side, traffic, outcome) and kept: a call's observation builds no string and hashes
 * no label.
 */
export class UpstreamCalls {
  /** By domain: legacy client calls, service client calls, shadow copies. */
  readonly #byDomain = new Map<string, [Outcomes, Outcomes, Outcomes]>();

  constructor(
    private readonly histogram: BucketHistogram<"domain" | "side" | "traffic" | "outcome">,
  ) {}

  observe(
    domain: string,
    side: "legacy" | "service",
    traffic: "client" | "shadow",
    outcome: number | string,
    latencyMs: number,
  ): void {
    let upstreams = this.#byDomain.get(domain);
    if (!upstreams) {
      const empty = (): Outcomes => ({ byStatus: [], byReason: new Map() });
      upstreams = [empty(), empty(), empty()];
      this.#byDomain.set(domain, upstreams);
    }
    const outcomes = upstreams[traffic === "shadow" ? 2 : side === "legacy" ? 0 : 1];
    let series =
      typeof outcome === "number" ? outcomes.byStatus[outcome] : outcomes.byReason.get(outcome);
    if (!series) {
      series = this.histogram.series({ domain, side, traffic, outcome: String(outcome) });
      if (typeof outcome === "number") outcomes.byStatus[outcome] = series;
      else outcomes.byReason.set(outcome, series);
    }
    series.observe(latencyMs / 1000);
  }
}
