import { sql } from "drizzle-orm";
import {
  check,
  doublePrecision,
  index,
  integer,
  pgTable,
  text,
  timestamp,
  uuid,
} from "drizzle-orm/pg-core";
import type { UserRole } from "@/lib/contracts/identity";
import type { BOOKING_STATUSES, OFFER_STATUSES } from "@/lib/contracts/marketplace";
import {
  defineInboxTable,
  defineOutboxTable,
  defineRedisGenerationsTable,
} from "@/lib/events/outbox-tables";

type OfferStatus = (typeof OFFER_STATUSES)[number];
type BookingStatus = (typeof BOOKING_STATUSES)[number];

/** Registered users and their roles (from identity.UserRegistered). */
export const knownUsers = pgTable("known_users", {
  userId: uuid("user_id").primaryKey(),
  roles: text("roles").array().$type<UserRole[]>().notNull(),
  registeredAt: timestamp("registered_at", { withTimezone: true, precision: 3 }).notNull(),
});

/** Each user's latest reputation score (from reputation.ScoreChanged; the latest change wins). */
export const reputationScores = pgTable("reputation_scores", {
  userId: uuid("user_id").primaryKey(),
  score: doublePrecision("score").notNull(),
  changedAt: timestamp("changed_at", { withTimezone: true, precision: 3 }).notNull(),
});

/** A tutor's offer of sessions; prices in minor units of a currency. */
export const offers = pgTable(
  "offers",
  {
    id: uuid("id").primaryKey(),
    tutorId: uuid("tutor_id").notNull(),
    title: text("title").notNull(),
    subject: text("subject").notNull(),
    description: text("description"),
    durationMinutes: integer("duration_minutes").notNull(),
    priceAmountMinor: integer("price_amount_minor").notNull(),
    priceCurrency: text("price_currency").notNull(),
    status: text("status").$type<OfferStatus>().notNull().default("active"),
    createdAt: timestamp("created_at", { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    index("offers_created_at_id").on(t.createdAt, t.id),
    index("offers_tutor_id").on(t.tutorId),
    check("offers_status", sql`${t.status} in ('active', 'withdrawn')`),
    check("offers_price", sql`${t.priceAmountMinor} >= 0`),
  ],
);

/** A student's booking of an offer: `booked` → `cancelled` or `completed`, both final. */
export const bookings = pgTable(
  "bookings",
  {
    id: uuid("id").primaryKey(),
    offerId: uuid("offer_id")
      .notNull()
      .references(() => offers.id),
    tutorId: uuid("tutor_id").notNull(),
    studentId: uuid("student_id").notNull(),
    scheduledAt: timestamp("scheduled_at", { withTimezone: true, precision: 3 }).notNull(),
    status: text("status").$type<BookingStatus>().notNull().default("booked"),
    createdAt: timestamp("created_at", { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    index("bookings_offer_id").on(t.offerId),
    check("bookings_status", sql`${t.status} in ('booked', 'cancelled', 'completed')`),
    check("bookings_not_own_offer", sql`${t.tutorId} <> ${t.studentId}`),
  ],
);

/** A session that took place: at most one per booking. */
export const sessions = pgTable(
  "sessions",
  {
    id: uuid("id").primaryKey(),
    bookingId: uuid("booking_id")
      .notNull()
      .unique()
      .references(() => bookings.id),
    offerId: uuid("offer_id").notNull(),
    tutorId: uuid("tutor_id").notNull(),
    studentId: uuid("student_id").notNull(),
    durationSeconds: integer("duration_seconds").notNull(),
    completedAt: timestamp("completed_at", { withTimezone: true, precision: 3 }).notNull(),
  },
  (t) => [check("sessions_duration", sql`${t.durationSeconds} > 0`)],
);

export const outbox = defineOutboxTable();
export const inbox = defineInboxTable();
/** Redis generations the relay saw, for loss detection (lib/events/redis-loss-guard.ts). */
export const redisGenerations = defineRedisGenerationsTable();
