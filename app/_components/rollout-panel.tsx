"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import type { DomainView } from "./domain-view";
import { ErrorNote } from "./error-note";
import { LIVE_REFRESH_MS } from "./live";
import { useCan } from "./operator-context";
import { RolloutStatus } from "./rollout-status";
import { useTRPC } from "./trpc-provider";
import { FormField, inputClass } from "./ui/form-field";

function numbers(text: string): number[] {
  return text
    .split(/[\s,]+/)
    .filter(Boolean)
    .map(Number);
}

/** The domain's rollout plan: its progress and controls, or a form to start one. */
export function RolloutPanel({ domain }: { domain: DomainView }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const canOperate = useCan("operator");
  const plan = useQuery(
    trpc.rollout.active.queryOptions({ domain: domain.name }, { refetchInterval: LIVE_REFRESH_MS }),
  );
  const [reason, setReason] = useState("");
  const [steps, setSteps] = useState("1, 5, 25, 50, 100");
  const [holds, setHolds] = useState("60");
  const refresh = async () => {
    setReason("");
    await queryClient.invalidateQueries(trpc.rollout.pathFilter());
    await queryClient.invalidateQueries(trpc.migration.pathFilter());
  };
  const options = { onSuccess: refresh };
  const start = useMutation(trpc.rollout.start.mutationOptions(options));
  const promote = useMutation(trpc.rollout.promote.mutationOptions(options));
  const pause = useMutation(trpc.rollout.pause.mutationOptions(options));
  const resume = useMutation(trpc.rollout.resume.mutationOptions(options));
  const abort = useMutation(trpc.rollout.abort.mutationOptions(options));
  const error = start.error ?? promote.error ?? pause.error ?? resume.error ?? abort.error;

  function submitStart(event: FormEvent) {
    event.preventDefault();
    const stepList = numbers(steps);
    const holdList = numbers(holds);
    start.mutate({
      domain: domain.name,
      steps: stepList,
      holdSeconds: holdList.length === 1 ? stepList.map(() => holdList[0] as number) : holdList,
      reason,
      expectedVersion: domain.version,
    });
  }

  const active = plan.data;
  return (
    <section
      aria-label="rollout"
      className="space-y-3 rounded-xl border border-slate-800 bg-slate-900 p-4"
    >
      <h2 className="font-semibold">Progressive rollout</h2>
      {active ? (
        <>
          <ol className="flex flex-wrap gap-2" aria-label="rollout steps">
            {active.steps.map((w, i) => (
              <li
                key={w}
                className={`rounded-full border px-2.5 py-0.5 font-mono text-xs ${i < active.currentStep ? "border-sky-800 text-sky-400" : i === active.currentStep ? "border-sky-400 bg-sky-950 text-sky-100" : "border-slate-700 text-slate-500"}`}
              >
                {w} % · {active.holdSeconds[i]} s
              </li>
            ))}
            <li className="rounded-full border border-slate-700 px-2.5 py-0.5 font-mono text-xs text-slate-500">
              migrated
            </li>
          </ol>
          <p className="text-sm">
            <RolloutStatus plan={active} />{" "}
            <span className="text-slate-500">· started by {active.createdBy}</span>
          </p>
          <FormField label="Reason for the next action">
            <input
              className={`${inputClass} w-full`}
              value={reason}
              onChange={(e) => setReason(e.target.value)}
              placeholder="why"
            />
          </FormField>
          <div className="flex flex-wrap gap-2" role="toolbar" aria-label="rollout controls">
            {active.status === "running" ? (
              <button
                type="button"
                disabled={!canOperate}
                className="rounded border border-slate-600 px-3 py-1 text-sm disabled:opacity-40"
                onClick={() => pause.mutate({ domain: domain.name, reason })}
              >
                Pause
              </button>
            ) : (
              <button
                type="button"
                disabled={!canOperate}
                className="rounded border border-slate-600 px-3 py-1 text-sm disabled:opacity-40"
                onClick={() => resume.mutate({ domain: domain.name, reason })}
              >
                Resume
              </button>
            )}
            <button
              type="button"
              disabled={!canOperate}
              className="rounded bg-sky-500 px-3 py-1 text-sm font-medium text-slate-950 disabled:opacity-40"
              onClick={() => promote.mutate({ domain: domain.name, reason })}
            >
              Promote now
            </button>
            <button
              type="button"
              disabled={!canOperate}
              className="rounded border border-rose-700 px-3 py-1 text-sm text-rose-200 disabled:opacity-40"
              onClick={() => abort.mutate({ domain: domain.name, reason })}
            >
              Abort (back to legacy)
            </button>
          </div>
        </>
      ) : domain.state === "shadow" || domain.state === "canary" ? (
        <form
          onSubmit={submitStart}
          className="grid gap-3 sm:grid-cols-3"
          aria-label="start rollout"
        >
          <FormField label="Canary steps (%)">
            <input
              className={`${inputClass} w-full`}
              value={steps}
              onChange={(e) => setSteps(e.target.value)}
            />
          </FormField>
          <FormField label="Hold per step (s; one value or one per step)">
            <input
              className={`${inputClass} w-full`}
              value={holds}
              onChange={(e) => setHolds(e.target.value)}
            />
          </FormField>
          <FormField label="Reason">
            <input
              className={`${inputClass} w-full`}
              value={reason}
              onChange={(e) => setReason(e.target.value)}
              required
              minLength={3}
            />
          </FormField>
          <div className="sm:col-span-3">
            <button
              type="submit"
              disabled={!canOperate || start.isPending}
              className="rounded bg-sky-500 px-3 py-1.5 text-sm font-medium text-slate-950 disabled:opacity-40"
            >
              Start rollout
            </button>
            <span className="ml-3 text-xs text-slate-500">
              slo-guard promotes after each healthy hold and rolls back on a breach.
            </span>
          </div>
        </form>
      ) : (
        <p className="text-sm text-slate-400">
          A rollout starts from shadow or canary; {domain.displayName} is {domain.state}.
        </p>
      )}
      {error && <ErrorNote message={error.message} />}
    </section>
  );
}
