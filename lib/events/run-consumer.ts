import { hostname } from "node:os";
import { drizzle } from "drizzle-orm/node-postgres";
import { Redis } from "ioredis";
import { loadConsumerEnv } from "@/lib/config/consumer";
import type { ServiceEnv } from "@/lib/config/service";
import { resilientPool } from "@/lib/db/pool";
import { parseContractEnvelope } from "@/lib/events/contract-parsers";
import { createEventConsumer, type EventConsumer } from "@/lib/events/event-consumer";
import type { EventHandler } from "@/lib/events/event-handler";
import { createHandlerRegistry } from "@/lib/events/handler-registry";
import { runProcess } from "@/lib/process/lifecycle";

/** What a service consumes: its group, the streams it reads and a handler per event type. */
export type ConsumerDefinition = {
  group: string;
  aggregateTypes: readonly string[];
  handlers: readonly EventHandler[];
};

/**
 * The main of every service's consumer process, through the one lifecycle
 * (lib/process/lifecycle.ts): one consumer of the service's group on its own database; retries,
 * handler deadline, dead-letter cap and inbox retention from the CONSUMER_* variables
 * (lib/config/consumer.ts); on SIGTERM /readyz 503, the current handler finishes, pools close.
 */
export function runConsumer(
  name: string,
  loadConfig: () => ServiceEnv,
  definition: ConsumerDefinition,
): Promise<void> {
  return runProcess({
    name,
    kind: "worker",
    config: () => ({ service: loadConfig(), settings: loadConsumerEnv() }),
    logLevel: ({ service }) => service.LOG_LEVEL,
    start: async ({ service: config, settings }, { logger }) => {
      // A handler past its deadline closes its connection; the pool opens another.
      const pool = resilientPool({ connectionString: config.databaseUrl, max: 4 }, logger, name);
      const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 2 });
      redis.on("error", (error) => logger.warn({ err: error }, "redis connection error"));
      const close = async () => void (await Promise.all([pool.end(), redis.quit()]));
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
          onError: (error) =>
            logger.warn({ err: error }, "event handling failed; it will be retried"),
          onWarning: (message, details) => logger.warn(details, message),
        });
      } catch (error) {
        // A setting that contradicts another (the inbox retention below the redelivery window).
        await close();
        throw error;
      }
      consumer.start();
      logger.info({ group: definition.group, streams: definition.aggregateTypes }, "consuming");
      return {
        drain: async () => {
          logger.info(consumer.stats, "finishing the current handler");
          await consumer.stop();
        },
        close,
      };
    },
  });
}
