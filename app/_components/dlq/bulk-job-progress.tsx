"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef } from "react";
import { ErrorNote } from "../error-note";
import type { RouterOutputs } from "../router-types";
import { useTRPC } from "../trpc-provider";

/** A bulk job as `dlq.startBulk`, `dlq.stepBulk` and `dlq.unfinishedJobs` return it. */
export type Job = Pick<RouterOutputs["dlq"]["startBulk"], "jobId" | "job">;

/**
 * Drives a bulk job step by step while mounted, with a progress bar. The job lives on the server,
 * so a reload (or another operator) resumes it from where it stopped.
 */
export function BulkJobProgress({ initial, onDone }: { initial: Job; onDone: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const step = useMutation(trpc.dlq.stepBulk.mutationOptions());
  const job = step.data ?? initial;
  const stopped = useRef(false);

  useEffect(() => {
    if (job.job.done) {
      void queryClient.invalidateQueries(trpc.dlq.pathFilter());
      onDone();
      return;
    }
    if (!step.isPending && !step.isError && !stopped.current) step.mutate({ jobId: job.jobId });
  }, [job, step, onDone, queryClient, trpc]);

  useEffect(
    () => () => {
      stopped.current = true;
    },
    [],
  );

  const percent = Math.round(job.job.progress * 100);
  return (
    <div
      className="space-y-2 rounded-xl border border-sky-900 bg-sky-950/40 p-4"
      data-testid="bulk-job"
    >
      <div className="flex justify-between text-sm">
        <span>
          Bulk {job.job.action}: <strong data-testid="bulk-acted">{job.job.acted}</strong> done,{" "}
          {job.job.scanned} looked at
        </span>
        <span className="font-mono">{job.job.done ? "finished" : `${percent} %`}</span>
      </div>
      <div
        className="h-2 overflow-hidden rounded-full bg-slate-800"
        role="progressbar"
        aria-valuenow={percent}
        aria-valuemin={0}
        aria-valuemax={100}
      >
        <div
          className="h-full bg-sky-400 transition-all"
          style={{ width: `${job.job.done ? 100 : percent}%` }}
        />
      </div>
      {step.isError && (
        <div className="flex items-center gap-3">
          <ErrorNote message={step.error.message} />
          <button
            type="button"
            onClick={() => step.mutate({ jobId: job.jobId })}
            className="rounded border border-slate-700 px-3 py-1 text-sm"
          >
            Resume
          </button>
        </div>
      )}
    </div>
  );
}
