import type { Redis } from "ioredis";
import { z } from "zod";
import type { DomainName } from "@/lib/contracts/domains";
import type { BreakerOverrides } from "@/lib/resilience/circuit-breakers";
import { breakerOverridesKey, gatewayControlChannel } from "@/lib/resilience/redis-keys";
import { type BreakerForce, BreakerForceSchema } from "@/lib/resilience/stats-snapshot";
import {
  parseUpstreamKey,
  type UpstreamKey,
  UpstreamKeySchema,
  type UpstreamSide,
  upstreamKey,
} from "@/lib/resilience/upstream-key";

export type { BreakerOverrides } from "@/lib/resilience/circuit-breakers";

/** What `<prefix>gateway:control` carries when an operator changes a breaker override. */
export const BreakerOverrideMessageSchema = z.object({
  type: z.literal("breaker-override"),
  key: UpstreamKeySchema,
  /** The new override, or null when it was cleared. */
  mode: BreakerForceSchema.nullable(),
});
export type BreakerOverrideMessage = z.infer<typeof BreakerOverrideMessageSchema>;

/** Holds one upstream's breaker open or closed on every gateway (HSET, then PUBLISH). */
export async function setBreakerOverride(
  redis: Redis,
  prefix: string,
  domain: DomainName,
  side: UpstreamSide,
  mode: BreakerForce,
): Promise<void> {
  const key = upstreamKey(domain, side);
  const message: BreakerOverrideMessage = { type: "breaker-override", key, mode };
  await redis
    .multi()
    .hset(breakerOverridesKey(prefix), key, mode)
    .publish(gatewayControlChannel(prefix), JSON.stringify(message))
    .exec();
}

/** Hands one upstream's breaker back to automatic operation (HDEL, then PUBLISH). */
export async function clearBreakerOverride(
  redis: Redis,
  prefix: string,
  domain: DomainName,
  side: UpstreamSide,
): Promise<void> {
  const key = upstreamKey(domain, side);
  const message: BreakerOverrideMessage = { type: "breaker-override", key, mode: null };
  await redis
    .multi()
    .hdel(breakerOverridesKey(prefix), key)
    .publish(gatewayControlChannel(prefix), JSON.stringify(message))
    .exec();
}

/** Every override in force; fields or values that are not valid are skipped. */
export async function readBreakerOverrides(
  redis: Redis,
  prefix: string,
): Promise<BreakerOverrides> {
  const hash = await redis.hgetall(breakerOverridesKey(prefix));
  const overrides: BreakerOverrides = {};
  for (const field of Object.keys(hash).sort()) {
    const mode = BreakerForceSchema.safeParse(hash[field]);
    if (parseUpstreamKey(field) && mode.success) overrides[field as UpstreamKey] = mode.data;
  }
  return overrides;
}

function sameOverrides(a: BreakerOverrides, b: BreakerOverrides): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export interface WatchBreakerOverridesOptions {
  /** Full re-read period, the safety net for a missed message; 5 s unless told. */
  resyncMs?: number;
  /** A failed read (Redis down); the next message or tick tries again. */
  onError?: (error: unknown) => void;
}

/**
 * Calls `onChange` with the whole set of overrides now, then whenever it changes: on each
 * message on `<prefix>gateway:control` (SUBSCRIBE on a duplicate connection) and on a periodic
 * re-read. Resolves once subscribed and the first set was delivered.
 */
export async function watchBreakerOverrides(
  redis: Redis,
  prefix: string,
  onChange: (overrides: BreakerOverrides) => void,
  options: WatchBreakerOverridesOptions = {},
): Promise<{ close(): Promise<void> }> {
  const subscriber = redis.duplicate();
  const channel = gatewayControlChannel(prefix);
  let last: BreakerOverrides | null = null;
  let closed = false;
  // Reads are serialized so an older read can never overwrite a newer one.
  let reading: Promise<void> = Promise.resolve();

  const reread = (): Promise<void> => {
    reading = reading.then(async () => {
      if (closed) return;
      try {
        const overrides = await readBreakerOverrides(redis, prefix);
        if (closed || (last !== null && sameOverrides(last, overrides))) return;
        last = overrides;
        onChange(overrides);
      } catch (error) {
        options.onError?.(error);
      }
    });
    return reading;
  };

  subscriber.on("message", (from: string) => {
    // Any control message may concern overrides; the hash is the truth, so re-read it.
    if (from === channel) void reread();
  });
  // After a reconnect the subscription is restored by ioredis, but messages may have been missed.
  subscriber.on("ready", () => void reread());
  await subscriber.subscribe(channel);
  await reread();
  const timer = setInterval(() => void reread(), options.resyncMs ?? 5_000);
  timer.unref();

  return {
    async close() {
      closed = true;
      clearInterval(timer);
      await reading;
      await subscriber.quit().catch(() => subscriber.disconnect());
    },
  };
}
