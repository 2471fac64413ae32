/**
 * Ports of the workers' admin servers (/healthz, /readyz, /metrics): workers serve no API, but
 * Kubernetes probes and Prometheus need an address for each. HTTP services use their own port.
 */
export const WORKER_ADMIN_PORTS = {
  "outbox-relay": 9101,
  "data-sync": 9102,
  "slo-guard": 9103,
  "legacy-runtime-consumer": 9110,
  "learning-consumer": 9111,
  "reputation-consumer": 9112,
  "passport-consumer": 9113,
  "governance-consumer": 9114,
  "marketplace-consumer": 9115,
} as const;

export type WorkerName = keyof typeof WORKER_ADMIN_PORTS;
