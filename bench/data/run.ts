/**
 * Data sync benchmark (issue 7, "Benchmark"): `npx tsx bench/data/run.ts`, with PostgreSQL and
 * Redis on localhost (or TEST_DATABASE_URL / TEST_REDIS_URL). Everything in one run:
 *   1. the backfill of identity and learning (SyncEngine ticks, the worker's settings) over a
 *      seeded legacy database while a writer keeps changing the same legacy tables, against a raw
 *      COPY-to-COPY pipe (pg-copy-streams) of the same rows into fresh service tables;
 *   2. the sync lag each way, with heartbeat rows, while 200 registrations/s go through the real
 *      gateway to identity in canary 50 % (legacy runtime, identity service, gateway and the
 *      data-sync worker as child processes on the benchmark's databases);
 *   3. the verifier (verifyDomain) over the backfilled data, against the backfill's rows/s;
 *   4. the write fence of rollbackDomain under that load, from canary, several times.
 * Sizes and repetitions: BENCH_USERS, BENCH_INTERACTIONS, BENCH_WRITES_PER_S, BENCH_LAG_SECONDS,
 * BENCH_FENCE_RUNS; the sync's own settings come from the DATA_SYNC_* / DATA_VERIFY_* variables
 * as in workers/data-sync.ts (their defaults unless set). Every database, child process and
 * Redis key it made is removed at the end, on error and on Ctrl-C too.
 */
import { randomBytes } from "node:crypto";
import { cpus, loadavg } from "node:os";
import { Redis } from "ioredis";
import pg from "pg";
import { loadDataSyncConfig } from "@/lib/data-sync/data-sync-config";
import { deleteKeys } from "@/lib/events/testing/harness";
import { createTestDatabase, testServerUrl } from "@/lib/testing/test-database";
import { createControlDb } from "@/server/db/client";
import { seedDomains } from "@/server/migration/domain-catalog";
import { Cleanups } from "./cleanups";
import { fmt } from "./figures";
import { backfillPhase } from "./phase-backfill";
import { gatewayPhase } from "./phase-gateway";
import { printRuns, printSummary } from "./report";
import { seedLegacy } from "./seed";

const SIZE = {
  users: Number(process.env.BENCH_USERS ?? 20_000),
  interactions: Number(process.env.BENCH_INTERACTIONS ?? 60_000),
};
const WRITES_PER_S = Number(process.env.BENCH_WRITES_PER_S ?? 200);
const LAG_SECONDS = Number(process.env.BENCH_LAG_SECONDS ?? 8);
const FENCE_RUNS = Number(process.env.BENCH_FENCE_RUNS ?? 5);
const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

const cleanups = new Cleanups();
let interrupted = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    interrupted = true;
    console.error(`\n${signal}: stopping the child processes and dropping the databases`);
    void cleanups.runAll().finally(() => process.exit(130));
  });
}
// An error outside the awaited path (a background loop) ends the run, but only after the cleanup;
// once interrupted, such errors are the loops finding their pools closed.
for (const event of ["unhandledRejection", "uncaughtException"] as const) {
  process.on(event, (error: unknown) => {
    if (interrupted) return;
    interrupted = true;
    console.error(`\nbenchmark failed: ${error instanceof Error ? error.stack : String(error)}`);
    void cleanups.runAll().finally(() => process.exit(1));
  });
}

async function database(folder: string) {
  const created = await createTestDatabase(folder);
  cleanups.add(`database ${created.name}`, created.drop);
  return created;
}

async function serverVersion(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ v: string }>("select version() as v")).rows[0]?.v ?? "?";
  } finally {
    await client.end();
  }
}

async function connectRedis(): Promise<Redis> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  redis.on("error", () => {});
  await redis.connect().catch((error: Error) => {
    throw new Error(`Redis at ${REDIS_URL} (is it running?): ${error.message}`);
  });
  cleanups.add("redis connection", async () => void redis.disconnect());
  return redis;
}

