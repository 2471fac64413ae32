"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import type { DomainName } from "@/lib/contracts/domains";
import { DataPanel } from "./data/data-panel";
import { DomainActions } from "./domain-actions";
import { ErrorNote } from "./error-note";
import { useLiveChanges } from "./live";
import { RolloutPanel } from "./rollout-panel";
import { ShadowMirrorForm } from "./shadow-mirror-form";
import { SloPolicyForm } from "./slo-policy-form";
import { StateBadge, StatePipeline } from "./state-badge";
import { TimeAgo } from "./time-ago";
import { useTRPC } from "./trpc-provider";

export function DomainDetail({ name }: { name: DomainName }) {
  const trpc = useTRPC();
  const live = useLiveChanges();
  const query = useQuery(
    trpc.migration.get.queryOptions({ domain: name }, { refetchInterval: live.refetchInterval }),
  );
  if (query.isPending) return <p className="text-slate-400">Loading {name}…</p>;
  if (query.isError)
    return <ErrorNote message={`Could not load ${name}: ${query.error.message}`} />;
  const { domain, history } = query.data;
  return (
    <div className="space-y-8">
      <nav className="text-sm text-slate-400">
        <Link href="/" className="hover:text-white">
          Migration board
        </Link>{" "}
        / {domain.displayName}
      </nav>
      <header className="flex flex-wrap items-start justify-between gap-4">
        <div>
          <h1 className="flex items-center gap-3 text-2xl font-semibold tracking-tight">
            {domain.displayName} <StateBadge state={domain.state} weight={domain.canaryWeight} />
          </h1>
          <div className="mt-2">
            <StatePipeline state={domain.state} />
          </div>
        </div>
        <DomainActions domain={domain} />
      </header>

      <dl className="grid gap-4 rounded-xl border border-slate-800 bg-slate-900 p-4 text-sm sm:grid-cols-4">
        <Field label="Path prefix" value={domain.pathPrefix} mono />
        <Field label="Legacy upstream" value={domain.legacyUrl} mono />
        <Field label="Service upstream" value={domain.serviceUrl} mono />
        <Field label="Version" value={String(domain.version)} mono />
      </dl>

      <DataPanel domain={domain.name} />

      <div className="grid gap-4 lg:grid-cols-2">
        <RolloutPanel domain={domain} />
        <SloPolicyForm domain={domain.name} />
        <ShadowMirrorForm domain={domain} />
      </div>

      <section aria-label="history">
        <h2 className="mb-3 text-lg font-semibold">History</h2>
        {history.length === 0 ? (
          <p className="text-sm text-slate-400">
            No change yet: {domain.displayName} has always been on legacy.
          </p>
        ) : (
          <ol className="relative space-y-4 border-l border-slate-700 pl-6" data-testid="history">
            {history.map((h) => (
              <li key={h.id} className="relative">
                <span
                  className={`absolute -left-[1.9rem] top-1.5 h-3 w-3 rounded-full ${h.toState === "legacy" ? "bg-rose-400" : "bg-sky-400"}`}
                />
                <div className="flex flex-wrap items-center gap-2 text-sm">
                  <StateBadge state={h.fromState} weight={h.fromWeight} />
                  <span className="text-slate-500">→</span>
                  <StateBadge state={h.toState} weight={h.toWeight} />
                  <span className="text-slate-400">
                    by <strong className="text-slate-200">{h.actor}</strong> ·{" "}
                    <TimeAgo date={h.at} />
                  </span>
                </div>
                <p className="mt-1 text-sm text-slate-300">“{h.reason}”</p>
              </li>
            ))}
          </ol>
        )}
      </section>
    </div>
  );
}

function Field({ label, value, mono }: { label: string; value: string; mono?: boolean }) {
  return (
    <div>
      <dt className="text-xs uppercase tracking-wide text-slate-500">{label}</dt>
      <dd className={`mt-1 break-all text-slate-200 ${mono ? "font-mono text-xs" : ""}`}>
        {value}
      </dd>
    </div>
  );
}
