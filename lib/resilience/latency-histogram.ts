import * as hdr from "hdr-histogram-js";

/**
 * Latency histograms as the gateways publish them, one per second of an upstream's series:
 * HdrHistogram's own compressed base64 encoding, so that a reader can merge the seconds of any
 * window (and any number of gateways) and take a true percentile of the union.
 */

/** Recorded latencies as [microseconds, count] pairs, ascending by value. */
export type LatencyCounts = ReadonlyArray<readonly [micros: number, count: number]>;

// Latencies are recorded in microseconds, two significant digits (≤ 1 % error), up to 2 minutes.
const HIGHEST_MICROS = 120_000_000;

/** An empty latency histogram as the gateways keep them (microseconds). */
export function newLatencyHistogram(): hdr.Histogram {
  return hdr.build({
    bitBucketSize: 32,
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_MICROS,
    numberOfSignificantValueDigits: 2,
    autoResize: false,
    useWebAssembly: false,
  });
}

/** Milliseconds as recorded: whole microseconds within the histogram's range. */
export function latencyMicros(latencyMs: number): number {
  if (!(latencyMs > 0)) return 1;
  return Math.min(HIGHEST_MICROS, Math.max(1, Math.round(latencyMs * 1000)));
}

/** The encoded histogram of some latencies in milliseconds (tests and synthetic traffic). */
export function encodeLatencyList(latenciesMs: Iterable<number>): string {
  const histogram = newLatencyHistogram();
  for (const ms of latenciesMs) histogram.recordValue(latencyMicros(ms));
  return encodeLatencies(histogram);
}

/** The histogram's interchange text (HdrHistogram V2 compressed, base64). */
export function encodeLatencies(histogram: hdr.Histogram): string {
  return hdr.encodeIntoCompressedBase64(histogram);
}

// Decoded seconds are shared by every window that contains them: decode each text once.
const DECODED_LIMIT = 20_000;
const decoded = new Map<string, LatencyCounts>();

/**
 * The values an encoded histogram holds, each bucket at its highest equivalent value (capped at
 * the recorded maximum); an empty list for text that does not decode.
 */
export function decodeLatencies(encoded: string): LatencyCounts {
  const known = decoded.get(encoded);
  if (known) return known;
  let counts: Array<readonly [number, number]> = [];
  try {
    const histogram = hdr.decodeFromCompressedBase64(encoded, 32, false) as hdr.JsHistogram;
    const iterator = histogram.recordedValuesIterator;
    iterator.reset();
    while (iterator.hasNext()) {
      const value = iterator.next();
      const micros = Math.min(value.valueIteratedTo, histogram.maxValue);
      counts.push([micros, value.countAtValueIteratedTo]);
    }
  } catch {
    counts = [];
  }
  if (decoded.size >= DECODED_LIMIT) {
    // Oldest first: a Map iterates in insertion order.
    const oldest = decoded.keys().next().value;
    if (oldest !== undefined) decoded.delete(oldest);
  }
  decoded.set(encoded, counts);
  return counts;
}

/** Several histograms' values as one (ascending). */
export function mergeLatencies(parts: Iterable<LatencyCounts>): LatencyCounts {
  const sums = new Map<number, number>();
  for (const part of parts) {
    for (const [micros, count] of part) sums.set(micros, (sums.get(micros) ?? 0) + count);
  }
  return [...sums].sort(([a], [b]) => a - b);
}

/** How many latencies the counts hold. */
export function latencyTotal(counts: LatencyCounts): number {
  let total = 0;
  for (const [, count] of counts) total += count;
  return total;
}

/**
 * The latency at `percentile` (0–100) in milliseconds, ranked as HdrHistogram ranks it
 * (`round(p × n)`, at least the first); 0 when there is none.
 */
export function latencyPercentileMs(counts: LatencyCounts, percentile: number): number {
  const total = latencyTotal(counts);
  if (total === 0) return 0;
  const rank = Math.max(1, Math.floor((Math.min(percentile, 100) / 100) * total + 0.5));
  let seen = 0;
  for (const [micros, count] of counts) {
    seen += count;
    if (seen >= rank) return Math.round(micros) / 1000;
  }
  return Math.round(counts[counts.length - 1]?.[0] ?? 0) / 1000;
}

/** How many latencies are above `limitMs`. */
export function latenciesAbove(counts: LatencyCounts, limitMs: number): number {
  const limitMicros = limitMs * 1000;
  let above = 0;
  for (const [micros, count] of counts) if (micros > limitMicros) above += count;
  return above;
}
