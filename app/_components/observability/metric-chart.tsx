"use client";

import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import { type ChartLine, type ChartUnit, formatTime, formatValue, toRows } from "./chart-data";

type Props = {
  title: string;
  unit: ChartUnit;
  lines: ChartLine[];
  rangeSeconds: number;
  /** The queried window in unix seconds: the x axis spans all of it, not just where data is. */
  span?: { start: number; end: number };
  /** Set while the query runs for the first time, or when it failed (said under the title). */
  note?: string;
  testId?: string;
};

/** The y axis's top: at least the SLO's 5 % for error rates, never a flat 0 for quiet series. */
function yCeiling(unit: ChartUnit, max: number): number {
  if (unit === "ratio") return Math.min(1, Math.max(max, 0.05));
  return max > 0 ? max : 1;
}

/** Each line's last value, "legacy 2.90/s · new 1.02/s": the chart's headline. */
function latest(lines: ChartLine[], unit: ChartUnit): string {
  return lines
    .flatMap((line) => {
      const last = line.points.at(-1);
      return last ? [`${line.label} ${formatValue(unit, last[1])}`] : [];
    })
    .join(" · ");
}

/** One time-series chart of the observability page, in the console's dark style. */
export function MetricChart({ title, unit, lines, rangeSeconds, span, note, testId }: Props) {
  const rows = toRows(lines);
  const points = lines.reduce((sum, line) => sum + line.points.length, 0);
  return (
    <figure
      className="rounded-lg border border-slate-800 bg-slate-950/60 p-3"
      data-testid={testId}
      data-points={points}
    >
      <figcaption className="mb-1 flex items-baseline justify-between gap-2 text-xs">
        <span className="shrink-0 font-medium text-slate-300">{title}</span>
        {note ? (
          <span className="text-slate-500">{note}</span>
        ) : (
          <span className="truncate font-mono text-slate-400" data-testid="latest">
            {latest(lines, unit)}
          </span>
        )}
      </figcaption>
      {points === 0 ? (
        <p className="flex h-36 items-center justify-center text-xs text-slate-500">
          {note ? "" : "no samples in this range"}
        </p>
      ) : (
        <div className="h-36 w-full" role="img" aria-label={title}>
          <ResponsiveContainer width="100%" height="100%">
            <LineChart data={rows} margin={{ top: 4, right: 8, bottom: 0, left: 0 }}>
              <CartesianGrid stroke="#1e293b" vertical={false} />
              <XAxis
                dataKey="t"
                type="number"
                domain={span ? [span.start, span.end] : ["dataMin", "dataMax"]}
                tickFormatter={(t) => formatTime(Number(t), rangeSeconds)}
                stroke="#64748b"
                fontSize={10}
                minTickGap={40}
              />
              <YAxis
                stroke="#64748b"
                fontSize={10}
                width={60}
                domain={[0, (max: number) => yCeiling(unit, max)]}
                tickFormatter={(v) => formatValue(unit, Number(v))}
              />
              <Tooltip
                contentStyle={{ background: "#0f172a", border: "1px solid #334155", fontSize: 12 }}
                labelFormatter={(t) => new Date(Number(t) * 1000).toLocaleString()}
                formatter={(value) => formatValue(unit, Number(value))}
              />
              <Legend wrapperStyle={{ fontSize: 11 }} iconSize={8} />
              {lines.map((line) => (
                <Line
                  key={line.key}
                  dataKey={line.key}
                  name={line.label}
                  stroke={line.color}
                  strokeDasharray={line.dashed ? "4 3" : undefined}
                  dot={false}
                  strokeWidth={1.5}
                  connectNulls={false}
                  isAnimationActive={false}
                />
              ))}
            </LineChart>
          </ResponsiveContainer>
        </div>
      )}
    </figure>
  );
}
