import { sql } from "drizzle-orm";
import {
  bigserial,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
} from "drizzle-orm/pg-core";

/**
 * The transactional outbox: a service writes its state change and the event's row in one
 * transaction; the relay moves unsent rows to Redis and sets `sent_at`, the entry id and the
 * Redis generation it went to. A row stays until every consumer group has acked past its entry
 * (`confirmed_at`, lib/events/outbox-confirm.ts) and the retention has passed: if Redis loses the
 * entry first, the row is sent again. A service's drizzle schema re-exports the table
 * (`export const outbox = defineOutboxTable()`) so its migrations create it.
 */
export function defineOutboxTable(name = "outbox") {
  return pgTable(
    name,
    {
      id: bigserial("id", { mode: "number" }).primaryKey(),
      eventId: text("event_id").notNull(),
      eventType: text("event_type").notNull(),
      aggregateType: text("aggregate_type").notNull(),
      aggregateId: text("aggregate_id").notNull(),
      eventVersion: integer("event_version").notNull(),
      occurredAt: timestamp("occurred_at", { withTimezone: true, mode: "date" }).notNull(),
      data: jsonb("data").notNull(),
      metadata: jsonb("metadata").notNull(),
      createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
      sentAt: timestamp("sent_at", { withTimezone: true }),
      /** The stream entry id XADD gave it (`<ms>-<seq>`). */
      streamId: text("stream_id"),
      /** The Redis generation (lib/events/redis-generation.ts) the entry was written into. */
      redisGeneration: text("redis_generation"),
      /** When every consumer group of its stream had acked past its entry. */
      confirmedAt: timestamp("confirmed_at", { withTimezone: true }),
    },
    // The relay reads only unsent rows in id order, the confirmer only sent, unconfirmed rows:
    // both partial indexes hold the rows in flight and stay small.
    (t) => [
      index(`${name}_unsent`).on(t.id).where(sql`${t.sentAt} is null`),
      // The confirmer's range scan: below a stream's floor, in one generation.
      index(`${name}_unconfirmed`)
        .on(t.aggregateType, t.redisGeneration, t.streamId)
        .where(sql`${t.sentAt} is not null and ${t.confirmedAt} is null`),
    ],
  );
}

/**
 * One row per Redis generation an outbox database has seen (lib/events/redis-loss-guard.ts): the
 * last dead-letter counts seen in it and, when it replaced another one (Redis lost its data),
 * how many dead letters were lost and how many outbox rows were sent again.
 */
export function defineRedisGenerationsTable(name = "redis_generations") {
  return pgTable(
    name,
    {
      prefix: text("prefix").notNull(),
      generation: text("generation").notNull(),
      previousGeneration: text("previous_generation"),
      seenAt: timestamp("seen_at", { withTimezone: true }).notNull().defaultNow(),
      /** Dead-letter stream lengths by aggregate type, as last seen in this generation. */
      deadLetters: jsonb("dead_letters").notNull().default({}),
      deadLettersAt: timestamp("dead_letters_at", { withTimezone: true }),
      /** Dead letters of the previous generation that this one no longer has (null: no loss). */
      lostDeadLetters: integer("lost_dead_letters"),
      /** Outbox rows sent again because their entries were lost. */
      requeued: integer("requeued").notNull().default(0),
    },
    (t) => [primaryKey({ name: `${name}_pkey`, columns: [t.prefix, t.generation] })],
  );
}

/**
 * The inbox: one row per (consumer group, event id) a group has processed, written in the same
 * transaction as the handler's effects, so a redelivered event is recognised and skipped.
 */
export function defineInboxTable(name = "inbox") {
  return pgTable(
    name,
    {
      consumerGroup: text("consumer_group").notNull(),
      eventId: text("event_id").notNull(),
      processedAt: timestamp("processed_at", { withTimezone: true }).notNull().defaultNow(),
    },
    (t) => [primaryKey({ name: `${name}_pkey`, columns: [t.consumerGroup, t.eventId] })],
  );
}

/** The outbox table under its default name. */
export const outbox = defineOutboxTable();
/** The inbox table under its default name. */
export const inbox = defineInboxTable();
/** The Redis generations table under its default name. */
export const redisGenerations = defineRedisGenerationsTable();

export type OutboxTable = ReturnType<typeof defineOutboxTable>;
export type InboxTable = ReturnType<typeof defineInboxTable>;
