import { drizzle, type NodePgDatabase } from "drizzle-orm/node-postgres";
import type { FastifyInstance } from "fastify";
import { Redis } from "ioredis";
import type pg from "pg";
import pino, { type LoggerOptions } from "pino";
import type { Registry } from "prom-client";
import { verificationKeyFrom } from "@/lib/auth/keys-from-env";
import type { ServiceVerificationKey } from "@/lib/auth/service-keys";
import type { ServiceEnv } from "@/lib/config/service";
import { resilientPool } from "@/lib/db/pool";
import { serve } from "@/lib/http/serve";
import { loggerOptions } from "@/lib/observability/logger";
import { processMetrics } from "@/lib/observability/process-metrics";
import { closeServer } from "@/lib/process/http-server";
import { runProcess } from "@/lib/process/lifecycle";
import { drainGraceMs } from "@/lib/process/lifecycle-settings";

/** A service's app, built but not listening, and what to close once it has drained. */
export type BuiltService = { app: FastifyInstance; close: () => Promise<void> };

/**
 * The main of every HTTP service, through the one lifecycle (lib/process/lifecycle.ts): config
 * parsed once, listen on HOST:PORT, on SIGTERM /readyz 503, requests in flight finish, `close`.
 */
export async function runService<C extends ServiceEnv>(
  name: string,
  loadConfig: () => C,
  build: (config: C, logger: LoggerOptions) => Promise<BuiltService>,
): Promise<void> {
  await runProcess({
    name,
    kind: "server",
    config: loadConfig,
    logLevel: (config) => config.LOG_LEVEL,
    start: async (config, lifecycle) => {
      const { app, close } = await build(config, loggerOptions(name, config.LOG_LEVEL));
      await serve(app, { host: config.HOST, port: config.port }, lifecycle);
      lifecycle.logger.info(`${name} listening on http://${config.HOST}:${config.port}`);
      const graceMs = drainGraceMs(lifecycle.settings);
      return { drain: () => closeServer(app.server, graceMs, () => app.close()), close };
    },
  });
}

/** What every domain service's app builder takes. */
export type DomainAppDeps = {
  db: NodePgDatabase;
  pool: pg.Pool;
  redis: Redis;
  key: ServiceVerificationKey;
  logger: LoggerOptions;
  /** The process's metrics registry (lib/observability/process-metrics.ts), served on /metrics. */
  registry: Registry;
};

/**
 * The whole main of a domain service (identity … marketplace): its own database pool and Redis,
 * its app, and the one lifecycle; both connections close after the requests in flight.
 */
export function runDomainService(
  name: string,
  loadConfig: () => ServiceEnv,
  buildApp: (deps: DomainAppDeps) => Promise<FastifyInstance>,
): Promise<void> {
  return runService(name, loadConfig, async (config, logger) => {
    const pool = resilientPool(
      { connectionString: config.databaseUrl, max: 10 },
      pino(logger),
      name,
    );
    const redis = new Redis(config.REDIS_URL, { lazyConnect: false, maxRetriesPerRequest: 2 });
    const app = await buildApp({
      db: drizzle(pool),
      pool,
      redis,
      key: verificationKeyFrom(config),
      logger,
      registry: processMetrics(name),
    });
    return { app, close: async () => void (await Promise.all([pool.end(), redis.quit()])) };
  });
}
