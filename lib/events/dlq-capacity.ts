import type { Redis } from "ioredis";

/** At this share of its cap a dead-letter stream is reported as nearly full (log and console). */
export const DEAD_LETTER_WARN_RATIO = 0.8;

/**
 * The hash where consumers record each dead-letter stream's cap (`max_length:<aggregate_type>`)
 * and how many dead letters the cap dropped (`dropped:<aggregate_type>`), for the console.
 */
export function deadLetterCapacityKey(prefix: string): string {
  return `${prefix}dlq:capacity`;
}

/** What the consumers recorded about one dead-letter stream's cap. */
export interface DeadLetterCapacity {
  /** Null until a consumer has dead-lettered into this stream. */
  maxLength: number | null;
  dropped: number;
}

/** Whether a stream of `length` entries has reached the warning share of `maxLength`. */
export function isNearDeadLetterCap(length: number, maxLength: number | null): boolean {
  return maxLength !== null && length >= Math.ceil(maxLength * DEAD_LETTER_WARN_RATIO);
}

/** The recorded cap and drop count of every dead-letter stream, by aggregate type. */
export async function readDeadLetterCapacity(
  redis: Redis,
  prefix: string,
): Promise<Map<string, DeadLetterCapacity>> {
  const record = await redis.hgetall(deadLetterCapacityKey(prefix));
  const capacity = new Map<string, DeadLetterCapacity>();
  const entry = (aggregateType: string) => {
    const found = capacity.get(aggregateType) ?? { maxLength: null, dropped: 0 };
    capacity.set(aggregateType, found);
    return found;
  };
  for (const [field, value] of Object.entries(record)) {
    const [kind, aggregateType] = field.split(":", 2) as [string, string | undefined];
    if (!aggregateType) continue;
    if (kind === "max_length") entry(aggregateType).maxLength = Number(value);
    if (kind === "dropped") entry(aggregateType).dropped = Number(value);
  }
  return capacity;
}
