import { index, integer, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import type { Booking, Offer } from "@/lib/contracts/marketplace";
import { users } from "./identity";

/** Marketplace pallet: a tutor's offer of sessions on a subject, price in minor units. */
export const offers = pgTable(
  "offers",
  {
    id: uuid("id").primaryKey(),
    tutorId: uuid("tutor_id")
      .notNull()
      .references(() => users.id),
    title: text("title").notNull(),
    subject: text("subject").notNull(),
    description: text("description"),
    durationMinutes: integer("duration_minutes").notNull(),
    priceAmountMinor: integer("price_amount_minor").notNull(),
    priceCurrency: text("price_currency").notNull(),
    status: text("status").$type<Offer["status"]>().notNull(),
    createdAt: timestamp("created_at", { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    index("offers_created_at_id").on(t.createdAt, t.id),
    index("offers_tutor").on(t.tutorId, t.createdAt, t.id),
  ],
);

/** Marketplace pallet: a student's booking of an offer; `booked` → `completed` or `cancelled`. */
export const bookings = pgTable("bookings", {
  id: uuid("id").primaryKey(),
  offerId: uuid("offer_id")
    .notNull()
    .references(() => offers.id),
  tutorId: uuid("tutor_id")
    .notNull()
    .references(() => users.id),
  studentId: uuid("student_id")
    .notNull()
    .references(() => users.id),
  scheduledAt: timestamp("scheduled_at", { withTimezone: true, precision: 3 }).notNull(),
  status: text("status").$type<Booking["status"]>().notNull(),
  createdAt: timestamp("created_at", { withTimezone: true, precision: 3 }).notNull().defaultNow(),
});

/** Marketplace pallet: a session that took place; at most one per booking. */
export const sessions = pgTable("sessions", {
  id: uuid("id").primaryKey(),
  bookingId: uuid("booking_id")
    .notNull()
    .unique()
    .references(() => bookings.id),
  offerId: uuid("offer_id")
    .notNull()
    .references(() => offers.id),
  tutorId: uuid("tutor_id")
    .notNull()
    .references(() => users.id),
  studentId: uuid("student_id")
    .notNull()
    .references(() => users.id),
  durationSeconds: integer("duration_seconds").notNull(),
  completedAt: timestamp("completed_at", { withTimezone: true, precision: 3 }).notNull(),
});
