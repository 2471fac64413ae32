/** legacy-runtime: listens on PORT (8090), serves all six domain contracts; see ./app.ts. */
import { drizzle } from "drizzle-orm/node-postgres";
import { Redis } from "ioredis";
import pino from "pino";
import { verificationKeyFrom } from "@/lib/auth/keys-from-env";
import { DomainPlacement } from "@/lib/data-sync/placement";
import { resilientPool } from "@/lib/db/pool";
import { runService } from "@/lib/http/run-service";
import { buildLegacyRuntimeApp } from "./app";
import {
  LEGACY_RUNTIME_SERVICE,
  type LegacyRuntimeConfig,
  loadLegacyRuntimeConfig,
} from "./config";

let config: LegacyRuntimeConfig | undefined;
const loadConfig = () => {
  config = loadLegacyRuntimeConfig();
  return config;
};

await runService(LEGACY_RUNTIME_SERVICE.name, loadConfig, async (_env, logger) => {
  const settings = config as LegacyRuntimeConfig;
  const pool = resilientPool(
    { connectionString: settings.databaseUrl, max: 10 },
    pino(logger),
    "legacy-runtime",
  );
  const redis = new Redis(settings.REDIS_URL, { lazyConnect: false, maxRetriesPerRequest: 2 });
  // Where each domain is decides which cross-domain effects this runtime applies (ADR 0011).
  const placement = settings.CONTROL_DATABASE_URL
    ? new DomainPlacement({
        databaseUrl: settings.CONTROL_DATABASE_URL,
        logger: pino(logger).child({ component: "effect-placement" }),
      })
    : undefined;
  await placement?.start();
  const app = await buildLegacyRuntimeApp({
    db: drizzle(pool),
    pool,
    redis,
    key: verificationKeyFrom(settings),
    logger,
    placement,
  });
  return {
    app,
    close: async () => void (await Promise.all([pool.end(), redis.quit(), placement?.close()])),
  };
});
