/** How a chart's values read: server/metrics/named-queries.ts QueryUnit, or any number (raw PromQL). */
export type ChartUnit = "perSecond" | "ratio" | "seconds" | "count" | "number";

/** One line of a chart: a stable key, what the legend says, its colour and its points. */
export type ChartLine = {
  key: string;
  label: string;
  color: string;
  dashed?: boolean;
  points: Array<[number, number]>;
};

/** A row per timestamp with one column per line, as recharts wants it. */
export function toRows(lines: ChartLine[]): Array<Record<string, number>> {
  const rows = new Map<number, Record<string, number>>();
  for (const line of lines) {
    for (const [t, value] of line.points) {
      const row = rows.get(t) ?? { t };
      row[line.key] = value;
      rows.set(t, row);
    }
  }
  return [...rows.values()].sort((a, b) => (a.t ?? 0) - (b.t ?? 0));
}

/** A value in the chart's unit, short enough for an axis tick or a tooltip. */
export function formatValue(unit: ChartUnit, value: number): string {
  switch (unit) {
    case "perSecond":
      return `${value < 10 ? value.toFixed(2) : value.toFixed(0)}/s`;
    case "ratio":
      return `${(value * 100).toFixed(value < 0.1 ? 2 : 1)} %`;
    case "seconds":
      return value < 1
        ? `${(value * 1000).toFixed(value < 0.01 ? 1 : 0)} ms`
        : `${value.toFixed(2)} s`;
    case "count":
      return value >= 10_000 ? `${(value / 1000).toFixed(0)}k` : value.toFixed(0);
    case "number":
      return Number(value.toPrecision(3)).toString();
  }
}

/** A time tick: hours and minutes within a day, the date beyond. */
export function formatTime(seconds: number, rangeSeconds: number): string {
  const date = new Date(seconds * 1000);
  return rangeSeconds > 24 * 3600
    ? date.toLocaleDateString(undefined, { month: "short", day: "numeric", hour: "2-digit" })
    : date.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
}

/** Labels of a series minus the ones every series has, joined: "stream=… group=…". */
export function describeLabels(labels: Record<string, string>): string {
  const own = Object.entries(labels).filter(
    ([name]) => !["__name__", "job", "instance"].includes(name),
  );
  return own.length ? own.map(([name, value]) => `${name}=${value}`).join(" ") : "total";
}

export const SIDE_STYLE = {
  legacy: { label: "legacy runtime", color: "#a78bfa" },
  service: { label: "new service", color: "#38bdf8" },
} as const;

export const QUANTILE_COLORS: Record<string, string> = {
  p50: "#34d399",
  p95: "#fbbf24",
  p99: "#fb7185",
};

export const EVENT_KIND_COLORS: Record<string, string> = {
  published: "#38bdf8",
  consumed: "#34d399",
  retried: "#fbbf24",
  dead_lettered: "#fb7185",
};

/** Colours for series that carry no meaning of their own (lag per group, backlog per database). */
export const PALETTE = [
  "#38bdf8",
  "#a78bfa",
  "#34d399",
  "#fbbf24",
  "#fb7185",
  "#f472b6",
  "#94a3b8",
];
