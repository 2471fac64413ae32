import type { Delivery } from "@/lib/events/consumer-delivery";
import type { ConsumerContext } from "@/lib/events/consumer-options";
import {
  type DeadLetterInput,
  type DeadLetterReason,
  moveToDeadLetter,
} from "@/lib/events/dead-letter";
import { DEAD_LETTER_WARN_RATIO, isNearDeadLetterCap } from "@/lib/events/dlq-capacity";

/** How often the same nearly full dead-letter stream is warned about again. */
const WARN_EVERY_MS = 60_000;

/** Where a consumer's given-up entries go: its group's dead-letter streams, capped. */
export interface DeadLetterSink {
  input(delivery: Delivery, error: string, reason: DeadLetterReason): DeadLetterInput;
  /** Moves and acks them (see `moveToDeadLetter`); warns when a stream nears its cap. */
  move(items: readonly DeadLetterInput[]): Promise<void>;
}

export function createDeadLetterSink(ctx: ConsumerContext): DeadLetterSink {
  const { options } = ctx;
  const warned = new Map<string, { at: number; full: boolean }>();
  return {
    input(delivery, error, reason) {
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
    },
    async move(items) {
      if (items.length === 0) return;
      const usage = await moveToDeadLetter(options.redis, options.prefix, items, {
        maxLength: ctx.deadLetterMaxLength,
      });
      ctx.stats.deadLettered += items.length;
      for (const item of items) {
        const type = item.fields.event_type ?? "unknown";
        ctx.counters.deadLettered.inc({ type, group: options.group, reason: item.reason });
      }
      const now = Date.now();
      for (const queue of usage) {
        if (!isNearDeadLetterCap(queue.length, queue.maxLength)) {
          warned.delete(queue.key);
          continue;
        }
        // Once per minute per stream, and at once when it reaches the cap.
        const full = queue.length >= queue.maxLength;
        const last = warned.get(queue.key);
        if (last && last.full === full && now - last.at < WARN_EVERY_MS) continue;
        warned.set(queue.key, { at: now, full });
        options.onWarning?.(
          full
            ? `dead-letter stream ${queue.key} is at its cap: the oldest dead letters are dropped`
            : `dead-letter stream ${queue.key} is over ${DEAD_LETTER_WARN_RATIO * 100} % of its cap`,
          { ...queue },
        );
      }
    },
  };
}
