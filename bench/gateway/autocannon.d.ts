/**
 * The part of autocannon's programmatic API (v9, CommonJS, untyped) that bench/gateway uses.
 * https://github.com/mcollina/autocannon#api
 */
declare module "autocannon" {
  import type { EventEmitter } from "node:events";

  interface AutocannonOptions {
    url: string;
    connections?: number;
    /** Seconds. */
    duration?: number;
    pipelining?: number;
    /** Requests per second across all connections (open loop); unlimited when absent. */
    overallRate?: number;
    /** Seconds before a request counts as timed out. */
    timeout?: number;
    method?: string;
    headers?: Record<string, string>;
    /** Requests sent in turn on every connection. */
    requests?: Array<{
      method?: string;
      path?: string;
      headers?: Record<string, string>;
      body?: string;
    }>;
  }

  /** Percentiles and moments of one measure (latency in whole milliseconds, requests per second). */
  interface AutocannonStat {
    average: number;
    mean: number;
    stddev: number;
    min: number;
    max: number;
    total: number;
    p50: number;
    p90: number;
    p99: number;
  }

  interface AutocannonResult {
    requests: AutocannonStat;
    latency: AutocannonStat;
    throughput: AutocannonStat;
    errors: number;
    timeouts: number;
    non2xx: number;
    resets: number;
    mismatches: number;
    totalCompletedRequests: number;
    /** Seconds actually run. */
    duration: number;
    "2xx": number;
  }

  /**
   * The running instance: an EventEmitter (`response`: client, status, bytes, response time in
   * milliseconds, fractional) that is also a promise of the result.
   */
  interface AutocannonInstance extends EventEmitter, PromiseLike<AutocannonResult> {}

  function autocannon(options: AutocannonOptions): AutocannonInstance;

  export type { AutocannonInstance, AutocannonOptions, AutocannonResult, AutocannonStat };
  export default autocannon;
}
