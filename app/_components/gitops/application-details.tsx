"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { ConfirmAction } from "../data/confirm-action";
import { ErrorNote } from "../error-note";
import { useCan } from "../operator-context";
import { useTRPC } from "../trpc-provider";
import type { ApplicationRow } from "./gitops-types";
import { HealthBadge, Revision } from "./status-badges";

/** Resources with their health, and the deploy history with a rollback per entry (admin). */
export function ApplicationDetails({ app }: { app: ApplicationRow }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const isAdmin = useCan("admin");
  const rollback = useMutation(
    trpc.gitops.rollback.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries(trpc.gitops.pathFilter()),
    }),
  );
  const current = app.revision;
  return (
    <div
      className="grid gap-4 border-t border-slate-800 pt-3 md:grid-cols-2"
      data-testid={`details-${app.name}`}
    >
      <div>
        <h4 className="mb-1 text-xs uppercase tracking-wide text-slate-500">Resources</h4>
        <table className="w-full text-xs">
          <tbody>
            {app.resources.map((r) => (
              <tr
                key={`${r.group}/${r.kind}/${r.namespace}/${r.name}`}
                className="border-t border-slate-800"
              >
                <td className="py-1 text-slate-400">{r.kind}</td>
                <td className="py-1 font-mono">{r.name}</td>
                <td className="py-1">{r.status}</td>
                <td className="py-1">{r.health ? <HealthBadge status={r.health} /> : null}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div>
        <h4 className="mb-1 text-xs uppercase tracking-wide text-slate-500">History</h4>
        {rollback.error && <ErrorNote message={rollback.error.message} />}
        <table className="w-full text-xs">
          <tbody>
            {app.history.map((h) => (
              <tr
                key={h.id}
                className="border-t border-slate-800"
                data-testid={`history-${app.name}-${h.id}`}
              >
                <td className="py-1 text-slate-500">#{h.id}</td>
                <td className="py-1">
                  <Revision value={h.revision} />
                </td>
                <td className="py-1 text-slate-400">{new Date(h.deployedAt).toLocaleString()}</td>
                <td className="py-1 text-slate-400">{h.initiatedBy ?? ""}</td>
                <td className="py-1 text-right">
                  {isAdmin && h.revision !== current && (
                    <ConfirmAction
                      label="Roll back"
                      title={`Roll ${app.name} back to #${h.id}?`}
                      confirmLabel="Roll back"
                      tone="caution"
                      disabled={rollback.isPending}
                      hint={app.autoSync ? "Argo CD refuses this while auto-sync is on" : undefined}
                      onConfirm={() => rollback.mutate({ name: app.name, historyId: h.id })}
                    >
                      Argo CD syncs revision <Revision value={h.revision} /> with its source from
                      that deploy.
                      {app.autoSync && " Auto-sync is on: Argo CD will refuse until it is paused."}
                    </ConfirmAction>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
