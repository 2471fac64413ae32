import type { Redis } from "ioredis";
import { abortableDelay } from "@/lib/events/abortable-delay";
import { type BlockingReader, createBlockingReader } from "@/lib/events/blocking-reader";
import { ensureConsumerGroup } from "@/lib/events/consumer-group";
import {
  type DeadLetterInput,
  type DeadLetterReason,
  moveToDeadLetter,
} from "@/lib/events/dead-letter";
import { describeError, isRetryableError } from "@/lib/events/event-errors";
import type { EventHandler } from "@/lib/events/event-handler";
import type { EventsDatabase, EventsTransaction } from "@/lib/events/events-database";
import type { HandlerRegistry } from "@/lib/events/handler-registry";
import { claimInbox } from "@/lib/events/inbox";
import { type RawEntry, streamReadReply } from "@/lib/events/redis-replies";
import { type RetryPolicy, RetryPolicySchema, retryDelayMs } from "@/lib/events/retry-policy";
import { decodeEntry, fieldsToRecord } from "@/lib/events/stream-entry";
import { eventStreamKey, failureHashKey } from "@/lib/events/stream-keys";
import {
  describeParseFailure,
  type EventParser,
  type TransportEvent,
} from "@/lib/events/transport-event";

/** Everything one consumer of one group needs. */
export interface EventConsumerOptions {
  /** Command connection; blocking reads get a duplicate of it. */
  redis: Redis;
  /** The consuming service's database: inbox rows and handler effects commit together here. */
  db: EventsDatabase;
  prefix: string;
  /** One group per consuming service, e.g. `reputation`. */
  group: string;
  /** Unique per process, e.g. `<hostname>-<pid>`. */
  consumer: string;
  /** Streams `<prefix>events:<aggregate_type>` this group reads. */
  aggregateTypes: readonly string[];
  registry: HandlerRegistry;
  /** Checks an entry's decoded JSON against the event envelope contract. */
  parseEnvelope: EventParser<TransportEvent>;
  inboxTable?: string;
  /** Entries per XREADGROUP per stream and per reclaim. */
  batchSize?: number;
  blockMs?: number;
  watchdogMs?: number;
  retry?: Partial<RetryPolicy>;
  reclaimIntervalMs?: number;
  /** Where a new group starts reading (`0` = what the stream still holds). */
  startId?: string;
  onError?: (error: unknown) => void;
  /** Testing seam: after a handler transaction committed and before its entries are acked. */
  afterCommit?: (entryIds: readonly string[]) => Promise<void>;
}

/** Counters since start; `processed` counts handler runs that committed. */
export interface EventConsumerStats {
  processed: number;
  duplicates: number;
  ignored: number;
  retried: number;
  deadLettered: number;
  watchdogResets: number;
}

/** A consumer of one group; `start()` runs the read and reclaim loops until `stop()`. */
export interface EventConsumer {
  start(): void;
  stop(): Promise<void>;
  /** One XREADGROUP and its processing; returns the number of entries read. */
  pollOnce(): Promise<number>;
  /** One pass over the pending entries that are due again; returns the number claimed. */
  reclaimOnce(): Promise<number>;
  readonly stats: Readonly<EventConsumerStats>;
}

interface Delivery {
  aggregateType: string;
  stream: string;
  id: string;
  fields: Record<string, string>;
  /** How many times this entry has been delivered, this delivery included. */
  deliveries: number;
}

interface Work {
  delivery: Delivery;
  event: TransportEvent;
  handler: EventHandler;
}

type PendingEntry = [id: string, consumer: string, idleMs: number, deliveries: number];

/**
 * A consumer-group member: reads with XREADGROUP BLOCK (dedicated connection, watchdog), runs
 * the handlers of a batch in one transaction with the group's inbox rows (a duplicate is
 * skipped), commits, then acks. A failed batch is re-run one event per transaction so one bad
 * event does not hold back the others. A retryable failure stays pending and is claimed again
 * after the backoff of `retry`; after `maxDeliveries`, a non-retryable failure at once, and an
 * invalid entry or event at once, the entry goes to the dead-letter queue (acked in the same
 * MULTI). Events with no handler in the registry are acked: the group does not consume them.
 */
