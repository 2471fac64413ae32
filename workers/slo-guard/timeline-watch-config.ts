import { z } from "zod";
import { parseEnv } from "@/lib/config/parse-env";

const count = (name: string, min: number, max: number, fallback: number) =>
  z.coerce
    .number({ error: `must be a number (${name})` })
    .int("must be a whole number")
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`)
    .default(fallback);

/** Thresholds of slo-guard's timeline watcher (workers/slo-guard/timeline-watch.ts). */
export const TimelineWatchEnvSchema = z.object({
  /** How often DLQ depths and parity are read. */
  TIMELINE_POLL_MS: count("milliseconds", 500, 60_000, 5_000),
  /** A dead-letter stream that grows by at least this many entries within the window is a spike. */
  TIMELINE_DLQ_SPIKE_COUNT: count("entries", 1, 1_000_000, 10),
  TIMELINE_DLQ_SPIKE_WINDOW_SECONDS: count("seconds", 5, 3_600, 60),
  /** Parity below this percentage over the window (with enough comparisons) is a drop. */
  TIMELINE_PARITY_DROP_PERCENT: z.coerce
    .number({ error: "must be a percentage" })
    .min(0, "must be between 0 and 100")
    .max(100, "must be between 0 and 100")
    .default(99),
  TIMELINE_PARITY_WINDOW_SECONDS: count("seconds", 10, 3_600, 300),
  TIMELINE_PARITY_MIN_SAMPLES: count("comparisons", 1, 1_000_000, 50),
});

export type TimelineWatchSettings = {
  pollMs: number;
  dlqSpikeCount: number;
  dlqSpikeWindowSeconds: number;
  parityDropPercent: number;
  parityWindowSeconds: number;
  parityMinSamples: number;
};

/** The watcher's settings; every variable is optional and defaults as documented above. */
export function loadTimelineWatchSettings(
  // biome-ignore lint/style/noProcessEnv: the watcher's one reader of its environment
  env: Record<string, string | undefined> = process.env,
): TimelineWatchSettings {
  const parsed = parseEnv(TimelineWatchEnvSchema, env);
  return {
    pollMs: parsed.TIMELINE_POLL_MS,
    dlqSpikeCount: parsed.TIMELINE_DLQ_SPIKE_COUNT,
    dlqSpikeWindowSeconds: parsed.TIMELINE_DLQ_SPIKE_WINDOW_SECONDS,
    parityDropPercent: parsed.TIMELINE_PARITY_DROP_PERCENT,
    parityWindowSeconds: parsed.TIMELINE_PARITY_WINDOW_SECONDS,
    parityMinSamples: parsed.TIMELINE_PARITY_MIN_SAMPLES,
  };
}

/** The defaults, for a guard started without settings. */
export const DEFAULT_TIMELINE_WATCH_SETTINGS: TimelineWatchSettings = loadTimelineWatchSettings({});
