import type { Registry } from "prom-client";

/** One rendered line's data, as prom-client's Registry reads it (its typings are looser). */
type Value = {
  metricName: string;
  labels: Record<string, string | number>;
  sharedLabels?: Readonly<Record<string, string>>;
  value: number;
  /** Always null: no exemplars (prom-client's buckets carry the field). */
  exemplar?: null;
};

/** What the Registry renders of one metric. */
type Rendered = {
  name: string;
  help: string;
  type: "histogram";
  aggregator: "sum";
  values: Value[];
};

/** One labelled series of a BucketHistogram, kept by its caller. */
export interface HistogramSeries {
  observe(value: number): void;
}

class Series implements HistogramSeries {
  /** Per bucket (not cumulative), the last one is +Inf. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    readonly labels: Readonly<Record<string, string>>,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    if (!Number.isFinite(value)) return;
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > (bounds[i] as number)) i++;
    this.counts[i] = (this.counts[i] as number) + 1;
    this.sum += value;
    this.count += 1;
  }

  zero(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
  }
}

export type BucketHistogramConfig<L extends string> = {
  name: string;
  help: string;
  labelNames: readonly L[];
  /** Upper bounds, ascending; +Inf is added. */
  buckets: readonly number[];
  registers: Registry[];
};

/**
 * A Prometheus histogram for a hot path. prom-client's Histogram hashes the label object and
 * builds a value pair on every `observe`, even through `labels()` (2–3 % of the gateway's CPU per
 * request); here a caller looks a labelled series up once (`series()`) and keeps it, and its
 * `observe` is a bucket search and three additions. Registered in, and rendered by, prom-client's
 * Registry exactly as its Histogram is (same lines, same label order), so scrapes, recording
 * rules and dashboards see no difference. `observe(labels, value)` remains for callers on a cold
 * path.
 */
export class BucketHistogram<L extends string> {
  readonly type = "histogram";
  readonly aggregator = "sum";
  readonly name: string;
  readonly help: string;
  readonly #labelNames: readonly L[];
  readonly #bounds: readonly number[];
  readonly #series = new Map<string, Series>();

  constructor(config: BucketHistogramConfig<L>) {
    this.name = config.name;
    this.help = config.help;
    this.#labelNames = config.labelNames;
    this.#bounds = [...config.buckets].sort((a, b) => a - b);
    for (const registry of config.registers) {
      registry.registerMetric(this as unknown as Parameters<Registry["registerMetric"]>[0]);
    }
  }

  /** The series of these label values, created on first use; keep it. */
  series(labels: Readonly<Record<L, string>>): HistogramSeries {
    let key = "";
    for (const name of this.#labelNames) key += `${labels[name] ?? ""}\u0000`;
    let series = this.#series.get(key);
    if (!series) {
      const own: Record<string, string> = {};
      for (const name of this.#labelNames) own[name] = String(labels[name] ?? "");
      series = new Series(own, this.#bounds);
      this.#series.set(key, series);
    }
    return series;
  }

  /** prom-client's `labels(...).observe` shape. */
  labels(labels: Readonly<Record<L, string>>): HistogramSeries {
    return this.series(labels);
  }

  observe(labels: Readonly<Record<L, string>>, value: number): void {
    this.series(labels).observe(value);
  }

  /** Zeroes every series, which stop showing until observed again (kept series stay valid). */
  reset(): void {
    for (const series of this.#series.values()) series.zero();
  }

  /** What prom-client's Registry renders: the shape of its Histogram's `getForPromString()`. */
  async getForPromString(): Promise<Rendered> {
    const bucket = `${this.name}_bucket`;
    const values: Value[] = [];
    for (const series of this.#series.values()) {
      // as prom-client's: a series shows from its first observation (again after a reset)
      if (series.count === 0) continue;
      let cumulative = 0;
      this.#bounds.forEach((bound, i) => {
        cumulative += series.counts[i] as number;
        values.push({
          labels: { le: bound },
          value: cumulative,
          metricName: bucket,
          sharedLabels: series.labels,
          exemplar: null,
        });
      });
      const shared = series.labels;
      values.push(
        {
          labels: { le: "+Inf" },
          value: series.count,
          metricName: bucket,
          sharedLabels: shared,
          exemplar: null,
        },
        { labels: {}, value: series.sum, metricName: `${this.name}_sum`, sharedLabels: shared },
        { labels: {}, value: series.count, metricName: `${this.name}_count`, sharedLabels: shared },
      );
    }
    return { name: this.name, help: this.help, type: "histogram", values, aggregator: "sum" };
  }

  /** The values with their labels merged, as prom-client's `get()` gives them. */
  async get(): Promise<Rendered> {
    const data = await this.getForPromString();
    data.values = data.values.map(({ sharedLabels, ...rest }) => ({
      ...rest,
      labels: { ...rest.labels, ...sharedLabels },
    }));
    return data;
  }
}
