import { createWriteStream } from "node:fs";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import pg from "pg";
import { databaseUrlFor } from "@/lib/config/parse-env";
import { DOMAIN_NAMES, type DomainName } from "@/lib/contracts/domains";
import { spawnChild } from "@/scripts/launcher/child-process";
import { everyRoleUrl, type PlatformRole } from "@/scripts/launcher/database-roles";
import {
  CONTROL_DATABASE,
  DATABASES,
  prepareDatabases,
  prepareRoles,
  seedControl,
} from "@/scripts/launcher/databases";
import { embeddedPostgresEntry, embeddedPostgresUrl } from "@/scripts/launcher/embedded-postgres";
import { CONSUMING_SERVICES, OUTBOX_DATABASES } from "@/scripts/launcher/platform-processes";
import { httpOk } from "@/scripts/launcher/probes";
import { findExecutable, localRedisUrl, redisServerEntry } from "@/scripts/launcher/redis-server";
import { randomSecret } from "@/scripts/launcher/secret-file";
import { type ProcessEntry, Supervisor } from "@/scripts/launcher/supervisor";
import { pickDistinctPorts } from "./free-ports";
import { startSlowProxy } from "./slow-proxy";

/** Settings the drill gives its processes beyond the launcher's (named in the printed report). */
export const DRILL_SETTINGS = {
  /** A slow legacy answer becomes a gateway timeout within the drill's patience. */
  GATEWAY_LEGACY_TIMEOUT_MS: "2000",
  /** A hung handler is cut off after 2 s and retried soon, instead of 30 s and 5 s. */
  CONSUMER_HANDLER_DEADLINE_MS: "2000",
  CONSUMER_RETRY_BASE_MS: "300",
  CONSUMER_RETRY_MAX_MS: "2000",
  CONSUMER_MAX_DELIVERIES: "10",
  /** Each backfilled domain is verified right after its backfill (the data gate needs one). */
  DATA_VERIFY_INTERVAL_MS: "60000",
  LOG_LEVEL: "warn",
} as const;

export type DrillProcess = {
  name: string;
  /** The entry file under the repository, as it appears in the child's /proc/<pid>/cmdline. */
  script: string;
  /** Its /readyz, for HTTP processes. */
  readyUrl?: string;
};

/**
 * The whole platform as `npm start` runs it, built from the launcher's own modules (embedded
 * PostgreSQL, redis-server with its append-only file, databases, roles, seed, the Supervisor that
 * restarts crashed children), but on free ports, in a temporary folder, with nothing shared: the
 * drill may restart its PostgreSQL and Redis. The console is the control plane's tRPC route
 * handler served by plain Node (scripts/drill/console-route.ts), not `next start`.
 */
