"use client";

import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { DomainName } from "@/lib/contracts/domains";
import { ErrorNote } from "../error-note";
import { LIVE_REFRESH_MS } from "../live";
import { useCan } from "../operator-context";
import { TimeAgo } from "../time-ago";
import { useTRPC } from "../trpc-provider";
import { type Column, DataTable } from "../ui/data-table";
import { Pager, useKeysetPages } from "../ui/pager";
import { ConfirmAction } from "./confirm-action";
import { DIRECTION_LABELS, formatCount, formatKey } from "./data-format";
import { imageOf, type QuarantineEntryView } from "./data-view";

const PAGE_SIZE = 20;
type Filter = "open" | "retry_requested" | "resolved" | "all";
const FILTERS: Array<[Filter, string]> = [
  ["open", "open"],
  ["retry_requested", "retry requested"],
  ["resolved", "resolved"],
  ["all", "all"],
];
const STATUS_TONES: Record<QuarantineEntryView["status"], string> = {
  open: "text-rose-300",
  retry_requested: "text-sky-300",
  resolved: "text-emerald-300",
};
const VIEWER_HINT = "Your role is viewer: operators retry quarantined changes";

/** Changes the sync could not apply, with their error; retry one or all, inspect the row image. */
export function QuarantineList({ domain, open }: { domain: DomainName; open: number }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const canOperate = useCan("operator");
  const [filter, setFilter] = useState<Filter>("open");
  const pages = useKeysetPages<number>();
  const [inspecting, setInspecting] = useState<number | null>(null);
  const page = useQuery(
    trpc.data.quarantine.queryOptions(
      { domain, status: filter, cursor: pages.cursor, limit: PAGE_SIZE },
      {
        refetchInterval: pages.isNewest ? LIVE_REFRESH_MS : false,
        placeholderData: keepPreviousData,
      },
    ),
  );
  const retry = useMutation(
    trpc.data.retry.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries(trpc.data.pathFilter()),
    }),
  );
  const items = page.data?.items ?? [];
  const inspected = items.find((item) => item.id === inspecting) ?? null;
  const columns: Column<QuarantineEntryView>[] = [
    {
      header: "Table",
      cellClassName: "font-mono text-xs",
      cell: (item) => (
        <>
          {item.tableName}
          <div className="text-slate-500">{DIRECTION_LABELS[item.direction]}</div>
        </>
      ),
    },
    {
      header: "Key",
      className: "max-w-[12rem]",
      cellClassName: "truncate font-mono text-xs",
      cell: (item) => <span title={formatKey(item.rowKey)}>{formatKey(item.rowKey)}</span>,
    },
    {
      header: "Error",
      className: "max-w-xs",
      cellClassName: "truncate text-xs text-rose-200",
      cell: (item) => <span title={item.error}>{item.error}</span>,
    },
    { header: "Attempts", cellClassName: "font-mono text-xs", cell: (item) => item.attempts },
    {
      header: "Status",
      className: "whitespace-nowrap",
      cellClassName: "text-xs",
      cell: (item) => (
        <span className={STATUS_TONES[item.status]}>{item.status.replace("_", " ")}</span>
      ),
    },
    {
      header: "Last attempt",
      className: "whitespace-nowrap",
      cellClassName: "text-xs text-slate-400",
      cell: (item) => <TimeAgo date={item.lastAttemptAt} />,
    },
    {
      header: <span className="sr-only">Actions</span>,
      className: "whitespace-nowrap text-right",
      cell: (item) => (
        <>
          <button
            type="button"
            onClick={() => setInspecting(inspecting === item.id ? null : item.id)}
            className="rounded px-2 py-0.5 text-xs text-sky-300 hover:underline"
          >
            {inspecting === item.id ? "Close" : "Inspect"}
          </button>
          <button
            type="button"
            disabled={!canOperate || item.status !== "open" || retry.isPending}
            title={canOperate ? undefined : VIEWER_HINT}
            onClick={() => retry.mutate({ domain, ids: [item.id] })}
            className="ml-1 rounded border border-sky-700 px-2 py-0.5 text-xs text-sky-200 disabled:cursor-not-allowed disabled:border-slate-700 disabled:text-slate-500"
          >
            Retry
          </button>
        </>
      ),
    },
  ];

  return (
    <section
      aria-label="quarantine"
      className="space-y-3 rounded-lg border border-slate-800 bg-slate-950/60 p-4"
    >
      <header className="flex flex-wrap items-center gap-3">
        <h3 className="text-sm font-semibold">
          Quarantined changes{" "}
          <span
            className={`font-mono ${open > 0 ? "text-rose-300" : "text-slate-400"}`}
            data-testid="quarantine-open"
          >
            {formatCount(open)} open
          </span>
        </h3>
        <label className="ml-auto flex items-center gap-2 text-xs text-slate-400">
          Show
          <select
            value={filter}
            onChange={(e) => {
              setFilter(e.target.value as Filter);
              pages.reset();
              setInspecting(null);
            }}
            className="rounded border border-slate-700 bg-slate-950 px-2 py-1 text-sm text-slate-200"
          >
            {FILTERS.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <ConfirmAction
          label={`Retry all (${formatCount(open)})`}
          title={`Retry every open quarantined change of ${domain}`}
          confirmLabel="Retry all"
          disabled={!canOperate || open === 0 || retry.isPending}
          hint={canOperate ? undefined : VIEWER_HINT}
          onConfirm={() => retry.mutate({ domain })}
        >
          The sync applies the current source row of each of the {formatCount(open)} open changes
          again; those that still fail stay here with their new error.
        </ConfirmAction>
      </header>
      {page.isError && (
        <ErrorNote message={`Could not read the quarantine: ${page.error.message}`} />
      )}
      {retry.error && <ErrorNote message={retry.error.message} />}
      {page.data && items.length === 0 && pages.isNewest ? (
        <p className="text-sm text-slate-400" data-testid="quarantine-empty">
          {filter === "open"
            ? "Nothing quarantined: every change was applied."
            : "No quarantined change with this status."}
        </p>
      ) : (
        <DataTable
          columns={columns}
          rows={page.data?.items}
          rowKey={(item) => item.id}
          empty="No quarantined change on this page."
          testId="quarantine-rows"
          rowClassName={(item) =>
            inspecting === item.id ? "bg-slate-800/60" : "hover:bg-slate-900"
          }
          footer={<Pager pages={pages} next={page.data?.nextCursor} />}
        />
      )}
      {inspected && <QuarantineInspector entry={inspected} />}
    </section>
  );
}

