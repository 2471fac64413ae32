/** governance: listens on PORT (8105), serves the governance contract; see services/governance/app.ts. */
import { drizzle } from "drizzle-orm/node-postgres";
import { Redis } from "ioredis";
import pino from "pino";
import { verificationKeyFrom } from "@/lib/auth/keys-from-env";
import { resilientPool } from "@/lib/db/pool";
import { runService } from "@/lib/http/run-service";
import { buildGovernanceApp } from "./app";
import { loadGovernanceConfig } from "./config";

await runService("governance", loadGovernanceConfig, async (config, logger) => {
  const pool = resilientPool(
    { connectionString: config.databaseUrl, max: 10 },
    pino(logger),
    "governance",
  );
  const redis = new Redis(config.REDIS_URL, { lazyConnect: false, maxRetriesPerRequest: 2 });
  const app = await buildGovernanceApp({
    db: drizzle(pool),
    pool,
    redis,
    key: verificationKeyFrom(config),
    logger,
  });
  return { app, close: async () => void (await Promise.all([pool.end(), redis.quit()])) };
});
