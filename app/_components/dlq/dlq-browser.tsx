"use client";

import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRouter, useSearchParams } from "next/navigation";
import { Suspense, useState } from "react";
import { ErrorNote } from "../error-note";
import { LIVE_REFRESH_MS } from "../live";
import { useCan } from "../operator-context";
import type { RouterOutputs } from "../router-types";
import { useTRPC } from "../trpc-provider";
import { type Column, DataTable } from "../ui/data-table";
import { Pager, useKeysetPages } from "../ui/pager";
import { BulkJobProgress, type Job } from "./bulk-job-progress";
import { DeadLetterPanel } from "./dlq-entry-panel";
import { type DlqFilterState, DlqFilters, noDlqFilter, toFilterInput } from "./dlq-filters";
import { PurgeQueueButton } from "./purge-queue-button";

const PAGE_SIZE = 50;
type DlqEntry = RouterOutputs["dlq"]["list"]["entries"][number];
const button =
  "rounded px-3 py-1.5 text-sm font-medium disabled:cursor-not-allowed disabled:opacity-40";

function Browser() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const params = useSearchParams();
  const canReplay = useCan("operator");
  const isAdmin = useCan("admin");
  const queues = useQuery(
    trpc.dlq.queues.queryOptions(undefined, { refetchInterval: LIVE_REFRESH_MS }),
  );
  const aggregateType = params.get("aggregate") ?? queues.data?.[0]?.aggregateType ?? null;
  const [filter, setFilter] = useState<DlqFilterState>(noDlqFilter);
  const pages = useKeysetPages<string>();
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [inspecting, setInspecting] = useState<string | null>(null);
  const [job, setJob] = useState<Job | null>(null);
  const unfinished = useQuery(trpc.dlq.unfinishedJobs.queryOptions());
  const filterInput = toFilterInput(filter);
  const page = useQuery({
    ...trpc.dlq.list.queryOptions(
      {
        aggregateType: aggregateType ?? "none",
        filter: filterInput,
        cursor: pages.cursor,
        limit: PAGE_SIZE,
      },
      {
        refetchInterval: pages.isNewest ? LIVE_REFRESH_MS : false,
        placeholderData: keepPreviousData,
      },
    ),
    enabled: aggregateType !== null,
  });
  const refresh = () => queryClient.invalidateQueries(trpc.dlq.pathFilter());
  const replay = useMutation(
    trpc.dlq.replay.mutationOptions({
      onSuccess: () => {
        setSelected(new Set());
        return refresh();
      },
    }),
  );
  const purge = useMutation(
    trpc.dlq.purge.mutationOptions({
      onSuccess: () => {
        setSelected(new Set());
        return refresh();
      },
    }),
  );
  const startBulk = useMutation(
    trpc.dlq.startBulk.mutationOptions({ onSuccess: (started) => setJob(started) }),
  );

  function choose(next: string) {
    pages.reset();
    setSelected(new Set());
    setInspecting(null);
    router.replace(`/dlq?aggregate=${encodeURIComponent(next)}`);
  }
  function changeFilter(next: DlqFilterState) {
    setFilter(next);
    pages.reset();
    setSelected(new Set());
  }
  const toggle = (id: string) =>
    setSelected((s) => {
      const next = new Set(s);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  if (queues.isError)
    return <ErrorNote message={`Could not read the queues: ${queues.error.message}`} />;
  if (queues.data && queues.data.length === 0 && !params.get("aggregate")) {
    return (
      <p className="text-slate-400" data-testid="dlq-empty">
        No dead letters: every consumer is keeping up.
      </p>
    );
  }
  const entries = page.data?.entries ?? [];
  const ids = [...selected];
  const mutationError = replay.error ?? purge.error ?? startBulk.error;
  const resumable = (unfinished.data ?? []).filter((j) => j.job.aggregateType === aggregateType);
  const nextCursor = page.data?.nextCursor;
  const columns: Column<DlqEntry>[] = [
    {
      header: (
        <input
          type="checkbox"
          aria-label="select all on this page"
          checked={entries.length > 0 && entries.every((e) => selected.has(e.id))}
          onChange={(ev) =>
            setSelected(ev.target.checked ? new Set(entries.map((e) => e.id)) : new Set())
          }
        />
      ),
      className: "w-8",
      cell: (e) => (
        <input
          type="checkbox"
          aria-label={`select ${e.id}`}
          checked={selected.has(e.id)}
          onChange={() => toggle(e.id)}
        />
      ),
    },
    {
      header: "Dead-lettered",
      className: "whitespace-nowrap",
      cellClassName: "font-mono text-xs text-slate-400",
      cell: (e) => new Date(e.deadLetteredAt).toLocaleString(),
    },
    {
      header: "Event type",
      cellClassName: "font-mono text-xs",
      cell: (e) => (
        <button
          type="button"
          className="text-sky-300 hover:underline"
          onClick={() => setInspecting(e.id)}
        >
          {e.eventType ?? "(unreadable)"}
        </button>
      ),
    },
    { header: "Group", cellClassName: "font-mono text-xs", cell: (e) => e.group },
    { header: "Tries", cellClassName: "font-mono text-xs", cell: (e) => e.deliveries },
    {
      header: "Error",
      className: "max-w-xs",
      cellClassName: "truncate text-rose-200",
      cell: (e) => <span title={e.error}>{e.error}</span>,
    },
  ];

  return (
    <div className="space-y-4">
      <nav aria-label="queues" className="flex flex-wrap gap-2">
        {queues.data?.map((q) => (
          <button
            key={q.aggregateType}
            type="button"
            onClick={() => choose(q.aggregateType)}
            data-testid={`queue-${q.aggregateType}`}
            className={`rounded-full border px-3 py-1 font-mono text-sm ${q.aggregateType === aggregateType ? "border-sky-500 bg-sky-950 text-sky-200" : "border-slate-700 text-slate-300"}`}
          >
            {q.aggregateType}{" "}
            <span className={q.length > 0 ? "text-rose-300" : "text-slate-500"}>{q.length}</span>
            {q.nearCap && (
              <span
                className="ml-1 text-amber-300"
                data-testid={`queue-near-cap-${q.aggregateType}`}
                title={`${q.length} of at most ${q.maxLength}; ${q.dropped} oldest dropped by the cap so far`}
              >
                {q.dropped > 0 ? "at cap" : "near cap"}
              </span>
            )}
          </button>
        ))}
      </nav>
      <DlqFilters value={filter} onChange={changeFilter} />

      {job && <BulkJobProgress initial={job} onDone={() => undefined} />}
      {!job && resumable[0] && (
        <div className="flex items-center gap-3 rounded border border-amber-800 bg-amber-950/50 px-4 py-2 text-sm text-amber-200">
          An unfinished bulk {resumable[0].job.action} by {resumable[0].startedBy} stopped at{" "}
          {resumable[0].job.acted} entries.
          <button
            type="button"
            disabled={!canReplay}
            className={`${button} bg-amber-400 text-slate-950`}
            onClick={() => setJob(resumable[0] ?? null)}
          >
            Resume
          </button>
        </div>
      )}

      <div className="flex flex-wrap items-center gap-2" role="toolbar" aria-label="actions">
        <button
          type="button"
          disabled={!canReplay || ids.length === 0 || replay.isPending || !aggregateType}
          title={canReplay ? undefined : "Replaying needs the operator role"}
          onClick={() => aggregateType && replay.mutate({ aggregateType, ids })}
          className={`${button} bg-sky-500 text-slate-950`}
        >
          Replay selected ({ids.length})
        </button>
        <button
          type="button"
          disabled={!canReplay || !aggregateType || entries.length === 0 || job !== null}
          title={canReplay ? undefined : "Replaying needs the operator role"}
          onClick={() =>
            aggregateType &&
            startBulk.mutate({ action: "replay", aggregateType, filter: filterInput })
          }
          className={`${button} border border-sky-600 text-sky-200`}
        >
          Replay all matching
        </button>
        {isAdmin && (
          <>
            <button
              type="button"
              disabled={ids.length === 0 || purge.isPending || !aggregateType}
              onClick={() =>
                aggregateType &&
                window.confirm(`Delete ${ids.length} dead letters for good?`) &&
                purge.mutate({ aggregateType, ids })
              }
              className={`${button} border border-rose-700 text-rose-200`}
            >
              Purge selected
            </button>
            {aggregateType && <PurgeQueueButton aggregateType={aggregateType} onPurged={refresh} />}
          </>
        )}
        <span className="ml-auto text-sm text-slate-400">
          {page.data ? `${page.data.total} in this queue` : ""}
        </span>
      </div>
      {mutationError && <ErrorNote message={mutationError.message} />}

      <div className="grid items-start gap-4 lg:grid-cols-[1fr_28rem]">
        <DataTable
          columns={columns}
          rows={page.data?.entries}
          rowKey={(e) => e.id}
          empty="Nothing matches."
          testId="dlq-rows"
          rowClassName={(e) => (inspecting === e.id ? "bg-slate-800/60" : "hover:bg-slate-900")}
          footer={<Pager pages={pages} next={nextCursor} />}
        />
        {inspecting && aggregateType ? (
          <DeadLetterPanel
            key={inspecting}
            aggregateType={aggregateType}
            id={inspecting}
            onGone={() => setInspecting(null)}
          />
        ) : (
          <p className="rounded-xl border border-dashed border-slate-800 p-5 text-sm text-slate-500">
            Click an entry to inspect it.
          </p>
        )}
      </div>
    </div>
  );
}

export function DeadLetterBrowser() {
  return (
    <Suspense>
      <Browser />
    </Suspense>
  );
}
