/** learning: listens on PORT (8102), serves the learning contract; see services/learning/app.ts. */
import { drizzle } from "drizzle-orm/node-postgres";
import { Redis } from "ioredis";
import pino from "pino";
import { verificationKeyFrom } from "@/lib/auth/keys-from-env";
import { resilientPool } from "@/lib/db/pool";
import { runService } from "@/lib/http/run-service";
import { buildLearningApp } from "./app";
import { loadLearningConfig } from "./config";

await runService("learning", loadLearningConfig, async (config, logger) => {
  const pool = resilientPool(
    { connectionString: config.databaseUrl, max: 10 },
    pino(logger),
    "learning",
  );
  const redis = new Redis(config.REDIS_URL, { lazyConnect: false, maxRetriesPerRequest: 2 });
  const app = await buildLearningApp({
    db: drizzle(pool),
    pool,
    redis,
    key: verificationKeyFrom(config),
    logger,
  });
  return { app, close: async () => void (await Promise.all([pool.end(), redis.quit()])) };
});
