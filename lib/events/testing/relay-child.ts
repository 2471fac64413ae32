/**
 * A relay process for the fault tests: `node --import tsx relay-child.ts '<json config>'`.
 * After the XADDs of its first batch it prints `xadded <n>` and waits forever before marking the
 * rows sent, so the test can SIGKILL it exactly between XADD and mark.
 */
import { Redis } from "ioredis";
import pg from "pg";
import { relayOutboxBatch } from "@/lib/events/outbox-relay";

interface ChildConfig {
  databaseUrl: string;
  redisUrl: string;
  prefix: string;
  batchSize: number;
}

const config = JSON.parse(process.argv[2] ?? "{}") as ChildConfig;
const pool = new pg.Pool({ connectionString: config.databaseUrl, max: 1 });
const redis = new Redis(config.redisUrl);

await relayOutboxBatch({
  pool,
  redis,
  prefix: config.prefix,
  batchSize: config.batchSize,
  afterXadd: async (count) => {
    process.stdout.write(`xadded ${count}\n`);
    await new Promise(() => undefined);
  },
});
