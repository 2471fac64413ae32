import { sql } from "drizzle-orm";
import { check, index, integer, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import {
  defineInboxTable,
  defineOutboxTable,
  defineRedisGenerationsTable,
} from "@/lib/events/outbox-tables";

const at = (name: string) => timestamp(name, { withTimezone: true, precision: 3 });

/** One user's rating of another (1–5 stars), optionally about a session or an interaction. */
export const ratings = pgTable(
  "ratings",
  {
    id: uuid("id").primaryKey(),
    raterId: uuid("rater_id").notNull(),
    subjectId: uuid("subject_id").notNull(),
    stars: integer("stars").notNull(),
    comment: text("comment"),
    sessionId: uuid("session_id"),
    interactionId: uuid("interaction_id"),
    createdAt: at("created_at").notNull().defaultNow(),
  },
  (t) => [
    check("ratings_stars_1_to_5", sql`${t.stars} between 1 and 5`),
    index("ratings_created_at_id").on(t.createdAt, t.id),
    index("ratings_subject_created_at_id").on(t.subjectId, t.createdAt, t.id),
    index("ratings_rater_created_at_id").on(t.raterId, t.createdAt, t.id),
  ],
);

/** Interactions a tutor taught, from `learning.InteractionCreated`; one row per interaction. */
export const taughtInteractions = pgTable(
  "taught_interactions",
  {
    interactionId: uuid("interaction_id").primaryKey(),
    tutorId: uuid("tutor_id").notNull(),
    studentId: uuid("student_id").notNull(),
    occurredAt: at("occurred_at").notNull(),
    recordedAt: at("recorded_at").notNull().defaultNow(),
  },
  (t) => [index("taught_interactions_tutor").on(t.tutorId)],
);

/** Sessions a tutor completed, from `marketplace.SessionCompleted`; one row per session. */
export const completedSessions = pgTable(
  "completed_sessions",
  {
    sessionId: uuid("session_id").primaryKey(),
    tutorId: uuid("tutor_id").notNull(),
    studentId: uuid("student_id").notNull(),
    completedAt: at("completed_at").notNull(),
    recordedAt: at("recorded_at").notNull().defaultNow(),
  },
  (t) => [index("completed_sessions_tutor").on(t.tutorId)],
);

/**
 * Each user's current score and the counts it was computed from (services/reputation/
 * score-formula.ts), kept in integer hundredths; a user without a row has the starting score.
 */
export const scores = pgTable("scores", {
  userId: uuid("user_id").primaryKey(),
  scoreHundredths: integer("score_hundredths").notNull(),
  ratingCount: integer("rating_count").notNull(),
  starSum: integer("star_sum").notNull(),
  interactionCount: integer("interaction_count").notNull(),
  completedSessionCount: integer("completed_session_count").notNull(),
  updatedAt: at("updated_at").notNull(),
});

export const outbox = defineOutboxTable();
export const inbox = defineInboxTable();
/** Redis generations the relay saw, for loss detection (lib/events/redis-loss-guard.ts). */
export const redisGenerations = defineRedisGenerationsTable();
