"use client";

import { Area, AreaChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

type Point = { t: number; requests: number; errors: number; p99Ms: number };

/** Requests and errors per second over the last minute, Hystrix style. */
export function UpstreamChart({ series }: { series: Point[] }) {
  return (
    <div className="h-20 w-full" role="img" aria-label="requests and errors per second">
      <ResponsiveContainer width="100%" height="100%">
        <AreaChart data={series} margin={{ top: 4, right: 0, bottom: 0, left: 0 }}>
          <XAxis dataKey="t" hide />
          <YAxis hide allowDecimals={false} />
          <Tooltip
            contentStyle={{ background: "#0f172a", border: "1px solid #334155", fontSize: 12 }}
            labelFormatter={(t) => new Date(Number(t) * 1000).toLocaleTimeString()}
          />
          <Area
            type="monotone"
            dataKey="requests"
            stroke="#38bdf8"
            fill="#0c4a6e"
            isAnimationActive={false}
          />
          <Area
            type="monotone"
            dataKey="errors"
            stroke="#fb7185"
            fill="#881337"
            isAnimationActive={false}
          />
        </AreaChart>
      </ResponsiveContainer>
    </div>
  );
}
