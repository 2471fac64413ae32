import { sql } from "drizzle-orm";
import {
  check,
  index,
  integer,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import type { UserRole } from "@/lib/contracts/identity";
import type { PassportEntryKind } from "@/lib/contracts/passport";
import {
  defineInboxTable,
  defineOutboxTable,
  defineRedisGenerationsTable,
} from "@/lib/events/outbox-tables";

/** One passport per user, opened by identity.UserRegistered (or the user's first interaction). */
export const passports = pgTable("passports", {
  userId: uuid("user_id").primaryKey(),
  /** From identity.UserRegistered; empty while the registration has not arrived. */
  roles: text("roles").array().$type<UserRole[]>().notNull().default(sql`'{}'::text[]`),
  openedAt: timestamp("opened_at", { withTimezone: true, precision: 3 }).notNull().defaultNow(),
});

/** The lines of the passports; entries built from events carry a `source_key` that makes them unique. */
export const passportEntries = pgTable(
  "passport_entries",
  {
    id: uuid("id").primaryKey(),
    userId: uuid("user_id")
      .notNull()
      .references(() => passports.userId),
    kind: text("kind").$type<PassportEntryKind>().notNull(),
    title: text("title").notNull(),
    description: text("description"),
    sourceEventId: uuid("source_event_id"),
    /** `registration:<user id>` or `interaction:<interaction id>`: one entry per source. */
    sourceKey: text("source_key").unique(),
    issuerId: uuid("issuer_id"),
    /** Learning time the entry adds to the passport (interaction entries only). */
    durationSeconds: integer("duration_seconds").notNull().default(0),
    occurredAt: timestamp("occurred_at", { withTimezone: true, precision: 3 }).notNull(),
    recordedAt: timestamp("recorded_at", { withTimezone: true, precision: 3 })
      .notNull()
      .defaultNow(),
  },
  (t) => [
    index("passport_entries_user_occurred_at_id").on(t.userId, t.occurredAt, t.id),
    uniqueIndex("passport_entries_one_registration")
      .on(t.userId)
      .where(sql`${t.kind} = 'registration'`),
    check(
      "passport_entries_kind",
      sql`${t.kind} in ('registration', 'interaction', 'credential', 'achievement')`,
    ),
    check("passport_entries_duration", sql`${t.durationSeconds} >= 0`),
  ],
);

export const outbox = defineOutboxTable();
export const inbox = defineInboxTable();
/** Redis generations the relay saw, for loss detection (lib/events/redis-loss-guard.ts). */
export const redisGenerations = defineRedisGenerationsTable();
