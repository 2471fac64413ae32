"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { ShadowPercentInputSchema } from "@/lib/contracts/control";
import type { DomainView } from "./domain-view";
import { ErrorNote } from "./error-note";
import { useCan } from "./operator-context";
import { useTRPC } from "./trpc-provider";
import { FormField, inputClass } from "./ui/form-field";
import { SaveRow } from "./ui/save-row";

/** What the share does in the domain's state now. */
function effectNow(domain: DomainView): string {
  if (domain.state !== "shadow") return "used the next time the domain is in shadow";
  if (domain.shadowPercent === 0) return "mirroring is paused: no parity is measured";
  return "mirrored to the new service now, compared for parity";
}

/**
 * The share of a domain's requests the gateway mirrors to its new service while in shadow
 * (decision 0024): lower it when the mirror costs too much, at the price of slower parity
 * evidence (the parity gate counts compared pairs, not requests).
 */
export function ShadowMirrorForm({ domain }: { domain: DomainView }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const canEdit = useCan("operator");
  const [problems, setProblems] = useState<Partial<Record<"percent" | "reason", string>>>({});
  const save = useMutation(
    trpc.migration.setShadowPercent.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries(trpc.migration.pathFilter());
        await queryClient.invalidateQueries(trpc.audit.pathFilter());
      },
    }),
  );

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    // an empty field is no number (Number("") would be 0: mirroring paused by mistake)
    const percent = String(form.get("percent") ?? "").trim();
    const input = ShadowPercentInputSchema.safeParse({
      domain: domain.name,
      percent: percent === "" ? undefined : Number(percent),
      reason: form.get("reason"),
      expectedVersion: domain.version,
    });
    if (!input.success) {
      const found: typeof problems = {};
      for (const issue of input.error.issues) {
        const field = issue.path[0];
        if ((field === "percent" || field === "reason") && !found[field])
          found[field] = issue.message;
      }
      setProblems(found);
      return;
    }
    setProblems({});
    save.mutate(input.data);
  }

  return (
    <form
      // a new version (this change or anyone's) resets the form to what the server holds
      key={domain.version}
      onSubmit={submit}
      aria-label="Shadow mirroring"
      noValidate
      className="space-y-3 rounded-xl border border-slate-800 bg-slate-900 p-4"
    >
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h2 className="font-semibold">Shadow mirroring</h2>
        <p className="text-sm text-slate-300">
          <strong data-testid="shadow-percent" className="font-mono text-slate-100">
            {domain.shadowPercent} %
          </strong>{" "}
          of requests · {effectNow(domain)}
        </p>
      </div>
      <div className="grid gap-3 sm:grid-cols-[8rem_1fr]">
        <FormField label="Share (%)" error={problems.percent}>
          <input
            name="percent"
            type="number"
            min={0}
            max={100}
            step={1}
            defaultValue={domain.shadowPercent}
            disabled={!canEdit}
            className={`${inputClass} w-full font-mono`}
          />
        </FormField>
        <FormField label="Reason" error={problems.reason}>
          <input
            name="reason"
            type="text"
            placeholder="why the share changes"
            disabled={!canEdit}
            className={`${inputClass} w-full`}
          />
        </FormField>
      </div>
      <SaveRow
        label="Save share"
        disabled={!canEdit || save.isPending}
        saved={save.isSuccess}
        hint={
          canEdit
            ? "Fewer copies cost the gateway and the service less; parity evidence comes slower."
            : "Your role is viewer: operators can change the share"
        }
      />
      {save.error && <ErrorNote message={save.error.message} />}
    </form>
  );
}
