"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { ErrorNote } from "./error-note";
import { LIVE_REFRESH_MS } from "./live";
import { TraceLink } from "./trace-link";
import { useTRPC } from "./trpc-provider";

const PAGE_SIZE = 25;

type Filters = { actor: string; action: string; from: string; to: string };
const noFilters: Filters = { actor: "", action: "", from: "", to: "" };

/** Filterable, keyset-paged audit table; the first page stays live. */
export function AuditLog() {
  const trpc = useTRPC();
  const [filters, setFilters] = useState<Filters>(noFilters);
  // Cursors of the pages behind the current one; empty means the newest page.
  const [cursors, setCursors] = useState<number[]>([]);
  const cursor = cursors[cursors.length - 1];
  const facets = useQuery(trpc.audit.facets.queryOptions(undefined, { refetchInterval: 10_000 }));
  const page = useQuery(
    trpc.audit.list.queryOptions(
      {
        actor: filters.actor || undefined,
        action: filters.action || undefined,
        from: filters.from ? new Date(filters.from) : undefined,
        to: filters.to ? new Date(filters.to) : undefined,
        cursor,
        limit: PAGE_SIZE,
      },
      {
        refetchInterval: cursor === undefined ? LIVE_REFRESH_MS : false,
        placeholderData: keepPreviousData,
      },
    ),
  );

  function update(change: Partial<Filters>) {
    setFilters((f) => ({ ...f, ...change }));
    setCursors([]);
  }

  const select = "rounded border border-slate-700 bg-slate-950 px-2 py-1.5 text-sm";
  return (
    <div className="space-y-4">
      <form
        className="flex flex-wrap items-end gap-3"
        aria-label="filters"
        onSubmit={(e) => e.preventDefault()}
      >
        <label className="text-xs text-slate-400">
          Actor
          <select
            name="actor"
            className={`${select} mt-1 block`}
            value={filters.actor}
            onChange={(e) => update({ actor: e.target.value })}
          >
            <option value="">everyone</option>
            {facets.data?.actors.map((a) => (
              <option key={a}>{a}</option>
            ))}
          </select>
        </label>
        <label className="text-xs text-slate-400">
          Action
          <select
            name="action"
            className={`${select} mt-1 block`}
            value={filters.action}
            onChange={(e) => update({ action: e.target.value })}
          >
            <option value="">all actions</option>
            {facets.data?.actions.map((a) => (
              <option key={a}>{a}</option>
            ))}
          </select>
        </label>
        <label className="text-xs text-slate-400">
          From
          <input
            type="datetime-local"
            name="from"
            className={`${select} mt-1 block`}
            value={filters.from}
            onChange={(e) => update({ from: e.target.value })}
          />
        </label>
        <label className="text-xs text-slate-400">
          To
          <input
            type="datetime-local"
            name="to"
            className={`${select} mt-1 block`}
            value={filters.to}
            onChange={(e) => update({ to: e.target.value })}
          />
        </label>
        <button
          type="button"
          onClick={() => update(noFilters)}
          className="rounded px-3 py-1.5 text-sm text-slate-300 hover:bg-slate-800"
        >
          Clear
        </button>
      </form>

      {page.isError && <ErrorNote message={page.error.message} />}
      <div className="overflow-x-auto rounded-xl border border-slate-800">
        <table className="w-full text-sm">
          <thead className="bg-slate-900 text-left text-xs uppercase tracking-wide text-slate-400">
            <tr>
              <th className="px-4 py-3">When</th>
              <th className="px-4 py-3">Actor</th>
              <th className="px-4 py-3">Action</th>
              <th className="px-4 py-3">Target</th>
              <th className="px-4 py-3">Change</th>
              <th className="px-4 py-3">Trace</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-800" data-testid="audit-rows">
            {page.data?.items.map((row) => (
              <tr key={row.id} className="align-top">
                <td className="whitespace-nowrap px-4 py-2 font-mono text-xs text-slate-400">
                  {row.at.toLocaleString()}
                </td>
                <td className="px-4 py-2">{row.actor}</td>
                <td className="px-4 py-2 font-mono text-xs">{row.action}</td>
                <td className="px-4 py-2 font-mono text-xs">{row.target}</td>
                <td className="px-4 py-2 font-mono text-xs text-slate-300">
                  <Change before={row.before} after={row.after} />
                </td>
                <td className="px-4 py-2">
                  <TraceLink traceId={row.traceId} />
                </td>
              </tr>
            ))}
            {page.data?.items.length === 0 && (
              <tr>
                <td colSpan={6} className="px-4 py-6 text-center text-slate-400">
                  Nothing matches these filters.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      <div className="flex items-center justify-between text-sm">
        <button
          type="button"
          disabled={cursors.length === 0}
          onClick={() => setCursors((c) => c.slice(0, -1))}
          className="rounded border border-slate-700 px-3 py-1.5 disabled:opacity-40"
        >
          ← Newer
        </button>
        <span className="text-slate-400">Page {cursors.length + 1}</span>
        <button
          type="button"
          disabled={!page.data?.nextCursor}
          onClick={() =>
            page.data?.nextCursor && setCursors((c) => [...c, page.data.nextCursor as number])
          }
          className="rounded border border-slate-700 px-3 py-1.5 disabled:opacity-40"
        >
          Older →
        </button>
      </div>
    </div>
  );
}

function Change({ before, after }: { before: unknown; after: unknown }) {
  const show = (v: unknown) => (v === null || v === undefined ? "—" : JSON.stringify(v));
  return (
    <span className="break-all">
      <span className="text-slate-500">{show(before)}</span> → <span>{show(after)}</span>
    </span>
  );
}