export function createEventConsumer(options: EventConsumerOptions): EventConsumer {
  const policy = RetryPolicySchema.parse(options.retry ?? {});
  const batchSize = options.batchSize ?? 100;
  const blockMs = options.blockMs ?? 1_000;
  const streams = options.aggregateTypes.map((aggregateType) => ({
    aggregateType,
    key: eventStreamKey(options.prefix, aggregateType),
    failures: failureHashKey(options.prefix, aggregateType, options.group),
  }));
  const byKey = new Map(streams.map((stream) => [stream.key, stream]));
  const stats: EventConsumerStats = {
    processed: 0,
    duplicates: 0,
    ignored: 0,
    retried: 0,
    deadLettered: 0,
    watchdogResets: 0,
  };
  const reader: BlockingReader = createBlockingReader(options.redis, {
    blockMs,
    watchdogMs: options.watchdogMs,
    onWatchdog: () => {
      stats.watchdogResets += 1;
    },
  });
  const reclaimCursors = new Map<string, string>();
  const controller = new AbortController();
  let groupsReady = false;
  let loops: Promise<void>[] = [];

  async function ensureGroups(): Promise<void> {
    for (const stream of streams) {
      await ensureConsumerGroup(options.redis, stream.key, options.group, options.startId ?? "0");
    }
    groupsReady = true;
  }

  function deadLetter(
    delivery: Delivery,
    error: string,
    reason: DeadLetterReason,
  ): DeadLetterInput {
    return {
      aggregateType: delivery.aggregateType,
      stream: delivery.stream,
      id: delivery.id,
      fields: delivery.fields,
      error,
      reason,
      group: options.group,
      consumer: options.consumer,
      deliveries: delivery.deliveries,
    };
  }

  /** Runs the handlers of `work` in `tx`; on failure reports which item threw. */
  async function runInTransaction(
    tx: EventsTransaction,
    work: readonly Work[],
    progress: { failedIndex: number },
  ): Promise<{ processed: number; duplicates: number }> {
    const ids = [...new Set(work.map((item) => item.event.event_id))];
    const fresh = await claimInbox(tx, options.group, ids, options.inboxTable);
    let processed = 0;
    for (const [index, item] of work.entries()) {
      // A relay duplicate may sit in the same batch: only its first copy runs.
      if (!fresh.delete(item.event.event_id)) continue;
      progress.failedIndex = index;
      await item.handler.handle(item.event, {
        tx,
        group: options.group,
        stream: item.delivery.stream,
        entryId: item.delivery.id,
        deliveries: item.delivery.deliveries,
      });
      processed += 1;
    }
    progress.failedIndex = -1;
    return { processed, duplicates: work.length - processed };
  }

  async function commitWork(work: readonly Work[], progress: { failedIndex: number }) {
    const counts = await options.db.transaction((tx) => runInTransaction(tx, work, progress));
    await options.afterCommit?.(work.map((item) => item.delivery.id));
    stats.processed += counts.processed;
    stats.duplicates += counts.duplicates;
  }

  async function acknowledge(deliveries: readonly Delivery[]): Promise<void> {
    if (deliveries.length === 0) return;
    const byStream = new Map<string, Delivery[]>();
    for (const delivery of deliveries) {
      const list = byStream.get(delivery.stream) ?? [];
      list.push(delivery);
      byStream.set(delivery.stream, list);
    }
    const pipeline = options.redis.pipeline();
    for (const [key, list] of byStream) {
      pipeline.xack(key, options.group, ...list.map((delivery) => delivery.id));
      const retried = list.filter((delivery) => delivery.deliveries > 1);
      const stream = byKey.get(key);
      if (retried.length > 0 && stream) {
        pipeline.hdel(stream.failures, ...retried.map((delivery) => delivery.id));
      }
    }
    const results = await pipeline.exec();
    const failed = results?.find(([error]) => error);
    if (failed) throw failed[0];
  }

  /** What to do with a delivery whose handler failed: retry later or dead-letter now. */
  async function failed(delivery: Delivery, error: unknown, dead: DeadLetterInput[]) {
    const message = describeError(error);
    if (!isRetryableError(error)) {
      dead.push(deadLetter(delivery, message, "non_retryable"));
    } else if (delivery.deliveries >= policy.maxDeliveries) {
      dead.push(deadLetter(delivery, message, "max_deliveries"));
    } else {
      const stream = byKey.get(delivery.stream);
      if (stream) await options.redis.hset(stream.failures, delivery.id, message);
      stats.retried += 1;
      options.onError?.(error);
    }
  }

  async function process(deliveries: readonly Delivery[]): Promise<void> {
    const dead: DeadLetterInput[] = [];
    const acks: Delivery[] = [];
    const work: Work[] = [];
    for (const delivery of deliveries) {
      const decoded = decodeEntry(delivery.fields);
      if (!decoded.ok) {
        dead.push(deadLetter(delivery, decoded.error, "invalid_entry"));
        continue;
      }
      const parsed = options.parseEnvelope(decoded.raw);
      if (!parsed.ok) {
        dead.push(deadLetter(delivery, describeParseFailure(parsed.error), "invalid_event"));
        continue;
      }
      const handler = options.registry.get(parsed.event.event_type);
      if (!handler) {
        acks.push(delivery);
        stats.ignored += 1;
        continue;
      }
      work.push({ delivery, event: parsed.event, handler });
    }
    // While handlers run, keep their entries' idle time low so no other consumer takes them.
    const heartbeat = work.length > 0 ? keepClaimed(work.map((item) => item.delivery)) : undefined;
    try {
      if (work.length > 0) await runWork(work, dead, acks);
    } finally {
      clearInterval(heartbeat);
      // Invalid entries and finished work are settled even when the rest must wait.
      await moveToDeadLetter(options.redis, options.prefix, dead);
      stats.deadLettered += dead.length;
      await acknowledge(acks);
    }
  }

  async function runWork(work: readonly Work[], dead: DeadLetterInput[], acks: Delivery[]) {
    const progress = { failedIndex: -1 };
    try {
      await commitWork(work, progress);
      acks.push(...work.map((item) => item.delivery));
      return;
    } catch (batchError) {
      if (progress.failedIndex < 0) {
        // No handler threw: BEGIN, the inbox or COMMIT failed (the database is down). That is
        // not the events' fault, so this delivery is not counted against them; they stay
        // pending and the loop backs off.
        await uncountDeliveries(work.map((item) => item.delivery));
        throw batchError;
      }
      // The batch rolled back. The item that threw has had its delivery; the others run again,
      // one transaction each, so one bad event does not hold back the rest.
      const unsettled: Delivery[] = [];
      let infrastructureError: unknown;
      for (const [index, item] of work.entries()) {
        if (index === progress.failedIndex) {
          await failed(item.delivery, batchError, dead);
          continue;
        }
        if (infrastructureError) {
          unsettled.push(item.delivery);
          continue;
        }
        const single = { failedIndex: -1 };
        try {
          await commitWork([item], single);
          acks.push(item.delivery);
        } catch (error) {
          if (single.failedIndex < 0) {
            infrastructureError = error;
            unsettled.push(item.delivery);
          } else {
            await failed(item.delivery, error, dead);
          }
        }
      }
      if (infrastructureError) {
        await uncountDeliveries(unsettled);
        throw infrastructureError;
      }
    }
  }

  /**
   * Re-claims in-flight entries for this consumer every third of the retry delay (XCLAIM JUSTID
   * resets the idle time without counting a delivery): a slow batch is not taken over while its
   * consumer lives, and is as soon as the consumer dies.
   */
  function keepClaimed(deliveries: readonly Delivery[]): NodeJS.Timeout {
    const byStream = new Map<string, string[]>();
    for (const delivery of deliveries) {
      byStream.set(delivery.stream, [...(byStream.get(delivery.stream) ?? []), delivery.id]);
    }
    const timer = setInterval(
      () => {
        const pipeline = options.redis.pipeline();
        for (const [key, ids] of byStream) {
          pipeline.call("XCLAIM", key, options.group, options.consumer, 0, ...ids, "JUSTID");
        }
        pipeline.exec().catch((error) => options.onError?.(error));
      },
      Math.max(10, Math.floor(policy.baseMs / 3)),
    );
    timer.unref();
    return timer;
  }

  /** Sets the delivery counters back to what they were before this delivery (XCLAIM RETRYCOUNT). */
  async function uncountDeliveries(deliveries: readonly Delivery[]): Promise<void> {
    const pipeline = options.redis.pipeline();
    for (const delivery of deliveries) {
      pipeline.call(
        "XCLAIM",
        delivery.stream,
        options.group,
        options.consumer,
        0,
        delivery.id,
        "RETRYCOUNT",
        Math.max(0, delivery.deliveries - 1),
        "JUSTID",
      );
    }
    await pipeline.exec();
  }

  function toDeliveries(key: string, entries: readonly RawEntry[], deliveries: number) {
    const stream = byKey.get(key);
    if (!stream) return [];
    return entries
      .filter((entry) => entry[1] !== null)
      .map((entry) => ({
        aggregateType: stream.aggregateType,
        stream: key,
        id: entry[0],
        fields: fieldsToRecord(entry[1]),
        deliveries,
      }));
  }

  async function pollOnce(): Promise<number> {
    if (!groupsReady) await ensureGroups();
    let batch: Awaited<ReturnType<BlockingReader["readGroup"]>>;
    try {
      batch = await reader.readGroup(
        options.group,
        options.consumer,
        streams.map((stream) => stream.key),
        batchSize,
      );
    } catch (error) {
      // The stream or group was deleted (e.g. purged): create them again on the next read.
      if (String((error as Error).message).startsWith("NOGROUP")) groupsReady = false;
      throw error;
    }
    const deliveries = batch.flatMap(({ key, entries }) => toDeliveries(key, entries, 1));
    if (deliveries.length > 0) await process(deliveries);
    return deliveries.length;
  }

  async function reclaimStream(stream: (typeof streams)[number]): Promise<number> {
    const start = reclaimCursors.get(stream.key) ?? "-";
    const pending = (await options.redis.call(
      "XPENDING",
      stream.key,
      options.group,
      "IDLE",
      policy.baseMs,
      start,
      "+",
      batchSize,
    )) as PendingEntry[];
    const last = pending.at(-1);
    reclaimCursors.set(stream.key, pending.length < batchSize || !last ? "-" : `(${last[0]}`);
    // XPENDING reports each entry's delivery count, so each waits its own backoff.
    const due = pending.filter(([, , idle, count]) => idle >= retryDelayMs(count, policy));
    if (due.length === 0) return 0;
    const previous = new Map(due.map(([id, , , count]) => [id, count]));
    // XCLAIM skips an entry another consumer claimed meanwhile (its idle time was reset).
    const claimedReply = await options.redis.call(
      "XCLAIM",
      stream.key,
      options.group,
      options.consumer,
      policy.baseMs,
      ...previous.keys(),
    );
    const claimed = toDeliveries(
      stream.key,
      streamReadReply([[stream.key, claimedReply]])[0]?.entries ?? [],
      0,
    );
    const exhausted: Delivery[] = [];
    const retry: Delivery[] = [];
    for (const delivery of claimed) {
      const count = previous.get(delivery.id) ?? 0;
      if (count >= policy.maxDeliveries) exhausted.push({ ...delivery, deliveries: count });
      else retry.push({ ...delivery, deliveries: count + 1 });
    }
    if (exhausted.length > 0) {
      // Their last delivery ended without a verdict (the consumer died or hung): give up now.
      const errors = (await options.redis.hmget(
        stream.failures,
        ...exhausted.map((delivery) => delivery.id),
      )) as Array<string | null>;
      await moveToDeadLetter(
        options.redis,
        options.prefix,
        exhausted.map((delivery, index) =>
          deadLetter(
            delivery,
            errors[index] ??
              `delivered ${delivery.deliveries} times without an ack (the consumer stopped during delivery)`,
            "max_deliveries",
          ),
        ),
      );
      stats.deadLettered += exhausted.length;
    }
    if (retry.length > 0) await process(retry);
    return claimed.length;
  }

  async function reclaimOnce(): Promise<number> {
    if (!groupsReady) await ensureGroups();
    let claimed = 0;
    for (const stream of streams) claimed += await reclaimStream(stream);
    return claimed;
  }

  async function readLoop(): Promise<void> {
    while (!controller.signal.aborted) {
      try {
        await pollOnce();
      } catch (error) {
        if (controller.signal.aborted) break;
        options.onError?.(error);
        await abortableDelay(1_000, controller.signal);
      }
    }
  }

  async function reclaimLoop(): Promise<void> {
    const interval = options.reclaimIntervalMs ?? Math.min(policy.baseMs, 5_000);
    while (!controller.signal.aborted) {
      await abortableDelay(interval, controller.signal);
      if (controller.signal.aborted) break;
      try {
        // Keep going while full batches come back, so a backlog drains at read speed.
        while ((await reclaimOnce()) >= batchSize && !controller.signal.aborted) {}
      } catch (error) {
        options.onError?.(error);
      }
    }
  }

  return {
    stats,
    pollOnce,
    reclaimOnce,
    start() {
      loops = [readLoop(), reclaimLoop()];
    },
    async stop() {
      controller.abort();
      reader.close();
      await Promise.all(loops);
      // A consumer without pending entries is removed so XINFO does not list the departed.
      for (const stream of streams) {
        const summary = (await options.redis
          .xpending(stream.key, options.group)
          .catch(() => null)) as
          | [number, string | null, string | null, Array<[string, string]> | null]
          | null;
        const mine = summary?.[3]?.find(([name]) => name === options.consumer);
        if (!mine) {
          await options.redis
            .xgroup("DELCONSUMER", stream.key, options.group, options.consumer)
            .catch(() => 0);
        }
      }
    },
  };
}
