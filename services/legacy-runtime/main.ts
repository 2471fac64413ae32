/** legacy-runtime: listens on PORT (8090), serves all six domain contracts; see ./app.ts. */
import { drizzle } from "drizzle-orm/node-postgres";
import { Redis } from "ioredis";
import pg from "pg";
import { verificationKeyFrom } from "@/lib/auth/keys-from-env";
import { runService } from "@/lib/http/run-service";
import { buildLegacyRuntimeApp } from "./app";
import { LEGACY_RUNTIME_SERVICE, loadLegacyRuntimeConfig } from "./config";

await runService(LEGACY_RUNTIME_SERVICE.name, loadLegacyRuntimeConfig, async (config, logger) => {
  const pool = new pg.Pool({ connectionString: config.databaseUrl, max: 10 });
  const redis = new Redis(config.REDIS_URL, { lazyConnect: false, maxRetriesPerRequest: 2 });
  const app = await buildLegacyRuntimeApp({
    db: drizzle(pool),
    pool,
    redis,
    key: verificationKeyFrom(config),
    logger,
  });
  return { app, close: async () => void (await Promise.all([pool.end(), redis.quit()])) };
});
