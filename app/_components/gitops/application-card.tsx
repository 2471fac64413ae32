"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { DOMAIN_NAMES } from "@/lib/contracts/domains";
import { ConfirmAction } from "../data/confirm-action";
import { ErrorNote } from "../error-note";
import { useCan } from "../operator-context";
import { TimeAgo } from "../time-ago";
import { useTRPC } from "../trpc-provider";
import { ApplicationDetails } from "./application-details";
import type { ApplicationRow, DomainRollbackResult, DomainRollbackTarget } from "./gitops-types";
import { ImageCompare } from "./image-compare";
import { RollbackPreview } from "./rollback-preview";
import { HealthBadge, Revision, SyncBadge } from "./status-badges";

const DOMAINS = new Set<string>(DOMAIN_NAMES);

/** The domain and environment of a domain service's Application, when it is one. */
function domainTarget(app: ApplicationRow): DomainRollbackTarget | null {
  if (!app.domain || !DOMAINS.has(app.domain) || app.service !== app.domain || !app.environment)
    return null;
  return { domain: app.domain as DomainRollbackTarget["domain"], environment: app.environment };
}
const small =
  "rounded border border-slate-600 px-2 py-1 text-xs hover:bg-slate-800 disabled:opacity-40";

/** One Application: badges, revision, last sync, images, its actions and a drill-down. */
export function ApplicationCard(props: {
  app: ApplicationRow;
  onDomainRollback: (r: DomainRollbackResult) => void;
}) {
  const { app } = props;
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const canOperate = useCan("operator");
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState("");
  const refreshAll = () => queryClient.invalidateQueries(trpc.gitops.pathFilter());
  const sync = useMutation(trpc.gitops.sync.mutationOptions({ onSuccess: refreshAll }));
  const refresh = useMutation(trpc.gitops.refresh.mutationOptions({ onSuccess: refreshAll }));
  const resume = useMutation(trpc.gitops.resumeAutoSync.mutationOptions({ onSuccess: refreshAll }));
  const domainRollback = useMutation(
    trpc.gitops.rollbackDomain.mutationOptions({
      onSuccess: (result) => {
        props.onDomainRollback(result);
        return refreshAll();
      },
    }),
  );
  const error = sync.error ?? refresh.error ?? resume.error ?? domainRollback.error;
  const target = domainTarget(app);
  return (
    <li
      data-testid={`app-${app.name}`}
      className="space-y-3 rounded-lg border border-slate-800 bg-slate-900/60 p-4"
    >
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="space-y-1">
          <div className="flex items-center gap-2">
            <span className="font-mono text-sm font-semibold">{app.name}</span>
            <SyncBadge status={app.syncStatus} />
            <HealthBadge status={app.healthStatus} />
            {app.operationRunning && <span className="text-xs text-sky-300">syncing…</span>}
            {!app.autoSync && (
              <span className="text-xs text-amber-300" data-testid="auto-sync-off">
                auto-sync {app.pausedPolicy ? "paused" : "off"}
              </span>
            )}
          </div>
          <div className="text-xs text-slate-400">
            revision <Revision value={app.revision} /> · tracks{" "}
            <Revision value={app.targetRevision} />
            {app.lastSync && (
              <>
                {" "}
                · last sync <span data-testid="last-sync-phase">{app.lastSync.phase}</span>
                {app.lastSync.finishedAt && (
                  <>
                    {" "}
                    <TimeAgo date={new Date(app.lastSync.finishedAt)} />
                  </>
                )}
              </>
            )}
          </div>
        </div>
        <ImageCompare app={app} />
      </div>
      <div className="flex flex-wrap gap-2">
        <button type="button" className={small} onClick={() => setOpen(!open)} aria-expanded={open}>
          {open ? "Hide" : "Details"}
        </button>
        {canOperate && (
          <>
            <button
              type="button"
              className={small}
              disabled={sync.isPending || app.operationRunning}
              onClick={() => sync.mutate({ name: app.name })}
            >
              Sync
            </button>
            <button
              type="button"
              className={small}
              disabled={refresh.isPending}
              onClick={() => refresh.mutate({ name: app.name, kind: "normal" })}
            >
              Refresh
            </button>
            {app.pausedPolicy && (
              <button
                type="button"
                className={small}
                disabled={resume.isPending}
                onClick={() => resume.mutate({ name: app.name })}
              >
                Resume auto-sync
              </button>
            )}
            {target && (
              <ConfirmAction
                label="Roll back domain"
                title={`Roll back ${target.domain} (${target.environment})?`}
                confirmLabel="Roll back now"
                tone="caution"
                disabled={domainRollback.isPending}
                onConfirm={() =>
                  domainRollback.mutate({
                    ...target,
                    reason: reason.trim() || "rolled back from the GitOps page",
                  })
                }
              >
                <div className="space-y-3">
                  <p>
                    In one step: route {target.domain} back to legacy (writes fenced until the sync
                    drains), pause auto-sync on {app.name}, and roll it back to the last revision
                    that ended Healthy.
                  </p>
                  <RollbackPreview target={target} />
                  <label className="block">
                    <span className="text-xs text-slate-400">Reason</span>
                    <input
                      value={reason}
                      onChange={(e) => setReason(e.target.value)}
                      placeholder="what went wrong"
                      className="mt-1 w-full rounded border border-slate-700 bg-slate-950 px-2 py-1"
                    />
                  </label>
                </div>
              </ConfirmAction>
            )}
          </>
        )}
        {domainRollback.isPending && <span className="text-xs text-slate-400">rolling back…</span>}
      </div>
      {error && <ErrorNote message={error.message} />}
      {open && <ApplicationDetails app={app} />}
    </li>
  );
}
