import type { Redis } from "ioredis";
import { DLQ_FIELD } from "@/lib/events/dead-letter";
import { encodeEntry, recordToFields } from "@/lib/events/stream-entry";
import { deadLetterKey, eventStreamKey } from "@/lib/events/stream-keys";
import type { OutboxEvent } from "@/lib/events/transport-event";

/**
 * Writes dead letters as a consumer would (same fields), pipelined, in chunks; returns their
 * ids in order. For tests and the benchmark, which need many of them quickly.
 */
export async function seedDeadLetters(
  redis: Redis,
  prefix: string,
  events: readonly OutboxEvent[],
  details: (index: number) => { error: string; group: string; deliveries?: number } = () => ({
    error: "Error: boom",
    group: "reputation",
  }),
): Promise<string[]> {
  const ids: string[] = [];
  for (let start = 0; start < events.length; start += 5_000) {
    const pipeline = redis.pipeline();
    events.slice(start, start + 5_000).forEach((event, offset) => {
      const detail = details(start + offset);
      const fields = recordToFields({
        [DLQ_FIELD.error]: detail.error,
        [DLQ_FIELD.reason]: "max_deliveries",
        [DLQ_FIELD.group]: detail.group,
        [DLQ_FIELD.consumer]: "seed",
        [DLQ_FIELD.deliveries]: String(detail.deliveries ?? 5),
        [DLQ_FIELD.stream]: eventStreamKey(prefix, event.aggregate_type),
        [DLQ_FIELD.id]: `${Date.now()}-${start + offset}`,
      });
      pipeline.xadd(
        deadLetterKey(prefix, event.aggregate_type),
        "*",
        ...encodeEntry(event.event_id, event.event_type, JSON.stringify(event)),
        ...fields,
      );
    });
    for (const [error, id] of (await pipeline.exec()) ?? []) {
      if (error) throw error;
      ids.push(id as string);
    }
  }
  return ids;
}
