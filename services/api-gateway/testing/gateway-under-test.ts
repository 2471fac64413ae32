import { randomBytes } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { Redis } from "ioredis";
import pg from "pg";
import type { DomainName, MigrationState } from "@/lib/contracts/domains";
import { ROUTES_CHANNEL } from "@/lib/contracts/domains";
import { deleteKeys, testRedisUrl } from "@/lib/events/testing/harness";
import { TEST_SERVICE_SECRET } from "@/lib/testing/contract-target";
import { createTestDatabase, testServerUrl } from "@/lib/testing/test-database";
import { buildGatewayApp } from "../app";
import { loadGatewayConfig } from "../config";

export type TestDomain = {
  name: DomainName;
  state: MigrationState;
  canaryWeight?: number;
  /** In shadow, the share of requests mirrored (the table's default, 100, when unset). */
  shadowPercent?: number;
  legacyUrl: string;
  serviceUrl: string;
};

/** Changes a domain's route the way the control plane does: UPDATE, then notify, one transaction. */
export async function setDomainState(
  pool: pg.Pool,
  name: DomainName,
  state: MigrationState,
  canaryWeight = state === "migrated" ? 100 : 0,
  notify = true,
): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query("begin");
    await client.query(
      "update domains set state = $2, canary_weight = $3, version = version + 1 where name = $1",
      [name, state, canaryWeight],
    );
    if (notify) await client.query("select pg_notify($1, $2)", [ROUTES_CHANNEL, name]);
    await client.query("commit");
  } catch (error) {
    await client.query("rollback");
    throw error;
  } finally {
    client.release();
  }
}

/**
 * Changes a domain's shadow percent as the control plane does (server/migration/shadow-percent.ts):
 * UPDATE and notify in one statement.
 */
export async function setShadowPercentRow(
  pool: pg.Pool,
  name: DomainName,
  percent: number,
): Promise<void> {
  await pool.query(
    `with changed as (
       update domains set shadow_percent = $2, version = version + 1 where name = $1 returning name
     )
     select pg_notify($3, name) from changed`,
    [name, percent, ROUTES_CHANNEL],
  );
}

/**
 * A gateway on a free port over a keiko_control copy of its own (migrations applied, the given
 * domain rows inserted), with a Redis key prefix of its own. `env` overrides configuration.
 */
export async function startGatewayUnderTest(
  domains: TestDomain[],
  env: Record<string, string> = {},
) {
  const database = await createTestDatabase("control");
  const pool = new pg.Pool({ connectionString: database.url, max: 4 });
  for (const domain of domains) {
    await pool.query(
      `insert into domains (name, display_name, path_prefix, legacy_url, service_url, state,
         canary_weight, shadow_percent)
       values ($1, $1, $2, $3, $4, $5, $6, $7)`,
      [
        domain.name,
        `/api/${domain.name}`,
        domain.legacyUrl,
        domain.serviceUrl,
        domain.state,
        domain.canaryWeight ?? (domain.state === "migrated" ? 100 : 0),
        domain.shadowPercent ?? 100,
      ],
    );
  }
  const prefix = `test:gw:${Date.now().toString(36)}${randomBytes(3).toString("hex")}:`;
  const redis = new Redis(testRedisUrl());
  const settings = loadGatewayConfig({
    DATABASE_URL: testServerUrl(),
    CONTROL_DATABASE: database.name,
    REDIS_URL: testRedisUrl(),
    KEIKO_KEY_PREFIX: prefix,
    SERVICE_TOKEN_SECRET: TEST_SERVICE_SECRET,
    GATEWAY_LEGACY_TIMEOUT_MS: "2000",
    GATEWAY_SERVICE_TIMEOUT_MS: "2000",
    GATEWAY_BREAKER_HALF_OPEN_AFTER_MS: "300",
    GATEWAY_STATS_PUBLISH_MS: "200",
    ...env,
  });
  let app: FastifyInstance;
  try {
    app = await buildGatewayApp({
      settings,
      pool,
      controlDatabaseUrl: settings.databaseUrl,
      redis,
      gatewayId: `test-${prefix}`,
    });
    await app.listen({ host: "127.0.0.1", port: 0 });
  } catch (error) {
    await pool.end();
    redis.disconnect();
    await database.drop();
    throw error;
  }
  const address = app.server.address();
  if (!address || typeof address === "string") throw new Error("no TCP address");
  return {
    app,
    pool,
    redis,
    prefix,
    settings,
    baseUrl: `http://127.0.0.1:${address.port}`,
    setDomain: (name: DomainName, state: MigrationState, weight?: number, notify?: boolean) =>
      setDomainState(pool, name, state, weight, notify),
    async close() {
      await app.close();
      await pool.end();
      await deleteKeys(redis, prefix);
      redis.disconnect();
      await database.drop();
    },
  };
}

export type GatewayUnderTest = Awaited<ReturnType<typeof startGatewayUnderTest>>;
