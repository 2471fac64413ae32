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
 * transaction; the relay moves unsent rows to Redis and sets `sent_at`. A service's drizzle schema
 * re-exports the table (`export const outbox = defineOutboxTable()`) so its migrations create it.
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
    },
    // The relay reads only unsent rows in id order; the partial index stays small.
    (t) => [index(`${name}_unsent`).on(t.id).where(sql`${t.sentAt} is null`)],
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

export type OutboxTable = ReturnType<typeof defineOutboxTable>;
export type InboxTable = ReturnType<typeof defineInboxTable>;
