import type { Redis } from "ioredis";

/**
 * Creates the consumer group on the stream (and the stream) unless it exists; returns whether it
 * created it. `startId` `0` lets a new group read what the stream still holds; `$` only what
 * comes next.
 */
export async function ensureConsumerGroup(
  redis: Redis,
  stream: string,
  group: string,
  startId = "0",
): Promise<boolean> {
  try {
    await redis.xgroup("CREATE", stream, group, startId, "MKSTREAM");
    return true;
  } catch (error) {
    if (!String((error as Error).message).startsWith("BUSYGROUP")) throw error;
    return false;
  }
}

/**
 * Whether Redis says the group (or its stream) is gone: `NOGROUP` from XREADGROUP, XPENDING or
 * XCLAIM, or `UNBLOCKED` when the stream was deleted under a blocked XREADGROUP. It happens when
 * Redis lost its data (a restart without persistence, a failover, FLUSHALL) or a stream was purged.
 */
export function isGroupLostError(error: unknown): boolean {
  const message = String((error as Error | undefined)?.message ?? "");
  return message.startsWith("NOGROUP") || message.startsWith("UNBLOCKED");
}

/** The groups of one consumer on its streams: created once, recreated when Redis lost them. */
export interface ConsumerGroups {
  /** Creates the groups that do not exist yet (first use only). */
  ensure(): Promise<void>;
  /**
   * Recreates every missing group at `0` with MKSTREAM, so that events published again after a
   * loss are read (the inbox skips those processed before); returns how many were recreated.
   */
  recreate(): Promise<number>;
}

export function createConsumerGroups(
  redis: Redis,
  keys: readonly string[],
  group: string,
  startId = "0",
): ConsumerGroups {
  let ready = false;
  return {
    async ensure() {
      if (ready) return;
      for (const key of keys) await ensureConsumerGroup(redis, key, group, startId);
      ready = true;
    },
    async recreate() {
      let created = 0;
      for (const key of keys) if (await ensureConsumerGroup(redis, key, group, "0")) created += 1;
      ready = true;
      return created;
    },
  };
}

/** Removes `consumer` from the group on each stream where it has nothing pending. */
export async function leaveGroupsIfIdle(
  redis: Redis,
  keys: readonly string[],
  group: string,
  consumer: string,
): Promise<void> {
  for (const key of keys) {
    const summary = (await redis.xpending(key, group).catch(() => null)) as
      | [number, string | null, string | null, Array<[string, string]> | null]
      | null;
    const mine = summary?.[3]?.find(([name]) => name === consumer);
    if (!mine) await redis.xgroup("DELCONSUMER", key, group, consumer).catch(() => 0);
  }
}
