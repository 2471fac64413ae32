import type { Redis } from "ioredis";
import { deadLetterCapacityKey } from "@/lib/events/dlq-capacity";
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
  "deadline",
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

/** The cap of one dead-letter stream unless a consumer is given another. */
export const DEFAULT_DEAD_LETTER_MAX_LENGTH = 100_000;

/** One dead-letter stream right after a move: its length, its cap and what the cap dropped. */
export interface DeadLetterQueueUsage {
  aggregateType: string;
  key: string;
  length: number;
  maxLength: number;
  /** The oldest dead letters this move pushed out of the stream. */
  dropped: number;
}

/**
 * Moves entries to `<prefix>dlq:events:<aggregate_type>` and acks the originals for their group
 * in one MULTI: each entry is either dead-lettered and acked, or neither. Each stream is capped
 * at `maxLength` entries (XADD MAXLEN, exact: dead letters are rare, and an exact cap is what the
 * console shows); the oldest go first, counted in the `<prefix>dlq:capacity` hash with the cap.
 */
export async function moveToDeadLetter(
  redis: Redis,
  prefix: string,
  items: readonly DeadLetterInput[],
  options: { maxLength?: number } = {},
): Promise<DeadLetterQueueUsage[]> {
  if (items.length === 0) return [];
  const maxLength = options.maxLength ?? DEFAULT_DEAD_LETTER_MAX_LENGTH;
  const byType = new Map<string, DeadLetterInput[]>();
  for (const item of items) {
    byType.set(item.aggregateType, [...(byType.get(item.aggregateType) ?? []), item]);
  }
  const multi = redis.multi();
  // Per stream: XLEN before, then per entry XADD, XACK, HDEL, then XLEN after (replies in order).
  for (const [aggregateType, group] of byType) {
    const key = deadLetterKey(prefix, aggregateType);
    multi.xlen(key);
    for (const item of group) {
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
      multi.xadd(key, "MAXLEN", "=", maxLength, "*", ...recordToFields(fields));
      multi.xack(item.stream, item.group, item.id);
      multi.hdel(failureHashKey(prefix, item.aggregateType, item.group), item.id);
    }
    multi.xlen(key);
    multi.hset(deadLetterCapacityKey(prefix), `max_length:${aggregateType}`, maxLength);
  }
  const results = await multi.exec();
  const failed = results?.find(([error]) => error);
  if (!results || failed) throw failed?.[0] ?? new Error("dead-letter MULTI was discarded");
  const usage: DeadLetterQueueUsage[] = [];
  let at = 0;
  for (const [aggregateType, group] of byType) {
    const before = Number(results[at]?.[1] ?? 0);
    at += 1 + group.length * 3;
    const length = Number(results[at]?.[1] ?? 0);
    at += 2;
    const dropped = Math.max(0, before + group.length - length);
    usage.push({
      aggregateType,
      key: deadLetterKey(prefix, aggregateType),
      length,
      maxLength,
      dropped,
    });
  }
  const dropping = usage.filter((queue) => queue.dropped > 0);
  if (dropping.length > 0) {
    const pipeline = redis.pipeline();
    for (const queue of dropping) {
      pipeline.hincrby(
        deadLetterCapacityKey(prefix),
        `dropped:${queue.aggregateType}`,
        queue.dropped,
      );
    }
    await pipeline.exec();
  }
  return usage;
}
