import { hostname } from "node:os";
import { drizzle } from "drizzle-orm/node-postgres";
import { Redis } from "ioredis";
import pino from "pino";
import { loadConsumerEnv } from "@/lib/config/consumer";
import type { ServiceEnv } from "@/lib/config/service";
import { resilientPool } from "@/lib/db/pool";
import { parseContractEnvelope } from "@/lib/events/contract-parsers";
import { createEventConsumer, type EventConsumer } from "@/lib/events/event-consumer";
import type { EventHandler } from "@/lib/events/event-handler";
import { createHandlerRegistry } from "@/lib/events/handler-registry";

/** What a service consumes: its group, the streams it reads and a handler per event type. */
export type ConsumerDefinition = {
  group: string;
  aggregateTypes: readonly string[];
  handlers: readonly EventHandler[];
};

/**
 * The main of every service's consumer process: one consumer of the service's group on its own
 * database; retries, handler deadline, dead-letter cap and inbox retention from the CONSUMER_*
 * variables (lib/config/consumer.ts); graceful stop on SIGTERM/SIGINT.
 */
export function runConsumer(
  name: string,
  loadConfig: () => ServiceEnv,
  definition: ConsumerDefinition,
): void {
  let config: ServiceEnv;
  let settings: ReturnType<typeof loadConsumerEnv>;
  try {
    config = loadConfig();
    settings = loadConsumerEnv();
  } catch (error) {
    console.error(`${name}: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
  const logger = pino({ level: config.LOG_LEVEL, base: { service: name } });
  // A handler past its deadline closes its connection; the pool opens another.
  const pool = resilientPool({ connectionString: config.databaseUrl, max: 4 }, logger, name);
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 2 });
  redis.on("error", (error) => logger.warn({ err: error }, "redis connection error"));

  let consumer: EventConsumer;
  try {
    consumer = createEventConsumer({
      redis,
      db: drizzle(pool),
      prefix: config.KEIKO_KEY_PREFIX,
      group: definition.group,
      consumer: `${hostname()}-${process.pid}`,
      aggregateTypes: definition.aggregateTypes,
      registry: createHandlerRegistry(definition.handlers),
      parseEnvelope: parseContractEnvelope,
      ...settings,
      onError: (error) => logger.warn({ err: error }, "event handling failed; it will be retried"),
      onWarning: (message, details) => logger.warn(details, message),
    });
  } catch (error) {
    // A setting that contradicts another (the inbox retention below the redelivery window).
    console.error(`${name}: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
  consumer.start();
  logger.info({ group: definition.group, streams: definition.aggregateTypes }, `${name} started`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info({ signal, ...consumer.stats }, "stopping");
    setTimeout(() => process.exit(1), 10_000).unref();
    await consumer.stop();
    await Promise.all([pool.end(), redis.quit()]);
    process.exit(0);
  };
  process.once("SIGTERM", () => void shutdown("SIGTERM"));
  process.once("SIGINT", () => void shutdown("SIGINT"));
}
