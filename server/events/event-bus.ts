import { Redis } from "ioredis";
import { consoleEnv } from "@/lib/config/console";

/** The Redis that carries the event streams, and the key prefix of this deployment (or test). */
export type EventBus = { redis: Redis; prefix: string };

const holder = globalThis as unknown as { keikoEventBus?: EventBus };

/** The console's shared connection to the event bus, opened on first use. */
export function eventBus(): EventBus {
  if (!holder.keikoEventBus) {
    const env = consoleEnv();
    const redis = new Redis(env.REDIS_URL, { maxRetriesPerRequest: 2, enableOfflineQueue: true });
    redis.on("error", () => {}); // reconnects by itself; a failing call reports the error
    holder.keikoEventBus = { redis, prefix: env.KEIKO_KEY_PREFIX };
  }
  return holder.keikoEventBus;
}
