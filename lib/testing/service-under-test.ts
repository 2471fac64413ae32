import { drizzle, type NodePgDatabase } from "drizzle-orm/node-postgres";
import type { FastifyInstance } from "fastify";
import { Redis } from "ioredis";
import type pg from "pg";
import type { ServiceVerificationKey } from "@/lib/auth/service-keys";
import { resilientPool } from "@/lib/db/pool";
import { testServiceKey } from "@/lib/testing/contract-target";
import { createTestDatabase } from "@/lib/testing/test-database";

export type ServiceDeps = {
  db: NodePgDatabase;
  pool: pg.Pool;
  redis: Redis;
  key: ServiceVerificationKey;
  validateResponses: true;
};

/**
 * Starts a service for a test on a free port, on a database of its own (migrations of
 * `drizzle/<folder>`), with response validation on. `close()` stops it and drops the database.
 */
export async function startServiceUnderTest(
  folder: string,
  build: (deps: ServiceDeps) => Promise<FastifyInstance>,
) {
  const database = await createTestDatabase(folder);
  // the drop below ends connections a relay or consumer still holds: they must not crash the run
  const pool = resilientPool(
    { connectionString: database.url, max: 5 },
    { warn: () => {} },
    folder,
  );
  const redis = new Redis(process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379", {
    lazyConnect: false,
  });
  const db = drizzle(pool);
  const app = await build({ db, pool, redis, key: testServiceKey, validateResponses: true });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  if (!address || typeof address === "string") throw new Error("no TCP address");
  return {
    app,
    db,
    pool,
    redis,
    baseUrl: `http://127.0.0.1:${address.port}`,
    async close() {
      await app.close();
      await pool.end();
      redis.disconnect();
      await database.drop();
    },
  };
}
