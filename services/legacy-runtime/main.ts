/** legacy-runtime: listens on PORT (8090), serves all six domain contracts; see ./app.ts. */
import { drizzle } from "drizzle-orm/node-postgres";
import { Redis } from "ioredis";
import pino from "pino";
import { verificationKeyFrom } from "@/lib/auth/keys-from-env";
import { DomainPlacement } from "@/lib/data-sync/placement";
import { resilientPool } from "@/lib/db/pool";
import { runService } from "@/lib/http/run-service";
import { processMetrics } from "@/lib/observability/process-metrics";
import { buildLegacyRuntimeApp } from "./app";
import { LEGACY_RUNTIME_SERVICE, loadLegacyRuntimeConfig } from "./config";

await runService(LEGACY_RUNTIME_SERVICE.name, loadLegacyRuntimeConfig, async (config, logger) => {
  const pool = resilientPool(
    { connectionString: config.databaseUrl, max: 10 },
    pino(logger),
    "legacy-runtime",
  );
  const redis = new Redis(config.REDIS_URL, { lazyConnect: false, maxRetriesPerRequest: 2 });
  // Where each domain is decides which cross-domain effects this runtime applies (ADR 0011).
  const placement = config.CONTROL_DATABASE_URL
    ? new DomainPlacement({
        databaseUrl: config.CONTROL_DATABASE_URL,
        logger: pino(logger).child({ component: "effect-placement" }),
      })
    : undefined;
  await placement?.start();
  const app = await buildLegacyRuntimeApp({
    db: drizzle(pool),
    pool,
    redis,
    key: verificationKeyFrom(config),
    logger,
    registry: processMetrics(LEGACY_RUNTIME_SERVICE.name),
    placement,
  });
  return {
    app,
    close: async () => void (await Promise.all([pool.end(), redis.quit(), placement?.close()])),
  };
});
