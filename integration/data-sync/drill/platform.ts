import { setTimeout as sleep } from "node:timers/promises";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { drizzle } from "drizzle-orm/node-postgres";
import type { FastifyInstance } from "fastify";
import { Redis } from "ioredis";
import pg from "pg";
import pino from "pino";
import { sharedSecretKey } from "@/lib/auth/service-keys";
import { verifyServiceToken } from "@/lib/auth/verify-service-token";
import type { DomainName } from "@/lib/contracts/domains";
import { domainSides } from "@/lib/data-sync/domain-sides";
import { DomainPlacement } from "@/lib/data-sync/placement";
import { SyncEngine } from "@/lib/data-sync/sync-engine";
import { DOMAIN_TRANSLATORS } from "@/lib/data-sync/translators/registry";
import { parseContractEnvelope } from "@/lib/events/contract-parsers";
import { createEventConsumer } from "@/lib/events/event-consumer";
import { createHandlerRegistry } from "@/lib/events/handler-registry";
import { startOutboxRelay } from "@/lib/events/outbox-relay";
import type { ConsumerDefinition } from "@/lib/events/run-consumer";
import { testRedisUrl } from "@/lib/events/testing/harness";
import { readBearerToken } from "@/lib/http/bearer-token";
import { TEST_SERVICE_SECRET, testServiceKey } from "@/lib/testing/contract-target";
import { createTestDatabase, testServerUrl } from "@/lib/testing/test-database";
import { CONTROL_PLANE_AUDIENCE } from "@/server/auth/service-caller";
import { appRouter } from "@/server/routers/index";
import { type ControlFixture, createControlFixture } from "@/server/testing/control-fixture";
import { createContext } from "@/server/trpc";
import { buildGatewayApp } from "@/services/api-gateway/app";
import { loadGatewayConfig } from "@/services/api-gateway/config";
import { buildIdentityApp } from "@/services/identity/app";
import { buildLearningApp } from "@/services/learning/app";
import { LEARNING_CONSUMER } from "@/services/learning/handlers";
import { buildLegacyRuntimeApp } from "@/services/legacy-runtime/app";
import { LEGACY_EFFECTS_CONSUMER } from "@/services/legacy-runtime/effects";
import { buildPassportApp } from "@/services/passport/app";
import { PASSPORT_CONSUMER } from "@/services/passport/handlers";
import { buildReputationApp } from "@/services/reputation/app";
import { REPUTATION_CONSUMER } from "@/services/reputation/handlers";
import { createControlPlaneClient } from "@/workers/slo-guard/control-plane";
import { startSloGuard } from "@/workers/slo-guard/guard-loop";
import { serveFetchHandler } from "@/workers/slo-guard/testing/fetch-server";

/** The domains the drill runs services for; the other two stay on legacy with no service. */
export const DRILL_DOMAINS = ["identity", "learning", "passport", "reputation"] as const;
type DrillDomain = (typeof DRILL_DOMAINS)[number];

const BUILDERS = {
  identity: buildIdentityApp,
  learning: buildLearningApp,
  passport: buildPassportApp,
  reputation: buildReputationApp,
} as const;

const CONSUMERS: Partial<Record<DrillDomain | "legacy", ConsumerDefinition>> = {
  legacy: LEGACY_EFFECTS_CONSUMER,
  learning: LEARNING_CONSUMER,
  passport: PASSPORT_CONSUMER,
  reputation: REPUTATION_CONSUMER,
};

async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  if (!address || typeof address === "string") throw new Error("no TCP address");
  return `http://127.0.0.1:${address.port}`;
}

/**
 * The whole platform in one test process, each part built by its real code: keiko_control and
 * the control plane's tRPC router (served over HTTP for slo-guard), the legacy runtime and four
 * services on databases of their own, the gateway, an outbox relay per database, the consumer
 * groups, the data sync loop and slo-guard. `close()` stops everything and drops everything.
 */
