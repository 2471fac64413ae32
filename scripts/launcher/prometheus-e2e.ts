import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { httpOk } from "./probes";
import { findExecutableSync, localPrometheusUrl } from "./prometheus";
import { prometheusConfigYaml, RULES_FILE, type ScrapeTarget } from "./prometheus-config";
import { waitUntil } from "./wait-until";

/** The e2e stack's Prometheus port, shifted with E2E_PORT like e2e/stack.ts's ports. */
export function e2ePrometheusPort(e2ePort = Number(process.env.E2E_PORT ?? 3100)): number {
  return 19090 + (e2ePort - 3100);
}

const FOLDER_PREFIX = "keiko-e2e-prometheus-";
const STALE_AFTER_MS = 2 * 3600_000;

/** Folders of runs that were killed before they could remove theirs, told by age. */
function removeStaleFolders(): void {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(FOLDER_PREFIX)) continue;
    const folder = path.join(tmpdir(), name);
    if (Date.now() - statSync(folder).mtimeMs > STALE_AFTER_MS) {
      rmSync(folder, { recursive: true, force: true });
    }
  }
}

export type E2ePrometheus = { url: string; child: ChildProcess };

/**
 * A real Prometheus for the e2e stack (scripts/e2e-server.ts): scrapes `targets` every 2 s with the
 * shared rules, data in a temporary folder removed at exit. Its lifecycle API is on, so
 * e2e/observability.spec.ts can stop it (POST /-/quit) and check the page says so; its exit
 * stops nothing else.
 */
export async function startE2ePrometheus(options: {
  root: string;
  runId: string;
  targets: ScrapeTarget[];
  searchPath?: string;
}): Promise<E2ePrometheus> {
  const command = findExecutableSync("prometheus", options.searchPath ?? process.env.PATH ?? "");
  if (!command) throw new Error("the e2e stack needs prometheus (apt-get install prometheus)");
  removeStaleFolders();
  const dir = path.join(tmpdir(), `${FOLDER_PREFIX}${options.runId}`);
  mkdirSync(path.join(dir, "data"), { recursive: true });
  const configFile = path.join(dir, "prometheus.yml");
  writeFileSync(
    configFile,
    prometheusConfigYaml({
      targets: options.targets,
      ruleFiles: [path.join(options.root, RULES_FILE)],
      intervalSeconds: 2,
    }),
  );
  const port = e2ePrometheusPort();
  const url = localPrometheusUrl(port);
  const child = spawn(
    command,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${path.join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--web.enable-lifecycle",
      "--log.level=error",
    ],
    { stdio: "inherit" },
  );
  // Stopped with the stack's signal, so it has exited (and its folder is quiet) by the exit.
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => child.kill("SIGTERM"));
  }
  const removeFolder = () => {
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    } catch {
      // a folder left behind is removed by a later run (removeStaleFolders)
    }
  };
  // Its samples are of no use once it stopped (the spec's /-/quit, or the stack's signal).
  child.once("exit", removeFolder);
  process.on("exit", () => {
    child.kill("SIGKILL");
    removeFolder();
  });
  await waitUntil(() => httpOk(`${url}/-/ready`), {
    what: "the e2e Prometheus",
    timeoutMs: 30_000,
    giveUp: () =>
      child.exitCode !== null ? `prometheus exited with ${child.exitCode}` : undefined,
  });
  return { url, child };
}
