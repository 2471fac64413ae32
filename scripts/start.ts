/**
 * `npm start`: brings up the local stack (PostgreSQL, Redis, databases, first operator, console)
 * and supervises it until Ctrl-C. See scripts/launcher/README.md.
 */
import path from "node:path";
import { databaseUrlFor } from "@/lib/config/parse-env";
import { providePostgres, provideRedis } from "./launcher/backing-services";
import { needsBuild } from "./launcher/build-check";
import { type LauncherConfig, loadLauncherConfig } from "./launcher/config";
import { consoleBuild } from "./launcher/console-app";
import { everyRoleUrl } from "./launcher/database-roles";
import {
  CONTROL_DATABASE,
  prepareDatabases,
  prepareRoles,
  seedControl,
} from "./launcher/databases";
import { isPortFree } from "./launcher/free-port";
import { randomSecret, readOrCreateSecret } from "./launcher/secret-file";
import { installShutdown } from "./launcher/shutdown";
import { stackProcesses } from "./launcher/stack";
import { Supervisor } from "./launcher/supervisor";

const log = (line: string) => console.log(`[launcher] ${line}`);
const fail = (line: string) => console.error(`[launcher] ${line}`);
const startedAt = performance.now();
const seconds = () => ((performance.now() - startedAt) / 1000).toFixed(1);

let config: LauncherConfig;
try {
  config = loadLauncherConfig();
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
  process.exit(1);
}

const supervisor = new Supervisor(log);
/** A generated password not yet shown: it must be shown even if start-up fails after seeding. */
let unshownPassword: { username: string; password: string } | undefined;

function showUnshownPassword(): void {
  if (!unshownPassword) return;
  log(`first operator created: ${unshownPassword.username} / ${unshownPassword.password}`);
  log("this password is shown once; store it now");
  unshownPassword = undefined;
}

// A crashed child is restarted with backoff (supervisor.ts); only giving up on one stops the rest.
const shutdown = installShutdown(supervisor, { log, fail, onStopping: showUnshownPassword });

async function main(config: LauncherConfig): Promise<void> {
  if (!(await isPortFree(config.port))) {
    throw new Error(`port ${config.port} is in use; stop what uses it or set PORT`);
  }

  const postgres = await providePostgres(config, supervisor);
  log(`PostgreSQL: ${postgres.description}`);
  const redis = await provideRedis(config, supervisor);
  log(`Redis: ${redis.description}`);

  const databases = await prepareDatabases(postgres.url, config.root);
  log(
    `databases ready${databases.created.length ? ` (created ${databases.created.join(", ")})` : ""}; migrations applied to ${databases.migrated.join(", ") || "none"}`,
  );
  const roles = await prepareRoles(postgres.url, config.dataDir);
  for (const key of roles.superuserFallback) {
    // session_replication_role can be granted from PostgreSQL 15 on (docs/decisions/0013)
    fail(`PostgreSQL ${roles.serverVersion} is older than 15: ${key} connects as the superuser`);
  }
  const databaseUrls = { ...everyRoleUrl(roles) };
  for (const key of roles.superuserFallback) databaseUrls[key] = postgres.url;
  log(`database roles ready (${Object.keys(roles.urls).length}, one per process kind)`);
  const admin = {
    username: config.adminUsername,
    password: config.adminPassword ?? randomSecret(18),
  };
  const seeded = await seedControl(databaseUrlFor(postgres.url, CONTROL_DATABASE), admin);
  if (seeded.domainsAdded > 0) log(`added ${seeded.domainsAdded} domains`);
  if (seeded.adminCreated && !config.adminPassword) unshownPassword = admin;

  const nextauthSecret =
    config.nextauthSecret ??
    (await readOrCreateSecret(path.join(config.dataDir, "nextauth-secret")));
  const { KEIKO_ADMIN_PASSWORD: _notForChildren, ...inherited } = config.baseEnv;
  const serviceTokenSecret =
    config.serviceTokenSecret ??
    (await readOrCreateSecret(path.join(config.dataDir, "service-token-secret")));
  // No DATABASE_URL here: each process gets its own role's (platform-processes.ts).
  const { DATABASE_URL: _superuser, ...withoutDatabase } = inherited;
  const env: Record<string, string> = {
    ...withoutDatabase,
    REDIS_URL: redis.url,
    NEXTAUTH_SECRET: nextauthSecret,
    NEXTAUTH_URL: config.nextauthUrl,
    SERVICE_TOKEN_SECRET: serviceTokenSecret,
  };

  const build = await needsBuild(config.root);
  if (build.needed) {
    log(`building the console (${build.reason})`);
    await supervisor.run(
      consoleBuild({
        root: config.root,
        port: config.port,
        host: config.host,
        env: { ...env, DATABASE_URL: databaseUrls.console },
      }),
    );
  } else {
    log("console build is up to date");
  }

  for (const entry of stackProcesses({
    root: config.root,
    port: config.port,
    host: config.host,
    env,
    databaseUrls,
  })) {
    await supervisor.start(entry);
    log(`${entry.name} ready (${seconds()} s)`);
  }

  const rule = "-".repeat(64);
  console.log(rule);
  console.log(`Keiko console: ${config.nextauthUrl}`);
  console.log(
    "API gateway:   http://127.0.0.1:8080  (demo traffic: npx tsx scripts/demo-traffic.ts)",
  );
  if (!seeded.adminCreated) {
    console.log(
      "operators: an operator account exists already; sign in with it (no password shown)",
    );
  } else if (config.adminPassword) {
    console.log(`first operator: ${admin.username} (password: the value of KEIKO_ADMIN_PASSWORD)`);
  } else {
    console.log(`first operator: ${admin.username}`);
    console.log(`password:       ${admin.password}   (shown once; store it now)`);
    unshownPassword = undefined;
  }
  console.log(`ready in ${seconds()} s; Ctrl-C stops everything started here`);
  console.log(rule);
}

main(config).catch((error: unknown) => {
  // A failure caused by a shutdown already under way is that shutdown's business.
  if (shutdown.begun || supervisor.isStopping) return;
  fail(error instanceof Error ? error.message : String(error));
  void shutdown("start-up failed", 1);
});
