import type { DeadLetterSink } from "@/lib/events/consumer-dead-letters";
import { type Delivery, deliveriesByStream } from "@/lib/events/consumer-delivery";
import type { ConsumerContext } from "@/lib/events/consumer-options";
import type { DeadLetterInput } from "@/lib/events/dead-letter";
import { describeError, isRetryableError } from "@/lib/events/event-errors";
import type { EventHandler } from "@/lib/events/event-handler";
import type { EventsTransaction } from "@/lib/events/events-database";
import {
  isDeadlineError,
  runHandlerTransaction,
  type WithinDeadline,
} from "@/lib/events/handler-transaction";
import { claimInbox } from "@/lib/events/inbox";
import { decodeEntry } from "@/lib/events/stream-entry";
import { describeParseFailure, type TransportEvent } from "@/lib/events/transport-event";
import { inConsumerSpan } from "@/lib/observability/event-tracing";

/** The event type an entry names (its `event_type` field), for the counters. */
function eventTypeOf(delivery: Delivery): string {
  return delivery.fields.event_type ?? "unknown";
}

interface Work {
  delivery: Delivery;
  event: TransportEvent;
  handler: EventHandler;
}

/** Settles delivered entries: runs their handlers, then acks, retries or dead-letters each. */
export interface DeliveryProcessor {
  process(deliveries: readonly Delivery[]): Promise<void>;
}

/**
 * Runs the handlers of a batch in one transaction with the group's inbox rows (a duplicate is
 * skipped), each handler under its deadline and the transaction under statement_timeout; commits,
 * then acks. A failed batch is re-run one event per transaction so one bad event does not hold
 * back the others. A retryable failure (a deadline included) stays pending for the reclaimer; at
 * `maxDeliveries`, a non-retryable failure at once, and an invalid entry or event at once, the
 * entry goes to the dead-letter queue (acked in the same MULTI). Events with no handler in the
 * registry are acked: the group does not consume them.
 */
export function createDeliveryProcessor(
  ctx: ConsumerContext,
  deadLetters: DeadLetterSink,
): DeliveryProcessor {
  const { options, policy, stats } = ctx;

  /** Runs the handlers of `work` in `tx`; on failure reports which item threw. */
  async function runHandlers(
    tx: EventsTransaction,
    withinDeadline: WithinDeadline,
    work: readonly Work[],
    progress: { failedIndex: number },
  ): Promise<{ processed: string[]; duplicates: number }> {
    const ids = [...new Set(work.map((item) => item.event.event_id))];
    const fresh = await claimInbox(tx, options.group, ids, options.inboxTable);
    const processed: string[] = [];
    for (const [index, item] of work.entries()) {
      // A relay duplicate may sit in the same batch: only its first copy runs.
      if (!fresh.delete(item.event.event_id)) continue;
      progress.failedIndex = index;
      const consumption = {
        group: options.group,
        stream: item.delivery.stream,
        entryId: item.delivery.id,
        deliveries: item.delivery.deliveries,
      };
      // a child of the producer's span (metadata.traceparent) when tracing is on
      await withinDeadline(`handler of ${item.event.event_type} ${item.event.event_id}`, () =>
        inConsumerSpan(item.event, consumption, () =>
          item.handler.handle(item.event, { tx, ...consumption }),
        ),
      );
      processed.push(item.event.event_type);
    }
    progress.failedIndex = -1;
    return { processed, duplicates: work.length - processed.length };
  }

  async function commitWork(work: readonly Work[], progress: { failedIndex: number }) {
    const counts = await runHandlerTransaction(options.db, ctx.handlerDeadlineMs, (tx, within) =>
      runHandlers(tx, within, work, progress),
    );
    await options.afterCommit?.(work.map((item) => item.delivery.id));
    stats.processed += counts.processed.length;
    stats.duplicates += counts.duplicates;
    for (const type of counts.processed) ctx.counters.consumed.inc({ type, group: options.group });
  }

  async function acknowledge(deliveries: readonly Delivery[]): Promise<void> {
    if (deliveries.length === 0) return;
    const pipeline = options.redis.pipeline();
    for (const [key, list] of deliveriesByStream(deliveries)) {
      pipeline.xack(key, options.group, ...list.map((delivery) => delivery.id));
      const retried = list.filter((delivery) => delivery.deliveries > 1);
      const stream = ctx.byKey.get(key);
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
    const deadline = isDeadlineError(error);
    if (deadline) stats.deadlines += 1;
    if (!isRetryableError(error)) {
      dead.push(deadLetters.input(delivery, message, "non_retryable"));
    } else if (delivery.deliveries >= policy.maxDeliveries) {
      dead.push(deadLetters.input(delivery, message, deadline ? "deadline" : "max_deliveries"));
    } else {
      const stream = ctx.byKey.get(delivery.stream);
      if (stream) await options.redis.hset(stream.failures, delivery.id, message);
      stats.retried += 1;
      ctx.counters.retried.inc({ type: eventTypeOf(delivery), group: options.group });
      options.onError?.(error);
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
   * consumer lives, and is as soon as the consumer dies. The handler deadline bounds how long.
   */
  function keepClaimed(deliveries: readonly Delivery[]): NodeJS.Timeout {
    const byStream = deliveriesByStream(deliveries);
    const timer = setInterval(
      () => {
        const pipeline = options.redis.pipeline();
        for (const [key, list] of byStream) {
          const ids = list.map((delivery) => delivery.id);
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

  return {
    async process(deliveries) {
      const dead: DeadLetterInput[] = [];
      const acks: Delivery[] = [];
      const work: Work[] = [];
      for (const delivery of deliveries) {
        const decoded = decodeEntry(delivery.fields);
        if (!decoded.ok) {
          dead.push(deadLetters.input(delivery, decoded.error, "invalid_entry"));
          continue;
        }
        const parsed = options.parseEnvelope(decoded.raw);
        if (!parsed.ok) {
          const error = describeParseFailure(parsed.error);
          dead.push(deadLetters.input(delivery, error, "invalid_event"));
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
      const heartbeat =
        work.length > 0 ? keepClaimed(work.map((item) => item.delivery)) : undefined;
      try {
        if (work.length > 0) await runWork(work, dead, acks);
      } finally {
        clearInterval(heartbeat);
        // Invalid entries and finished work are settled even when the rest must wait.
        await deadLetters.move(dead);
        await acknowledge(acks);
      }
    },
  };
}
