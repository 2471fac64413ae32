/**
 * A consumer process for the fault tests: `node --import tsx consumer-child.ts '<json config>'`.
 * Its handler writes one `test_effects` row per event; it reports on stdout so the test can
 * SIGKILL it at a chosen moment: `handled <event_id>` per handler run, `committed` per commit.
 */
import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import { Redis } from "ioredis";
import pg from "pg";
import { USER_REGISTERED_V1 } from "@/lib/contracts/identity";
import { defineContractHandler } from "@/lib/events/contract-handler";
import { parseContractEnvelope } from "@/lib/events/contract-parsers";
import { createEventConsumer } from "@/lib/events/event-consumer";
import { createHandlerRegistry } from "@/lib/events/handler-registry";

interface ChildConfig {
  databaseUrl: string;
  redisUrl: string;
  prefix: string;
  group: string;
  consumer: string;
  batchSize: number;
  handlerDelayMs: number;
  /** Stop forever after the first commit, before its ack. */
  hangAfterCommit?: boolean;
}

const config = JSON.parse(process.argv[2] ?? "{}") as ChildConfig;
const pool = new pg.Pool({ connectionString: config.databaseUrl, max: 4 });
const redis = new Redis(config.redisUrl);
const say = (line: string) => process.stdout.write(`${line}\n`);

const handler = defineContractHandler(USER_REGISTERED_V1, async (event, { tx }) => {
  await tx.execute(
    sql`insert into test_effects (event_id, prefix) values (${event.event_id}, ${config.prefix})`,
  );
  say(`handled ${event.event_id}`);
  await new Promise((resolve) => setTimeout(resolve, config.handlerDelayMs));
});

const consumer = createEventConsumer({
  redis,
  db: drizzle(pool),
  prefix: config.prefix,
  group: config.group,
  consumer: config.consumer,
  aggregateTypes: ["user"],
  registry: createHandlerRegistry([handler]),
  parseEnvelope: parseContractEnvelope,
  batchSize: config.batchSize,
  blockMs: 100,
  retry: { baseMs: 60_000, maxMs: 60_000, maxDeliveries: 5 },
  afterCommit: async () => {
    say("committed");
    if (config.hangAfterCommit) await new Promise(() => undefined);
  },
});
consumer.start();
say("ready");
