/**
 * Checks of one rendered Keiko Deployment against the process lifecycle (decision 0015) and the
 * process's own configuration (deploy/process-env.ts). Each returns the problems it finds.
 */

import { loadLifecycleSettings } from "@/lib/process/lifecycle-settings";
import { WORKER_ADMIN_PORTS, type WorkerName } from "@/scripts/launcher/admin-ports";
import { containerEnv, type EnvSource, surelySet, withSamples } from "./container-env";
import type { K8sObject } from "./kustomize";
import type { KeikoProcess } from "./needed-flows";
import { PROCESS_ENV, SECRET_SAMPLES } from "./process-env";

/** How the console starts in its image and its pod: Next.js inside node:http, on every address. */
export const CONSOLE_COMMAND = [
  "node",
  "--import",
  "tsx",
  "--import",
  "./lib/observability/preload.ts",
  "scripts/console-server.ts",
  "-p",
  "3000",
  "-H",
  "0.0.0.0",
] as const;

type Port = { name?: string; containerPort: number };
type Probe = { httpGet?: { port: string | number } };
// biome-ignore lint/suspicious/noExplicitAny: rendered YAML, read field by field
type Container = any;

const isWorker = (name: string): name is WorkerName => name in WORKER_ADMIN_PORTS;

/** The container port a probe targets (by name or number), or undefined. */
function probePort(container: Container, probe: Probe | undefined): number | undefined {
  const port = probe?.httpGet?.port;
  if (typeof port === "number") return port;
  return (container.ports as Port[] | undefined)?.find((p) => p.name === port)?.containerPort;
}

const literalOf = (source: EnvSource | undefined) =>
  source?.from === "value" ? source.value : undefined;

/** Problems of a Deployment of `name` in the rendered `objects` of one overlay. */
export function processProblems(
  name: KeikoProcess,
  deployment: K8sObject,
  objects: readonly K8sObject[],
): string[] {
  const pod = deployment.spec?.template?.spec ?? {};
  const container: Container = pod.containers?.[0] ?? {};
  const { env, problems } = containerEnv(container, objects);
  const spec = PROCESS_ENV[name];
  const at = (text: string) => `${name}: ${text}`;
  const out = problems.map(at);

  for (const requirement of spec.required) {
    const members = typeof requirement === "string" ? [requirement] : requirement;
    const sure = members.some((m) => surelySet(env.get(m)));
    // an either-or pair both read from an optional Secret key: the Secret decides which
    const referenced = members.length > 1 && members.every((m) => env.get(m)?.from === "secret");
    if (!sure && !referenced) out.push(at(`requires ${members.join(" or ")}, which is not set`));
  }
  for (const variable of spec.inCluster) {
    if (!surelySet(env.get(variable)))
      out.push(at(`${variable} is not set (its default is for a laptop)`));
  }
  const sampled = withSamples(env, SECRET_SAMPLES);
  try {
    spec.load(sampled);
  } catch (error) {
    out.push(at(`its configuration is refused: ${(error as Error).message}`));
  }

  if (literalOf(env.get("HOST")) !== "0.0.0.0") out.push(at("HOST is not 0.0.0.0"));
  const probes = [container.readinessProbe, container.livenessProbe, container.startupProbe];
  const ports = new Set(probes.filter(Boolean).map((p) => probePort(container, p)));
  const [probed] = [...ports];
  if (ports.size !== 1 || probed === undefined)
    out.push(at("probes do not share one declared port"));
  if (isWorker(name)) {
    const admin = Number(literalOf(env.get("ADMIN_PORT")));
    if (admin !== WORKER_ADMIN_PORTS[name]) {
      out.push(at(`ADMIN_PORT is ${admin}, the launcher's is ${WORKER_ADMIN_PORTS[name]}`));
    }
    if (admin !== probed) out.push(at(`ADMIN_PORT ${admin} is not the probed port ${probed}`));
  } else if (name !== "console") {
    const port = Number(literalOf(env.get("PORT")));
    if (port !== probed) out.push(at(`PORT ${port} is not the probed port ${probed}`));
  } else {
    out.push(...consoleCommandProblems(container, probed).map(at));
  }
  const scraped = Number(deployment.spec?.template?.metadata?.annotations?.["prometheus.io/port"]);
  if (scraped !== probed)
    out.push(at(`Prometheus scrapes port ${scraped}, /metrics is on ${probed}`));

  out.push(...gracePeriodProblems(pod.terminationGracePeriodSeconds, sampled).map(at));
  return out;
}

function consoleCommandProblems(container: Container, probed: number | undefined): string[] {
  const command = [...(container.command ?? []), ...(container.args ?? [])];
  const out: string[] = [];
  if (JSON.stringify(command) !== JSON.stringify(CONSOLE_COMMAND)) {
    out.push(`command is ${JSON.stringify(command)}, not ${JSON.stringify(CONSOLE_COMMAND)}`);
  }
  const flag = (short: string) => command[command.indexOf(short) + 1];
  if (flag("-H") !== "0.0.0.0") out.push("-H is not 0.0.0.0");
  if (Number(flag("-p")) !== probed) out.push(`-p ${flag("-p")} is not the probed port ${probed}`);
  return out;
}

/**
 * The pod's grace period must cover the whole stop: readiness 503 for SHUTDOWN_DELAY_MS, then the
 * drain, bounded by SHUTDOWN_TIMEOUT_MS (their sum, so a change to either keeps the margin).
 */
export function gracePeriodProblems(
  graceSeconds: number | undefined,
  env: Record<string, string | undefined>,
): string[] {
  let settings: ReturnType<typeof loadLifecycleSettings>;
  try {
    settings = loadLifecycleSettings(env);
  } catch (error) {
    return [(error as Error).message];
  }
  const needMs = settings.SHUTDOWN_TIMEOUT_MS + settings.SHUTDOWN_DELAY_MS;
  // Kubernetes' default when unset is 30 s
  const graceMs = (graceSeconds ?? 30) * 1000;
  return graceMs >= needMs
    ? []
    : [
        `terminationGracePeriodSeconds ${graceMs / 1000} is below SHUTDOWN_TIMEOUT_MS + SHUTDOWN_DELAY_MS (${needMs} ms)`,
      ];
}
