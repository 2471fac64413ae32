import type { Redis } from "ioredis";
import type pg from "pg";
import { abortableDelay } from "@/lib/events/abortable-delay";
import { confirmDeliveredOutbox, requeueLostOutbox } from "@/lib/events/outbox-confirm";
import {
  type ConsumerGroupDeclaration,
  countDeadLetters,
  ensureGeneration,
  ensureGroups,
  lostDeadLetters,
} from "@/lib/events/redis-generation";

/** One database whose outbox the relay moves (it holds `outbox` and `redis_generations`). */
export interface GuardedDatabase {
  name: string;
  pool: pg.Pool;
  /** Outbox table name (default `outbox`). */
  table?: string;
}

/** What the guard found when Redis had lost its data. */
export interface RedisLossReport {
  previousGeneration: string;
  generation: string;
  /** Dead letters counted in the previous generation and missing now (a lower bound). */
  lostDeadLetters: number;
  lostDeadLettersByAggregateType: Record<string, number>;
  /** When those dead letters were last counted; null when they never were. */
  deadLettersCountedAt: Date | null;
  /** Databases whose last known generation was the previous one. */
  databases: string[];
}

/** Counters since start, for logs and the console. */
export interface RedisLossGuardStats {
  /** Checks that ran to the end. */
  checks: number;
  losses: number;
  lostDeadLetters: number;
  requeued: number;
  confirmed: number;
  groupsCreated: number;
}

/** The outcome of one check. */
export interface RedisLossGuardCheck {
  generation: string;
  loss: RedisLossReport | null;
  /** Rows sent again, by database name (only databases with some). */
  requeued: Record<string, number>;
  confirmed: number;
}

export interface RedisLossGuardOptions {
  redis: Redis;
  prefix: string;
  databases: readonly GuardedDatabase[];
  /** Every consumer group and its streams: recreated after a loss, awaited before confirming. */
  groups: readonly ConsumerGroupDeclaration[];
  /** Dead letters are counted (SCAN + XLEN) at most this often; 0 counts on every check. */
  deadLetterCountIntervalMs?: number;
  /**
   * How long after start and after each new generation the checks requeue rows of other
   * generations (default 5 min): long enough for a relay batch that wrote to the old Redis to
   * commit its mark; later no row can carry an old generation, and the scan is skipped.
   */
  requeueWindowMs?: number;
}

/** A guard of one key prefix; `check()` is one pass, `start()` runs it on an interval. */
export interface RedisLossGuard {
  check(): Promise<RedisLossGuardCheck>;
  start(options: {
    intervalMs: number;
    onCheck?: (check: RedisLossGuardCheck) => void;
    onError?: (error: unknown) => void;
  }): { stop(): Promise<void> };
  readonly stats: Readonly<RedisLossGuardStats>;
}

interface KnownGeneration {
  generation: string;
  dead_letters: Record<string, number>;
  dead_letters_at: Date | null;
}

/**
 * Notices that Redis lost its data and repairs what the outbox can repair. Each check:
 * 1. reads the generation marker (creating it when Redis has none);
 * 2. on a generation the databases have not seen: records it in each `redis_generations`, and
 *    when they knew another one, reports a loss with the dead letters that are gone (the outbox
 *    cannot bring those back: a dead-lettered event was acked); then creates the declared groups
 *    at `0`;
 * 3. requeues sent-but-unconfirmed rows of other generations (`requeueLostOutbox`), for a
 *    window after start and after each new generation (`requeueWindowMs`);
 * 4. confirms rows every group has acked past (`confirmDeliveredOutbox`);
 * 5. counts dead letters for the next loss report.
 * Several relays may guard the same prefix: each step is idempotent and a loss is reported by
 * the one whose insert recorded the new generation first.
 */
