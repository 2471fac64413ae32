/**
 * outbox-relay: moves each service database's outbox rows to `events:<aggregate_type>` streams
 * (lib/events/outbox-relay.ts); guards against Redis losing its data: generation marker, rows
 * requeued, groups recreated, lost dead letters reported, delivery confirmed
 * (lib/events/redis-loss-guard.ts); deletes confirmed rows past their retention; and trims the
 * streams to what every consumer group, declared ones included, has acked
 * (lib/events/stream-trim.ts). Several may run at once.
 * Run: `tsx workers/outbox-relay.ts`; configuration: lib/events/relay-config.ts; lifecycle and
 * admin server (ADMIN_PORT): lib/process/lifecycle.ts.
 */
import { Redis } from "ioredis";
import { resilientPool } from "@/lib/db/pool";
import { pruneSentOutbox, startOutboxRelay } from "@/lib/events/outbox-relay";
import { createRedisLossGuard } from "@/lib/events/redis-loss-guard";
import { loadOutboxRelayConfig } from "@/lib/events/relay-config";
import { trimAllStreams } from "@/lib/events/stream-trim";
import { runProcess } from "@/lib/process/lifecycle";
import { PLATFORM_CONSUMER_GROUPS } from "@/workers/outbox-relay-groups";

await runProcess({
  name: "outbox-relay",
  kind: "worker",
  // biome-ignore lint/style/noProcessEnv: the entry hands its environment to the parser, once
  config: () => loadOutboxRelayConfig(process.env),
  logLevel: (config) => config.LOG_LEVEL,
  start: async (config, { logger }) => {
    const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 2 });
    redis.on("error", (error) => logger.warn({ err: error }, "redis connection error"));

    const relays = config.databases.map(({ name, url }) => {
      const pool = resilientPool(
        { connectionString: url, max: config.RELAY_CONCURRENCY + 1 },
        logger,
        name,
      );
      let relayed = 0;
      const relay = startOutboxRelay({
        pool,
        redis,
        prefix: config.KEIKO_KEY_PREFIX,
        batchSize: config.RELAY_BATCH_SIZE,
        concurrency: config.RELAY_CONCURRENCY,
        idleDelayMs: config.RELAY_IDLE_DELAY_MS,
        errorDelayMs: 5_000,
        onRelayed: (count) => {
          relayed += count;
        },
        onError: (error) =>
          logger.warn({ err: error, database: name }, "relay batch failed; retrying"),
      });
      const take = () => {
        const count = relayed;
        relayed = 0;
        return count;
      };
      return { name, pool, relay, take };
    });

    const guard = createRedisLossGuard({
      redis,
      prefix: config.KEIKO_KEY_PREFIX,
      databases: relays.map(({ name, pool }) => ({ name, pool })),
      groups: PLATFORM_CONSUMER_GROUPS,
      deadLetterCountIntervalMs: config.DEAD_LETTER_COUNT_INTERVAL_MS,
    });
    const guarding = guard.start({
      intervalMs: config.REDIS_GUARD_INTERVAL_MS,
      onCheck: ({ generation, loss, requeued }) => {
        if (loss) {
          logger.error(
            {
              ...loss,
              redisLosses: guard.stats.losses,
              lostDeadLettersTotal: guard.stats.lostDeadLetters,
            },
            `redis lost its data: generation ${loss.previousGeneration} replaced by ${generation}; ${loss.lostDeadLetters} dead letters lost; unconfirmed events are sent again`,
          );
        }
        for (const [database, count] of Object.entries(requeued)) {
          logger.warn({ database, requeued: count, generation }, "re-publishing events redis lost");
        }
      },
      onError: (error) => logger.warn({ err: error }, "redis loss guard check failed; retrying"),
    });

    const report = setInterval(() => {
      for (const { name, take } of relays) {
        const count = take();
        if (count > 0) logger.info({ database: name, relayed: count }, "relayed events");
      }
    }, 10_000);

    const prune = setInterval(async () => {
      for (const { name, pool } of relays) {
        try {
          const deleted = await pruneSentOutbox(pool, { olderThanMs: config.OUTBOX_RETENTION_MS });
          if (deleted > 0) logger.info({ database: name, deleted }, "pruned confirmed outbox rows");
        } catch (error) {
          logger.warn({ err: error, database: name }, "outbox prune failed");
        }
      }
    }, 600_000);

    const trim = setInterval(async () => {
      try {
        const results = await trimAllStreams(redis, config.KEIKO_KEY_PREFIX, {
          retentionMs: config.STREAM_RETENTION_MS,
          groups: PLATFORM_CONSUMER_GROUPS,
        });
        for (const result of results.filter((r) => r.trimmed > 0)) {
          logger.info(result, "trimmed stream");
        }
      } catch (error) {
        logger.warn({ err: error }, "stream trim failed");
      }
    }, config.STREAM_TRIM_INTERVAL_MS);

    logger.info({ databases: config.databases.map((d) => d.name) }, "relaying");
    return {
      // the batches in flight are finished and confirmed; no new one starts
      drain: async () => {
        clearInterval(report);
        clearInterval(prune);
        clearInterval(trim);
        await guarding.stop();
        await Promise.all(relays.map(({ relay }) => relay.stop()));
      },
      close: async () => {
        await Promise.all(relays.map(({ pool }) => pool.end()));
        await redis.quit();
      },
    };
  },
});
