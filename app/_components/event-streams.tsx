"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { ErrorNote } from "./error-note";
import { LIVE_REFRESH_MS } from "./live";
import type { RouterOutputs } from "./router-types";
import { useTRPC } from "./trpc-provider";
import { type Column, DataTable } from "./ui/data-table";

function age(ms: number | null): string {
  if (ms === null) return "—";
  if (ms < 1_000) return `${ms} ms`;
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  return `${Math.round(ms / 60_000)} min`;
}

type ConsumerGroup = RouterOutputs["events"]["streams"][number]["groups"][number];

const groupColumns: Column<ConsumerGroup>[] = [
  { header: "Consumer group", cellClassName: "font-mono", cell: (g) => g.name },
  {
    header: "Lag",
    cellClassName: "font-mono",
    cell: (g) => <span className={g.lag && g.lag > 0 ? "text-amber-300" : ""}>{g.lag ?? "?"}</span>,
  },
  { header: "Pending", cellClassName: "font-mono", cell: (g) => g.pending },
  { header: "Oldest pending", cellClassName: "font-mono", cell: (g) => age(g.oldestPendingAgeMs) },
  {
    header: "Consumers",
    cellClassName: "text-slate-300",
    cell: (g) =>
      g.consumers.length === 0
        ? "none"
        : g.consumers
            .map((c) => `${c.name} (${c.pending} pending, idle ${age(c.idleMs)})`)
            .join(", "),
  },
];

/** Every event stream with its consumer groups' lag, pending entries and dead letters. */
export function EventStreams() {
  const trpc = useTRPC();
  const streams = useQuery(
    trpc.events.streams.queryOptions(undefined, { refetchInterval: LIVE_REFRESH_MS }),
  );
  if (streams.isPending) return <p className="text-slate-400">Reading the streams…</p>;
  if (streams.isError)
    return <ErrorNote message={`Could not read the streams: ${streams.error.message}`} />;
  if (streams.data.length === 0) {
    return <p className="text-slate-400">No event stream yet: nothing has been published.</p>;
  }
  return (
    <div className="space-y-6">
      {streams.data.map((s) => (
        <section
          key={s.stream}
          data-testid={`stream-${s.aggregateType}`}
          className="overflow-hidden rounded-xl border border-slate-800"
        >
          <header className="flex flex-wrap items-baseline gap-x-6 gap-y-1 bg-slate-900 px-4 py-3">
            <h2 className="font-mono text-sm font-semibold">{s.stream}</h2>
            <span className="text-sm text-slate-400">
              length <strong className="text-slate-200">{s.length}</strong>
            </span>
            <span className="text-sm text-slate-400">
              rate <strong className="text-slate-200">{s.ratePerSecond.toFixed(1)}/s</strong>
            </span>
            <span className="text-sm text-slate-400">
              added <strong className="text-slate-200">{s.entriesAdded}</strong>
            </span>
            <Link
              href={`/dlq?aggregate=${s.aggregateType}`}
              className={`ml-auto text-sm ${s.deadLetters > 0 ? "text-rose-300" : "text-slate-400"} hover:underline`}
              data-testid="dead-letters"
            >
              {s.deadLetters} dead letter{s.deadLetters === 1 ? "" : "s"}
            </Link>
          </header>
          <DataTable
            bare
            columns={groupColumns}
            rows={s.groups}
            rowKey={(g) => g.name}
            rowTestId={(g) => `group-${s.aggregateType}-${g.name}`}
            empty="No consumer group reads this stream."
          />
        </section>
      ))}
    </div>
  );
}
