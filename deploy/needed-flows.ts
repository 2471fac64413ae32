/**
 * The network flows the platform needs (docs/DESIGN.md "Processes and ports", "Data"), as one
 * table: the NetworkPolicies under k8s/ must allow exactly these and nothing else.
 */

import { DEFAULT_SERVICE_PORTS, DOMAIN_NAMES } from "@/lib/contracts/domains";
import { WORKER_ADMIN_PORTS } from "@/scripts/launcher/admin-ports";

/** Keiko processes (one Deployment each), with the port that serves /healthz, /readyz, /metrics. */
export const KEIKO_PROCESSES = {
  console: 3000,
  "api-gateway": 8080,
  "legacy-runtime": 8090,
  ...DEFAULT_SERVICE_PORTS,
  ...WORKER_ADMIN_PORTS,
} as const;

export type KeikoProcess = keyof typeof KEIKO_PROCESSES;

/** In-cluster pods of the platform and its observability stack (label app.kubernetes.io/name). */
export const IN_CLUSTER_PODS = [
  ...(Object.keys(KEIKO_PROCESSES) as KeikoProcess[]),
  "redis",
  "otel-collector",
  "prometheus",
  "grafana",
  "jaeger",
  "elasticsearch",
  "logstash",
  "kibana",
  "filebeat",
  "instana-agent",
] as const;

export type Pod = (typeof IN_CLUSTER_PODS)[number];

/**
 * Peers outside the namespace, matched by namespace selector or IP block. The managed PostgreSQL,
 * the API server and HTTPS services have public addresses: an IP block tells them apart by port
 * (5432, 6443 — where the API server's 443 lands after kube-proxy — and 443).
 */
export const EXTERNAL_PEERS = [
  "ingress-controller",
  "kube-dns",
  "postgresql",
  "kube-apiserver",
  "internet-https",
] as const;

export type Peer = Pod | (typeof EXTERNAL_PEERS)[number];

/** One allowed connection: `from` opens TCP (or UDP) to `to` on `port`. */
export type Flow = { from: Peer; to: Peer; port: number; protocol?: "TCP" | "UDP" };

const keiko = Object.keys(KEIKO_PROCESSES) as KeikoProcess[];
const domainServices = DOMAIN_NAMES;
const consumers = keiko.filter((name) => name.endsWith("-consumer"));
const postgresUsers: KeikoProcess[] = [
  "console",
  "api-gateway",
  "legacy-runtime",
  ...domainServices,
  ...consumers,
  "outbox-relay",
  "data-sync",
];
const redisUsers: KeikoProcess[] = [
  "console",
  "api-gateway",
  "legacy-runtime",
  ...domainServices,
  ...consumers,
  "outbox-relay",
  "slo-guard",
];

/** Every flow, built from the design's facts. */
export const NEEDED_FLOWS: Flow[] = [
  // clients reach the platform through the ingress controller only
  { from: "ingress-controller", to: "console", port: 3000 },
  { from: "ingress-controller", to: "api-gateway", port: 8080 },
  // the gateway routes each domain to legacy or to its service
  { from: "api-gateway", to: "legacy-runtime", port: 8090 },
  ...domainServices.map((to) => ({ from: "api-gateway" as const, to, port: KEIKO_PROCESSES[to] })),
  // slo-guard drives rollouts through the console's internal procedures
  { from: "slo-guard", to: "console", port: 3000 },
  // the console's observability page queries Prometheus (PROMETHEUS_URL)
  { from: "console", to: "prometheus", port: 9090 },
  // the console reads Argo CD Applications from the Kubernetes API, and signs in through OIDC
  { from: "console", to: "kube-apiserver", port: 6443 },
  { from: "console", to: "internet-https", port: 443 },
  ...postgresUsers.map((from) => ({ from, to: "postgresql" as const, port: 5432 })),
  ...redisUsers.map((from) => ({ from, to: "redis" as const, port: 6379 })),
  // traces go to the collector; Prometheus scrapes every process's /metrics
  ...keiko.map((from) => ({ from, to: "otel-collector" as const, port: 4318 })),
  ...keiko.map((to) => ({ from: "prometheus" as const, to, port: KEIKO_PROCESSES[to] })),
  { from: "prometheus", to: "otel-collector", port: 8889 },
  { from: "prometheus", to: "kube-apiserver", port: 6443 },
  // the collector fans out to Jaeger, Elasticsearch and the Instana agent
  { from: "otel-collector", to: "jaeger", port: 4317 },
  { from: "otel-collector", to: "elasticsearch", port: 9200 },
  { from: "otel-collector", to: "instana-agent", port: 4317 },
  { from: "jaeger", to: "elasticsearch", port: 9200 },
  { from: "grafana", to: "prometheus", port: 9090 },
  { from: "grafana", to: "jaeger", port: 16686 },
  { from: "grafana", to: "elasticsearch", port: 9200 },
  { from: "filebeat", to: "logstash", port: 5044 },
  { from: "logstash", to: "elasticsearch", port: 9200 },
  { from: "kibana", to: "elasticsearch", port: 9200 },
  { from: "instana-agent", to: "internet-https", port: 443 },
  { from: "instana-agent", to: "kube-apiserver", port: 6443 },
  // every pod resolves names
  ...IN_CLUSTER_PODS.flatMap((from) => [
    { from, to: "kube-dns" as const, port: 53, protocol: "UDP" as const },
    { from, to: "kube-dns" as const, port: 53 },
  ]),
];

/** A flow as one comparable string. */
export function flowKey(flow: Flow): string {
  return `${flow.from} -> ${flow.to}:${flow.port}/${flow.protocol ?? "TCP"}`;
}
