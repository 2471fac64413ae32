import { count, eq, sum } from "drizzle-orm";
import type { NodePgDatabase } from "drizzle-orm/node-postgres";
import { createEvent } from "@/lib/contracts/events/create-event";
import type { EventMetadata } from "@/lib/contracts/events/envelope";
import {
  type ReputationScore,
  type SCORE_CHANGE_CAUSES,
  SCORE_CHANGED_V1,
} from "@/lib/contracts/reputation";
import type { EventsTransaction } from "@/lib/events/events-database";
import { publishInTransaction } from "@/lib/events/publish";
import { completedSessions, outbox, ratings, scores, taughtInteractions } from "./schema";
import {
  averageStars,
  NO_SCORE_INPUTS,
  type ScoreInputs,
  scoreHundredths,
  scoreValue,
} from "./score-formula";

export type ReputationDb = NodePgDatabase;

/** What made a score be recomputed: the rating, interaction or session, by id. */
export type ScoreCause = { kind: (typeof SCORE_CHANGE_CAUSES)[number]; id: string };

function toScore(userId: string, inputs: ScoreInputs, hundredths: number, updatedAt: Date | null) {
  return {
    userId,
    score: scoreValue(hundredths),
    ratingCount: inputs.ratingCount,
    averageStars: averageStars(inputs),
    interactionCount: inputs.interactionCount,
    completedSessionCount: inputs.completedSessionCount,
    updatedAt: updatedAt?.toISOString() ?? null,
  } satisfies ReputationScore;
}

/** The counts a user's score is computed from, read from the ratings and the recorded events. */
async function countInputs(tx: EventsTransaction, userId: string): Promise<ScoreInputs> {
  const [rated] = await tx
    .select({ n: count(), stars: sum(ratings.stars).mapWith(Number) })
    .from(ratings)
    .where(eq(ratings.subjectId, userId));
  const [taught] = await tx
    .select({ n: count() })
    .from(taughtInteractions)
    .where(eq(taughtInteractions.tutorId, userId));
  const [completed] = await tx
    .select({ n: count() })
    .from(completedSessions)
    .where(eq(completedSessions.tutorId, userId));
  return {
    ratingCount: rated?.n ?? 0,
    starSum: rated?.stars ?? 0,
    interactionCount: taught?.n ?? 0,
    completedSessionCount: completed?.n ?? 0,
  };
}

/**
 * Recomputes `userId`'s score from everything recorded about them (call it after recording the
 * new rating, interaction or session in `tx`) and publishes reputation.ScoreChanged in `tx` when
 * the score moved. The score row is locked first, so concurrent causes for one user serialize
 * and the later one counts both.
 */
export async function recomputeScore(
  tx: EventsTransaction,
  userId: string,
  cause: ScoreCause,
  changedAt: Date,
  metadata: EventMetadata,
): Promise<void> {
  const starting = scoreHundredths(NO_SCORE_INPUTS);
  await tx
    .insert(scores)
    .values({ userId, scoreHundredths: starting, ...NO_SCORE_INPUTS, updatedAt: changedAt })
    .onConflictDoNothing();
  const [current] = await tx.select().from(scores).where(eq(scores.userId, userId)).for("update");
  const previous = current?.scoreHundredths ?? starting;
  // Counted after the lock: under READ COMMITTED this sees every cause committed before us.
  const inputs = await countInputs(tx, userId);
  const next = scoreHundredths(inputs);
  await tx
    .update(scores)
    .set({ scoreHundredths: next, ...inputs, updatedAt: changedAt })
    .where(eq(scores.userId, userId));
  if (next === previous) return;
  const event = createEvent(SCORE_CHANGED_V1, {
    aggregateId: userId,
    data: {
      user_id: userId,
      previous_score: scoreValue(previous),
      score: scoreValue(next),
      cause: cause.kind,
      cause_id: cause.id,
      changed_at: changedAt.toISOString(),
    },
    metadata,
    occurredAt: changedAt,
  });
  await publishInTransaction(tx, event, outbox);
}

/** A user's score; a user nothing was recorded about has the starting score. */
export async function getScore(db: ReputationDb, userId: string): Promise<ReputationScore> {
  const [row] = await db.select().from(scores).where(eq(scores.userId, userId));
  if (!row) return toScore(userId, NO_SCORE_INPUTS, scoreHundredths(NO_SCORE_INPUTS), null);
  return toScore(userId, row, row.scoreHundredths, row.updatedAt);
}
