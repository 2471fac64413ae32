"use client";

import { useQuery } from "@tanstack/react-query";
import type { DomainName } from "@/lib/contracts/domains";
import { ErrorNote } from "../error-note";
import { LIVE_REFRESH_MS } from "../live";
import { useTRPC } from "../trpc-provider";
import { BackfillCard } from "./backfill-card";
import { ConflictList } from "./conflict-list";
import { DataHealthBadge } from "./data-health-badge";
import { QuarantineList } from "./quarantine-list";
import { SyncLagCard } from "./sync-lag-card";
import { DifferenceList, VerificationCard } from "./verification-card";

/**
 * A domain's data on its way to the service (docs/decisions/0011): backfill, sync lag both
 * ways, the last verification and its differences, quarantined changes and conflicts; live.
 */
export function DataPanel({ domain }: { domain: DomainName }) {
  const trpc = useTRPC();
  const status = useQuery(
    trpc.data.status.queryOptions({ domain }, { refetchInterval: LIVE_REFRESH_MS }),
  );
  return (
    <section
      aria-label="data"
      data-testid="data-panel"
      className="space-y-4 rounded-xl border border-slate-800 bg-slate-900 p-4"
    >
      <header className="flex flex-wrap items-center gap-x-3 gap-y-1">
        <h2 className="font-semibold">Data</h2>
        {status.data && (
          <>
            <DataHealthBadge health={status.data.health} />
            <span className="text-sm text-slate-400" data-testid="data-summary">
              {status.data.summary}
            </span>
          </>
        )}
        <span className="ml-auto text-xs text-slate-500">
          canary and migrated need: backfill complete, lag within bounds, a recent clean
          verification
        </span>
      </header>
      {status.isPending && <p className="text-sm text-slate-400">Loading the data status…</p>}
      {status.isError && (
        <ErrorNote message={`Could not load the data status: ${status.error.message}`} />
      )}
      {status.data === null && <ErrorNote message={`No data status for ${domain}.`} />}
      {status.data && (
        <>
          <div className="grid gap-4 lg:grid-cols-3">
            <BackfillCard status={status.data} />
            <SyncLagCard status={status.data} />
            <VerificationCard status={status.data} />
          </div>
          <DifferenceList status={status.data} />
          <QuarantineList domain={domain} open={status.data.openQuarantine} />
          <ConflictList domain={domain} count={status.data.conflicts} />
        </>
      )}
    </section>
  );
}