function QuarantineInspector({ entry }: { entry: QuarantineEntryView }) {
  const image = imageOf(entry.rowImage);
  const facts: Array<[string, string]> = [
    ["Table", entry.tableName],
    ["Direction", DIRECTION_LABELS[entry.direction]],
    ["Key", formatKey(entry.rowKey)],
    ["Operation", entry.op],
    ["Attempts", String(entry.attempts)],
    ["First seen", entry.firstSeenAt.toLocaleString()],
    ["Last attempt", entry.lastAttemptAt.toLocaleString()],
  ];
  return (
    <aside
      aria-label="quarantined change"
      data-testid="quarantine-entry"
      className="space-y-3 rounded-lg border border-slate-700 bg-slate-900 p-4"
    >
      <p className="rounded border border-rose-900 bg-rose-950/60 px-3 py-2 text-sm text-rose-200">
        {entry.error}
      </p>
      <dl className="grid grid-cols-[8rem_1fr] gap-x-3 gap-y-1 text-sm">
        {facts.map(([label, value]) => (
          <div key={label} className="contents">
            <dt className="text-slate-500">{label}</dt>
            <dd className="break-all font-mono text-xs text-slate-200">{value}</dd>
          </div>
        ))}
      </dl>
      <div>
        <div className="mb-1 text-xs text-slate-500">
          Row image (
          {entry.op === "delete" ? "a delete carries only the key" : "as the source wrote it"})
        </div>
        <pre className="max-h-80 overflow-auto rounded bg-slate-950 p-3 text-xs text-slate-300">
          {image ? JSON.stringify(image, null, 2) : "(no image)"}
        </pre>
      </div>
    </aside>
  );
}
