import type * as hdr from "hdr-histogram-js";
import {
  encodeLatencies,
  latencyMicros,
  newLatencyHistogram,
} from "@/lib/resilience/latency-histogram";
import type { RollingPoint, RollingWindow } from "@/lib/resilience/stats-snapshot";

export type { RollingPoint, RollingWindow } from "@/lib/resilience/stats-snapshot";

/** Totals over the window and its per-second series (oldest first, current second last). */
export interface RollingSnapshot {
  window: RollingWindow;
  series: RollingPoint[];
}

export interface RollingStatsOptions {
  /** Seconds in the window; 60 unless told. */
  windowSeconds?: number;
  /** Clock in epoch milliseconds; injectable for tests. */
  now?: () => number;
}

function percentileMs(histogram: hdr.Histogram, percentile: number): number {
  if (histogram.totalCount === 0) return 0;
  // HDR answers a bucket's upper edge; the recorded maximum is a tighter bound when lower.
  const micros = Math.min(histogram.getValueAtPercentile(percentile), histogram.maxValue);
  return Math.round(micros) / 1000;
}

interface SecondBucket {
  requests: number;
  errors: number;
  histogram: hdr.Histogram;
  /** p99 of a finished second, computed once. */
  p99Ms: number | null;
  /** The second's histogram as published (latency-histogram.ts), encoded once when finished. */
  latency: string | null;
}

/**
 * One key's window: a ring of per-second buckets plus a running window histogram, so recording
 * is O(1) and an expired second is subtracted once instead of re-merging 60 histograms.
 */
class KeyWindow {
  private readonly buckets: SecondBucket[];
  private readonly window = newLatencyHistogram();
  private requests = 0;
  private errors = 0;
  private latestSecond: number;

  constructor(
    private readonly size: number,
    second: number,
  ) {
    this.latestSecond = second;
    this.buckets = Array.from({ length: size }, () => ({
      requests: 0,
      errors: 0,
      histogram: newLatencyHistogram(),
      p99Ms: null,
      latency: null,
    }));
  }

  record(second: number, latencyMs: number | null, isError: boolean): void {
    this.advance(second);
    // A late sample from a second already out of the window is dropped.
    if (second <= this.latestSecond - this.size) return;
    const bucket = this.bucketOf(second);
    bucket.requests += 1;
    this.requests += 1;
    if (latencyMs !== null) {
      const micros = latencyMicros(latencyMs);
      bucket.histogram.recordValue(micros);
      bucket.p99Ms = null;
      bucket.latency = null;
      this.window.recordValue(micros);
    }
    if (isError) {
      bucket.errors += 1;
      this.errors += 1;
    }
  }

  snapshot(second: number): RollingSnapshot {
    this.advance(second);
    const series: RollingPoint[] = [];
    for (let t = this.latestSecond - this.size + 1; t <= this.latestSecond; t += 1) {
      const bucket = this.bucketOf(t);
      if (bucket.p99Ms === null) bucket.p99Ms = percentileMs(bucket.histogram, 99);
      const point: RollingPoint = {
        t,
        requests: bucket.requests,
        errors: bucket.errors,
        p99Ms: bucket.p99Ms,
      };
      if (bucket.histogram.totalCount > 0) {
        bucket.latency ??= encodeLatencies(bucket.histogram);
        point.latency = bucket.latency;
      }
      series.push(point);
    }
    // The current second may still grow: its cached p99 and histogram must not outlive this snapshot.
    const current = this.bucketOf(this.latestSecond);
    current.p99Ms = null;
    current.latency = null;
    return {
      window: {
        requests: this.requests,
        errors: this.errors,
        errorRate: this.requests === 0 ? 0 : this.errors / this.requests,
        p50Ms: percentileMs(this.window, 50),
        p95Ms: percentileMs(this.window, 95),
        p99Ms: percentileMs(this.window, 99),
      },
      series,
    };
  }

  /** True when nothing was recorded within the window. */
  get idle(): boolean {
    return this.requests === 0;
  }

  private bucketOf(second: number): SecondBucket {
    return this.buckets[((second % this.size) + this.size) % this.size] as SecondBucket;
  }

  /** Moves the window's end to `second`, emptying the buckets that fall out of it. */
  private advance(second: number): void {
    if (second <= this.latestSecond) return;
    const steps = Math.min(second - this.latestSecond, this.size);
    for (let t = second - steps + 1; t <= second; t += 1) {
      const bucket = this.bucketOf(t);
      if (bucket.requests > 0) {
        this.window.subtract(bucket.histogram);
        this.requests -= bucket.requests;
        this.errors -= bucket.errors;
        bucket.histogram.reset();
        bucket.requests = 0;
        bucket.errors = 0;
      }
      bucket.p99Ms = null;
      bucket.latency = null;
    }
    this.latestSecond = second;
    // Guards against drift from histogram subtraction once the window is empty.
    if (this.requests === 0) this.window.reset();
  }
}

/**
 * Rolling statistics per key (e.g. an upstream key `learning:service`) in 1-second buckets over
 * the last `windowSeconds` (60): requests, errors and latency percentiles (HdrHistogram).
 * The caller decides what is an error (5xx and timeouts for the gateway).
 */
export class RollingStats {
  private readonly windows = new Map<string, KeyWindow>();
  private readonly size: number;
  private readonly now: () => number;

  constructor(options: RollingStatsOptions = {}) {
    this.size = options.windowSeconds ?? 60;
    this.now = options.now ?? Date.now;
  }

  /**
   * Records one finished request: its latency in milliseconds (null for a call its breaker
   * refused: it counts as a request and an error, as in Hystrix, without a latency) and whether
   * it failed. O(1).
   */
  record(key: string, latencyMs: number | null, isError: boolean): void {
    const second = Math.floor(this.now() / 1000);
    let window = this.windows.get(key);
    if (!window) {
      window = new KeyWindow(this.size, second);
      this.windows.set(key, window);
    }
    window.record(second, latencyMs, isError);
  }

  /** Totals and per-second series of one key; all zeros for a key never recorded. */
  snapshot(key: string): RollingSnapshot {
    const second = Math.floor(this.now() / 1000);
    const window = this.windows.get(key);
    if (window) return window.snapshot(second);
    const series: RollingPoint[] = [];
    for (let t = second - this.size + 1; t <= second; t += 1) {
      series.push({ t, requests: 0, errors: 0, p99Ms: 0 });
    }
    return {
      window: { requests: 0, errors: 0, errorRate: 0, p50Ms: 0, p95Ms: 0, p99Ms: 0 },
      series,
    };
  }

  /** Every key recorded so far, sorted. */
  keys(): string[] {
    return [...this.windows.keys()].sort();
  }

  /** Forgets keys with nothing in the window (e.g. a domain no longer routed). */
  prune(): void {
    const second = Math.floor(this.now() / 1000);
    for (const [key, window] of this.windows) {
      window.snapshot(second);
      if (window.idle) this.windows.delete(key);
    }
  }
}
