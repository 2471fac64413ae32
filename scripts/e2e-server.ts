/**
 * The stack Playwright drives, on databases and a Redis key prefix of its own: keiko_control
 * (migrated, seeded), the passport consumer (short retries, so a poison event reaches the
 * dead-letter queue in about a second), the legacy runtime, the learning service, the gateway
 * routing between them, the data sync of learning and passport, slo-guard, and the console's production build on E2E_PORT. Everything is dropped when Playwright stops us; what a killed
 * run left behind is dropped at the next start. As under `npm start`, each process connects with
 * a PostgreSQL role of its own (decision 0013), named after the run and dropped with it.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import pg from "pg";
import { databaseUrlFor } from "@/lib/config/parse-env";
import { dropDatabase, ensureDatabase, migrateDatabase } from "@/lib/db/admin";
import { createControlDb } from "@/server/db/client";
import { createOperator } from "@/server/operators/operator-service";
import {
  E2E_ADMIN,
  E2E_DLQ_OPERATOR,
  E2E_DLQ_VIEWER,
  E2E_SESSION_SECONDS,
} from "../e2e/credentials";
import { e2eStack } from "../e2e/stack";
import { startE2eGitops } from "../server/gitops/testing/e2e-gitops";
import {
  type AppliedRoles,
  applyRolePlans,
  dropRoles,
  type PlatformRole,
  platformRolePlans,
} from "./launcher/database-roles";
import { seedControl } from "./launcher/databases";
import { startE2ePrometheus } from "./launcher/prometheus-e2e";

const stack = e2eStack();
const port = Number(process.env.E2E_PORT ?? 3100);
const staleAfterMs = 2 * 3600_000;

/** Roles are cluster-wide: this run's are `keiko_e2e_<run id>_…`, so stale ones can be told by age. */
const rolePlans = platformRolePlans(
  {
    control: stack.controlDatabase,
    legacy: stack.legacyDatabase,
    services: { learning: stack.learningDatabase, passport: stack.passportDatabase },
  },
  `keiko_e2e_${stack.runId}_`,
);

function isStale(name: string): boolean {
  const createdAt = Number.parseInt(name.split("_")[2] ?? "", 36);
  return Number.isFinite(createdAt) && Date.now() - createdAt > staleAfterMs;
}

async function dropStaleDatabases(): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrlFor(stack.serverUrl, "postgres") });
  await client.connect();
  const { rows } = await client.query<{ datname: string }>(
    "select datname from pg_database where datname like 'keiko_e2e_%'",
  );
  const roles = await client.query<{ rolname: string }>(
    "select rolname from pg_roles where rolname like 'keiko_e2e_%'",
  );
  await client.end();
  for (const { datname } of rows) {
    if (isStale(datname)) await dropDatabase(stack.serverUrl, datname);
  }
  const staleRoles = roles.rows.map((row) => row.rolname).filter(isStale);
  await dropRoles(stack.serverUrl, staleRoles).catch(() => undefined);
}

async function prepare(): Promise<void> {
  await dropStaleDatabases();
  const controlUrl = databaseUrlFor(stack.serverUrl, stack.controlDatabase);
  await ensureDatabase(stack.serverUrl, stack.controlDatabase);
  await migrateDatabase(controlUrl, "control");
  await seedControl(controlUrl, E2E_ADMIN);
  const { db, pool } = createControlDb(controlUrl, 1);
  for (const person of [E2E_DLQ_OPERATOR, E2E_DLQ_VIEWER]) {
    await createOperator(db, "system", { ...person, displayName: person.username });
  }
  await pool.end();
  for (const [database, folder] of [
    [stack.passportDatabase, "passport"],
    [stack.legacyDatabase, "legacy"],
    [stack.learningDatabase, "learning"],
  ] as const) {
    await ensureDatabase(stack.serverUrl, database);
    await migrateDatabase(databaseUrlFor(stack.serverUrl, database), folder);
  }
  // The gateway routes to this stack's own upstreams.
  const routes = new pg.Client({ connectionString: controlUrl });
  await routes.connect();
  await routes.query("update domains set legacy_url = $1", [
    `http://127.0.0.1:${stack.ports.legacy}`,
  ]);
  await routes.query("update domains set service_url = $1 where name = 'learning'", [
    `http://127.0.0.1:${stack.ports.learning}`,
  ]);
  await routes.end();
}

/** Each process's server URL, with its own role and a password that lives as long as the run. */
function urlOf(roles: AppliedRoles, key: PlatformRole): string {
  const url = roles.urls[key];
  if (!url) throw new Error(`no database role for ${key}`);
  return url;
}

const serviceTokenSecret = randomBytes(32).toString("hex");

const { DATABASE_URL: _superuser, ...inherited } = process.env;
const shared = {
  ...inherited,
  REDIS_URL: stack.redisUrl,
  KEIKO_KEY_PREFIX: stack.keyPrefix,
  LOG_LEVEL: "error",
  // stopping waits for nothing: no load balancer has to drop these processes first
  SHUTDOWN_DELAY_MS: "0",
};

function start(command: string, args: string[], env: Record<string, string>): ChildProcess {
  return spawn(command, args, { stdio: "inherit", env: { ...shared, ...env } });
}

