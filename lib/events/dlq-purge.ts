import type { Redis } from "ioredis";
import { StreamIdSchema } from "@/lib/events/dlq-filter";
import { deadLetterKey } from "@/lib/events/stream-keys";

/** Deletes chosen dead letters; returns how many existed. */
export async function purgeDeadLetters(
  redis: Redis,
  prefix: string,
  aggregateType: string,
  ids: readonly string[],
): Promise<number> {
  if (ids.length === 0) return 0;
  for (const id of ids) StreamIdSchema.parse(id);
  return redis.xdel(deadLetterKey(prefix, aggregateType), ...ids);
}

/** Empties one dead-letter queue at once; returns how many entries it held. */
export async function purgeDeadLetterQueue(
  redis: Redis,
  prefix: string,
  aggregateType: string,
): Promise<number> {
  const key = deadLetterKey(prefix, aggregateType);
  const results = await redis.multi().xlen(key).del(key).exec();
  const length = results?.[0]?.[1];
  return typeof length === "number" ? length : 0;
}
