import type { Redis } from "ioredis";
import { recordToFields } from "@/lib/events/stream-entry";
import { deadLetterKey, failureHashKey } from "@/lib/events/stream-keys";

/** Field names a dead-letter entry adds to the original entry's fields. */
export const DLQ_FIELD = {
  error: "dlq_error",
  reason: "dlq_reason",
  group: "dlq_group",
  consumer: "dlq_consumer",
  deliveries: "dlq_deliveries",
  stream: "dlq_stream",
  id: "dlq_id",
} as const;

/** Why an entry was dead-lettered. */
export const DEAD_LETTER_REASONS = [
  "invalid_entry",
  "invalid_event",
  "non_retryable",
  "max_deliveries",
] as const;
export type DeadLetterReason = (typeof DEAD_LETTER_REASONS)[number];

/** One entry of an event stream that a group gives up on. */
export interface DeadLetterInput {
  aggregateType: string;
  stream: string;
  id: string;
  /** The original entry's fields, kept as they were (a malformed entry included). */
  fields: Record<string, string>;
  error: string;
  reason: DeadLetterReason;
  group: string;
  consumer: string;
  deliveries: number;
}

/** The original fields without any dead-letter bookkeeping of an earlier round. */
export function originalFields(fields: Record<string, string>): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(fields)) {
    if (!name.startsWith("dlq_")) kept[name] = value;
  }
  return kept;
}

/**
 * Moves entries to `<prefix>dlq:events:<aggregate_type>` and acks the originals for their group
 * in one MULTI: each entry is either dead-lettered and acked, or neither.
 */
export async function moveToDeadLetter(
  redis: Redis,
  prefix: string,
  items: readonly DeadLetterInput[],
): Promise<void> {
  if (items.length === 0) return;
  const multi = redis.multi();
  for (const item of items) {
    const fields = {
      ...originalFields(item.fields),
      [DLQ_FIELD.error]: item.error,
      [DLQ_FIELD.reason]: item.reason,
      [DLQ_FIELD.group]: item.group,
      [DLQ_FIELD.consumer]: item.consumer,
      [DLQ_FIELD.deliveries]: String(item.deliveries),
      [DLQ_FIELD.stream]: item.stream,
      [DLQ_FIELD.id]: item.id,
    };
    multi.xadd(deadLetterKey(prefix, item.aggregateType), "*", ...recordToFields(fields));
    multi.xack(item.stream, item.group, item.id);
    multi.hdel(failureHashKey(prefix, item.aggregateType, item.group), item.id);
  }
  const results = await multi.exec();
  const failed = results?.find(([error]) => error);
  if (!results || failed) throw failed?.[0] ?? new Error("dead-letter MULTI was discarded");
}
