import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { databaseUrlFor } from "@/lib/config/parse-env";
import { WORKER_ADMIN_PORTS, type WorkerName } from "./admin-ports";
import { spawnChild } from "./child-process";
import type { PlatformRole } from "./database-roles";
import { CONTROL_DATABASE } from "./databases";
import { httpOk } from "./probes";
import type { ProcessEntry } from "./supervisor";

/** The HTTP services of DESIGN.md, legacy first: the gateway (issue 4) will route between them. */
export const HTTP_SERVICES = [
  { name: "legacy-runtime", port: 8090 },
  { name: "identity", port: 8101 },
  { name: "learning", port: 8102 },
  { name: "reputation", port: 8103 },
  { name: "passport", port: 8104 },
  { name: "governance", port: 8105 },
  { name: "marketplace", port: 8106 },
] as const;

/**
 * Services that run a consumer group (services/<name>/consume.ts); the legacy runtime's applies
 * the effects of new services' events while their consuming domain is on legacy (decision 0011).
 */
export const CONSUMING_SERVICES = [
  "legacy-runtime",
  "learning",
  "reputation",
  "passport",
  "governance",
  "marketplace",
] as const;

/** Databases whose outbox the relay moves to Redis: every producer, the legacy runtime included. */
export const OUTBOX_DATABASES = [
  "keiko_legacy",
  "keiko_identity",
  "keiko_learning",
  "keiko_reputation",
  "keiko_passport",
  "keiko_governance",
  "keiko_marketplace",
] as const;

export type PlatformContext = {
  root: string;
  /** Environment shared by every process; it holds no DATABASE_URL. */
  env: Record<string, string>;
  /** Each process's own PostgreSQL server URL, with its role's credentials (database-roles.ts). */
  databaseUrls: Record<PlatformRole, string>;
};

/** The OpenTelemetry preload (lib/observability/preload.ts), once it exists: traces for every process. */
function preloadArgs(root: string): string[] {
  const preload = path.join(root, "lib/observability/preload.ts");
  return existsSync(preload) ? ["--import", preload] : [];
}

/**
 * A TypeScript entry point run by this Node.js with the tsx loader (no npx in between), connecting
 * to PostgreSQL as `role`, named `name` in its traces. Locally nothing routes by readiness, so it
 * drains at once on SIGTERM (SHUTDOWN_DELAY_MS 0) unless the launcher's environment says otherwise.
 */
function tsxProcess(
  context: PlatformContext,
  name: string,
  script: string,
  role: PlatformRole,
  env: Record<string, string> = {},
) {
  const tsx = createRequire(path.join(context.root, "package.json")).resolve("tsx");
  return () =>
    spawnChild({
      name,
      command: process.execPath,
      args: ["--import", tsx, ...preloadArgs(context.root), path.join(context.root, script)],
      cwd: context.root,
      env: {
        SHUTDOWN_DELAY_MS: "0",
        ...context.env,
        DATABASE_URL: context.databaseUrls[role],
        OTEL_SERVICE_NAME: name,
        ...env,
      },
    });
}

/** A worker's own admin port (ADMIN_PORT) and readiness: its admin server's /readyz answers 200. */
function workerEntry(
  context: PlatformContext,
  name: WorkerName,
  script: string,
  role: PlatformRole,
  env: Record<string, string> = {},
): ProcessEntry {
  const port = WORKER_ADMIN_PORTS[name];
  return {
    name,
    ready: () => httpOk(`http://127.0.0.1:${port}/readyz`),
    start: tsxProcess(context, name, script, role, { ...env, ADMIN_PORT: String(port) }),
  };
}

/** The legacy runtime reads the domains' states, to apply only the effects legacy owns (ADR 0011). */
function controlDatabaseOf(context: PlatformContext, name: string): Record<string, string> {
  if (name !== "legacy-runtime") return {};
  const own = context.databaseUrls["legacy-runtime"];
  return { CONTROL_DATABASE_URL: databaseUrlFor(own, CONTROL_DATABASE) };
}

/** Legacy runtime and the six services, each ready once its /readyz answers 200. */
export function serviceEntries(context: PlatformContext): ProcessEntry[] {
  return HTTP_SERVICES.map(({ name, port }) => ({
    name,
    readyTimeoutMs: 30_000,
    ready: () => httpOk(`http://127.0.0.1:${port}/readyz`),
    start: tsxProcess(context, name, `services/${name}/main.ts`, name, {
      PORT: String(port),
      ...controlDatabaseOf(context, name),
    }),
  }));
}

/** The API gateway (8080): the clients' one entry point, after the upstreams it routes to. */
export function gatewayEntry(context: PlatformContext): ProcessEntry {
  return {
    name: "api-gateway",
    readyTimeoutMs: 30_000,
    ready: () => httpOk("http://127.0.0.1:8080/readyz"),
    start: tsxProcess(context, "api-gateway", "services/api-gateway/main.ts", "gateway", {
      PORT: "8080",
    }),
  };
}

/** slo-guard: judges canaries against their SLO and drives rollout plans, through the console. */
export function sloGuardEntry(context: PlatformContext, consolePort: number): ProcessEntry {
  return workerEntry(context, "slo-guard", "workers/slo-guard.ts", "slo-guard", {
    CONTROL_PLANE_URL: `http://127.0.0.1:${consolePort}`,
  });
}

/** The outbox relay for every producer database, the data sync, and one consumer per consuming service. */
export function workerEntries(context: PlatformContext): ProcessEntry[] {
  return [
    workerEntry(context, "outbox-relay", "workers/outbox-relay.ts", "outbox-relay", {
      OUTBOX_DATABASES: OUTBOX_DATABASES.join(","),
    }),
    // the demo's data moves at once; an operator pauses or throttles it on the domain page
    workerEntry(context, "data-sync", "workers/data-sync.ts", "data-sync", {
      DATA_SYNC_AUTO_BACKFILL: "1",
    }),
    ...CONSUMING_SERVICES.map((name) =>
      workerEntry(context, `${name}-consumer`, `services/${name}/consume.ts`, name),
    ),
  ];
}
