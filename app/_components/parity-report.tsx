"use client";

import { useQuery } from "@tanstack/react-query";
import { useRouter, useSearchParams } from "next/navigation";
import { Suspense } from "react";
import { DOMAIN_NAMES, type DomainName, DomainNameSchema } from "@/lib/contracts/domains";
import { ErrorNote } from "./error-note";
import { LIVE_REFRESH_MS } from "./live";
import type { RouterOutputs } from "./router-types";
import { TraceLink } from "./trace-link";
import { useTRPC } from "./trpc-provider";
import { type Column, DataTable } from "./ui/data-table";

function pretty(text: string | null | undefined): string {
  if (text === null || text === undefined) return "";
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

type FieldDiff = RouterOutputs["gateway"]["parity"]["samples"][number]["diffs"][number];
const shown = (value: unknown) => (value === undefined ? "(missing)" : JSON.stringify(value));

/** One row per differing field: its path, the legacy value and the service's. */
function diffColumns(legacyStatus: number, serviceStatus: number): Column<FieldDiff>[] {
  return [
    { header: "Field", cellClassName: "font-mono text-xs text-slate-300", cell: (d) => d.path },
    {
      header: `Legacy (${legacyStatus})`,
      cellClassName: "font-mono text-xs text-rose-200",
      cell: (d) => shown(d.legacy),
    },
    {
      header: `Service (${serviceStatus})`,
      cellClassName: "font-mono text-xs text-emerald-200",
      cell: (d) => shown(d.service),
    },
  ];
}

function Report() {
  const trpc = useTRPC();
  const router = useRouter();
  const params = useSearchParams();
  const parsed = DomainNameSchema.safeParse(params.get("domain"));
  const domain: DomainName = parsed.success ? parsed.data : "learning";
  const report = useQuery(
    trpc.gateway.parity.queryOptions({ domain }, { refetchInterval: LIVE_REFRESH_MS }),
  );
  return (
    <div className="space-y-4">
      <nav aria-label="domains" className="flex flex-wrap gap-2">
        {DOMAIN_NAMES.map((d) => (
          <button
            key={d}
            type="button"
            onClick={() => router.replace(`/parity?domain=${d}`)}
            className={`rounded-full border px-3 py-1 text-sm ${d === domain ? "border-sky-500 bg-sky-950 text-sky-200" : "border-slate-700 text-slate-300"}`}
          >
            {d}
          </button>
        ))}
      </nav>
      {report.isError && <ErrorNote message={report.error.message} />}
      {report.data && (
        <>
          <p className="text-sm text-slate-300" data-testid="parity-summary">
            {report.data.percent === null
              ? "No request compared yet: put the domain in shadow and send traffic through the gateway."
              : `${report.data.percent.toFixed(2)} % match over ${report.data.compared} compared requests (${report.data.mismatched} mismatches).`}
          </p>
          {report.data.samples.map((s) => (
            <article
              key={`${s.at}-${s.path}`}
              className="space-y-2 rounded-xl border border-slate-800 bg-slate-900 p-4"
              data-testid="parity-sample"
            >
              <header className="flex flex-wrap gap-x-4 text-sm">
                <span className="font-mono">
                  {s.method} {s.path}
                </span>
                {s.route && <span className="text-slate-400">{s.route}</span>}
                {s.traceId && <TraceLink traceId={s.traceId} />}
                <span className="ml-auto text-slate-500">{new Date(s.at).toLocaleString()}</span>
              </header>
              <DataTable
                bare
                columns={diffColumns(s.legacyStatus, s.serviceStatus)}
                rows={s.diffs}
                rowKey={(d) => d.path}
                empty="No field differs."
              />
              <details className="text-xs">
                <summary className="cursor-pointer text-slate-400">
                  Both bodies side by side
                </summary>
                <div className="mt-2 grid gap-2 md:grid-cols-2">
                  <pre className="overflow-auto rounded bg-slate-950 p-2">
                    {pretty(s.legacyBody)}
                  </pre>
                  <pre className="overflow-auto rounded bg-slate-950 p-2">
                    {pretty(s.serviceBody)}
                  </pre>
                </div>
              </details>
            </article>
          ))}
        </>
      )}
    </div>
  );
}

export function ParityReport() {
  return (
    <Suspense>
      <Report />
    </Suspense>
  );
}
