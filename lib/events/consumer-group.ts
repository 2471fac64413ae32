import type { Redis } from "ioredis";

/**
 * Creates the consumer group on the stream (and the stream) unless it exists. `startId` `0`
 * lets a new group read what the stream still holds; `$` only what comes next.
 */
export async function ensureConsumerGroup(
  redis: Redis,
  stream: string,
  group: string,
  startId = "0",
): Promise<void> {
  try {
    await redis.xgroup("CREATE", stream, group, startId, "MKSTREAM");
  } catch (error) {
    if (!String((error as Error).message).startsWith("BUSYGROUP")) throw error;
  }
}
