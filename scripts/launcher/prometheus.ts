import { accessSync, constants } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { spawnChild } from "./child-process";
import { httpOk } from "./probes";
import { prometheusConfigYaml, type ScrapeTarget } from "./prometheus-config";
import type { ProcessEntry } from "./supervisor";

export const DEFAULT_PROMETHEUS_PORT = 9090;

/** Said once when there is no `prometheus` on PATH: the platform runs without charts. */
export const PROMETHEUS_MISSING =
  "no prometheus on PATH: the observability page stays empty (Debian/Ubuntu: apt-get install prometheus; or set PROMETHEUS_URL)";

/** The first executable `name` on `searchPath`, checked synchronously (the stack list is sync). */
export function findExecutableSync(name: string, searchPath: string): string | undefined {
  for (const dir of searchPath.split(path.delimiter)) {
    if (dir === "") continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; try the next folder
    }
  }
  return undefined;
}

export type PrometheusOptions = {
  /** Path of the prometheus executable. */
  command: string;
  /** Its folder: prometheus.yml is generated there and the TSDB lives in `<dir>/data`. */
  dir: string;
  port: number;
  targets: ScrapeTarget[];
  ruleFiles: string[];
  intervalSeconds?: number;
  /** How long samples are kept. */
  retention?: string;
  write?: (line: string) => void;
};

/** The URL of a local Prometheus on `port`. */
export function localPrometheusUrl(port: number): string {
  return `http://127.0.0.1:${port}`;
}

/**
 * A Prometheus on 127.0.0.1 scraping `targets` with a config generated into `dir` at each start
 * (so a new process is scraped after a restart of the launcher), ready once /-/ready says 200.
 */
export function prometheusEntry(options: PrometheusOptions): ProcessEntry {
  const url = localPrometheusUrl(options.port);
  const configFile = path.join(options.dir, "prometheus.yml");
  return {
    name: "prometheus",
    readyTimeoutMs: 30_000,
    ready: () => httpOk(`${url}/-/ready`),
    async start() {
      await mkdir(path.join(options.dir, "data"), { recursive: true });
      await writeFile(
        configFile,
        prometheusConfigYaml({
          targets: options.targets,
          ruleFiles: options.ruleFiles,
          intervalSeconds: options.intervalSeconds,
        }),
      );
      return spawnChild({
        name: "prometheus",
        command: options.command,
        args: [
          `--config.file=${configFile}`,
          `--storage.tsdb.path=${path.join(options.dir, "data")}`,
          `--storage.tsdb.retention.time=${options.retention ?? "15d"}`,
          `--web.listen-address=127.0.0.1:${options.port}`,
          "--web.enable-lifecycle",
          "--log.level=warn",
        ],
        cwd: options.dir,
        write: options.write,
      });
    },
  };
}
