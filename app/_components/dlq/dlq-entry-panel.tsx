"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type ReactNode, useState } from "react";
import { ErrorNote } from "../error-note";
import { useCan } from "../operator-context";
import { TraceLink } from "../trace-link";
import { useTRPC } from "../trpc-provider";

function pretty(payload: string | null): string {
  if (payload === null) return "(no payload)";
  try {
    return JSON.stringify(JSON.parse(payload), null, 2);
  } catch {
    return payload;
  }
}

/** One dead letter in full: payload, error, group, deliveries, trace id; replay or edit-then-replay. */
export function DeadLetterPanel(props: { aggregateType: string; id: string; onGone: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const canReplay = useCan("operator");
  const canEdit = useCan("admin");
  const entry = useQuery(
    trpc.dlq.get.queryOptions(
      { aggregateType: props.aggregateType, id: props.id },
      { retry: false },
    ),
  );
  const [draft, setDraft] = useState<string | null>(null);
  const done = {
    onSuccess: async () => {
      await queryClient.invalidateQueries(trpc.dlq.pathFilter());
      props.onGone();
    },
  };
  const replay = useMutation(trpc.dlq.replay.mutationOptions(done));
  const edit = useMutation(trpc.dlq.editAndReplay.mutationOptions(done));

  if (entry.isPending) return <p className="text-slate-400">Loading…</p>;
  if (entry.isError) return <ErrorNote message={entry.error.message} />;
  const e = entry.data;
  const facts: Array<[string, ReactNode]> = [
    ["Event type", e.eventType ?? "—"],
    ["Event id", e.eventId ?? "—"],
    ["Group / consumer", `${e.group} / ${e.consumer}`],
    ["Deliveries", String(e.deliveries)],
    ["Reason", e.reason],
    ["Original", `${e.originalStream} ${e.originalId}`],
    ["Replayed before", String(e.replayCount)],
    ["Trace id", <TraceLink key="trace" traceId={e.traceId} full />],
    ["Dead-lettered", new Date(e.deadLetteredAt).toLocaleString()],
  ];
  return (
    <aside
      aria-label="dead letter"
      className="space-y-4 rounded-xl border border-slate-800 bg-slate-900 p-5"
      data-testid="dlq-entry"
    >
      <h2 className="font-mono text-sm font-semibold">{e.id}</h2>
      <p
        className="rounded border border-rose-900 bg-rose-950/60 px-3 py-2 text-sm text-rose-200"
        data-testid="dlq-error"
      >
        {e.error}
      </p>
      <dl className="grid grid-cols-[9rem_1fr] gap-x-3 gap-y-1 text-sm">
        {facts.map(([k, v]) => (
          <div key={k} className="contents">
            <dt className="text-slate-500">{k}</dt>
            <dd className="break-all font-mono text-xs text-slate-200">{v}</dd>
          </div>
        ))}
      </dl>
      {draft === null ? (
        <pre className="max-h-80 overflow-auto rounded bg-slate-950 p-3 text-xs text-slate-300">
          {pretty(e.payload)}
        </pre>
      ) : (
        <textarea
          aria-label="edited payload"
          value={draft}
          onChange={(ev) => setDraft(ev.target.value)}
          rows={16}
          className="w-full rounded border border-amber-700 bg-slate-950 p-3 font-mono text-xs"
        />
      )}
      {(replay.error || edit.error) && (
        <ErrorNote message={(replay.error ?? edit.error)?.message ?? ""} />
      )}
      <div className="flex flex-wrap gap-2">
        <button
          type="button"
          disabled={!canReplay || replay.isPending}
          title={canReplay ? undefined : "Replaying needs the operator role"}
          onClick={() => replay.mutate({ aggregateType: props.aggregateType, ids: [e.id] })}
          className="rounded bg-sky-500 px-3 py-1.5 text-sm font-medium text-slate-950 disabled:cursor-not-allowed disabled:bg-slate-700 disabled:text-slate-400"
        >
          Replay this entry
        </button>
        {canEdit && draft === null && (
          <button
            type="button"
            onClick={() => setDraft(pretty(e.payload))}
            className="rounded border border-amber-700 px-3 py-1.5 text-sm text-amber-200"
          >
            Edit, then replay…
          </button>
        )}
        {canEdit && draft !== null && (
          <>
            <button
              type="button"
              disabled={edit.isPending}
              onClick={() =>
                edit.mutate({ aggregateType: props.aggregateType, id: e.id, payload: draft })
              }
              className="rounded bg-amber-400 px-3 py-1.5 text-sm font-medium text-slate-950"
            >
              Replay the edited event
            </button>
            <button
              type="button"
              onClick={() => setDraft(null)}
              className="rounded px-3 py-1.5 text-sm text-slate-300"
            >
              Cancel edit
            </button>
          </>
        )}
      </div>
    </aside>
  );
}
