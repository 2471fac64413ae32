/** identity: listens on PORT (8101), serves the identity contract; see services/identity/app.ts. */
import { drizzle } from "drizzle-orm/node-postgres";
import { Redis } from "ioredis";
import pino from "pino";
import { verificationKeyFrom } from "@/lib/auth/keys-from-env";
import { resilientPool } from "@/lib/db/pool";
import { runService } from "@/lib/http/run-service";
import { buildIdentityApp } from "./app";
import { loadIdentityConfig } from "./config";

await runService("identity", loadIdentityConfig, async (config, logger) => {
  const pool = resilientPool(
    { connectionString: config.databaseUrl, max: 10 },
    pino(logger),
    "identity",
  );
  const redis = new Redis(config.REDIS_URL, { lazyConnect: false, maxRetriesPerRequest: 2 });
  const app = await buildIdentityApp({
    db: drizzle(pool),
    pool,
    redis,
    key: verificationKeyFrom(config),
    logger,
  });
  return { app, close: async () => void (await Promise.all([pool.end(), redis.quit()])) };
});
