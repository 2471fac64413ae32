import { index, integer, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import type { InteractionType } from "@/lib/contracts/learning";
import { users } from "./identity";

/** Learning pallet: xAPI-like statements between a tutor and a student. */
export const interactions = pgTable(
  "interactions",
  {
    id: uuid("id").primaryKey(),
    type: text("type").$type<InteractionType>().notNull(),
    content: text("content").notNull(),
    durationSeconds: integer("duration_seconds").notNull(),
    // one database: the monolith enforces who exists with foreign keys, not with a projection
    tutorId: uuid("tutor_id")
      .notNull()
      .references(() => users.id),
    studentId: uuid("student_id")
      .notNull()
      .references(() => users.id),
    occurredAt: timestamp("occurred_at", { withTimezone: true, precision: 3 }).notNull(),
    createdAt: timestamp("created_at", { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    index("interactions_created_at_id").on(t.createdAt, t.id),
    index("interactions_student").on(t.studentId, t.createdAt, t.id),
    index("interactions_tutor").on(t.tutorId, t.createdAt, t.id),
  ],
);
