"use client";

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { ErrorNote } from "../error-note";
import { LIVE_REFRESH_MS } from "../live";
import { useTRPC } from "../trpc-provider";
import { ApplicationCard } from "./application-card";
import { DesiredStateTable } from "./desired-state-table";
import type { DomainRollbackResult, GitopsOverview } from "./gitops-types";
import { RollbackResult } from "./rollback-result";

function ClusterNote({ cluster }: { cluster: GitopsOverview["cluster"] }) {
  if (!cluster.configured) {
    return (
      <p
        data-testid="no-cluster"
        className="rounded border border-slate-700 bg-slate-900 px-3 py-2 text-sm text-slate-300"
      >
        {cluster.message}
      </p>
    );
  }
  if (cluster.state === "error") {
    return (
      <ErrorNote
        message={`The Kubernetes API is not answering: ${cluster.message}. Showing the last known state.`}
      />
    );
  }
  return (
    <p className="text-xs text-slate-500" data-testid="cluster-state">
      watching Applications in <code>{cluster.namespace}</code> · {cluster.state}
      {cluster.resourceVersion && <> · resourceVersion {cluster.resourceVersion}</>}
    </p>
  );
}

/** Every Argo CD Application by environment, with the overlays' desired images beside them. */
export function GitopsView() {
  const trpc = useTRPC();
  const overview = useQuery(
    trpc.gitops.overview.queryOptions(undefined, { refetchInterval: LIVE_REFRESH_MS }),
  );
  const [lastRollback, setLastRollback] = useState<DomainRollbackResult | null>(null);
  if (overview.isPending) return <p className="text-slate-400">Reading Argo CD…</p>;
  if (overview.isError)
    return <ErrorNote message={`Could not read Argo CD: ${overview.error.message}`} />;
  const { cluster, environments, other } = overview.data;
  return (
    <div className="space-y-6">
      <ClusterNote cluster={cluster} />
      {lastRollback && <RollbackResult result={lastRollback} />}
      {environments.map((group) => (
        <section
          key={group.environment}
          data-testid={`env-${group.environment}`}
          className="space-y-3"
        >
          <h2 className="text-lg font-semibold capitalize">{group.environment}</h2>
          {cluster.configured ? (
            group.applications.length > 0 ? (
              <ul className="space-y-3">
                {group.applications.map((app) => (
                  <ApplicationCard key={app.name} app={app} onDomainRollback={setLastRollback} />
                ))}
              </ul>
            ) : (
              <p className="text-sm text-slate-500">
                No Applications labelled for {group.environment}.
              </p>
            )
          ) : group.desired ? (
            <DesiredStateTable desired={group.desired} />
          ) : null}
        </section>
      ))}
      {other.length > 0 && (
        <section className="space-y-3">
          <h2 className="text-lg font-semibold">Other Applications</h2>
          <ul className="space-y-3">
            {other.map((app) => (
              <ApplicationCard key={app.name} app={app} onDomainRollback={setLastRollback} />
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}