export function createRedisLossGuard(options: RedisLossGuardOptions): RedisLossGuard {
  const stats: RedisLossGuardStats = {
    checks: 0,
    losses: 0,
    lostDeadLetters: 0,
    requeued: 0,
    confirmed: 0,
    groupsCreated: 0,
  };
  const countInterval = options.deadLetterCountIntervalMs ?? 10_000;
  const requeueWindowMs = options.requeueWindowMs ?? 300_000;
  let settledGeneration: string | null = null;
  let requeueUntil = 0;
  let countedAt = 0;

  async function known(database: GuardedDatabase): Promise<KnownGeneration | null> {
    const result = await database.pool.query<KnownGeneration>(
      `select generation, dead_letters, dead_letters_at from redis_generations
       where prefix = $1 order by seen_at desc limit 1`,
      [options.prefix],
    );
    return result.rows[0] ?? null;
  }

  /** Records a new generation everywhere; returns the loss report when this call made it. */
  async function enterGeneration(generation: string): Promise<RedisLossReport | null> {
    const previous = await Promise.all(
      options.databases.map(async (database) => ({ database, known: await known(database) })),
    );
    const losing = previous.filter((entry) => entry.known && entry.known.generation !== generation);
    let report: RedisLossReport | null = null;
    if (losing.length > 0) {
      // The freshest count of the old generation, against what this one still holds.
      const latest = losing
        .map((entry) => entry.known as KnownGeneration)
        .sort(
          (a, b) => (b.dead_letters_at?.getTime() ?? 0) - (a.dead_letters_at?.getTime() ?? 0),
        )[0];
      const now = await countDeadLetters(options.redis, options.prefix);
      const lost = lostDeadLetters(latest?.dead_letters ?? {}, now.counts);
      report = {
        previousGeneration: latest?.generation ?? "",
        generation,
        lostDeadLetters: lost.total,
        lostDeadLettersByAggregateType: lost.byAggregateType,
        deadLettersCountedAt: latest?.dead_letters_at ?? null,
        databases: losing.map((entry) => entry.database.name),
      };
    }
    let recordedByThisCall = false;
    for (const { database, known: before } of previous) {
      const loss = report && before && before.generation !== generation ? report : null;
      const inserted = await database.pool.query(
        `insert into redis_generations (prefix, generation, previous_generation, lost_dead_letters)
         values ($1, $2, $3, $4) on conflict do nothing`,
        [
          options.prefix,
          generation,
          before?.generation ?? null,
          loss ? loss.lostDeadLetters : null,
        ],
      );
      if (loss && (inserted.rowCount ?? 0) > 0) recordedByThisCall = true;
    }
    stats.groupsCreated += await ensureGroups(options.redis, options.prefix, options.groups);
    if (!report || !recordedByThisCall) return null;
    stats.losses += 1;
    stats.lostDeadLetters += report.lostDeadLetters;
    return report;
  }

  async function recordDeadLetters(generation: string): Promise<void> {
    if (Date.now() - countedAt < countInterval) return;
    const counted = await countDeadLetters(options.redis, options.prefix);
    // Counted in another generation (Redis was lost just now): never file them under this one.
    if (counted.generation !== generation) return;
    countedAt = Date.now();
    for (const database of options.databases) {
      await database.pool.query(
        `update redis_generations set dead_letters = $3, dead_letters_at = now()
         where prefix = $1 and generation = $2`,
        [options.prefix, generation, JSON.stringify(counted.counts)],
      );
    }
  }

  async function check(): Promise<RedisLossGuardCheck> {
    const { generation } = await ensureGeneration(options.redis, options.prefix);
    let loss: RedisLossReport | null = null;
    if (generation !== settledGeneration) {
      loss = await enterGeneration(generation);
      settledGeneration = generation;
      requeueUntil = Date.now() + requeueWindowMs;
    }
    const requeueing = Date.now() < requeueUntil;
    const requeued: Record<string, number> = {};
    let confirmed = 0;
    for (const database of options.databases) {
      const count = requeueing
        ? await requeueLostOutbox(database.pool, generation, database.table)
        : 0;
      if (count > 0) {
        requeued[database.name] = count;
        stats.requeued += count;
        await database.pool.query(
          `update redis_generations set requeued = requeued + $3
           where prefix = $1 and generation = $2`,
          [options.prefix, generation, count],
        );
      }
      confirmed += await confirmDeliveredOutbox({
        pool: database.pool,
        redis: options.redis,
        prefix: options.prefix,
        groups: options.groups,
        table: database.table,
      });
    }
    stats.confirmed += confirmed;
    await recordDeadLetters(generation);
    stats.checks += 1;
    return { generation, loss, requeued, confirmed };
  }

  return {
    stats,
    check,
    start({ intervalMs, onCheck, onError }) {
      const controller = new AbortController();
      const loop = (async () => {
        while (!controller.signal.aborted) {
          try {
            // Not `onCheck?.(await check())`: without onCheck that would skip the check itself.
            const result = await check();
            onCheck?.(result);
          } catch (error) {
            onError?.(error);
          }
          await abortableDelay(intervalMs, controller.signal);
        }
      })();
      return {
        async stop() {
          controller.abort();
          await loop;
        },
      };
    },
  };
}
