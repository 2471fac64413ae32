import { index, integer, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import type { PassportEntryKind } from "@/lib/contracts/passport";
import { users } from "./identity";

/**
 * Passport pallet: the lines of each user's life-learning passport. A registered user has a
 * passport (the registration entry is written with the user), so there is no passports table.
 */
export const passportEntries = pgTable(
  "passport_entries",
  {
    id: uuid("id").primaryKey(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id),
    kind: text("kind").$type<PassportEntryKind>().notNull(),
    title: text("title").notNull(),
    description: text("description"),
    /** The event the entry was built from (registration, interaction), else null. */
    sourceEventId: uuid("source_event_id"),
    /** What the entry was derived from (`registration:<user>`, `interaction:<id>`), as in the passport service. */
    sourceKey: text("source_key").unique(),
    issuerId: uuid("issuer_id").references(() => users.id),
    /** What the entry adds to the passport's learning time (interaction entries only). */
    learningSeconds: integer("learning_seconds").notNull().default(0),
    occurredAt: timestamp("occurred_at", { withTimezone: true, precision: 3 }).notNull(),
    recordedAt: timestamp("recorded_at", { withTimezone: true, precision: 3 })
      .notNull()
      .defaultNow(),
  },
  (t) => [index("passport_entries_user_occurred_at_id").on(t.userId, t.occurredAt, t.id)],
);
