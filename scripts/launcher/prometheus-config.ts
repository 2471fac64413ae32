import path from "node:path";
import { stringify } from "yaml";
import { WORKER_ADMIN_PORTS } from "./admin-ports";
import { HTTP_SERVICES } from "./platform-processes";

/** One process Prometheus scrapes: its job name and host:port (its `/metrics` path). */
export type ScrapeTarget = { job: string; address: string; metricsPath?: string };

/** The recording and alert rules the console and Kubernetes share (k8s mounts the same file). */
export const RULES_FILE = path.join("k8s", "base", "observability", "prometheus", "rules.yml");

/** The gateway's port under `npm start` (platform-processes.ts gatewayEntry). */
const GATEWAY_PORT = 8080;

/**
 * Every local process of `npm start` that serves metrics: the HTTP services and the gateway on
 * their own port, the workers on their admin port, and the console on its /metrics (scripts/console-server.ts).
 */
export function localScrapeTargets(consolePort: number, host = "127.0.0.1"): ScrapeTarget[] {
  return [
    ...HTTP_SERVICES.map(({ name, port }) => ({ job: name, address: `${host}:${port}` })),
    { job: "api-gateway", address: `${host}:${GATEWAY_PORT}` },
    ...Object.entries(WORKER_ADMIN_PORTS).map(([job, port]) => ({
      job,
      address: `${host}:${port}`,
    })),
    { job: "console", address: `${host}:${consolePort}` },
  ];
}

export type PrometheusConfigOptions = {
  targets: ScrapeTarget[];
  /** Absolute paths of rule files to load. */
  ruleFiles: string[];
  /** Scrape and rule evaluation interval; short locally so charts fill within seconds. */
  intervalSeconds?: number;
};

/** prometheus.yml for `targets`: one job per process, so `up{job=…}` names each one. */
export function prometheusConfigYaml(options: PrometheusConfigOptions): string {
  const interval = `${options.intervalSeconds ?? 5}s`;
  return stringify({
    global: {
      scrape_interval: interval,
      evaluation_interval: interval,
      scrape_timeout: interval,
      external_labels: { environment: "local" },
    },
    rule_files: options.ruleFiles,
    scrape_configs: options.targets.map((target) => ({
      job_name: target.job,
      metrics_path: target.metricsPath ?? "/metrics",
      static_configs: [{ targets: [target.address] }],
    })),
  });
}
