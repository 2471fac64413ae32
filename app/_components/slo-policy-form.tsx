"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { FormEvent } from "react";
import type { DomainName } from "@/lib/contracts/domains";
import { ErrorNote } from "./error-note";
import { useCan } from "./operator-context";
import { useTRPC } from "./trpc-provider";
import { FormField, inputClass } from "./ui/form-field";
import { SaveRow } from "./ui/save-row";

/** The domain's SLO: what makes slo-guard roll a canary or migrated domain back. */
export function SloPolicyForm({ domain }: { domain: DomainName }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const canEdit = useCan("operator");
  const policy = useQuery(trpc.rollout.policy.queryOptions({ domain }));
  const save = useMutation(
    trpc.rollout.updatePolicy.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries(trpc.rollout.policy.queryFilter({ domain })),
    }),
  );
  if (!policy.data) return null;
  const p = policy.data;

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    save.mutate({
      domain,
      maxErrorRate: Number(form.get("maxErrorPercent")) / 100,
      maxP99Ms: Number(form.get("maxP99Ms")),
      minRequests: Number(form.get("minRequests")),
      windowSeconds: Number(form.get("windowSeconds")),
      enabled: form.get("enabled") === "on",
      expectedVersion: p.version,
    });
  }

  return (
    <form
      key={p.version}
      onSubmit={submit}
      aria-label="SLO policy"
      className="space-y-3 rounded-xl border border-slate-800 bg-slate-900 p-4"
    >
      <h2 className="font-semibold">SLO policy (slo-guard)</h2>
      <div className="grid gap-3 sm:grid-cols-4">
        <FormField label="Max error rate (%)">
          <input
            name="maxErrorPercent"
            type="number"
            step="0.1"
            min={0}
            max={100}
            defaultValue={p.maxErrorRate * 100}
            className={`${inputClass} w-full font-mono`}
          />
        </FormField>
        <FormField label="Max p99 (ms)">
          <input
            name="maxP99Ms"
            type="number"
            min={1}
            defaultValue={p.maxP99Ms}
            className={`${inputClass} w-full font-mono`}
          />
        </FormField>
        <FormField label="Min requests">
          <input
            name="minRequests"
            type="number"
            min={1}
            defaultValue={p.minRequests}
            className={`${inputClass} w-full font-mono`}
          />
        </FormField>
        <FormField label="Window (s)">
          <input
            name="windowSeconds"
            type="number"
            min={1}
            max={60}
            defaultValue={p.windowSeconds}
            className={`${inputClass} w-full font-mono`}
          />
        </FormField>
      </div>
      <SaveRow label="Save policy" disabled={!canEdit || save.isPending} saved={save.isSuccess}>
        <label className="flex items-center gap-2 text-sm">
          <input name="enabled" type="checkbox" defaultChecked={p.enabled} /> enforce
        </label>
      </SaveRow>
      {save.error && <ErrorNote message={save.error.message} />}
    </form>
  );
}
