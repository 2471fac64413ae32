import { z } from "zod";

export const MIN_RANGE_SECONDS = 15 * 60;
export const MAX_RANGE_SECONDS = 7 * 24 * 3600;

/** About this many points per series: enough for a smooth line, few enough for a small answer. */
const TARGET_POINTS = 240;

/** Steps a person reads easily; the smallest matches the local scrape interval. */
const STEPS = [5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600];
const LONGEST_STEP = 3600;

/** A window ending now (or at `end`), 15 minutes to 7 days long. */
export const TimeRangeSchema = z.object({
  rangeSeconds: z
    .number({ error: "rangeSeconds must be a number of seconds" })
    .int("rangeSeconds must be whole seconds")
    .min(MIN_RANGE_SECONDS, "the range must be at least 15 minutes")
    .max(MAX_RANGE_SECONDS, "the range must be at most 7 days"),
  /** Unix seconds; now when left out. */
  end: z.number().int().positive().optional(),
});
export type TimeRange = z.infer<typeof TimeRangeSchema>;

/** The smallest readable step giving at most ~TARGET_POINTS points over `rangeSeconds`. */
export function stepFor(rangeSeconds: number): number {
  const wanted = rangeSeconds / TARGET_POINTS;
  return STEPS.find((step) => step >= wanted) ?? LONGEST_STEP;
}

/** start, end and step of a range query, aligned to the step so refreshes reuse the same points. */
export function resolveRange(range: TimeRange, now = Date.now()) {
  const stepSeconds = stepFor(range.rangeSeconds);
  const end = Math.floor((range.end ?? now / 1000) / stepSeconds) * stepSeconds;
  return { start: end - range.rangeSeconds, end, stepSeconds };
}
