import pg from "pg";
import { ROUTES_CHANNEL } from "@/lib/contracts/domains";
import { type Child, freePort, startChild, waitUntil } from "../gateway/processes";
import type { Cleanups } from "./cleanups";

export type StackDatabases = { control: string; legacy: string; identity: string };

export type Stack = {
  gatewayUrl: string;
  children: Child[];
};

const ready = (port: number) => async () =>
  (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200;

/**
 * The processes of identity's migration, as children on ports of their own: the legacy runtime,
 * the identity service, the gateway routing identity between them (in canary at `weight` %), and
 * the data-sync worker of identity — each on the benchmark's databases. Stopped by `cleanups`.
 */
export async function startIdentityStack(options: {
  serverUrl: string;
  controlUrl: string;
  databases: StackDatabases;
  redisUrl: string;
  keyPrefix: string;
  secret: string;
  weight: number;
  cleanups: Cleanups;
}): Promise<Stack> {
  const [legacyPort, identityPort, gatewayPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const control = new pg.Client({ connectionString: options.controlUrl });
  await control.connect();
  try {
    await control.query("update domains set legacy_url = $1", [`http://127.0.0.1:${legacyPort}`]);
    await control.query(
      `update domains set service_url = $1, state = 'canary', canary_weight = $2
        where name = 'identity'`,
      [`http://127.0.0.1:${identityPort}`, options.weight],
    );
    await control.query("select pg_notify($1, 'identity')", [ROUTES_CHANNEL]);
  } finally {
    await control.end();
  }

  const shared = {
    ...process.env,
    DATABASE_URL: options.serverUrl,
    REDIS_URL: options.redisUrl,
    KEIKO_KEY_PREFIX: options.keyPrefix,
    SERVICE_TOKEN_SECRET: options.secret,
    HOST: "127.0.0.1",
    LOG_LEVEL: "warn",
  };
  const start = (name: string, entry: string, env: Record<string, string>) => {
    const child = startChild(name, process.execPath, ["--import", "tsx", entry], {
      env: { ...shared, ...env },
    });
    options.cleanups.add(name, () => child.stop("SIGTERM", 10_000));
    return child;
  };
  const legacy = start("legacy-runtime", "services/legacy-runtime/main.ts", {
    LEGACY_RUNTIME_DATABASE: options.databases.legacy,
    CONTROL_DATABASE_URL: options.controlUrl,
    PORT: String(legacyPort),
  });
  const identity = start("identity", "services/identity/main.ts", {
    IDENTITY_DATABASE: options.databases.identity,
    PORT: String(identityPort),
  });
  const gateway = start("api-gateway", "services/api-gateway/main.ts", {
    CONTROL_DATABASE: options.databases.control,
    PORT: String(gatewayPort),
  });
  const startedAt = new Date();
  const worker = start("data-sync", "workers/data-sync.ts", {
    CONTROL_DATABASE: options.databases.control,
    LEGACY_DATABASE: options.databases.legacy,
    SERVICE_DATABASES: `identity=${options.databases.identity}`,
    DATA_SYNC_DOMAINS: "identity",
    DATA_SYNC_AUTO_BACKFILL: "0",
  });
  const beat = async () => {
    const client = new pg.Client({ connectionString: options.controlUrl });
    await client.connect();
    try {
      const { rows } = await client.query(
        `select 1 from data_sync_status
          where domain = 'identity' and direction = 'service_to_legacy' and heartbeat_at > $1`,
        [startedAt],
      );
      return rows.length > 0;
    } finally {
      await client.end();
    }
  };
  await Promise.all([
    waitUntil(legacy, "a ready /readyz", ready(legacyPort), 60_000),
    waitUntil(identity, "a ready /readyz", ready(identityPort), 60_000),
    waitUntil(gateway, "a ready /readyz", ready(gatewayPort), 60_000),
    waitUntil(worker, "a heartbeat in data_sync_status", beat, 60_000),
  ]);
  return {
    gatewayUrl: `http://127.0.0.1:${gatewayPort}`,
    children: [legacy, identity, gateway, worker],
  };
}
