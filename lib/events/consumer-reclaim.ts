import type { DeadLetterSink } from "@/lib/events/consumer-dead-letters";
import { type Delivery, toDeliveries } from "@/lib/events/consumer-delivery";
import { type ConsumerGroups, isGroupLostError } from "@/lib/events/consumer-group";
import type { ConsumedStream, ConsumerContext } from "@/lib/events/consumer-options";
import type { DeliveryProcessor } from "@/lib/events/consumer-process";
import { streamReadReply } from "@/lib/events/redis-replies";
import { retryDelayMs } from "@/lib/events/retry-policy";

type PendingEntry = [id: string, consumer: string, idleMs: number, deliveries: number];

/** Takes back entries left pending (a failure, a dead consumer) once their backoff is over. */
export interface PendingReclaimer {
  /** One pass over the pending entries that are due again; returns the number claimed. */
  reclaimOnce(): Promise<number>;
}

/**
 * XPENDING IDLE per stream (a cursor per stream, so a long pending list is walked in batches),
 * then XCLAIM of the entries whose own backoff is over: those with deliveries left are processed
 * again, those without go to the dead-letter queue with their last error.
 */
export function createPendingReclaimer(
  ctx: ConsumerContext,
  groups: ConsumerGroups,
  processor: DeliveryProcessor,
  deadLetters: DeadLetterSink,
  recoverGroups: (cause: unknown) => Promise<void>,
): PendingReclaimer {
  const { options, policy } = ctx;
  const cursors = new Map<string, string>();

  async function reclaimStream(stream: ConsumedStream): Promise<number> {
    const start = cursors.get(stream.key) ?? "-";
    const pending = (await options.redis.call(
      "XPENDING",
      stream.key,
      options.group,
      "IDLE",
      policy.baseMs,
      start,
      "+",
      ctx.batchSize,
    )) as PendingEntry[];
    const last = pending.at(-1);
    cursors.set(stream.key, pending.length < ctx.batchSize || !last ? "-" : `(${last[0]}`);
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
      stream,
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
      // Their last delivery ended without a verdict (the consumer died): give up now.
      const errors = (await options.redis.hmget(
        stream.failures,
        ...exhausted.map((delivery) => delivery.id),
      )) as Array<string | null>;
      await deadLetters.move(
        exhausted.map((delivery, index) =>
          deadLetters.input(
            delivery,
            errors[index] ??
              `delivered ${delivery.deliveries} times without an ack (the consumer stopped during delivery)`,
            "max_deliveries",
          ),
        ),
      );
    }
    if (retry.length > 0) await processor.process(retry);
    return claimed.length;
  }

  return {
    async reclaimOnce() {
      await groups.ensure();
      let claimed = 0;
      for (const stream of ctx.streams) {
        try {
          claimed += await reclaimStream(stream);
        } catch (error) {
          if (!isGroupLostError(error)) throw error;
          cursors.delete(stream.key);
          await recoverGroups(error);
        }
      }
      return claimed;
    },
  };
}
