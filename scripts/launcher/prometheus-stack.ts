import path from "node:path";
import { parseEnv } from "@/lib/config/parse-env";
import { PrometheusEnvSchema } from "./config";
import {
  findExecutableSync,
  localPrometheusUrl,
  PROMETHEUS_MISSING,
  prometheusEntry,
} from "./prometheus";
import { localScrapeTargets, RULES_FILE } from "./prometheus-config";
import type { ProcessEntry } from "./supervisor";

/** What the stack gets from its Prometheus: the entry to start and what the console must know. */
export type LocalPrometheus = {
  entries: ProcessEntry[];
  /** PROMETHEUS_URL for the console (the local one, or the one the operator set). */
  consoleEnv: Record<string, string>;
  /** A line for the operator when no Prometheus runs (none installed). */
  note?: string;
};

/**
 * PROMETHEUS_URL set: the console reads that one and nothing starts. Otherwise a `prometheus`
 * from PATH scraping every local process, data in <data>/prometheus; none on PATH: one line, and
 * the platform runs without it.
 */
export function localPrometheus(context: {
  root: string;
  env: Record<string, string>;
  consolePort: number;
}): LocalPrometheus {
  const env = parseEnv(PrometheusEnvSchema, context.env);
  if (env.PROMETHEUS_URL) {
    return { entries: [], consoleEnv: { PROMETHEUS_URL: env.PROMETHEUS_URL } };
  }
  const url = localPrometheusUrl(env.PROMETHEUS_PORT);
  const command = findExecutableSync("prometheus", env.PATH);
  if (!command)
    return { entries: [], consoleEnv: { PROMETHEUS_URL: url }, note: PROMETHEUS_MISSING };
  const entry = prometheusEntry({
    command,
    dir: path.join(path.resolve(context.root, env.KEIKO_DATA_DIR), "prometheus"),
    port: env.PROMETHEUS_PORT,
    targets: localScrapeTargets(context.consolePort),
    ruleFiles: [path.join(context.root, RULES_FILE)],
  });
  return { entries: [entry], consoleEnv: { PROMETHEUS_URL: url } };
}
