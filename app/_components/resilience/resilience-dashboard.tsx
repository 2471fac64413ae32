"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ErrorNote } from "../error-note";
import { useLiveChanges } from "../live";
import { useCan } from "../operator-context";
import { useTRPC } from "../trpc-provider";
import { UpstreamChart } from "./upstream-chart";

const stateStyle = {
  closed: "border-emerald-700 bg-emerald-950 text-emerald-200",
  "half-open": "border-amber-600 bg-amber-950 text-amber-200",
  open: "border-rose-600 bg-rose-950 text-rose-200",
} as const;

export function ResilienceDashboard() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const isAdmin = useCan("admin");
  const live = useLiveChanges();
  const stats = useQuery(
    trpc.gateway.stats.queryOptions(undefined, { refetchInterval: live.refetchInterval }),
  );
  const force = useMutation(
    trpc.gateway.forceBreaker.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries(trpc.gateway.pathFilter()),
    }),
  );
  if (stats.isPending) return <p className="text-slate-400">Reading the gateways…</p>;
  if (stats.isError)
    return <ErrorNote message={`Could not read the gateway statistics: ${stats.error.message}`} />;
  if (stats.data.upstreams.length === 0) {
    return (
      <p className="text-slate-400" data-testid="no-gateway">
        No gateway has reported in the last 10 s. Start the platform (`npm start`) and send traffic
        through http://127.0.0.1:8080.
      </p>
    );
  }
  return (
    <div className="space-y-4">
      <p className="text-xs text-slate-500">
        {stats.data.gateways.length} gateway{stats.data.gateways.length === 1 ? "" : "s"} reporting
        · last at {stats.data.at ? new Date(stats.data.at).toLocaleTimeString() : "—"}
      </p>
      {force.error && <ErrorNote message={force.error.message} />}
      <div className="grid gap-4 md:grid-cols-2 xl:grid-cols-3">
        {stats.data.upstreams.map((u) => {
          const key = `${u.domain}:${u.side}`;
          const act = (mode: "open" | "closed" | null) => {
            const reason = window.prompt(
              `Reason to ${mode ? `force ${key} ${mode}` : `release ${key}`}`,
            );
            if (reason) force.mutate({ domain: u.domain, side: u.side, mode, reason });
          };
          return (
            <article
              key={key}
              data-testid={`breaker-${key}`}
              className="space-y-2 rounded-xl border border-slate-800 bg-slate-900 p-4"
            >
              <header className="flex items-center justify-between">
                <h2 className="font-mono text-sm font-semibold">
                  {u.domain}{" "}
                  <span className="text-slate-400">
                    → {u.side === "legacy" ? "legacy runtime" : "new service"}
                  </span>
                </h2>
                <span
                  data-testid="breaker-state"
                  className={`rounded-full border px-2 py-0.5 text-xs ${stateStyle[u.breaker.state]}`}
                >
                  {u.breaker.state}
                  {u.breaker.forced ? ` (forced ${u.breaker.forced})` : ""}
                </span>
              </header>
              <UpstreamChart series={u.series} />
              <dl className="grid grid-cols-5 gap-2 text-center font-mono text-xs">
                {[
                  ["req", String(u.window.requests)],
                  ["err", `${(u.window.errorRate * 100).toFixed(1)} %`],
                  ["p50", `${u.window.p50Ms.toFixed(1)}`],
                  ["p95", `${u.window.p95Ms.toFixed(1)}`],
                  ["p99", `${u.window.p99Ms.toFixed(1)}`],
                ].map(([k, v]) => (
                  <div key={k}>
                    <dt className="text-slate-500">{k}</dt>
                    <dd
                      className={
                        k === "err" && u.window.errorRate > 0.05
                          ? "text-rose-300"
                          : "text-slate-200"
                      }
                    >
                      {v}
                    </dd>
                  </div>
                ))}
              </dl>
              {isAdmin && (
                <div className="flex gap-2 text-xs" role="toolbar" aria-label={`override ${key}`}>
                  <button
                    type="button"
                    className="rounded border border-rose-700 px-2 py-1 text-rose-200"
                    onClick={() => act("open")}
                  >
                    Force open
                  </button>
                  <button
                    type="button"
                    className="rounded border border-emerald-700 px-2 py-1 text-emerald-200"
                    onClick={() => act("closed")}
                  >
                    Force closed
                  </button>
                  {u.breaker.forced && (
                    <button
                      type="button"
                      className="rounded border border-slate-600 px-2 py-1"
                      onClick={() => act(null)}
                    >
                      Automatic
                    </button>
                  )}
                </div>
              )}
            </article>
          );
        })}
      </div>
    </div>
  );
}
