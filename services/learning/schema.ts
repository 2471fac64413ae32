import { index, integer, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import type { UserRole } from "@/lib/contracts/identity";
import type { InteractionType } from "@/lib/contracts/learning";
import {
  defineInboxTable,
  defineOutboxTable,
  defineRedisGenerationsTable,
} from "@/lib/events/outbox-tables";

/** Recorded learning interactions (xAPI-like statements between a tutor and a student). */
export const interactions = pgTable(
  "interactions",
  {
    id: uuid("id").primaryKey(),
    type: text("type").$type<InteractionType>().notNull(),
    content: text("content").notNull(),
    durationSeconds: integer("duration_seconds").notNull(),
    tutorId: uuid("tutor_id").notNull(),
    studentId: uuid("student_id").notNull(),
    occurredAt: timestamp("occurred_at", { withTimezone: true, precision: 3 }).notNull(),
    createdAt: timestamp("created_at", { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    index("interactions_created_at_id").on(t.createdAt, t.id),
    index("interactions_student_created_at_id").on(t.studentId, t.createdAt, t.id),
    index("interactions_tutor_created_at_id").on(t.tutorId, t.createdAt, t.id),
  ],
);

/**
 * Users learning knows exist: a projection of `identity.UserRegistered` (learning never calls
 * identity), consulted before an interaction is recorded.
 */
export const knownUsers = pgTable("known_users", {
  userId: uuid("user_id").primaryKey(),
  roles: text("roles").array().$type<UserRole[]>().notNull(),
  registeredAt: timestamp("registered_at", { withTimezone: true, precision: 3 }).notNull(),
  learnedAt: timestamp("learned_at", { withTimezone: true, precision: 3 }).notNull().defaultNow(),
});

export const outbox = defineOutboxTable();
export const inbox = defineInboxTable();
/** Redis generations the relay saw, for loss detection (lib/events/redis-loss-guard.ts). */
export const redisGenerations = defineRedisGenerationsTable();