export async function startDrillPlatform() {
  const stops: Array<() => Promise<unknown>> = [];
  const log = pino({ level: "silent" });
  const control: ControlFixture = await createControlFixture();
  stops.push(() => control.close());
  const prefix = control.bus.prefix;
  const redis = new Redis(testRedisUrl());
  stops.push(async () => redis.disconnect());

  const databases: Record<string, { url: string; pool: pg.Pool }> = {};
  for (const folder of ["legacy", ...DRILL_DOMAINS]) {
    const database = await createTestDatabase(folder);
    const pool = new pg.Pool({ connectionString: database.url, max: 8 });
    pool.on("error", () => undefined);
    databases[folder] = { url: database.url, pool };
    stops.push(async () => {
      await pool.end();
      await database.drop();
    });
  }
  const dbOf = (folder: string) => databases[folder] as { url: string; pool: pg.Pool };

  // the legacy runtime reads where each domain is, to apply only the effects legacy owns
  const placement = new DomainPlacement({
    databaseUrl: control.database.url,
    reloadIntervalMs: 1_000,
    logger: log,
  });
  await placement.start();
  stops.push(() => placement.close());
  const upstreams: Record<string, string> = {};
  const legacyPool = dbOf("legacy").pool;
  const legacyApp = await buildLegacyRuntimeApp({
    db: drizzle(legacyPool),
    pool: legacyPool,
    redis,
    key: testServiceKey,
    placement,
  });
  upstreams.legacy = await listen(legacyApp);
  stops.push(() => legacyApp.close());
  for (const domain of DRILL_DOMAINS) {
    const { pool } = dbOf(domain);
    const app = await BUILDERS[domain]({ db: drizzle(pool), pool, redis, key: testServiceKey });
    upstreams[domain] = await listen(app);
    stops.push(() => app.close());
  }
  await control.pool.query("update domains set legacy_url = $1", [upstreams.legacy]);
  for (const domain of DRILL_DOMAINS) {
    await control.pool.query("update domains set service_url = $2 where name = $1", [
      domain,
      upstreams[domain],
    ]);
  }

  for (const folder of ["legacy", ...DRILL_DOMAINS]) {
    const relay = startOutboxRelay({ pool: dbOf(folder).pool, redis, prefix, idleDelayMs: 20 });
    stops.push(() => relay.stop());
  }
  for (const [domain, definition] of Object.entries(CONSUMERS)) {
    const consumer = createEventConsumer({
      redis,
      db: drizzle(dbOf(domain).pool),
      prefix,
      group: definition.group,
      consumer: `${definition.group}-drill`,
      aggregateTypes: definition.aggregateTypes,
      registry: createHandlerRegistry(definition.handlers),
      parseEnvelope: parseContractEnvelope,
      blockMs: 100,
    });
    consumer.start();
    stops.push(() => consumer.stop());
  }

  const gatewayPool = new pg.Pool({ connectionString: control.database.url, max: 4 });
  const settings = loadGatewayConfig({
    DATABASE_URL: testServerUrl(),
    CONTROL_DATABASE: control.database.name,
    REDIS_URL: testRedisUrl(),
    KEIKO_KEY_PREFIX: prefix,
    SERVICE_TOKEN_SECRET: TEST_SERVICE_SECRET,
    GATEWAY_STATS_PUBLISH_MS: "200",
  });
  const gateway = await buildGatewayApp({
    settings,
    pool: gatewayPool,
    controlDatabaseUrl: settings.databaseUrl,
    redis,
    gatewayId: "drill",
  });
  const gatewayUrl = await listen(gateway);
  stops.push(async () => {
    await gateway.close();
    await gatewayPool.end();
  });

  const sides = new Map(
    DRILL_DOMAINS.map((domain) => [
      domain as DomainName,
      domainSides(DOMAIN_TRANSLATORS[domain], {
        control: control.pool,
        legacy: legacyPool,
        service: dbOf(domain).pool,
      }),
    ]),
  );
  const engine = new SyncEngine(sides, control.pool, {
    batchSize: 500,
    chunkSize: 500,
    maxBatchesPerTick: 4,
    autoBackfill: false,
    verifyIntervalMs: 3_600_000,
    verify: { chunkSize: 1_000, recheckAttempts: 4, recheckDelayMs: 250, maxDetails: 20 },
    log,
  });
  let syncing = true;
  const syncLoop = (async () => {
    while (syncing) {
      const busy = await engine.tick().catch(() => false);
      if (!busy) await sleep(25);
    }
    await engine.idle();
  })();
  stops.push(async () => {
    syncing = false;
    await syncLoop;
  });

  // the control plane over HTTP, as the console serves it to workers
  const key = sharedSecretKey(TEST_SERVICE_SECRET);
  const consoleServer = await serveFetchHandler((request) =>
    fetchRequestHandler({
      endpoint: "/api/trpc",
      req: request,
      router: appRouter,
      createContext: async () => {
        const header = request.headers.get("authorization");
        const verified = header
          ? await verifyServiceToken(readBearerToken(header), {
              key,
              audience: CONTROL_PLANE_AUDIENCE,
            })
          : null;
        return createContext(control.db, control.bus, null, verified?.ok ? verified.claims : null);
      },
    }),
  );
  stops.push(() => consoleServer.close());
  const guardActions: unknown[] = [];
  const guard = await startSloGuard({
    redis,
    prefix,
    controlPlane: createControlPlaneClient({
      url: consoleServer.url,
      serviceTokenSecret: TEST_SERVICE_SECRET,
    }),
    logger: log,
    intervalMs: 250,
    stateRefreshMs: 250,
    onAction: (event) => guardActions.push(event),
  });
  stops.push(() => guard.stop());

  return {
    control,
    redis,
    prefix,
    gatewayUrl,
    upstreams,
    engine,
    guardActions,
    legacy: legacyPool,
    service: (domain: DrillDomain) => dbOf(domain).pool,
    sides,
    async close() {
      for (const stop of stops.reverse()) await stop().catch(() => undefined);
    },
  };
}

export type DrillPlatform = Awaited<ReturnType<typeof startDrillPlatform>>;
