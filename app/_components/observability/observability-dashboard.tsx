"use client";

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { DOMAIN_NAMES } from "@/lib/contracts/domains";
import { ErrorNote } from "../error-note";
import { useCan } from "../operator-context";
import { useTRPC } from "../trpc-provider";
import { PageHeader } from "../ui/page-header";
import { DomainMetrics } from "./domain-metrics";
import { PlatformMetrics } from "./platform-metrics";
import { PrometheusUnreachable } from "./prometheus-unreachable";
import { RANGES, RangePicker } from "./range-picker";
import { RawQueryPanel } from "./raw-query-panel";

/** The observability page: Prometheus's view of every domain and of the event pipeline. */
export function ObservabilityDashboard() {
  const trpc = useTRPC();
  const isAdmin = useCan("admin");
  const [rangeSeconds, setRangeSeconds] = useState<number>(RANGES[0].seconds);
  const status = useQuery(trpc.metrics.status.queryOptions(undefined, { refetchInterval: 10_000 }));
  const prometheus = status.data?.prometheus;
  return (
    <>
      <PageHeader
        title="Observability"
        description={
          <>
            Per domain, the legacy runtime beside the new service as the gateway sees them: request
            rate, error rate and p50/p95/p99 latency, then the event pipeline. From Prometheus
            {prometheus ? (
              <>
                {" "}
                at <span className="font-mono">{prometheus.url}</span>
              </>
            ) : null}
            .
          </>
        }
        actions={<RangePicker value={rangeSeconds} onChange={setRangeSeconds} />}
      />
      {status.isPending && <p className="text-slate-400">Asking Prometheus…</p>}
      {status.isError && (
        <ErrorNote
          message={`Could not ask the console about Prometheus: ${status.error.message}`}
        />
      )}
      {prometheus && !prometheus.reachable && (
        <PrometheusUnreachable url={prometheus.url} message={prometheus.message} />
      )}
      {prometheus?.reachable && (
        <div className="space-y-4" data-testid="observability-charts">
          <PlatformMetrics rangeSeconds={rangeSeconds} />
          {DOMAIN_NAMES.map((domain) => (
            <DomainMetrics key={domain} domain={domain} rangeSeconds={rangeSeconds} />
          ))}
          {isAdmin && <RawQueryPanel rangeSeconds={rangeSeconds} />}
        </div>
      )}
    </>
  );
}
