/** marketplace: listens on PORT (8106), serves the marketplace contract; see services/marketplace/app.ts. */
import { drizzle } from "drizzle-orm/node-postgres";
import { Redis } from "ioredis";
import pino from "pino";
import { verificationKeyFrom } from "@/lib/auth/keys-from-env";
import { resilientPool } from "@/lib/db/pool";
import { runService } from "@/lib/http/run-service";
import { buildMarketplaceApp } from "./app";
import { loadMarketplaceConfig } from "./config";

await runService("marketplace", loadMarketplaceConfig, async (config, logger) => {
  const pool = resilientPool(
    { connectionString: config.databaseUrl, max: 10 },
    pino(logger),
    "marketplace",
  );
  const redis = new Redis(config.REDIS_URL, { lazyConnect: false, maxRetriesPerRequest: 2 });
  const app = await buildMarketplaceApp({
    db: drizzle(pool),
    pool,
    redis,
    key: verificationKeyFrom(config),
    logger,
  });
  return { app, close: async () => void (await Promise.all([pool.end(), redis.quit()])) };
});
