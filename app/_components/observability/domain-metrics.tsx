"use client";

import type { DomainName } from "@/lib/contracts/domains";
import { type ChartLine, QUANTILE_COLORS, SIDE_STYLE } from "./chart-data";
import { MetricChart } from "./metric-chart";
import { type ChartResult, noteFor, useNamedQuery } from "./use-named-query";

type Side = keyof typeof SIDE_STYLE;

/** The legacy and new-service lines of a per-side query. */
function sideLines(data: ChartResult | undefined): ChartLine[] {
  if (data?.status !== "ok") return [];
  return (["legacy", "service"] as const).flatMap((side) =>
    data.series
      .filter((s) => s.labels.side === side)
      .map((s) => ({
        key: side,
        label: SIDE_STYLE[side].label,
        color: SIDE_STYLE[side].color,
        points: s.points,
      })),
  );
}

/** p50/p95/p99 lines of one side. */
function quantileLines(data: ChartResult | undefined, side: Side): ChartLine[] {
  if (data?.status !== "ok") return [];
  return data.series
    .filter((s) => s.labels.side === side && s.labels.quantile)
    .map((s) => {
      const quantile = s.labels.quantile ?? "";
      return {
        key: quantile,
        label: quantile,
        color: QUANTILE_COLORS[quantile] ?? "#94a3b8",
        points: s.points,
      };
    })
    .sort((a, b) => a.key.localeCompare(b.key));
}

/**
 * One domain, legacy runtime beside new service, as the gateway saw its calls to each: requests,
 * failed share, and latency quantiles per side.
 */
export function DomainMetrics({
  domain,
  rangeSeconds,
}: {
  domain: DomainName;
  rangeSeconds: number;
}) {
  const requests = useNamedQuery("requestRate", domain, rangeSeconds);
  const errors = useNamedQuery("errorRatio", domain, rangeSeconds);
  const latency = useNamedQuery("latency", domain, rangeSeconds);
  return (
    <section
      data-testid={`domain-metrics-${domain}`}
      className="space-y-3 rounded-xl border border-slate-800 bg-slate-900 p-4"
    >
      <h2 className="font-mono text-sm font-semibold">{domain}</h2>
      <div className="grid gap-3 md:grid-cols-2 2xl:grid-cols-4">
        <MetricChart
          title="Requests per second"
          unit="perSecond"
          rangeSeconds={rangeSeconds}
          span={requests.data}
          lines={sideLines(requests.data)}
          note={noteFor(requests)}
          testId={`chart-${domain}-requests`}
        />
        <MetricChart
          title="Error rate (5xx and no answer)"
          unit="ratio"
          rangeSeconds={rangeSeconds}
          span={errors.data}
          lines={sideLines(errors.data)}
          note={noteFor(errors)}
          testId={`chart-${domain}-errors`}
        />
        {(["legacy", "service"] as const).map((side) => (
          <MetricChart
            key={side}
            title={`Latency, ${SIDE_STYLE[side].label}`}
            unit="seconds"
            rangeSeconds={rangeSeconds}
            span={latency.data}
            lines={quantileLines(latency.data, side)}
            note={noteFor(latency)}
            testId={`chart-${domain}-latency-${side}`}
          />
        ))}
      </div>
    </section>
  );
}
