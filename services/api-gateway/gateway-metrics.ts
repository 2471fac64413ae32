import { Counter, Gauge, type Registry } from "prom-client";
import { BucketHistogram } from "@/lib/observability/bucket-histogram";

/** The gateway's own Prometheus series, beside lib/observability's request durations. */
export function createGatewayMetrics(registry: Registry) {
  return {
    // observed on every proxied call: series looked up once (upstream-metrics.ts)
    upstreamDuration: new BucketHistogram({
      name: "gateway_upstream_request_duration_seconds",
      help: "Duration of proxied calls, by domain, side, traffic (client or shadow copy) and outcome (status code or failure)",
      labelNames: ["domain", "side", "traffic", "outcome"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers: [registry],
    }),
    fallbacks: new Counter({
      name: "gateway_fallbacks_total",
      help: "Requests meant for the new service that legacy answered, by domain and reason",
      labelNames: ["domain", "reason"] as const,
      registers: [registry],
    }),
    fenced: new Counter({
      name: "gateway_fenced_writes_total",
      help: "Writes answered 503 while a rollback drained the domain's data to legacy, by domain",
      labelNames: ["domain"] as const,
      registers: [registry],
    }),
    refusals: new Counter({
      name: "gateway_refused_requests_total",
      help: "Requests the gateway could not forward (no upstream called or counted), by domain and reason",
      labelNames: ["domain", "reason"] as const,
      registers: [registry],
    }),
    rejections: new Counter({
      name: "gateway_breaker_rejections_total",
      help: "Calls a breaker refused, by domain and side",
      labelNames: ["domain", "side"] as const,
      registers: [registry],
    }),
    mirrors: new Counter({
      name: "gateway_shadow_mirrors_total",
      help: "Shadow copies by domain and result (match, mismatch, not_compared, failed, dropped: no free slot, sampled_out: outside the domain's shadow percent)",
      labelNames: ["domain", "result"] as const,
      registers: [registry],
    }),
    routeReloads: new Counter({
      name: "gateway_route_reloads_total",
      help: "Routing table reloads from the control database",
      registers: [registry],
    }),
    routedDomains: new Gauge({
      name: "gateway_routed_domains",
      help: "Domains in the routing table, by state",
      labelNames: ["state"] as const,
      registers: [registry],
    }),
  };
}

export type GatewayMetrics = ReturnType<typeof createGatewayMetrics>;
