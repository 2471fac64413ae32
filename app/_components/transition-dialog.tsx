"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useRef, useState } from "react";
import { type MigrationState, NEXT_STATES } from "@/lib/contracts/domains";
import { DataHealthBadge } from "./data/data-health-badge";
import type { DomainView } from "./domain-view";
import { ErrorNote } from "./error-note";
import { LIVE_REFRESH_MS } from "./live";
import { useCan } from "./operator-context";
import { useTRPC } from "./trpc-provider";
import { FormField, inputClass } from "./ui/form-field";

type Props = { domain: DomainView; mode: "advance" | "rollback"; onClose: () => void };

/** The moves that hand the service writes, which the server's data gate checks (ADR 0011). */
function needsDataGate(from: MigrationState, to: MigrationState): boolean {
  return (from === "shadow" && to === "canary") || (from === "canary" && to === "migrated");
}

function suggestedWeight(domain: DomainView): number {
  if (domain.state !== "canary") return 10;
  return Math.min(100, Math.max(domain.canaryWeight * 2, domain.canaryWeight + 5));
}

/** Confirms a migration change and asks for its reason; the server re-checks everything. */
export function TransitionDialog({ domain, mode, onClose }: Props) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const dialog = useRef<HTMLDialogElement>(null);
  const choices = NEXT_STATES[domain.state];
  const [to, setTo] = useState<MigrationState>(choices[0] ?? "legacy");
  const [weight, setWeight] = useState(suggestedWeight(domain));
  const [reason, setReason] = useState("");
  const [overrideParity, setOverrideParity] = useState(false);
  const [overrideData, setOverrideData] = useState(false);
  const isAdmin = useCan("admin");
  const dataGated = mode === "advance" && needsDataGate(domain.state, to);
  const data = useQuery({
    ...trpc.data.status.queryOptions({ domain: domain.name }, { refetchInterval: LIVE_REFRESH_MS }),
    enabled: dataGated,
  });

  useEffect(() => {
    dialog.current?.showModal();
  }, []);

  const onDone = {
    onSuccess: async () => {
      await queryClient.invalidateQueries(trpc.migration.pathFilter());
      await queryClient.invalidateQueries(trpc.audit.pathFilter());
      onClose();
    },
  };
  const transition = useMutation(trpc.migration.transition.mutationOptions(onDone));
  const rollback = useMutation(trpc.migration.rollback.mutationOptions(onDone));
  const pending = transition.isPending || rollback.isPending;
  const error = transition.error ?? rollback.error;

  function submit(event: FormEvent) {
    event.preventDefault();
    if (mode === "rollback") {
      rollback.mutate({ domain: domain.name, reason, expectedVersion: domain.version });
    } else {
      transition.mutate({
        domain: domain.name,
        to,
        weight: to === "canary" ? weight : undefined,
        reason,
        expectedVersion: domain.version,
        overrideParity: overrideParity || undefined,
        overrideData: (dataGated && overrideData) || undefined,
      });
    }
  }

  const target = mode === "rollback" ? "legacy" : to === "canary" ? `canary ${weight} %` : to;
  return (
    <dialog
      ref={dialog}
      onClose={onClose}
      aria-labelledby="transition-title"
      className="m-auto w-full max-w-md rounded-xl border border-slate-700 bg-slate-900 p-0 text-slate-100"
    >
      <form onSubmit={submit} className="space-y-4 p-6">
        <h2 id="transition-title" className="text-lg font-semibold">
          {mode === "rollback"
            ? `Roll ${domain.displayName} back to legacy`
            : `Advance ${domain.displayName}`}
        </h2>
        <p className="text-sm text-slate-400">
          Now: <strong className="text-slate-200">{domain.state}</strong>
          {domain.state === "canary" && ` at ${domain.canaryWeight} %`} (version {domain.version})
        </p>
        {mode === "advance" && (
          <fieldset className="space-y-2">
            <legend className="text-sm text-slate-300">Move to</legend>
            <div className="flex gap-2">
              {choices.map((state) => (
                <label
                  key={state}
                  className="flex items-center gap-1.5 rounded border border-slate-700 px-3 py-1.5 text-sm"
                >
                  <input
                    type="radio"
                    name="to"
                    value={state}
                    checked={to === state}
                    onChange={() => setTo(state)}
                  />
                  {state === domain.state ? `${state} (new weight)` : state}
                </label>
              ))}
            </div>
          </fieldset>
        )}
        {mode === "advance" && to === "canary" && (
          <FormField label="Share of users on the new service (%)">
            <input
              name="weight"
              type="number"
              min={1}
              max={100}
              required
              value={weight}
              onChange={(e) => setWeight(Number(e.target.value))}
              className={`${inputClass} w-32 font-mono`}
            />
          </FormField>
        )}
        {mode === "advance" && domain.state === "shadow" && to === "canary" && isAdmin && (
          <label className="flex items-center gap-2 text-sm text-amber-200">
            <input
              type="checkbox"
              checked={overrideParity}
              onChange={(e) => setOverrideParity(e.target.checked)}
            />
            Override the parity threshold (admin; the reason must say why)
          </label>
        )}
        {dataGated && data.data && (
          <p className="flex flex-wrap items-center gap-2 text-sm" data-testid="transition-data">
            <span className="text-slate-300">Data:</span>
            <DataHealthBadge health={data.data.health} />
            <span className="text-slate-400">{data.data.summary}</span>
          </p>
        )}
        {dataGated && isAdmin && (
          <label className="flex items-center gap-2 text-sm text-amber-200">
            <input
              type="checkbox"
              checked={overrideData}
              onChange={(e) => setOverrideData(e.target.checked)}
            />
            Override the data gate (admin; the reason must say why)
          </label>
        )}
        <FormField label="Reason (recorded in the audit log)">
          <textarea
            name="reason"
            required
            minLength={3}
            maxLength={500}
            rows={3}
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            className={`${inputClass} w-full`}
          />
        </FormField>
        {error && <ErrorNote message={error.message} />}
        <div className="flex justify-end gap-2">
          <button
            type="button"
            onClick={onClose}
            className="rounded px-3 py-1.5 text-sm text-slate-300 hover:bg-slate-800"
          >
            Cancel
          </button>
          <button
            type="submit"
            disabled={pending}
            className={`rounded px-3 py-1.5 text-sm font-medium text-slate-950 disabled:opacity-50 ${mode === "rollback" ? "bg-rose-400 hover:bg-rose-300" : "bg-sky-400 hover:bg-sky-300"}`}
          >
            {pending ? "Applying…" : `Confirm: ${target}`}
          </button>
        </div>
      </form>
    </dialog>
  );
}