await prepare();
const roles = await applyRolePlans(stack.serverUrl, rolePlans, async () =>
  randomBytes(18).toString("base64url"),
);
const withSecret = { SERVICE_TOKEN_SECRET: serviceTokenSecret };
// A real Prometheus scraping this stack for e2e/observability.spec.ts; the console reads PROMETHEUS_URL.
const prometheus = await startE2ePrometheus({
  root: process.cwd(),
  runId: stack.runId,
  targets: [
    { job: "api-gateway", address: `127.0.0.1:${stack.ports.gateway}` },
    { job: "legacy-runtime", address: `127.0.0.1:${stack.ports.legacy}` },
    { job: "learning", address: `127.0.0.1:${stack.ports.learning}` },
    { job: "console", address: `127.0.0.1:${port}` },
  ],
});
Object.assign(shared, { PROMETHEUS_URL: prometheus.url });
// A stand-in Kubernetes API with Argo CD Applications for e2e/gitops.spec.ts; the console reads KUBECONFIG.
const gitops = await startE2eGitops(stack.runId);
Object.assign(shared, gitops.env);
const children = [
  start("npx", ["tsx", "services/passport/consume.ts"], {
    ...withSecret,
    DATABASE_URL: urlOf(roles, "passport"),
    PASSPORT_DATABASE: stack.passportDatabase,
    CONSUMER_RETRY_BASE_MS: "200",
    CONSUMER_RETRY_MAX_MS: "400",
    CONSUMER_MAX_DELIVERIES: "2",
  }),
  start("npx", ["tsx", "services/legacy-runtime/main.ts"], {
    ...withSecret,
    DATABASE_URL: urlOf(roles, "legacy-runtime"),
    LEGACY_RUNTIME_DATABASE: stack.legacyDatabase,
    CONTROL_DATABASE_URL: databaseUrlFor(urlOf(roles, "legacy-runtime"), stack.controlDatabase),
    PORT: String(stack.ports.legacy),
  }),
  start("npx", ["tsx", "services/learning/main.ts"], {
    ...withSecret,
    DATABASE_URL: urlOf(roles, "learning"),
    LEARNING_DATABASE: stack.learningDatabase,
    PORT: String(stack.ports.learning),
    LOG_LEVEL: "fatal", // the rollout spec breaks it on purpose: its 500s are expected
  }),
  start("npx", ["tsx", "services/api-gateway/main.ts"], {
    ...withSecret,
    DATABASE_URL: urlOf(roles, "gateway"),
    CONTROL_DATABASE: stack.controlDatabase,
    PORT: String(stack.ports.gateway),
  }),
  start("npx", ["tsx", "workers/data-sync.ts"], {
    DATABASE_URL: urlOf(roles, "data-sync"),
    CONTROL_DATABASE: stack.controlDatabase,
    LEGACY_DATABASE: stack.legacyDatabase,
    SERVICE_DATABASES: `learning=${stack.learningDatabase},passport=${stack.passportDatabase}`,
    DATA_SYNC_DOMAINS: "learning,passport",
    DATA_SYNC_AUTO_BACKFILL: "1",
    DATA_VERIFY_INTERVAL_MS: "60000",
  }),
  start("npx", ["tsx", "workers/slo-guard.ts"], {
    ...withSecret,
    DATABASE_URL: urlOf(roles, "slo-guard"),
    CONTROL_PLANE_URL: `http://127.0.0.1:${port}`,
  }),
  // the console as npm start runs it: Next.js inside node:http on the one lifecycle
  start(
    process.execPath,
    ["--import", "tsx", "scripts/console-server.ts", "-p", String(port), "-H", "127.0.0.1"],
    {
      NODE_ENV: "production",
      JAEGER_UI_URL: "http://127.0.0.1:16686",
      NEXT_TELEMETRY_DISABLED: "1",
      DATABASE_URL: urlOf(roles, "console"),
      CONTROL_DATABASE: stack.controlDatabase,
      NEXTAUTH_SECRET: randomBytes(32).toString("hex"),
      NEXTAUTH_URL: `http://127.0.0.1:${port}`,
      SESSION_MAX_AGE_SECONDS: String(E2E_SESSION_SECONDS),
      ...withSecret,
    },
  ),
];

let stopping = false;
async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  await Promise.all(
    children.map(
      (child) =>
        new Promise((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve(null);
          child.once("exit", resolve);
          child.kill("SIGTERM");
        }),
    ),
  );
  await dropDatabase(stack.serverUrl, stack.controlDatabase).catch(() => undefined);
  for (const database of [stack.passportDatabase, stack.legacyDatabase, stack.learningDatabase]) {
    await dropDatabase(stack.serverUrl, database).catch(() => undefined);
  }
  await dropRoles(
    stack.serverUrl,
    rolePlans.map((plan) => plan.role),
  ).catch(() => undefined);
  const redis = new Redis(stack.redisUrl);
  const keys = await redis.keys(`${stack.keyPrefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
  process.exit(code);
}
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const)
  process.on(signal, () => void stop(0));
for (const child of children) child.on("exit", (code) => void stop(code ?? 1));
