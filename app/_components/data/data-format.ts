import type { DirectionView } from "./data-view";

/** Plain-words labels and number formats shared by the data panel's parts. */

export const DIRECTION_LABELS: Record<DirectionView["direction"], string> = {
  legacy_to_service: "legacy → service",
  service_to_legacy: "service → legacy",
};

export function formatCount(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

/** "42 s", "3 min 20 s", "2 h 5 min". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ""}`;
  const m = Math.round(s / 60);
  return `${Math.floor(m / 60)} h${m % 60 ? ` ${m % 60} min` : ""}`;
}

/** "40 ms", "1.2 s", "3 min 5 s". */
export function formatLag(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return formatDuration(ms / 1000);
}

/** A row key as `id=7f3c…, other=2`, short enough for a table cell. */
export function formatKey(key: Record<string, unknown>): string {
  return Object.entries(key)
    .map(
      ([column, value]) => `${column}=${typeof value === "string" ? value : JSON.stringify(value)}`,
    )
    .join(", ");
}

/** A cell value as JSON, or "(missing)" when the side has no such field. */
export function formatValue(value: unknown): string {
  return value === undefined ? "(missing)" : JSON.stringify(value);
}
