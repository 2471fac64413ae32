"use client";

import { type ChartLine, describeLabels, EVENT_KIND_COLORS, PALETTE } from "./chart-data";
import { MetricChart } from "./metric-chart";
import { type ChartResult, noteFor, useNamedQuery } from "./use-named-query";

/** One line per series, named by its own labels. */
function labelledLines(data: ChartResult | undefined): ChartLine[] {
  if (data?.status !== "ok") return [];
  return data.series.map((s, i) => ({
    key: `s${i}`,
    label: describeLabels(s.labels),
    color: PALETTE[i % PALETTE.length] ?? "#94a3b8",
    points: s.points,
  }));
}

/** Published, consumed, retried and dead-lettered events per second. */
function eventLines(data: ChartResult | undefined): ChartLine[] {
  if (data?.status !== "ok") return [];
  return data.series.map((s) => {
    const kind = s.labels.kind ?? "events";
    return {
      key: kind,
      label: kind.replace("_", " "),
      color: EVENT_KIND_COLORS[kind] ?? "#94a3b8",
      points: s.points,
    };
  });
}

/** The event pipeline across the platform (throughput, consumer lag, outbox backlog) and the data sync's lag. */
export function PlatformMetrics({ rangeSeconds }: { rangeSeconds: number }) {
  const events = useNamedQuery("eventThroughput", undefined, rangeSeconds);
  const lag = useNamedQuery("consumerLag", undefined, rangeSeconds);
  const backlog = useNamedQuery("outboxBacklog", undefined, rangeSeconds);
  const syncLag = useNamedQuery("syncLag", undefined, rangeSeconds);
  return (
    <section className="space-y-3 rounded-xl border border-slate-800 bg-slate-900 p-4">
      <h2 className="text-sm font-semibold">Events and data sync</h2>
      <div className="grid gap-3 md:grid-cols-2 2xl:grid-cols-4">
        <MetricChart
          title="Event throughput"
          unit="perSecond"
          rangeSeconds={rangeSeconds}
          span={events.data}
          lines={eventLines(events.data)}
          note={noteFor(events)}
          testId="chart-events"
        />
        <MetricChart
          title="Consumer lag (entries behind)"
          unit="count"
          rangeSeconds={rangeSeconds}
          span={lag.data}
          lines={labelledLines(lag.data)}
          note={noteFor(lag)}
          testId="chart-consumer-lag"
        />
        <MetricChart
          title="Outbox backlog (rows to relay)"
          unit="count"
          rangeSeconds={rangeSeconds}
          span={backlog.data}
          lines={labelledLines(backlog.data)}
          note={noteFor(backlog)}
          testId="chart-outbox-backlog"
        />
        <MetricChart
          title="Data sync lag"
          unit="seconds"
          rangeSeconds={rangeSeconds}
          span={syncLag.data}
          lines={labelledLines(syncLag.data)}
          note={noteFor(syncLag)}
          testId="chart-sync-lag"
        />
      </div>
    </section>
  );
}
