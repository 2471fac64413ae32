/** reputation: listens on PORT (8103), serves the reputation contract; see services/reputation/app.ts. */
import { drizzle } from "drizzle-orm/node-postgres";
import { Redis } from "ioredis";
import pino from "pino";
import { verificationKeyFrom } from "@/lib/auth/keys-from-env";
import { resilientPool } from "@/lib/db/pool";
import { runService } from "@/lib/http/run-service";
import { buildReputationApp } from "./app";
import { loadReputationConfig } from "./config";

await runService("reputation", loadReputationConfig, async (config, logger) => {
  const pool = resilientPool(
    { connectionString: config.databaseUrl, max: 10 },
    pino(logger),
    "reputation",
  );
  const redis = new Redis(config.REDIS_URL, { lazyConnect: false, maxRetriesPerRequest: 2 });
  const app = await buildReputationApp({
    db: drizzle(pool),
    pool,
    redis,
    key: verificationKeyFrom(config),
    logger,
  });
  return { app, close: async () => void (await Promise.all([pool.end(), redis.quit()])) };
});
