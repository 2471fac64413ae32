import {
  defineInboxTable,
  defineOutboxTable,
  defineRedisGenerationsTable,
} from "@/lib/events/outbox-tables";

/** The runtime's outbox: while a domain is on legacy, the monolith produces its events. */
export const outbox = defineOutboxTable();

/**
 * The inbox of the runtime's effects consumer (group `legacy-effects`): the effects of new
 * services' events that legacy applies while their consuming domain is on legacy (decision 0011).
 */
export const inbox = defineInboxTable();
/** Redis generations the relay saw, for loss detection (lib/events/redis-loss-guard.ts). */
export const redisGenerations = defineRedisGenerationsTable();
