"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { ErrorNote } from "./error-note";
import { LIVE_REFRESH_MS } from "./live";
import type { RouterOutputs } from "./router-types";
import { TraceLink } from "./trace-link";
import { useTRPC } from "./trpc-provider";
import { type Column, DataTable } from "./ui/data-table";
import { FormField, inputClass } from "./ui/form-field";
import { Pager, useKeysetPages } from "./ui/pager";

const PAGE_SIZE = 25;

type Filters = { actor: string; action: string; from: string; to: string };
const noFilters: Filters = { actor: "", action: "", from: "", to: "" };
type AuditRow = RouterOutputs["audit"]["list"]["items"][number];

const columns: Column<AuditRow>[] = [
  {
    header: "When",
    className: "whitespace-nowrap",
    cellClassName: "font-mono text-xs text-slate-400",
    cell: (row) => row.at.toLocaleString(),
  },
  { header: "Actor", cell: (row) => row.actor },
  { header: "Action", cellClassName: "font-mono text-xs", cell: (row) => row.action },
  { header: "Target", cellClassName: "font-mono text-xs", cell: (row) => row.target },
  {
    header: "Change",
    cellClassName: "font-mono text-xs text-slate-300",
    cell: (row) => <Change before={row.before} after={row.after} />,
  },
  { header: "Trace", cell: (row) => <TraceLink traceId={row.traceId} /> },
];

/** Filterable, keyset-paged audit table; the first page stays live. */
export function AuditLog() {
  const trpc = useTRPC();
  const [filters, setFilters] = useState<Filters>(noFilters);
  const pages = useKeysetPages<number>();
  const facets = useQuery(trpc.audit.facets.queryOptions(undefined, { refetchInterval: 10_000 }));
  const page = useQuery(
    trpc.audit.list.queryOptions(
      {
        actor: filters.actor || undefined,
        action: filters.action || undefined,
        from: filters.from ? new Date(filters.from) : undefined,
        to: filters.to ? new Date(filters.to) : undefined,
        cursor: pages.cursor,
        limit: PAGE_SIZE,
      },
      {
        refetchInterval: pages.isNewest ? LIVE_REFRESH_MS : false,
        placeholderData: keepPreviousData,
      },
    ),
  );

  function update(change: Partial<Filters>) {
    setFilters((f) => ({ ...f, ...change }));
    pages.reset();
  }

  const nextCursor = page.data?.nextCursor;
  return (
    <div className="space-y-4">
      <form
        className="flex flex-wrap items-end gap-3"
        aria-label="filters"
        onSubmit={(e) => e.preventDefault()}
      >
        <FormField label="Actor">
          <select
            name="actor"
            className={inputClass}
            value={filters.actor}
            onChange={(e) => update({ actor: e.target.value })}
          >
            <option value="">everyone</option>
            {facets.data?.actors.map((a) => (
              <option key={a}>{a}</option>
            ))}
          </select>
        </FormField>
        <FormField label="Action">
          <select
            name="action"
            className={inputClass}
            value={filters.action}
            onChange={(e) => update({ action: e.target.value })}
          >
            <option value="">all actions</option>
            {facets.data?.actions.map((a) => (
              <option key={a}>{a}</option>
            ))}
          </select>
        </FormField>
        <FormField label="From">
          <input
            type="datetime-local"
            name="from"
            className={inputClass}
            value={filters.from}
            onChange={(e) => update({ from: e.target.value })}
          />
        </FormField>
        <FormField label="To">
          <input
            type="datetime-local"
            name="to"
            className={inputClass}
            value={filters.to}
            onChange={(e) => update({ to: e.target.value })}
          />
        </FormField>
        <button
          type="button"
          onClick={() => update(noFilters)}
          className="rounded px-3 py-1.5 text-sm text-slate-300 hover:bg-slate-800"
        >
          Clear
        </button>
      </form>

      {page.isError && <ErrorNote message={page.error.message} />}
      <DataTable
        columns={columns}
        rows={page.data?.items}
        rowKey={(row) => row.id}
        empty="Nothing matches these filters."
        testId="audit-rows"
      />
      <Pager pages={pages} next={nextCursor} />
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
