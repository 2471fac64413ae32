"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { trafficOnNewService } from "@/lib/contracts/domains";
import { DataHealthSummary } from "./data/data-health-badge";
import { DomainActions } from "./domain-actions";
import { ErrorNote } from "./error-note";
import { HealthBadge } from "./gitops/status-badges";
import { GuardAlerts } from "./guard-alerts";
import { LIVE_REFRESH_MS, useLiveChanges } from "./live";
import { ParityBadge } from "./parity-badge";
import { RolloutStatus } from "./rollout-status";
import { StateBadge, StatePipeline } from "./state-badge";
import { TimeAgo } from "./time-ago";
import { useTRPC } from "./trpc-provider";

export function MigrationBoard() {
  const trpc = useTRPC();
  const live = useLiveChanges();
  const board = useQuery(
    trpc.migration.board.queryOptions(undefined, { refetchInterval: live.refetchInterval }),
  );
  // The data sync's state is not in the change stream (it lives in its own worker's tables).
  const data = useQuery(
    trpc.data.overview.queryOptions(undefined, { refetchInterval: LIVE_REFRESH_MS }),
  );
  // Argo CD's view of each domain's production Application (read from the console's watch cache)
  const argo = useQuery(
    trpc.gitops.domainHealth.queryOptions(undefined, { refetchInterval: 5_000 }),
  );
  if (board.isPending) return <p className="text-slate-400">Loading the board…</p>;
  if (board.isError)
    return <ErrorNote message={`Could not load the board: ${board.error.message}`} />;
  const { domains, progress, alerts } = board.data;
  return (
    <div className="space-y-8" data-live={live.connected ? "push" : "poll"}>
      <GuardAlerts alerts={alerts} />
      <section aria-label="overall progress" className="grid gap-4 sm:grid-cols-3">
        <Stat
          label="Domains migrated"
          testId="progress-migrated"
          value={`${progress.migrated} / ${progress.total}`}
        />
        <Stat
          label="Traffic on new services"
          testId="progress-traffic"
          value={`${progress.trafficOnNewServicePercent} %`}
          bar={progress.trafficOnNewServicePercent}
        />
        <Stat
          label="In flight"
          testId="progress-in-flight"
          value={`${progress.shadow} shadow · ${progress.canary} canary`}
        />
      </section>

      <section aria-label="domains" className="overflow-hidden rounded-xl border border-slate-800">
        <table className="w-full text-sm">
          <thead className="bg-slate-900 text-left text-xs uppercase tracking-wide text-slate-400">
            <tr>
              <th className="px-4 py-3">Domain</th>
              <th className="px-4 py-3">State</th>
              <th className="px-4 py-3">Progress</th>
              <th className="px-4 py-3">Parity</th>
              <th className="px-4 py-3">Data</th>
              <th className="px-4 py-3">New-service traffic</th>
              <th className="px-4 py-3">Last change</th>
              <th className="px-4 py-3 text-right">Actions</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-800">
            {domains.map((d) => {
              const share = trafficOnNewService(d);
              const dataStatus = data.data?.find((status) => status.domain === d.name);
              const app = argo.data?.domains.find((a) => a.domain === d.name)?.environments
                .production;
              return (
                <tr
                  key={d.name}
                  data-testid={`domain-row-${d.name}`}
                  className="bg-slate-950 hover:bg-slate-900/60"
                >
                  <td className="px-4 py-3">
                    <Link
                      href={`/domains/${d.name}`}
                      className="font-medium text-sky-300 hover:underline"
                    >
                      {d.displayName}
                    </Link>
                    <div className="font-mono text-xs text-slate-500">{d.pathPrefix}</div>
                  </td>
                  <td className="px-4 py-3">
                    <StateBadge state={d.state} weight={d.canaryWeight} />
                    {app && (
                      <div
                        className="mt-1 flex items-center gap-1 text-xs text-slate-500"
                        title={`Argo CD ${app.application}: ${app.sync}`}
                        data-testid="argo-health"
                      >
                        prod <HealthBadge status={app.health} />
                      </div>
                    )}
                  </td>
                  <td className="px-4 py-3">
                    <StatePipeline state={d.state} />
                    {d.plan && <RolloutStatus plan={d.plan} />}
                  </td>
                  <td className="px-4 py-3">
                    <ParityBadge
                      domain={d.name}
                      percent={d.parity.percent}
                      compared={d.parity.compared}
                    />
                    {d.state === "shadow" && d.shadowPercent < 100 && (
                      <div className="text-xs text-slate-500" data-testid="shadow-share">
                        {d.shadowPercent === 0
                          ? "mirror paused"
                          : `mirrors ${d.shadowPercent} % of requests`}
                      </div>
                    )}
                  </td>
                  <td className="max-w-[13rem] px-4 py-3" data-testid="data-column">
                    {dataStatus ? (
                      <DataHealthSummary
                        health={dataStatus.health}
                        summary={dataStatus.summary}
                        href={`/domains/${d.name}`}
                      />
                    ) : (
                      <span className="text-xs text-slate-500">
                        {data.isError ? "unavailable" : "—"}
                      </span>
                    )}
                  </td>
                  <td className="px-4 py-3">
                    <div className="flex items-center gap-2">
                      <div className="h-2 w-24 overflow-hidden rounded-full bg-slate-800">
                        <div className="h-full bg-sky-400" style={{ width: `${share}%` }} />
                      </div>
                      <span
                        className="font-mono text-xs text-slate-300"
                        data-testid="traffic-share"
                      >
                        {share} %
                      </span>
                    </div>
                  </td>
                  <td className="px-4 py-3 text-slate-300">
                    <TimeAgo date={d.updatedAt} />
                    <div className="text-xs text-slate-500" data-testid="updated-by">
                      by {d.updatedBy}
                    </div>
                  </td>
                  <td className="px-4 py-3">
                    <DomainActions domain={d} compact />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </section>
    </div>
  );
}

function Stat(props: { label: string; value: string; testId: string; bar?: number }) {
  return (
    <div className="rounded-xl border border-slate-800 bg-slate-900 p-4">
      <div className="text-xs uppercase tracking-wide text-slate-400">{props.label}</div>
      <div className="mt-1 text-2xl font-semibold" data-testid={props.testId}>
        {props.value}
      </div>
      {props.bar !== undefined && (
        <div className="mt-3 h-1.5 overflow-hidden rounded-full bg-slate-800">
          <div className="h-full bg-emerald-400" style={{ width: `${props.bar}%` }} />
        </div>
      )}
    </div>
  );
}