async function main(): Promise<void> {
  const serverUrl = testServerUrl();
  const config = loadDataSyncConfig({ ...process.env, DATABASE_URL: serverUrl });
  const cores = cpus().length;
  console.log("Data sync benchmark (issue 7): one run, every figure measured in it");
  console.log(
    `  machine: ${cores} cores (${cpus()[0]?.model ?? "?"}), load average ${loadavg()
      .map((v) => v.toFixed(2))
      .join(" ")} before the run; Node ${process.version}`,
  );
  console.log(`  PostgreSQL: ${await serverVersion(serverUrl)}`);
  console.log(
    `  note: the load generators, this process's sync engine, the child processes and PostgreSQL\n` +
      `  all share these ${cores} cores (and so does any other work on the host): absolute figures\n` +
      "  are lower than on dedicated machines; the baselines are measured under the same sharing.",
  );
  console.log(
    `  sync settings (workers/data-sync.ts): chunk ${config.DATA_SYNC_CHUNK_SIZE} rows, batch ` +
      `${config.DATA_SYNC_BATCH_SIZE} changes, 4 batches per direction and tick, idle ` +
      `${config.DATA_SYNC_IDLE_MS} ms; verify chunk ${config.DATA_VERIFY_CHUNK_SIZE}, recheck 3 × ` +
      `${config.DATA_VERIFY_RECHECK_MS} ms`,
  );

  const redis = await connectRedis();
  const keyPrefix = `bench:data:${Date.now().toString(36)}${randomBytes(3).toString("hex")}:`;
  cleanups.add("redis keys", () => deleteKeys(redis, keyPrefix));
  const folders = ["control", "legacy", "identity", "learning", "identity", "learning"];
  const [control, legacy, identity, learning, pipeIdentity, pipeLearning] = await Promise.all(
    folders.map(database),
  );
  if (!control || !legacy || !identity || !learning || !pipeIdentity || !pipeLearning)
    throw new Error("missing databases");
  const allDatabases = [control, legacy, identity, learning, pipeIdentity, pipeLearning].map(
    (d) => d.name,
  );
  const controlDb = createControlDb(control.url, 1);
  await seedDomains(controlDb.db);
  await controlDb.pool.end();
  const legacyPool = new pg.Pool({ connectionString: legacy.url, max: 4 });
  const identityPool = new pg.Pool({ connectionString: identity.url, max: 2 });
  cleanups.add(
    "pools",
    async () => void (await Promise.all([legacyPool.end(), identityPool.end()])),
  );
  const seedStarted = performance.now();
  await seedLegacy(legacyPool, SIZE);
  console.log(
    `  seeded legacy: ${fmt(SIZE.users)} users, ${fmt(SIZE.interactions)} interactions in ` +
      `${fmt((performance.now() - seedStarted) / 1000, 1)} s; the backfill of identity (users) and ` +
      "learning (interactions, then the known_users projection from users) moves " +
      `${fmt(2 * SIZE.users + SIZE.interactions)} rows`,
  );

  const backfill = await backfillPhase({
    serverUrl,
    config,
    urls: {
      control: control.url,
      legacy: legacy.url,
      identity: identity.url,
      learning: learning.url,
    },
    pipeTargets: { identity: pipeIdentity.url, learning: pipeLearning.url },
    databases: allDatabases,
    legacy: legacyPool,
    size: SIZE,
    writesPerSecond: WRITES_PER_S,
    cleanups,
  });
  for (const note of backfill.notes) console.log(`  ${note}`);
  await Promise.all([learning, pipeIdentity, pipeLearning].map((d) => d.drop()));

  const gateway = await gatewayPhase({
    serverUrl,
    controlUrl: control.url,
    databases: { control: control.name, legacy: legacy.name, identity: identity.name },
    allDatabases,
    pools: { legacy: legacyPool, identity: identityPool },
    redisUrl: REDIS_URL,
    keyPrefix,
    secret: randomBytes(32).toString("hex"),
    writesPerSecond: WRITES_PER_S,
    lagSeconds: LAG_SECONDS,
    fenceRuns: FENCE_RUNS,
    cleanups,
  });
  for (const note of gateway.notes) console.log(`  ${note}`);

  const results = { ...backfill, ...gateway };
  printRuns(results);
  printSummary(results);
}

try {
  await main();
} catch (error) {
  console.error(`\nbenchmark failed: ${error instanceof Error ? error.stack : String(error)}`);
  process.exitCode = 1;
} finally {
  await cleanups.runAll();
}
