"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import type { BackfillAction } from "@/lib/contracts/data-sync";
import { ErrorNote } from "../error-note";
import { useCan } from "../operator-context";
import { TimeAgo } from "../time-ago";
import { useTRPC } from "../trpc-provider";
import { FormField, inputClass } from "../ui/form-field";
import { ConfirmAction } from "./confirm-action";
import { formatCount, formatDuration } from "./data-format";
import type { DataStatusView } from "./data-view";

const STATUS_LABELS: Record<DataStatusView["backfill"]["status"], string> = {
  not_started: "not started",
  running: "running",
  paused: "paused",
  complete: "complete",
};

const STATUS_TONES: Record<DataStatusView["backfill"]["status"], string> = {
  not_started: "text-slate-300",
  running: "text-sky-300",
  paused: "text-amber-300",
  complete: "text-emerald-300",
};

const VIEWER_HINT = "Your role is viewer: operators run the backfill";

/** The copy of legacy's rows into the service: progress, speed, ETA and its controls. */
export function BackfillCard({ status }: { status: DataStatusView }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const canOperate = useCan("operator");
  const { backfill, domain } = status;
  const [throttle, setThrottle] = useState("");
  const refresh = () => queryClient.invalidateQueries(trpc.data.pathFilter());
  const command = useMutation(trpc.data.backfill.mutationOptions({ onSuccess: refresh }));
  const setCap = useMutation(
    trpc.data.throttle.mutationOptions({
      onSuccess: async () => {
        setThrottle("");
        await refresh();
      },
    }),
  );
  const run = (action: BackfillAction) => command.mutate({ domain, action });

  function submitThrottle(event: FormEvent) {
    event.preventDefault();
    setCap.mutate({ domain, rowsPerSecond: Number(throttle) });
  }

  const percent = Math.min(100, Math.max(0, backfill.percent));
  const error = command.error ?? setCap.error;
  return (
    <section
      aria-label="backfill"
      className="flex flex-col gap-3 rounded-lg border border-slate-800 bg-slate-950/60 p-4"
    >
      <header className="flex items-baseline justify-between gap-2">
        <h3 className="text-sm font-semibold">Backfill</h3>
        <span
          className={`text-sm font-medium ${STATUS_TONES[backfill.status]}`}
          data-testid="backfill-status"
        >
          {STATUS_LABELS[backfill.status]}
        </span>
      </header>
      <div>
        <div
          role="progressbar"
          aria-label="backfill progress"
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={Math.round(percent)}
          className="h-2.5 overflow-hidden rounded-full bg-slate-800"
        >
          <div
            className={`h-full ${backfill.status === "complete" ? "bg-emerald-400" : backfill.status === "paused" ? "bg-amber-400" : "bg-sky-400"}`}
            style={{ width: `${percent}%` }}
          />
        </div>
        <p className="mt-1.5 flex justify-between gap-2 font-mono text-xs text-slate-300">
          <span data-testid="backfill-rows">
            {formatCount(backfill.rowsCopied)} / {formatCount(backfill.rowsTotal)} rows
          </span>
          <span>{percent.toFixed(1)} %</span>
        </p>
      </div>
      <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 text-xs">
        <dt className="text-slate-500">Phase</dt>
        <dd className="break-all font-mono text-slate-200">{backfill.phase ?? "—"}</dd>
        <dt className="text-slate-500">Speed</dt>
        <dd className="font-mono text-slate-200">
          {backfill.status === "running" ? `${formatCount(backfill.rowsPerSecond)} rows/s` : "—"}
          {backfill.etaSeconds !== null && (
            <span className="text-slate-400"> · ETA {formatDuration(backfill.etaSeconds)}</span>
          )}
        </dd>
        <dt className="text-slate-500">Throttle</dt>
        <dd className="font-mono text-slate-200" data-testid="backfill-throttle">
          {backfill.throttleRowsPerSecond > 0
            ? `${formatCount(backfill.throttleRowsPerSecond)} rows/s`
            : "none (full speed)"}
        </dd>
        {backfill.startedAt && (
          <>
            <dt className="text-slate-500">Started</dt>
            <dd className="text-slate-200">
              <TimeAgo date={backfill.startedAt} />
              {backfill.finishedAt && (
                <span className="text-slate-400">
                  {" "}
                  · finished <TimeAgo date={backfill.finishedAt} />
                </span>
              )}
            </dd>
          </>
        )}
        <dt className="text-slate-500">Last change by</dt>
        <dd className="text-slate-200">{backfill.updatedBy}</dd>
      </dl>
      <div className="mt-auto flex flex-wrap items-end gap-2 border-t border-slate-800 pt-3">
        {backfill.status === "not_started" && (
          <ConfirmAction
            label="Start backfill…"
            title={`Start the backfill of ${domain}`}
            confirmLabel="Start backfill"
            disabled={!canOperate || command.isPending}
            hint={canOperate ? undefined : VIEWER_HINT}
            onConfirm={() => run("start")}
          >
            Legacy&apos;s rows of {domain} are copied into the service in chunks, then both
            directions keep syncing. You can pause it at any time.
          </ConfirmAction>
        )}
        {backfill.status === "running" && (
          <ConfirmAction
            label="Pause…"
            title={`Pause the backfill of ${domain}`}
            confirmLabel="Pause backfill"
            tone="caution"
            disabled={!canOperate || command.isPending}
            hint={canOperate ? undefined : VIEWER_HINT}
            onConfirm={() => run("pause")}
          >
            The copy stops after the current chunk and resumes from its checkpoint. Changes keep
            syncing both ways meanwhile.
          </ConfirmAction>
        )}
        {backfill.status === "paused" && (
          <ConfirmAction
            label="Resume…"
            title={`Resume the backfill of ${domain}`}
            confirmLabel="Resume backfill"
            disabled={!canOperate || command.isPending}
            hint={canOperate ? undefined : VIEWER_HINT}
            onConfirm={() => run("resume")}
          >
            The copy goes on from where it stopped ({formatCount(backfill.rowsCopied)} rows done).
          </ConfirmAction>
        )}
        <form
          onSubmit={submitThrottle}
          aria-label="throttle"
          className="ml-auto flex items-end gap-2"
        >
          <FormField label="Cap (rows/s, 0 = none)">
            <input
              type="number"
              min={0}
              max={1_000_000}
              step={1}
              required
              value={throttle}
              placeholder={String(backfill.throttleRowsPerSecond)}
              onChange={(e) => setThrottle(e.target.value)}
              disabled={!canOperate}
              className={`${inputClass} w-28 font-mono disabled:opacity-50`}
            />
          </FormField>
          <button
            type="submit"
            disabled={!canOperate || setCap.isPending || throttle === ""}
            title={canOperate ? undefined : VIEWER_HINT}
            className="rounded border border-slate-600 px-3 py-1 text-sm disabled:cursor-not-allowed disabled:opacity-40"
          >
            Set
          </button>
        </form>
      </div>
      {error && <ErrorNote message={error.message} />}
    </section>
  );
}
