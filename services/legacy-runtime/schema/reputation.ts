import { index, integer, pgTable, smallint, text, timestamp, uuid } from "drizzle-orm/pg-core";

/** Reputation pallet: one user's rating of another; every rating counts. */
export const ratings = pgTable(
  "ratings",
  {
    id: uuid("id").primaryKey(),
    raterId: uuid("rater_id").notNull(),
    subjectId: uuid("subject_id").notNull(),
    stars: smallint("stars").notNull(),
    comment: text("comment"),
    sessionId: uuid("session_id"),
    interactionId: uuid("interaction_id"),
    createdAt: timestamp("created_at", { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    index("ratings_created_at_id").on(t.createdAt, t.id),
    index("ratings_subject").on(t.subjectId, t.createdAt, t.id),
    index("ratings_rater").on(t.raterId, t.createdAt, t.id),
  ],
);

/**
 * Reputation pallet: the four counts a user's score is computed from (docs/decisions/0005) and
 * the score they gave, in hundredths; a user without a row has the starting score.
 */
export const reputationScores = pgTable("reputation_scores", {
  userId: uuid("user_id").primaryKey(),
  ratingCount: integer("rating_count").notNull().default(0),
  starSum: integer("star_sum").notNull().default(0),
  interactionCount: integer("interaction_count").notNull().default(0),
  completedSessionCount: integer("completed_session_count").notNull().default(0),
  scoreHundredths: integer("score_hundredths").notNull(),
  updatedAt: timestamp("updated_at", { withTimezone: true, precision: 3 }).notNull(),
});
