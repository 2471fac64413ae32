"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { ErrorNote } from "./error-note";
import { LIVE_REFRESH_MS } from "./live";
import { useTRPC } from "./trpc-provider";

function age(ms: number | null): string {
  if (ms === null) return "—";
  if (ms < 1_000) return `${ms} ms`;
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  return `${Math.round(ms / 60_000)} min`;
}

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
          <table className="w-full text-sm">
            <thead className="text-left text-xs uppercase tracking-wide text-slate-500">
              <tr>
                <th className="px-4 py-2">Consumer group</th>
                <th className="px-4 py-2">Lag</th>
                <th className="px-4 py-2">Pending</th>
                <th className="px-4 py-2">Oldest pending</th>
                <th className="px-4 py-2">Consumers</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-800">
              {s.groups.map((g) => (
                <tr key={g.name} data-testid={`group-${s.aggregateType}-${g.name}`}>
                  <td className="px-4 py-2 font-mono">{g.name}</td>
                  <td
                    className={`px-4 py-2 font-mono ${g.lag && g.lag > 0 ? "text-amber-300" : ""}`}
                  >
                    {g.lag ?? "?"}
                  </td>
                  <td className="px-4 py-2 font-mono">{g.pending}</td>
                  <td className="px-4 py-2 font-mono">{age(g.oldestPendingAgeMs)}</td>
                  <td className="px-4 py-2 text-slate-300">
                    {g.consumers.length === 0
                      ? "none"
                      : g.consumers
                          .map((c) => `${c.name} (${c.pending} pending, idle ${age(c.idleMs)})`)
                          .join(", ")}
                  </td>
                </tr>
              ))}
              {s.groups.length === 0 && (
                <tr>
                  <td colSpan={5} className="px-4 py-3 text-slate-500">
                    No consumer group reads this stream.
                  </td>
                </tr>
              )}
            </tbody>
          </table>
        </section>
      ))}
    </div>
  );
}