export async function startOwnPlatform(options: { root: string; log: (line: string) => void }) {
  const { root, log } = options;
  const dir = await mkdtemp(path.join(tmpdir(), "keiko-drill-"));
  await chmod(dir, 0o755); // PostgreSQL runs as the `postgres` user when we are root
  const childLog = createWriteStream(path.join(dir, "platform.log"));
  const write = (line: string) => childLog.write(`${new Date().toISOString()} ${line}\n`);
  const supervisor = new Supervisor((line) => {
    write(`[launcher] ${line}`);
    log(`[launcher] ${line}`);
  });
  const givenUp: string[] = [];
  supervisor.onGiveUp((_name, reason) => givenUp.push(reason));

  const picked = await pickDistinctPorts(5 + DOMAIN_NAMES.length);
  const port = (index: number) => picked[index] as number;
  const [pgPort, redisPort, legacyPort, gatewayPort, consolePort] = [0, 1, 2, 3, 4].map(port) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const pgPassword = randomSecret(18);
  const serverUrl = embeddedPostgresUrl(pgPort, pgPassword);
  const redisCommand = await findExecutable("redis-server", process.env.PATH ?? "");
  if (!redisCommand) throw new Error("redis-server is not on PATH (apt-get install redis-server)");
  const redisUrl = localRedisUrl(redisPort);

  const stops: Array<() => Promise<unknown>> = [];
  const close = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await supervisor.stopAll();
    await new Promise((resolve) => childLog.end(resolve));
    if (!process.env.KEIKO_DRILL_KEEP) await rm(dir, { recursive: true, force: true });
  };

  try {
    await supervisor.start(
      embeddedPostgresEntry({
        dataDir: path.join(dir, "pg"),
        port: pgPort,
        password: pgPassword,
        write,
      }),
    );
    await supervisor.start(
      redisServerEntry({
        command: redisCommand,
        dir: path.join(dir, "redis"),
        port: redisPort,
        write,
      }),
    );
    await prepareDatabases(serverUrl, root, DATABASES);
    const roles = await prepareRoles(serverUrl, path.join(dir, "secrets"));
    const databaseUrls: Record<PlatformRole, string> = { ...everyRoleUrl(roles) };
    for (const key of roles.superuserFallback) databaseUrls[key] = serverUrl;
    const admin = { username: "drill-admin", password: randomSecret(18) };
    await seedControl(databaseUrlFor(serverUrl, CONTROL_DATABASE), admin);

    const ports = {
      legacy: legacyPort,
      gateway: gatewayPort,
      console: consolePort,
      services: Object.fromEntries(DOMAIN_NAMES.map((d, i) => [d, port(5 + i)])) as Record<
        DomainName,
        number
      >,
    };
    // Every domain reaches legacy through a proxy the drill can slow down.
    const slowLegacy = await startSlowProxy(ports.legacy);
    stops.push(() => slowLegacy.close());

    const superuser = (database: string) => {
      const pool = new pg.Pool({ connectionString: databaseUrlFor(serverUrl, database), max: 4 });
      pool.on("error", () => undefined); // PostgreSQL restarts under it in the drill
      stops.push(() => pool.end());
      return pool;
    };
    const pools = Object.fromEntries(DATABASES.map((d) => [d, superuser(d)])) as Record<
      (typeof DATABASES)[number],
      pg.Pool
    >;
    for (const domain of DOMAIN_NAMES) {
      await pools.keiko_control.query(
        "update domains set legacy_url = $2, service_url = $3 where name = $1",
        [domain, slowLegacy.url, `http://127.0.0.1:${ports.services[domain]}`],
      );
    }

    const consoleUrl = `http://127.0.0.1:${ports.console}`;
    const env: Record<string, string> = {
      ...withoutSecrets(process.env),
      REDIS_URL: redisUrl,
      KEIKO_KEY_PREFIX: "",
      NEXTAUTH_SECRET: randomSecret(32),
      NEXTAUTH_URL: consoleUrl,
      SERVICE_TOKEN_SECRET: randomSecret(32),
      ...DRILL_SETTINGS,
    };
    const tsx = createRequire(path.join(root, "package.json")).resolve("tsx");
    const processes: DrillProcess[] = [];
    const entry = (
      name: string,
      script: string,
      role: PlatformRole,
      extra: Record<string, string> = {},
      readyUrl?: string,
    ): ProcessEntry => {
      processes.push({ name, script: path.join(root, script), readyUrl });
      return {
        name,
        readyTimeoutMs: 60_000,
        ready: readyUrl ? () => httpOk(readyUrl) : async () => true,
        start: () =>
          spawnChild({
            name,
            command: process.execPath,
            args: ["--import", tsx, path.join(root, script)],
            cwd: root,
            env: { ...env, DATABASE_URL: databaseUrls[role], ...extra },
            write,
          }),
      };
    };
    const legacyEntry = entry(
      "legacy-runtime",
      "services/legacy-runtime/main.ts",
      "legacy-runtime",
      {
        PORT: String(ports.legacy),
        CONTROL_DATABASE_URL: databaseUrlFor(databaseUrls["legacy-runtime"], CONTROL_DATABASE),
      },
      `http://127.0.0.1:${ports.legacy}/readyz`,
    );
    const serviceEntries = DOMAIN_NAMES.map((domain) =>
      entry(
        domain,
        `services/${domain}/main.ts`,
        domain,
        { PORT: String(ports.services[domain]) },
        `http://127.0.0.1:${ports.services[domain]}/readyz`,
      ),
    );
    // The launcher's order (stack.ts); independent processes start side by side to save time.
    await Promise.all([legacyEntry, ...serviceEntries].map((e) => supervisor.start(e)));
    await supervisor.start(
      entry(
        "api-gateway",
        "services/api-gateway/main.ts",
        "gateway",
        { PORT: String(ports.gateway), GATEWAY_STATS_PUBLISH_MS: "500" },
        `http://127.0.0.1:${ports.gateway}/readyz`,
      ),
    );
    const workers = [
      entry("outbox-relay", "workers/outbox-relay.ts", "outbox-relay", {
        OUTBOX_DATABASES: OUTBOX_DATABASES.join(","),
      }),
      entry("data-sync", "workers/data-sync.ts", "data-sync", { DATA_SYNC_AUTO_BACKFILL: "1" }),
      ...CONSUMING_SERVICES.map((name) =>
        entry(`${name}-consumer`, `services/${name}/consume.ts`, name),
      ),
      entry(
        "console",
        "scripts/drill/console-route.ts",
        "console",
        // as under `next start`: production mode (tRPC leaves stacks out of its errors then)
        { PORT: String(ports.console), NODE_ENV: "production" },
        `${consoleUrl}/readyz`,
      ),
    ];
    await Promise.all(workers.map((e) => supervisor.start(e)));
    await supervisor.start(
      entry("slo-guard", "workers/slo-guard.ts", "slo-guard", { CONTROL_PLANE_URL: consoleUrl }),
    );

    // the gateway's port must be the gateway's: it answers a path no domain serves with its own 404
    const probe = await fetch(`http://127.0.0.1:${ports.gateway}/api/no-such-domain/v1/x`);
    const probeBody = await probe.text();
    if (probe.status !== 404 || !probeBody.includes("not_found")) {
      throw new Error(
        `port ${ports.gateway} is not the gateway's: ${probe.status} ${probeBody.slice(0, 120)}`,
      );
    }

    const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, lazyConnect: false });
    redis.on("error", () => undefined); // Redis restarts under it in the drill
    stops.push(async () => redis.disconnect());

    return {
      dir,
      logFile: path.join(dir, "platform.log"),
      supervisor,
      givenUp,
      processes,
      gatewayUrl: `http://127.0.0.1:${ports.gateway}`,
      consoleUrl,
      legacyUrl: `http://127.0.0.1:${ports.legacy}`,
      serviceUrl: (domain: DomainName) => `http://127.0.0.1:${ports.services[domain]}`,
      serverUrl,
      redisUrl,
      redis,
      prefix: "",
      pools,
      slowLegacy,
      serviceTokenSecret: env.SERVICE_TOKEN_SECRET as string,
      nextauthSecret: env.NEXTAUTH_SECRET as string,
      admin,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

export type OwnPlatform = Awaited<ReturnType<typeof startOwnPlatform>>;

/** The drill's environment for children, minus what the launcher never hands down. */
function withoutSecrets(env: NodeJS.ProcessEnv): Record<string, string> {
  const {
    DATABASE_URL: _superuser,
    KEIKO_ADMIN_PASSWORD: _password,
    REDIS_URL: _redis,
    ...rest
  } = env;
  return Object.fromEntries(
    Object.entries(rest).filter((pair): pair is [string, string] => pair[1] !== undefined),
  );
}
